package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/talentmatch/talentmatch/internal/bench"
	"github.com/talentmatch/talentmatch/internal/natsserver"
	"github.com/talentmatch/talentmatch/internal/redisserver"
)

func runBench(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	var nf natsFlags
	nf.register(fs)
	tier := fs.String("tier", "campaign", "campaign (10k jobs, 100k candidates), city (100k, 1M), burst (500 jobs, 20k candidates at once) or small")
	embedded := fs.Bool("embedded", false, "start NATS (in this process), a private redis-server and a matchd child process")
	redisURL := fs.String("redis-url", os.Getenv("REDIS_URL"), "matchd's Redis (without --embedded)")
	metrics := fs.String("metrics", "http://127.0.0.1:8090/metrics", "matchd's /metrics (without --embedded)")
	prefix := fs.String("prefix", "talentmatch", "matchd's Redis prefix (without --embedded)")
	shards := fs.Int("shards", 16, "matchd's Redis shards")
	matchd := fs.String("matchd", "", "matchd binary for --embedded (default: next to matchctl, else on PATH)")
	ranker := fs.String("ranker", "mirror", "matchd's ranker for --embedded: mirror or redis")
	out := fs.String("out", "", "write the report as JSON to this file")
	seed := fs.Uint64("seed", 1, "workload seed")
	candEvents := fs.Int("candidate-events", 0, "candidate events at full speed (0: 4× the tier's target rate)")
	jobEvents := fs.Int("job-events", 0, "job events at full speed (0: 4× the tier's target rate)")
	candRate := fs.Int("candidate-rate", 0, "fixed candidate event rate (0: half the tier's target)")
	jobRate := fs.Int("job-rate", 0, "fixed job event rate (0: half the tier's target)")
	rateFor := fs.Duration("rate-duration", 10*time.Second, "how long each fixed rate runs")
	cpuprofile := fs.String("cpuprofile", "", "with --embedded, fetch a 10s CPU profile of matchd into this file")
	profileAfter := fs.Duration("profile-after", 2*time.Second, "when to start the CPU profile, after matchd restarted")
	if err := fs.Parse(args); err != nil {
		return err
	}
	t, ok := bench.Tiers[*tier]
	if !ok {
		return fmt.Errorf("unknown tier %q", *tier)
	}
	cfg := bench.Config{Tier: t, Prefix: *prefix, Shards: *shards, MetricsURL: *metrics, Seed: *seed,
		CandidateEvents: *candEvents, JobEvents: *jobEvents, CandidateRate: *candRate, JobRate: *jobRate,
		RateDuration: *rateFor, Log: os.Stderr}
	url, _ := nf.resolve()
	if *embedded {
		env, err := startBenchEnv(ctx, *matchd, *shards, *ranker)
		if err != nil {
			return err
		}
		defer env.stop()
		url, *redisURL = env.natsURL, env.redisURL
		cfg.MetricsURL = "http://" + env.httpAddr + "/metrics"
		cfg.Prefix = "talentmatch"
		cfg.AfterPreload = func(ctx context.Context) error {
			if err := env.restart(ctx); err != nil {
				return err
			}
			if *cpuprofile != "" {
				go env.profile(ctx, *cpuprofile, *profileAfter)
			}
			return nil
		}
	}
	nc, js, err := connect(url)
	if err != nil {
		return err
	}
	defer nc.Close()
	if *redisURL == "" {
		return errors.New("pass --redis-url (matchd's Redis) or --embedded")
	}
	opts, err := redis.ParseURL(*redisURL)
	if err != nil {
		return err
	}
	opts.PoolSize = 64
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	cfg.NC, cfg.JS, cfg.RDB = nc, js, rdb
	rep, err := bench.Run(ctx, cfg)
	if err != nil {
		return err
	}
	rep.MachineCores = runtime.NumCPU()
	fmt.Print(rep.Table())
	if *out != "" {
		b, _ := json.MarshalIndent(rep, "", "  ")
		if err := os.WriteFile(*out, b, 0o644); err != nil {
			return err
		}
		fmt.Printf("\nwrote %s\n", *out)
	}
	return nil
}

// benchEnv is NATS, Redis and a matchd child started for a benchmark.
type benchEnv struct {
	dir, bin, ranker  string
	shards            int
	natsURL, redisURL string
	httpAddr          string
	stopNATS          func()
	redis             *redisserver.Server
	cmd               *exec.Cmd
	done              chan struct{}
}

func startBenchEnv(ctx context.Context, bin string, shards int, ranker string) (*benchEnv, error) {
	if bin == "" {
		if self, err := os.Executable(); err == nil {
			if p := filepath.Join(filepath.Dir(self), "matchd"); fileExists(p) {
				bin = p
			}
		}
	}
	if bin == "" {
		p, err := exec.LookPath("matchd")
		if err != nil {
			return nil, errors.New("no matchd binary: run make build (bin/matchd) or pass --matchd")
		}
		bin = p
	}
	dir, err := os.MkdirTemp("", "talentmatch-bench-")
	if err != nil {
		return nil, err
	}
	e := &benchEnv{dir: dir, bin: bin, shards: shards, ranker: ranker}
	ns, err := natsserver.Start(natsserver.Options{Port: -1, StoreDir: filepath.Join(dir, "nats")})
	if err != nil {
		return nil, err
	}
	e.stopNATS = func() { ns.Shutdown(); ns.WaitForShutdown() }
	e.natsURL = ns.ClientURL()
	e.redis, err = redisserver.Start(ctx, redisserver.Options{Dir: filepath.Join(dir, "redis")})
	if err != nil {
		e.stop()
		return nil, err
	}
	e.redisURL = e.redis.URL()
	port, err := redisserver.FreePort()
	if err != nil {
		e.stop()
		return nil, err
	}
	e.httpAddr = "127.0.0.1:" + strconv.Itoa(port)
	return e, e.startMatchd(ctx)
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

func (e *benchEnv) startMatchd(ctx context.Context) error {
	e.cmd = exec.Command(e.bin, "-nats-url", e.natsURL, "-redis-url", e.redisURL, "-http-addr", e.httpAddr,
		"-data-dir", filepath.Join(e.dir, "matchd"), "-shards", strconv.Itoa(e.shards), "-ranker", e.ranker, "-log-level", "warn", "-pprof")
	e.cmd.Stdout, e.cmd.Stderr = os.Stderr, os.Stderr
	if err := e.cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", e.bin, err)
	}
	e.done = make(chan struct{})
	go func() { e.cmd.Wait(); close(e.done) }()
	deadline := time.Now().Add(5 * time.Minute)
	for time.Now().Before(deadline) {
		if resp, err := http.Get("http://" + e.httpAddr + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-e.done:
			return errors.New("matchd exited during start")
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return errors.New("matchd did not become ready")
}

// restart restarts matchd so that it loads its mirror from the preloaded
// state, as a replica does when it starts.
func (e *benchEnv) restart(ctx context.Context) error {
	e.stopMatchd()
	fmt.Fprintf(os.Stderr, "%s  restarting matchd to load the preloaded state\n", time.Now().Format("15:04:05"))
	start := time.Now()
	if err := e.startMatchd(ctx); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "%s  matchd ready after %.1fs\n", time.Now().Format("15:04:05"), time.Since(start).Seconds())
	return nil
}

func (e *benchEnv) stopMatchd() {
	if e.cmd == nil || e.cmd.Process == nil {
		return
	}
	_ = e.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-e.done:
	case <-time.After(30 * time.Second):
		_ = e.cmd.Process.Kill()
		<-e.done
	}
}

// profile fetches a CPU profile of matchd once the first measured phase
// is under way.
func (e *benchEnv) profile(ctx context.Context, path string, after time.Duration) {
	select {
	case <-ctx.Done():
		return
	case <-time.After(after):
	}
	resp, err := http.Get("http://" + e.httpAddr + "/debug/pprof/profile?seconds=10")
	if err != nil {
		fmt.Fprintln(os.Stderr, "cpu profile:", err)
		return
	}
	defer resp.Body.Close()
	f, err := os.Create(path)
	if err != nil {
		return
	}
	defer f.Close()
	io.Copy(f, resp.Body)
	fmt.Fprintf(os.Stderr, "%s  wrote matchd CPU profile to %s\n", time.Now().Format("15:04:05"), path)
}

func (e *benchEnv) stop() {
	e.stopMatchd()
	if e.redis != nil {
		e.redis.Stop()
	}
	if e.stopNATS != nil {
		e.stopNATS()
	}
	os.RemoveAll(e.dir)
}
