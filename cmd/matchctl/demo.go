package main

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/talentmatch/talentmatch/events"
	"github.com/talentmatch/talentmatch/internal/daemon"
	"github.com/talentmatch/talentmatch/matcher"
)

// demodata is a sample campaign modelled on a "Remain in Zhongguancun"
// online recruitment event: park companies in AI, chips, biomedicine,
// medical devices, intelligent manufacturing and new energy, and a few
// hundred returnee candidates, some writing their skills in Chinese.
//
//go:embed demodata/campaign.json demodata/jobs.jsonl demodata/candidates.jsonl
var demodata embed.FS

type demoData struct {
	campaign   map[string]any
	jobs       []map[string]any
	candidates []map[string]any
}

func loadDemo(run string) (*demoData, error) {
	d := &demoData{}
	b, err := demodata.ReadFile("demodata/campaign.json")
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &d.campaign); err != nil {
		return nil, fmt.Errorf("demo campaign: %w", err)
	}
	if d.jobs, err = readEmbedded("demodata/jobs.jsonl"); err != nil {
		return nil, err
	}
	if d.candidates, err = readEmbedded("demodata/candidates.jsonl"); err != nil {
		return nil, err
	}
	// Each run gets its own ids, so that it starts from a clean slate even
	// against state left by an earlier run.
	camp := fmt.Sprintf("%s-%s", d.campaign["campaign_id"], run)
	d.campaign["campaign_id"] = camp
	now := time.Now().UTC()
	d.campaign["starts_at"] = now.Add(-time.Hour).Format(time.RFC3339)
	d.campaign["ends_at"] = now.Add(30 * 24 * time.Hour).Format(time.RFC3339)
	for _, j := range d.jobs {
		j["job_id"] = fmt.Sprintf("%s-%s", j["job_id"], run)
		j["campaign_ids"] = []string{camp}
		delete(j, "expires_at")
	}
	for _, c := range d.candidates {
		c["candidate_id"] = fmt.Sprintf("%s-%s", c["candidate_id"], run)
		c["campaign_ids"] = []string{camp}
	}
	return d, nil
}

func readEmbedded(name string) ([]map[string]any, error) {
	b, err := demodata.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var out []map[string]any
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			return nil, fmt.Errorf("%s line %d: %w", name, i+1, err)
		}
		out = append(out, m)
	}
	return out, nil
}

func runDemo(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	var nf natsFlags
	nf.register(fs)
	rate := fs.Int("rate", 100, "candidates registered per second")
	keep := fs.Bool("keep", false, "keep the demo's jobs and candidates instead of withdrawing them at the end")
	quiet := fs.Bool("quiet", false, "print the summary only")
	embedded := fs.Bool("embedded", false, "always run matchd in this process, even if one is reachable")
	if err := fs.Parse(args); err != nil {
		return err
	}
	url, found := nf.resolve()
	if found && !*embedded && nf.url == "" {
		// A URL file left by a matchd that is gone is no reason to fail.
		if nc, _, err := connect(url); err != nil {
			found = false
		} else {
			nc.Close()
		}
	}
	apiAddr := ""
	if !found || *embedded {
		info, stop, err := startDaemon(ctx, nf.dataDir)
		if err != nil {
			return err
		}
		defer stop()
		url, apiAddr = info.NATSURL, info.APIAddr
		fmt.Printf("matchd is running in this process: NATS %s, Redis %s, metrics http://%s/metrics\n", info.NATSURL, info.RedisURL, info.HTTPAddr)
	}
	nc, js, err := connect(url)
	if err != nil {
		return err
	}
	defer nc.Close()

	run := time.Now().Format("0102-150405")
	d, err := loadDemo(run)
	if err != nil {
		return err
	}
	camp := d.campaign["campaign_id"].(string)
	fmt.Printf("campaign %s: %q — %d jobs from park companies, %d candidates\n", camp, d.campaign["name"], len(d.jobs), len(d.candidates))
	if apiAddr != "" {
		f := tokenFlags{dataDir: nf.dataDir, role: "organizer", campaigns: listFlag{camp}, ttl: 8 * time.Hour}
		if tok, err := f.mint(); err == nil {
			fmt.Printf("dashboard (organizer token in the fragment): %s\n", dashboardURL("http://"+apiAddr, camp, "zh", tok))
		}
	} else {
		fmt.Printf("dashboard: matchctl dashboard --campaign %s\n", camp)
	}
	fmt.Println()

	w, err := watchCampaign(ctx, js, camp, *quiet)
	if err != nil {
		return err
	}
	defer w.stop()
	var last uint64
	pub := func(kind string, obj map[string]any) error {
		ack, err := publishObject(ctx, js, kind, "/matchctl/demo", obj)
		if err != nil {
			return err
		}
		last = ack.Sequence
		return nil
	}
	if err := pub("campaign", d.campaign); err != nil {
		return err
	}
	for _, j := range d.jobs {
		if err := pub("job", j); err != nil {
			return err
		}
	}
	tick := time.NewTicker(time.Second / time.Duration(max(*rate, 1)))
	defer tick.Stop()
	start := time.Now()
	for _, c := range d.candidates {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
		if err := pub("candidate", c); err != nil {
			return err
		}
	}
	if err := waitProcessed(ctx, js, last); err != nil {
		return err
	}
	w.settle(ctx, js)
	elapsed := time.Since(start)
	w.summary(os.Stdout, d, elapsed)

	if *keep {
		fmt.Printf("\nkept the demo's state; watch it with: matchctl watch --campaign %s --all\n", camp)
		return nil
	}
	before := w.retracted()
	if err := pub("campaign-closed", map[string]any{"campaign_id": camp}); err != nil {
		return err
	}
	for _, c := range d.candidates {
		if err := pub("candidate-withdrawn", map[string]any{"candidate_id": c["candidate_id"]}); err != nil {
			return err
		}
	}
	for _, j := range d.jobs {
		if err := pub("job-closed", map[string]any{"job_id": j["job_id"], "company_id": j["company_id"]}); err != nil {
			return err
		}
	}
	if err := waitProcessed(ctx, js, last); err != nil {
		return err
	}
	w.settle(ctx, js)
	fmt.Printf("\nclosed the campaign (%d matches retracted, trigger campaign_closed), withdrew the candidates and closed the jobs.\n", w.retracted()-before)
	return nil
}

// startDaemon runs matchd in this process on its embedded defaults.
func startDaemon(ctx context.Context, dataDir string) (daemon.Info, func(), error) {
	cfg := daemon.Defaults()
	cfg.DataDir = dataDir
	cfg.HTTPAddr, cfg.APIAddr = "127.0.0.1:0", "127.0.0.1:0"
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	info, stop, err := daemon.Start(ctx, cfg, log)
	if err != nil {
		return daemon.Info{}, nil, fmt.Errorf("start matchd: %w", err)
	}
	return info, func() { _ = stop() }, nil
}

// waitProcessed waits until matchd's consumer has handled every inbound
// event up to stream sequence seq.
func waitProcessed(ctx context.Context, js jetstream.JetStream, seq uint64) error {
	deadline := time.Now().Add(5 * time.Minute)
	for time.Now().Before(deadline) {
		c, err := js.Consumer(ctx, events.StreamIn, "matchd")
		if err == nil {
			if info, err := c.Info(ctx); err == nil && info.AckFloor.Stream >= seq && info.NumAckPending == 0 {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return errors.New("matchd did not process the demo's events within 5 minutes; is it running (make run)?")
}

// campaignWatch prints and tallies a campaign's match events.
type campaignWatch struct {
	mu      sync.Mutex
	cc      jetstream.ConsumeContext
	lastSeq uint64
	created []matcher.Match
	retr    int
}

func watchCampaign(ctx context.Context, js jetstream.JetStream, camp string, quiet bool) (*campaignWatch, error) {
	cons, err := js.OrderedConsumer(ctx, events.StreamMatches, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{"talent.matches.*." + camp + ".>"}, DeliverPolicy: jetstream.DeliverNewPolicy})
	if err != nil {
		return nil, fmt.Errorf("watch campaign: %w", err)
	}
	w := &campaignWatch{}
	w.cc, err = cons.Consume(func(m jetstream.Msg) {
		env, match, err := events.DecodeMatch(m.Data())
		if err != nil {
			return
		}
		meta, _ := m.Metadata()
		w.mu.Lock()
		if meta != nil {
			w.lastSeq = meta.Sequence.Stream
		}
		if env.Type == events.TypeMatchCreated {
			w.created = append(w.created, match)
		} else {
			w.retr++
		}
		w.mu.Unlock()
		if !quiet && env.Type == events.TypeMatchCreated {
			printMatch(os.Stdout, env, match)
		}
	})
	return w, err
}

func (w *campaignWatch) stop() { w.cc.Stop() }

func (w *campaignWatch) retracted() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.retr
}

// settle waits until the watcher has received everything in the match
// stream at this moment.
func (w *campaignWatch) settle(ctx context.Context, js jetstream.JetStream) {
	s, err := js.Stream(ctx, events.StreamMatches)
	if err != nil {
		return
	}
	info, err := s.Info(ctx)
	if err != nil {
		return
	}
	for i := 0; i < 100; i++ {
		w.mu.Lock()
		done := w.lastSeq >= info.State.LastSeq
		w.mu.Unlock()
		if done {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (w *campaignWatch) summary(out io.Writer, d *demoData, elapsed time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	perJob := map[string]int{}
	perCand := map[string]int{}
	var sum float64
	for _, m := range w.created {
		perJob[m.CompanyID+"/"+m.JobID]++
		perCand[m.CandidateID]++
		sum += m.Score
	}
	fmt.Fprintf(out, "\n── summary ──────────────────────────────────────────\n")
	fmt.Fprintf(out, "%d candidates registered in %.1fs; %d matches created", len(d.candidates), elapsed.Seconds(), len(w.created))
	if len(w.created) > 0 {
		fmt.Fprintf(out, " (mean score %.2f)", sum/float64(len(w.created)))
	}
	fmt.Fprintf(out, "\n%d of %d candidates matched (%.0f%%)\n", len(perCand), len(d.candidates), 100*float64(len(perCand))/float64(max(len(d.candidates), 1)))
	type row struct {
		job, title string
		n          int
	}
	var rows []row
	for _, j := range d.jobs {
		ref := fmt.Sprintf("%s/%s", j["company_id"], j["job_id"])
		rows = append(rows, row{ref, fmt.Sprint(j["title"]), perJob[ref]})
	}
	sort.Slice(rows, func(a, b int) bool { return rows[a].n > rows[b].n })
	fmt.Fprintf(out, "matches per role:\n")
	var none []string
	for _, r := range rows {
		if r.n == 0 {
			none = append(none, r.job+" ("+r.title+")")
			continue
		}
		fmt.Fprintf(out, "  %3d  %s  %s\n", r.n, r.job, r.title)
	}
	if len(none) > 0 {
		fmt.Fprintf(out, "roles that found nobody:\n  %s\n", strings.Join(none, "\n  "))
	}
}
