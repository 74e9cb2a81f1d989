package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/redis/go-redis/v9"

	"github.com/talentmatch/talentmatch/internal/eval"
	"github.com/talentmatch/talentmatch/internal/redisserver"
	"github.com/talentmatch/talentmatch/matcher"
	"github.com/talentmatch/talentmatch/matcher/taxonomy"
)

func runEval(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	jobsPath := fs.String("jobs", "", "jobs, one Job JSON object per line")
	candsPath := fs.String("candidates", "", "candidates, one Candidate JSON object per line")
	qrelsPath := fs.String("qrels", "", "relevance judgements: candidate_id 0 job_id relevance")
	redisURL := fs.String("redis-url", "", "Redis to index into (under a fresh prefix, removed afterwards); default: a private redis-server")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *jobsPath == "" || *candsPath == "" || *qrelsPath == "" {
		fs.Usage()
		return flag.ErrHelp
	}
	var jobs []matcher.Job
	if err := readJSONL(*jobsPath, &jobs); err != nil {
		return err
	}
	var cands []matcher.Candidate
	if err := readJSONL(*candsPath, &cands); err != nil {
		return err
	}
	f, err := os.Open(*qrelsPath)
	if err != nil {
		return err
	}
	q, err := eval.ReadQrels(f)
	f.Close()
	if err != nil {
		return err
	}
	rdb, stop, err := evalRedis(ctx, *redisURL)
	if err != nil {
		return err
	}
	defer stop()
	rep, err := eval.Run(ctx, rdb, jobs, cands, q)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	fmt.Print(rep.Table())
	return nil
}

// evalRedis connects to url, or starts a private redis-server.
func evalRedis(ctx context.Context, url string) (redis.UniversalClient, func(), error) {
	if url != "" {
		opts, err := redis.ParseURL(url)
		if err != nil {
			return nil, nil, err
		}
		c := redis.NewClient(opts)
		return c, func() { c.Close() }, c.Ping(ctx).Err()
	}
	dir, err := os.MkdirTemp("", "talentmatch-eval-")
	if err != nil {
		return nil, nil, err
	}
	srv, err := redisserver.Start(ctx, redisserver.Options{Dir: dir})
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	c := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	return c, func() { c.Close(); srv.Stop(); os.RemoveAll(dir) }, nil
}

func readJSONL[T any](path string, out *[]T) error {
	objs, err := readObjects(path)
	if err != nil {
		return err
	}
	for i, o := range objs {
		b, _ := json.Marshal(o)
		var v T
		if err := json.Unmarshal(b, &v); err != nil {
			return fmt.Errorf("%s: object %d: %w", path, i+1, err)
		}
		*out = append(*out, v)
	}
	return nil
}

func runEvalGen(_ context.Context, args []string) error {
	fs := flag.NewFlagSet("eval-gen", flag.ContinueOnError)
	out := fs.String("out", "evalset", "directory to write jobs.jsonl, candidates.jsonl and qrels.txt to")
	var cfg eval.GenConfig
	seed := fs.Uint64("seed", 1, "random seed")
	fs.IntVar(&cfg.CandidatesPerJob, "per-job", 5, "candidates written from each job")
	fs.Float64Var(&cfg.Fraction, "fraction", 0.4, "share of a job's required skills each candidate holds")
	fs.IntVar(&cfg.Unrelated, "unrelated", 3, "unrelated skills added to each candidate")
	fs.Float64Var(&cfg.Chinese, "chinese", 0, "share of skills written in Chinese where the skill has a Chinese name")
	fs.IntVar(&cfg.MaxJobs, "max-jobs", 0, "cap on the number of jobs (0: one per bundle)")
	fs.Float64Var(&cfg.Noise, "noise", 0.3, "share of skills written with a variation no label holds (case, full width, version, 熟悉…)")
	fs.BoolVar(&cfg.AllDomains, "all-domains", false, "draw jobs from the whole taxonomy, not only the park-company domain")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg.Seed = *seed
	set := eval.Generate(taxonomy.Default(), cfg)
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	if err := writeJSONL(filepath.Join(*out, "jobs.jsonl"), set.Jobs); err != nil {
		return err
	}
	if err := writeJSONL(filepath.Join(*out, "candidates.jsonl"), set.Candidates); err != nil {
		return err
	}
	qf, err := os.Create(filepath.Join(*out, "qrels.txt"))
	if err != nil {
		return err
	}
	for _, c := range set.Candidates {
		for job, rel := range set.Qrels[c.CandidateID] {
			fmt.Fprintf(qf, "%s 0 %s %d\n", c.CandidateID, job, rel)
		}
	}
	if err := qf.Close(); err != nil {
		return err
	}
	fmt.Printf("wrote %d jobs, %d candidates and their judgements to %s\n", len(set.Jobs), len(set.Candidates), *out)
	return nil
}

func writeJSONL[T any](path string, items []T) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	enc.SetEscapeHTML(false)
	for _, it := range items {
		if err := enc.Encode(it); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}
