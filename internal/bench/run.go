package bench

import (
	"context"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/redis/go-redis/v9"

	"github.com/talentmatch/talentmatch/events"
	"github.com/talentmatch/talentmatch/matcher"
	"github.com/talentmatch/talentmatch/matcher/state"
	"github.com/talentmatch/talentmatch/matcher/taxonomy"
)

// Config configures a run.
type Config struct {
	Tier Tier
	// NC and JS reach the NATS matchd consumes from; RDB the Redis it uses,
	// under Prefix with Shards shards.
	NC     *nats.Conn
	JS     jetstream.JetStream
	RDB    redis.UniversalClient
	Prefix string
	Shards int
	// MetricsURLs are the /metrics of every matchd replica consuming the
	// events, for their memory and CPU; the report counts them as the
	// replicas.
	MetricsURLs []string
	// Durable is matchd's consumer. Default "matchd".
	Durable string
	Seed    uint64
	// Events at full speed, per kind (0: a default for the tier).
	CandidateEvents, JobEvents int
	// Fixed rates (0: half the tier's targets) and how long each runs.
	CandidateRate, JobRate int
	RateDuration           time.Duration
	// Workers of the bare-pipeline ceiling (matchd's worker count).
	Workers int
	// SkipPreload assumes the tier is already loaded (same seed).
	SkipPreload bool
	// CeilingMessages is how many messages each ceiling measurement uses.
	// Default 50,000.
	CeilingMessages int
	// BaselineFor is how long the baseline runs. Default 10s.
	BaselineFor time.Duration
	// Topology is reported as given.
	Topology Topology
	// SkipCeilings skips the machine's ceilings and the ZUNIONSTORE
	// baseline (they measure the servers, not matchd's replicas).
	SkipCeilings bool
	// Log receives progress lines.
	Log io.Writer
	// Restart, when set, is called after the preload so that matchd loads
	// its mirror from the preloaded state.
	AfterPreload func(context.Context) error
}

// Phase is one measured series of events.
type Phase struct {
	Name          string  `json:"name"`
	Kind          string  `json:"kind"` // candidate or job
	Rate          int     `json:"target_rate_per_second,omitempty"`
	Events        int     `json:"events"`
	Seconds       float64 `json:"seconds"`
	EventsPerSec  float64 `json:"events_per_second"`
	Matches       int     `json:"matches"`
	MatchesPerSec float64 `json:"matches_per_second"`
	WithMatches   int     `json:"events_with_matches"`
	P50           float64 `json:"latency_p50_ms"`
	P99           float64 `json:"latency_p99_ms"`
	P999          float64 `json:"latency_p999_ms"`
	Max           float64 `json:"latency_max_ms"`
	CPUSeconds    float64 `json:"matchd_cpu_seconds"`
	CPUPerEventMS float64 `json:"matchd_cpu_ms_per_event"`
	// RedisCPUPerEventMS is the CPU of every Redis primary per event, and
	// MachineCPUPerEventMS that of the whole machine (matchd, Redis, NATS,
	// the benchmark itself and anything else running).
	RedisCPUPerEventMS   float64 `json:"redis_cpu_ms_per_event"`
	MachineCPUPerEventMS float64 `json:"machine_cpu_ms_per_event"`
	// LastMatchAfterPublishMS is, for a burst, the time from the last
	// publish to the last match event received.
	LastMatchAfterPublishMS float64 `json:"last_match_after_last_publish_ms,omitempty"`
}

// Topology is what the benchmark runs against. Zero counts mean one.
type Topology struct {
	NATSServers    int `json:"nats_servers"`
	StreamReplicas int `json:"stream_replicas"`
	RedisMasters   int `json:"redis_masters"`
	// Cluster is set when NATS or Redis runs as a cluster.
	Cluster bool `json:"cluster"`
}

// Report is the outcome of a run.
type Report struct {
	Tier                 string  `json:"tier"`
	Jobs                 int     `json:"jobs"`
	Candidates           int     `json:"candidates"`
	TopSkillShare        float64 `json:"top_skill_share_of_jobs"`
	PreloadSeconds       float64 `json:"preload_seconds"`
	RedisUsedMemory      int64   `json:"redis_used_memory_bytes"` // summed over the masters of a Redis Cluster
	RedisBytesPerProfile float64 `json:"redis_bytes_per_profile"`
	Replicas             int     `json:"matchd_replicas"`
	Topology
	// MatchdPeakRSS is the peak RSS of the largest replica;
	// MatchdPeakRSSTotal the peak of all replicas' RSS summed, sampled
	// together.
	MatchdPeakRSS         int64    `json:"matchd_peak_rss_bytes"`
	MatchdPeakRSSTotal    int64    `json:"matchd_peak_rss_total_bytes"`
	Phases                []Phase  `json:"phases"`
	Ceilings              Ceilings `json:"ceilings"`
	Baseline              Baseline `json:"zunionstore_baseline"`
	CandidateVsBaseline   float64  `json:"candidate_events_vs_baseline"`
	CandidateVsJetStream  float64  `json:"candidate_events_vs_jetstream_ceiling"`
	CandidateVsPipeline   float64  `json:"candidate_events_vs_bare_pipeline"`
	Started               string   `json:"started"`
	MachineCores          int      `json:"machine_cores"`
	Notes                 []string `json:"notes,omitempty"`
	matchdCPUAtPhaseStart float64
}

func (c *Config) defaults() {
	if c.Durable == "" {
		c.Durable = "matchd"
	}
	if c.RateDuration == 0 {
		c.RateDuration = 10 * time.Second
	}
	if c.Workers == 0 {
		c.Workers = 16
	}
	if c.Log == nil {
		c.Log = io.Discard
	}
	if c.CeilingMessages == 0 {
		c.CeilingMessages = 50000
	}
	if c.BaselineFor == 0 {
		c.BaselineFor = 10 * time.Second
	}
	targets := map[string][2]int{"campaign": {5000, 1000}, "city": {2000, 200}, "small": {2000, 500}}
	if c.Tier.Jobs < 5000 && c.Tier.Name != "small" && c.Tier.Name != "burst" {
		targets[c.Tier.Name] = [2]int{200, 50} // a test-sized tier
	}
	t := targets[c.Tier.Name]
	if c.CandidateEvents == 0 {
		c.CandidateEvents = max(t[0]*4, 5000)
	}
	if c.JobEvents == 0 {
		c.JobEvents = max(t[1]*4, 500)
	}
	if c.CandidateRate == 0 {
		c.CandidateRate = t[0] / 2
	}
	if c.JobRate == 0 {
		c.JobRate = t[1] / 2
	}
}

func (c *Config) logf(format string, args ...any) {
	fmt.Fprintf(c.Log, "%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

// Run runs the benchmark.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	cfg.defaults()
	tax := taxonomy.Default()
	rep := &Report{Tier: cfg.Tier.Name, Jobs: cfg.Tier.Jobs, Candidates: cfg.Tier.Candidates, Started: time.Now().UTC().Format(time.RFC3339)}
	st, err := state.New(cfg.RDB, state.Config{Prefix: cfg.Prefix, Shards: cfg.Shards})
	if err != nil {
		return nil, err
	}
	if err := st.Init(ctx); err != nil {
		return nil, err
	}
	scorer := matcher.NewScorer(tax, matcher.ScoreConfig{})
	w := NewWorkload(tax, cfg.Seed, max(cfg.Tier.Jobs, 1))
	rep.TopSkillShare = w.TopSkillShare()
	mon := newMonitor(cfg.MetricsURLs, cfg.RDB)
	defer mon.stop()

	if err := openCampaign(ctx, st); err != nil {
		return nil, err
	}
	memBefore, _ := usedMemory(ctx, cfg.RDB)
	if !cfg.Tier.Burst && !cfg.SkipPreload {
		cfg.logf("preloading %d jobs and %d candidates into Redis", cfg.Tier.Jobs, cfg.Tier.Candidates)
		start := time.Now()
		if err := preload(ctx, st, w, cfg.Tier, cfg.Log); err != nil {
			return nil, fmt.Errorf("preload: %w", err)
		}
		rep.PreloadSeconds = time.Since(start).Seconds()
	}
	if mem, err := usedMemory(ctx, cfg.RDB); err == nil && !cfg.Tier.Burst {
		rep.RedisUsedMemory = mem
		rep.RedisBytesPerProfile = float64(mem-memBefore) / float64(cfg.Tier.Jobs+cfg.Tier.Candidates)
		cfg.logf("Redis used_memory %d MB: %.0f bytes per stored profile", mem>>20, rep.RedisBytesPerProfile)
	}
	if cfg.AfterPreload != nil {
		if err := cfg.AfterPreload(ctx); err != nil {
			return nil, err
		}
		mon = newMonitor(cfg.MetricsURLs, cfg.RDB)
		defer mon.stop()
	}

	watch, err := newWatcher(ctx, cfg.JS)
	if err != nil {
		return nil, err
	}
	defer watch.stop()
	run := strings.ReplaceAll(uuid.NewString()[:8], "-", "")
	if cfg.Tier.Burst {
		ph, err := burst(ctx, &cfg, w, watch, mon, run)
		if err != nil {
			return nil, err
		}
		rep.Phases = append(rep.Phases, ph...)
	} else {
		for _, p := range []struct {
			name, kind string
			n, rate    int
		}{
			{"candidates full speed", "candidate", cfg.CandidateEvents, 0},
			{"candidates fixed rate", "candidate", 0, cfg.CandidateRate},
			{"jobs full speed", "job", cfg.JobEvents, 0},
			{"jobs fixed rate", "job", 0, cfg.JobRate},
		} {
			n := p.n
			if p.rate > 0 {
				n = int(float64(p.rate) * cfg.RateDuration.Seconds())
			}
			ph, err := phase(ctx, &cfg, w, watch, mon, fmt.Sprintf("%s%d", run, len(rep.Phases)), p.name, p.kind, n, p.rate)
			if err != nil {
				return nil, err
			}
			rep.Phases = append(rep.Phases, ph)
		}
	}
	rep.MatchdPeakRSS, rep.MatchdPeakRSSTotal = mon.peakRSS()
	rep.Replicas = len(cfg.MetricsURLs)
	rep.Topology = Topology{NATSServers: max(cfg.Topology.NATSServers, 1), StreamReplicas: max(cfg.Topology.StreamReplicas, 1),
		RedisMasters: max(cfg.Topology.RedisMasters, 1), Cluster: cfg.Topology.NATSServers > 1 || cfg.Topology.RedisMasters > 1}
	if cfg.SkipCeilings {
		return rep, nil
	}

	cfg.logf("measuring the machine's ceilings")
	if rep.Ceilings, err = MeasureCeilings(ctx, cfg.NC, cfg.JS, cfg.RDB, cfg.Workers, cfg.CeilingMessages); err != nil {
		return nil, err
	}
	if !cfg.Tier.Burst {
		cfg.logf("measuring the ZUNIONSTORE baseline")
		if rep.Baseline, err = MeasureBaseline(ctx, cfg.RDB, st, scorer, w, cfg.Shards, cfg.BaselineFor, cfg.Workers); err != nil {
			return nil, err
		}
	}
	if len(rep.Phases) > 0 && rep.Phases[0].Kind == "candidate" {
		ev := rep.Phases[0].EventsPerSec
		if rep.Baseline.QueriesPerSecond > 0 {
			rep.CandidateVsBaseline = ev / rep.Baseline.QueriesPerSecond
		}
		rep.CandidateVsJetStream = ev / rep.Ceilings.JetStreamConsumeAck
		rep.CandidateVsPipeline = ev / rep.Ceilings.BarePipeline
	}
	return rep, nil
}

// openCampaign opens the campaign every benchmark entity belongs to, with
// a fixed version so that a second run finds it current, and records it as
// matched so that no replica sets about matching the preloaded tier.
func openCampaign(ctx context.Context, st *state.Redis) error {
	v := matcher.Version{Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), EventID: "bench-campaign"}
	c := &matcher.Campaign{CampaignID: Campaign, Name: "benchmark", StartsAt: v.Time, EndsAt: time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)}
	if _, err := st.PutCampaign(ctx, c, v); err != nil {
		return fmt.Errorf("open the benchmark campaign: %w", err)
	}
	if _, err := st.SetCampaignPhase(ctx, Campaign, v.EventID, matcher.PhaseMatched); err != nil {
		return fmt.Errorf("open the benchmark campaign: %w", err)
	}
	return nil
}

// preload writes the tier straight into Redis, in batches.
func preload(ctx context.Context, st *state.Redis, w *Workload, t Tier, log io.Writer) error {
	v := matcher.Version{Time: time.Now().Add(-time.Hour), EventID: "preload"}
	const batch = 2000
	type job struct{ from, to int }
	work := make(chan job)
	errc := make(chan error, 8)
	var wg sync.WaitGroup
	for g := 0; g < 6; g++ {
		wg.Add(1)
		go func() { // exits when work is closed
			defer wg.Done()
			for b := range work {
				var jobs []*matcher.JobFeatures
				var cands []*matcher.CandidateFeatures
				for i := b.from; i < b.to; i++ {
					if i < t.Jobs {
						jobs = append(jobs, w.JobFeatures("p", i))
					} else {
						cands = append(cands, w.CandidateFeatures("p", 0, i-t.Jobs))
					}
				}
				if err := st.BulkLoad(ctx, jobs, cands, v); err != nil {
					select {
					case errc <- err:
					default:
					}
				}
			}
		}()
	}
	total := t.Jobs + t.Candidates
	start := time.Now()
	for from := 0; from < total; from += batch {
		select {
		case err := <-errc:
			close(work)
			wg.Wait()
			return err
		case work <- job{from, min(from+batch, total)}:
		}
		if from%(batch*50) == 0 && from > 0 {
			fmt.Fprintf(log, "%s  preloaded %d/%d (%.0f/s)\n", time.Now().Format("15:04:05"), from, total, float64(from)/time.Since(start).Seconds())
		}
	}
	close(work)
	wg.Wait()
	select {
	case err := <-errc:
		return err
	default:
		return nil
	}
}

// watcher records when match events arrive, by the entity that caused them.
type watcher struct {
	mu      sync.Mutex
	last    map[string]time.Time // "c:<candidate>" or "j:<job>" → last match event
	count   map[string]int
	total   int
	lastSeq uint64
	cc      jetstream.ConsumeContext
}

func newWatcher(ctx context.Context, js jetstream.JetStream) (*watcher, error) {
	cons, err := js.OrderedConsumer(ctx, events.StreamMatches, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{"talent.matches.created.>"}, DeliverPolicy: jetstream.DeliverNewPolicy})
	if err != nil {
		return nil, err
	}
	w := &watcher{last: map[string]time.Time{}, count: map[string]int{}}
	w.cc, err = cons.Consume(func(m jetstream.Msg) {
		now := time.Now()
		_, match, err := events.DecodeMatch(m.Data())
		if err != nil {
			return
		}
		var k string
		switch match.Trigger {
		case matcher.TriggerCandidateRegistered:
			k = "c:" + match.CandidateID
		case matcher.TriggerJobPosted:
			k = "j:" + match.JobID
		}
		meta, _ := m.Metadata()
		w.mu.Lock()
		if k != "" {
			w.last[k] = now
			w.count[k]++
		}
		w.total++
		if meta != nil {
			w.lastSeq = meta.Sequence.Stream
		}
		w.mu.Unlock()
	}, jetstream.PullMaxMessages(4096))
	return w, err
}

func (w *watcher) stop() { w.cc.Stop() }

// settle waits until every match event stored so far has been received.
func (w *watcher) settle(ctx context.Context, js jetstream.JetStream) {
	s, err := js.Stream(ctx, events.StreamMatches)
	if err != nil {
		return
	}
	info, err := s.Info(ctx)
	if err != nil {
		return
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		w.mu.Lock()
		done := w.lastSeq >= info.State.LastSeq
		w.mu.Unlock()
		if done {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitProcessed waits until the consumer has handled everything up to seq
// and returns when it noticed.
func waitProcessed(ctx context.Context, js jetstream.JetStream, durable string, seq uint64, timeout time.Duration) (time.Time, error) {
	deadline := time.Now().Add(timeout)
	c, err := js.Consumer(ctx, events.StreamIn, durable)
	if err != nil {
		return time.Time{}, fmt.Errorf("matchd's consumer %q: %w", durable, err)
	}
	for time.Now().Before(deadline) {
		info, err := c.Info(ctx)
		if err == nil && info.AckFloor.Stream >= seq && info.NumAckPending == 0 {
			return time.Now(), nil
		}
		select {
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	return time.Time{}, fmt.Errorf("matchd did not process the events within %s", timeout)
}

// publisher publishes events and records when each was published.
type publisher struct {
	js  jetstream.JetStream
	mu  sync.Mutex
	pub map[string]time.Time
	seq uint64
}

func (p *publisher) send(ctx context.Context, msg *nats.Msg, key string) error {
	p.mu.Lock()
	p.pub[key] = time.Now()
	p.mu.Unlock()
	f, err := p.js.PublishMsgAsync(msg)
	if err != nil {
		return err
	}
	go func() { // exits when the ack or error arrives
		select {
		case a := <-f.Ok():
			p.mu.Lock()
			p.seq = max(p.seq, a.Sequence)
			p.mu.Unlock()
		case <-f.Err():
		}
	}()
	return nil
}

func (p *publisher) complete(ctx context.Context) (uint64, error) {
	select {
	case <-p.js.PublishAsyncComplete():
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-time.After(60 * time.Second):
		return 0, fmt.Errorf("publishing did not complete")
	}
	time.Sleep(10 * time.Millisecond) // let the ack goroutines record the last sequence
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.seq, nil
}

func eventMsg(kind string, w *Workload, prefix string, salt uint64, i int) (*nats.Msg, string, error) {
	if kind == "job" {
		j := w.Job(prefix, i)
		m, err := events.InboundMsg(events.TypeJobPosted, j.CompanyID, uuid.NewString(), "/bench", time.Now(), j)
		return m, "j:" + j.JobID, err
	}
	c := w.Candidate(prefix, salt, i)
	m, err := events.InboundMsg(events.TypeCandidateRegistered, c.CandidateID, uuid.NewString(), "/bench", time.Now(), c)
	return m, "c:" + c.CandidateID, err
}

// phase publishes n events of one kind (at rate per second, or as fast as
// possible when rate is 0) and measures them.
func phase(ctx context.Context, cfg *Config, w *Workload, watch *watcher, mon *monitor, prefix, name, kind string, n, rate int) (Phase, error) {
	cfg.logf("%s: %d %s events", name, n, kind)
	ph := Phase{Name: name, Kind: kind, Rate: rate, Events: n}
	p := &publisher{js: cfg.JS, pub: make(map[string]time.Time, n)}
	matchesBefore := watch.total
	cpu0 := mon.cpu(ctx)
	start := time.Now()
	salt := uint64(len(prefix)) ^ 0x5eed
	for i := 0; i < n; i++ {
		if rate > 0 {
			if d := time.Until(start.Add(time.Duration(float64(i) / float64(rate) * float64(time.Second)))); d > 0 {
				time.Sleep(d)
			}
		}
		msg, key, err := eventMsg(kind, w, prefix, salt, i)
		if err != nil {
			return ph, err
		}
		if err := p.send(ctx, msg, key); err != nil {
			return ph, err
		}
	}
	last, err := p.complete(ctx)
	if err != nil {
		return ph, err
	}
	end, err := waitProcessed(ctx, cfg.JS, cfg.Durable, last, 10*time.Minute)
	if err != nil {
		return ph, err
	}
	watch.settle(ctx, cfg.JS)
	ph.Seconds = end.Sub(start).Seconds()
	ph.EventsPerSec = float64(n) / ph.Seconds
	ph.setCPU(mon.cpu(ctx).sub(cpu0), n)
	watch.mu.Lock()
	ph.Matches = watch.total - matchesBefore
	var lat []float64
	for k, t0 := range p.pub {
		if t1, ok := watch.last[k]; ok {
			lat = append(lat, float64(t1.Sub(t0).Microseconds())/1000)
		}
	}
	watch.mu.Unlock()
	ph.MatchesPerSec = float64(ph.Matches) / ph.Seconds
	ph.WithMatches = len(lat)
	ph.P50, ph.P99, ph.P999, ph.Max = percentiles(lat)
	cfg.logf("%s: %.0f events/s, %d matches, p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms (%d of %d events caused matches)",
		name, ph.EventsPerSec, ph.Matches, ph.P50, ph.P99, ph.P999, ph.WithMatches, n)
	return ph, nil
}

// burst opens a campaign: Jobs jobs, then Candidates candidates published as
// fast as possible; it measures when the last match arrives after the last
// publish.
func burst(ctx context.Context, cfg *Config, w *Workload, watch *watcher, mon *monitor, prefix string) ([]Phase, error) {
	jobs, err := phase(ctx, cfg, w, watch, mon, prefix+"b", "burst: jobs open", "job", cfg.Tier.Jobs, 0)
	if err != nil {
		return nil, err
	}
	cfg.logf("burst: %d candidates as fast as they can be published", cfg.Tier.Candidates)
	ph := Phase{Name: "burst: candidates register", Kind: "candidate", Events: cfg.Tier.Candidates}
	p := &publisher{js: cfg.JS, pub: make(map[string]time.Time, cfg.Tier.Candidates)}
	before := watch.total
	cpu0 := mon.cpu(ctx)
	start := time.Now()
	// The candidates are written from the burst's own jobs.
	bw := *w
	bw.jobSkills = w.jobSkills[:cfg.Tier.Jobs]
	for i := 0; i < cfg.Tier.Candidates; i++ {
		msg, key, err := eventMsg("candidate", &bw, prefix+"b", 0xb0, i)
		if err != nil {
			return nil, err
		}
		if err := p.send(ctx, msg, key); err != nil {
			return nil, err
		}
	}
	last, err := p.complete(ctx)
	if err != nil {
		return nil, err
	}
	lastPublish := time.Now()
	end, err := waitProcessed(ctx, cfg.JS, cfg.Durable, last, 10*time.Minute)
	if err != nil {
		return nil, err
	}
	watch.settle(ctx, cfg.JS)
	watch.mu.Lock()
	var lastMatch time.Time
	var lat []float64
	for k, t0 := range p.pub {
		if t1, ok := watch.last[k]; ok {
			lat = append(lat, float64(t1.Sub(t0).Microseconds())/1000)
			if t1.After(lastMatch) {
				lastMatch = t1
			}
		}
	}
	ph.Matches = watch.total - before
	watch.mu.Unlock()
	ph.Seconds = end.Sub(start).Seconds()
	ph.EventsPerSec = float64(ph.Events) / ph.Seconds
	ph.MatchesPerSec = float64(ph.Matches) / ph.Seconds
	ph.WithMatches = len(lat)
	ph.P50, ph.P99, ph.P999, ph.Max = percentiles(lat)
	ph.setCPU(mon.cpu(ctx).sub(cpu0), ph.Events)
	ph.LastMatchAfterPublishMS = float64(lastMatch.Sub(lastPublish).Microseconds()) / 1000
	if lastMatch.Before(lastPublish) {
		ph.LastMatchAfterPublishMS = 0
	}
	cfg.logf("burst: %d candidates in %.1fs (%.0f/s), %d matches, last match %.0f ms after the last publish",
		ph.Events, ph.Seconds, ph.EventsPerSec, ph.Matches, ph.LastMatchAfterPublishMS)
	return []Phase{jobs, ph}, nil
}

func percentiles(v []float64) (p50, p99, p999, mx float64) {
	if len(v) == 0 {
		return
	}
	sort.Float64s(v)
	at := func(q float64) float64 { return v[min(len(v)-1, int(math.Ceil(q*float64(len(v))))-1)] }
	return at(0.5), at(0.99), at(0.999), v[len(v)-1]
}
