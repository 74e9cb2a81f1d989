package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/talentmatch/talentmatch/internal/natsserver"
	"github.com/talentmatch/talentmatch/internal/redisserver"
)

// benchEnvConfig configures the servers and matchd replicas of an
// embedded benchmark.
type benchEnvConfig struct {
	bin, ranker string
	shards      int
	// cluster runs 3 NATS servers with R3 streams and a Redis Cluster of
	// 3 primaries instead of one of each.
	cluster  bool
	replicas int
}

// benchEnv is NATS, Redis and matchd children started for a benchmark.
type benchEnv struct {
	benchEnvConfig
	dir                 string
	natsURL, redisURL   string
	stopNATS, stopRedis func()
	matchd              []*matchdChild
}

// matchdChild is one matchd replica.
type matchdChild struct {
	httpAddr string
	cmd      *exec.Cmd
	done     chan struct{}
}

func startBenchEnv(ctx context.Context, c benchEnvConfig) (*benchEnv, error) {
	if c.bin == "" {
		if self, err := os.Executable(); err == nil {
			if p := filepath.Join(filepath.Dir(self), "matchd"); fileExists(p) {
				c.bin = p
			}
		}
	}
	if c.bin == "" {
		p, err := exec.LookPath("matchd")
		if err != nil {
			return nil, errors.New("no matchd binary: run make build (bin/matchd) or pass --matchd")
		}
		c.bin = p
	}
	dir, err := os.MkdirTemp("", "talentmatch-bench-")
	if err != nil {
		return nil, err
	}
	e := &benchEnv{benchEnvConfig: c, dir: dir}
	if err := e.startServers(ctx); err != nil {
		e.stop()
		return nil, err
	}
	for range c.replicas {
		port, err := redisserver.FreePort()
		if err != nil {
			e.stop()
			return nil, err
		}
		e.matchd = append(e.matchd, &matchdChild{httpAddr: "127.0.0.1:" + strconv.Itoa(port)})
	}
	if err := e.startMatchd(ctx); err != nil {
		e.stop()
		return nil, err
	}
	return e, nil
}

func (e *benchEnv) startServers(ctx context.Context) error {
	if e.cluster {
		nc, err := natsserver.StartCluster(filepath.Join(e.dir, "nats"), 3)
		if err != nil {
			return err
		}
		e.stopNATS, e.natsURL = nc.Stop, nc.URL()
		rc, err := redisserver.StartCluster(ctx, redisserver.ClusterOptions{Dir: filepath.Join(e.dir, "redis"), Masters: 3})
		if err != nil {
			return err
		}
		e.stopRedis, e.redisURL = rc.Stop, rc.URL()
		return nil
	}
	ns, err := natsserver.Start(natsserver.Options{Port: -1, StoreDir: filepath.Join(e.dir, "nats")})
	if err != nil {
		return err
	}
	e.stopNATS = func() { ns.Shutdown(); ns.WaitForShutdown() }
	e.natsURL = ns.ClientURL()
	rs, err := redisserver.Start(ctx, redisserver.Options{Dir: filepath.Join(e.dir, "redis")})
	if err != nil {
		return err
	}
	e.stopRedis = func() { _ = rs.Stop() }
	e.redisURL = rs.URL()
	return nil
}

func (e *benchEnv) metricsURLs() []string {
	var urls []string
	for _, m := range e.matchd {
		urls = append(urls, "http://"+m.httpAddr+"/metrics")
	}
	return urls
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// startMatchd starts every replica and waits until all are ready.
func (e *benchEnv) startMatchd(ctx context.Context) error {
	streamReplicas := "1"
	if e.cluster {
		streamReplicas = "3"
	}
	for i, m := range e.matchd {
		m.cmd = exec.Command(e.bin, "-nats-url", e.natsURL, "-redis-url", e.redisURL, "-http-addr", m.httpAddr, "-api-addr", "-",
			"-data-dir", filepath.Join(e.dir, fmt.Sprint("matchd", i)), "-shards", strconv.Itoa(e.shards), "-ranker", e.ranker,
			"-stream-replicas", streamReplicas, "-log-level", "warn", "-pprof")
		m.cmd.Stdout, m.cmd.Stderr = os.Stderr, os.Stderr
		m.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		if err := m.cmd.Start(); err != nil {
			return fmt.Errorf("start %s: %w", e.bin, err)
		}
		m.done = make(chan struct{})
		go func() { _ = m.cmd.Wait(); close(m.done) }()
	}
	for _, m := range e.matchd {
		if err := m.waitReady(ctx, 5*time.Minute); err != nil {
			return err
		}
	}
	return nil
}

func (m *matchdChild) waitReady(ctx context.Context, d time.Duration) error {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if resp, err := http.Get("http://" + m.httpAddr + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-m.done:
			return errors.New("matchd exited during start")
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond): // readiness is polled over HTTP
		}
	}
	return errors.New("matchd did not become ready")
}

// restart restarts the replicas so that they load their mirrors from the
// preloaded state, as a replica does when it starts.
func (e *benchEnv) restart(ctx context.Context) error {
	e.stopMatchd()
	fmt.Fprintf(os.Stderr, "%s  restarting %d matchd replica(s) to load the preloaded state\n", time.Now().Format("15:04:05"), len(e.matchd))
	start := time.Now()
	if err := e.startMatchd(ctx); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "%s  matchd ready after %.1fs\n", time.Now().Format("15:04:05"), time.Since(start).Seconds())
	return nil
}

func (e *benchEnv) stopMatchd() {
	for _, m := range e.matchd {
		if m.cmd != nil && m.cmd.Process != nil {
			_ = m.cmd.Process.Signal(syscall.SIGTERM)
		}
	}
	for _, m := range e.matchd {
		if m.cmd == nil || m.cmd.Process == nil {
			continue
		}
		select {
		case <-m.done:
		case <-time.After(30 * time.Second):
			_ = m.cmd.Process.Kill()
			<-m.done
		}
	}
}

// profile fetches a CPU profile of the first replica once the first
// measured phase is under way.
func (e *benchEnv) profile(ctx context.Context, path string, after time.Duration) {
	select {
	case <-ctx.Done():
		return
	case <-time.After(after):
	}
	resp, err := http.Get("http://" + e.matchd[0].httpAddr + "/debug/pprof/profile?seconds=10")
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
	_, _ = io.Copy(f, resp.Body)
	fmt.Fprintf(os.Stderr, "%s  wrote matchd CPU profile to %s\n", time.Now().Format("15:04:05"), path)
}

func (e *benchEnv) stop() {
	e.stopMatchd()
	if e.stopRedis != nil {
		e.stopRedis()
	}
	if e.stopNATS != nil {
		e.stopNATS()
	}
	os.RemoveAll(e.dir)
}
