package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/talentmatch/talentmatch/internal/bench"
	"github.com/talentmatch/talentmatch/internal/daemon"
)

func runBench(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	var nf natsFlags
	nf.register(fs)
	tier := fs.String("tier", "campaign", "campaign (10k jobs, 100k candidates), city (100k, 1M), burst (500 jobs, 20k candidates at once) or small")
	embedded := fs.Bool("embedded", false, "start NATS (in this process), a private redis-server and matchd child processes")
	cluster := fs.Bool("cluster", false, "with --embedded: a 3-server NATS cluster with R3 streams and a 3-primary Redis Cluster")
	replicas := fs.Int("replicas", 1, "with --embedded: matchd replicas sharing the consumer")
	ceilings := fs.Bool("ceilings", true, "measure the machine's ceilings and the ZUNIONSTORE baseline after the phases")
	redisURL := fs.String("redis-url", os.Getenv("REDIS_URL"), "matchd's Redis (without --embedded): redis://, redis-cluster://h1:p1?addr=h2:p2, h1:p1,h2:p2 or redis-sentinel://")
	metrics := fs.String("metrics", "http://127.0.0.1:8090/metrics", "comma-separated /metrics of every matchd replica (without --embedded)")
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
	if *replicas < 1 {
		return errors.New("--replicas must be at least 1")
	}
	cfg := bench.Config{Tier: t, Prefix: *prefix, Shards: *shards, MetricsURLs: strings.Split(*metrics, ","), Seed: *seed,
		CandidateEvents: *candEvents, JobEvents: *jobEvents, CandidateRate: *candRate, JobRate: *jobRate,
		RateDuration: *rateFor, SkipCeilings: !*ceilings, Log: os.Stderr}
	url, _ := nf.resolve()
	if *embedded {
		env, err := startBenchEnv(ctx, benchEnvConfig{bin: *matchd, shards: *shards, ranker: *ranker, cluster: *cluster, replicas: *replicas})
		if err != nil {
			return err
		}
		defer env.stop()
		url, *redisURL = env.natsURL, env.redisURL
		cfg.MetricsURLs = env.metricsURLs()
		cfg.Prefix = "talentmatch"
		if *cluster {
			cfg.Topology = bench.Topology{NATSServers: 3, StreamReplicas: 3, RedisMasters: 3}
		}
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
	rdb, err := daemon.RedisClient(*redisURL)
	if err != nil {
		return err
	}
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
