//go:build chaos

// Package chaos is talentmatch's fault suite (make chaos): real nats-server,
// redis-server and two matchd child processes, a seeded workload driven
// through NATS while processes are killed, restarted and paused, and a
// comparison of what subscribers saw with an oracle computed offline by
// the matcher's own code from the final inputs.
package chaos

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/redis/go-redis/v9"

	"github.com/talentmatch/talentmatch/events"
	"github.com/talentmatch/talentmatch/internal/redisserver"
	"github.com/talentmatch/talentmatch/matcher"
	"github.com/talentmatch/talentmatch/matcher/state"
	"github.com/talentmatch/talentmatch/matcher/taxonomy"
)

const (
	families     = 16
	famSkills    = 6
	candidates   = 500
	threshold    = matcher.DefaultMinScore
	prefix       = "talentmatch"
	shards       = 4
	publishEvery = 45 * time.Millisecond
)

// event is one inbound event of the workload.
type event struct {
	typ, id, eventID string
	at               time.Time
	data             any
	kind             byte // 'j' or 'c'
	key              string
}

// workload is the seeded list of events and the probes' parts.
type workload struct {
	events   []event
	famToks  [][]string // the skills of each family
	probeJob event
}

// unrelatedSkills picks n curated skills none of which gives credit for
// another, so that job families do not overlap and scores stay bimodal:
// a pair is clearly matched or clearly not, whatever the rarity weights.
func unrelatedSkills(tax *taxonomy.Taxonomy, n int) []*taxonomy.Skill {
	var out []*taxonomy.Skill
	taken := map[int32]bool{}
	for i := int32(0); i < int32(tax.NumSkills()) && len(out) < n; i++ {
		if taken[i] || len(tax.SkillAt(i).Labels) < 2 {
			continue
		}
		ok := true
		for _, r := range append(tax.RelatedSkills(i), tax.CoveredSkills(i)...) {
			if taken[r.Index] {
				ok = false
			}
		}
		if !ok {
			continue
		}
		taken[i] = true
		for _, r := range append(tax.RelatedSkills(i), tax.CoveredSkills(i)...) {
			taken[r.Index] = true
		}
		out = append(out, tax.SkillAt(i))
	}
	return out
}

func newWorkload(seed uint64) *workload {
	tax := taxonomy.Default()
	r := rand.New(rand.NewPCG(seed, 7))
	skills := unrelatedSkills(tax, (families+1)*famSkills)
	w := &workload{}
	for f := 0; f <= families; f++ {
		var toks []string
		for _, s := range skills[f*famSkills : (f+1)*famSkills] {
			toks = append(toks, s.Label)
		}
		w.famToks = append(w.famToks, toks)
	}
	t0 := time.Now().Add(-time.Hour)
	n := 0
	add := func(typ, id string, kind byte, key string, data any) {
		n++
		w.events = append(w.events, event{typ: typ, id: id, eventID: fmt.Sprintf("ev-%05d", n), at: t0.Add(time.Duration(n) * time.Millisecond),
			data: data, kind: kind, key: key})
	}
	for _, c := range []string{"camp-a", "camp-b"} {
		add(events.TypeCampaignOpened, c, 0, "", matcher.Campaign{CampaignID: c, Name: c, StartsAt: t0, EndsAt: t0.Add(48 * time.Hour)})
	}
	camps := [][]string{nil, {"camp-a"}, {"camp-a", "camp-b"}}
	job := func(f, k int, cs []string) matcher.Job {
		return matcher.Job{JobID: fmt.Sprintf("job-%d-%d", f, k), CompanyID: fmt.Sprintf("co-%d", f), CompanyName: "Chaos Co", Title: "Role",
			RequiredSkills: w.famToks[f], Industries: []string{"software"}, CampaignIDs: cs}
	}
	for f := 0; f < families; f++ {
		for k := 0; k < 3; k++ {
			j := job(f, k, camps[k])
			add(events.TypeJobPosted, j.CompanyID, 'j', j.CompanyID+"/"+j.JobID, j)
		}
	}
	// the probe family's job, used to time recovery after each fault
	pj := job(families, 0, nil)
	add(events.TypeJobPosted, pj.CompanyID, 'j', pj.CompanyID+"/"+pj.JobID, pj)
	w.probeJob = w.events[len(w.events)-1]
	cand := func(id string, f int, strong bool, cs []string) matcher.Candidate {
		var sk []string
		if strong {
			sk = append(sk, w.famToks[f][:famSkills-1]...) // 5 of 6: ~0.67
		} else {
			sk = append(sk, w.famToks[f][0], w.famToks[(f+1)%families][0]) // 1 of 6: ~0.13
		}
		return matcher.Candidate{CandidateID: id, Skills: sk, Degree: matcher.DegreeMaster, CampaignIDs: cs, ConsentToMatch: true}
	}
	for i := 0; i < candidates; i++ {
		c := cand(fmt.Sprintf("cand-%d", i), i%families, r.IntN(5) != 0, camps[i%3])
		add(events.TypeCandidateRegistered, c.CandidateID, 'c', c.CandidateID, c)
		switch {
		case i%7 == 3: // update: another family, strong or weak
			c := cand(c.CandidateID, r.IntN(families), r.IntN(2) == 0, camps[(i+1)%3])
			add(events.TypeCandidateRegistered, c.CandidateID, 'c', c.CandidateID, c)
		case i%9 == 5: // withdrawal
			add(events.TypeCandidateWithdrawn, c.CandidateID, 'c', c.CandidateID, matcher.CandidateWithdrawn{CandidateID: c.CandidateID})
		}
		if i%40 == 20 { // a job is re-posted in other campaigns, or closed
			f := r.IntN(families)
			if i%80 == 20 {
				j := job(f, 1, camps[r.IntN(3)])
				add(events.TypeJobPosted, j.CompanyID, 'j', j.CompanyID+"/"+j.JobID, j)
			} else {
				add(events.TypeJobClosed, fmt.Sprintf("co-%d", f), 'j', fmt.Sprintf("co-%d/job-%d-2", f, f), matcher.JobClosed{JobID: fmt.Sprintf("job-%d-2", f), CompanyID: fmt.Sprintf("co-%d", f)})
			}
		}
	}
	return w
}

// env is the running system.
type env struct {
	nats    *proc
	natsURL string
	redis   *redisProc
	matchd  []*proc
	http    []string
}

func startEnv(t *testing.T) *env {
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	matchdBin := build(t, bin, "github.com/talentmatch/talentmatch/cmd/matchd", "matchd")
	natsBin := build(t, bin, "github.com/nats-io/nats-server/v2", "nats-server")
	logf, err := os.Create(filepath.Join(os.TempDir(), "talentmatch-chaos.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logf.Close() })
	e := &env{}
	port := freePort(t)
	e.natsURL = fmt.Sprintf("nats://127.0.0.1:%d", port)
	e.nats = &proc{name: "nats-server", bin: natsBin, log: logf,
		args: []string{"-a", "127.0.0.1", "-p", fmt.Sprint(port), "-js", "-sd", filepath.Join(dir, "nats"), "-n", "chaos"}}
	e.nats.start(t)
	waitNATS(t, e.natsURL, 20*time.Second)
	srv, err := redisserver.Start(context.Background(), redisserver.Options{Dir: filepath.Join(dir, "redis"), AppendOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	e.redis = &redisProc{srv: srv}
	for i := 0; i < 2; i++ {
		addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
		p := &proc{name: fmt.Sprintf("matchd-%d", i+1), bin: matchdBin, log: logf, args: []string{
			"-nats-url", e.natsURL, "-redis-url", srv.URL(), "-http-addr", addr, "-api-addr", "-", "-data-dir", filepath.Join(dir, fmt.Sprint("m", i)),
			"-shards", fmt.Sprint(shards), "-top-k", "1000", "-max-matches-per-job-per-hour", "0", "-max-matches-per-candidate-per-day", "0", "-ack-wait", "3s", "-retry-backoff", "200ms,500ms,1s,2s",
			"-max-deliver", "1000", "-workers", "32", "-log-level", "warn"}}
		p.start(t)
		e.matchd = append(e.matchd, p)
		e.http = append(e.http, addr)
		waitHTTP(t, "http://"+addr+"/readyz", 60*time.Second)
	}
	t.Cleanup(func() {
		for _, m := range e.matchd {
			m.term()
		}
		e.redis.srv.Stop()
		e.nats.term()
	})
	return e
}

// fault is one measured disruption.
type fault struct {
	name       string
	at         time.Duration
	recoveryMS float64
	note       string
}

// sawMatch is a match event as the subscriber saw it.
type sawMatch struct {
	kind string
	m    matcher.Match
	at   time.Time
}

// driver publishes the workload and probes, and records what a subscriber
// of the match stream sees.
type driver struct {
	t         *testing.T
	w         *workload
	nc        *nats.Conn
	js        jetstream.JetStream
	mu        sync.Mutex
	seen      []sawMatch
	probeSeen chan string
	// read is the last match stream sequence follow has read or found
	// erased (a withdrawal purges the candidate's match events).
	read      atomic.Uint64
	published int
	probes    int
	start     time.Time
	// logPath is the file of the servers' and matchd's logs, for explain.
	logPath string
}

func newDriver(t *testing.T, w *workload, natsURL string) *driver {
	t.Helper()
	nc, err := nats.Connect(natsURL, nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, _ := jetstream.New(nc)
	d := &driver{t: t, w: w, nc: nc, js: js, probeSeen: make(chan string, 64)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { // exits when ctx is cancelled
		defer close(done)
		d.follow(ctx)
	}()
	t.Cleanup(func() { cancel(); <-done })
	return d
}

// publish sends an event until JetStream stores it, under msgID.
func (d *driver) publish(ev event, msgID string) {
	for attempt := 0; ; attempt++ {
		msg, err := events.InboundMsg(ev.typ, ev.id, ev.eventID, "/chaos", ev.at, ev.data)
		if err != nil {
			d.t.Error(err)
			return
		}
		msg.Header.Set(events.HeaderMsgID, msgID)
		pctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err = d.js.PublishMsg(pctx, msg)
		cancel()
		if err == nil {
			d.mu.Lock()
			d.published++
			d.mu.Unlock()
			return
		}
		if attempt > 300 {
			d.t.Errorf("publish %s: %v", ev.eventID, err)
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// probe registers a candidate of the probe family and returns how long its
// match took to arrive: the recovery time after a fault.
func (d *driver) probe() float64 {
	d.mu.Lock()
	d.probes++
	id := fmt.Sprintf("probe-%d", d.probes)
	c := matcher.Candidate{CandidateID: id, Skills: d.w.famToks[families][:famSkills-1], ConsentToMatch: true, Degree: matcher.DegreeMaster}
	ev := event{typ: events.TypeCandidateRegistered, id: id, eventID: "ev-" + id, at: time.Now().Add(-time.Minute), data: c, kind: 'c', key: id}
	d.w.events = append(d.w.events, ev)
	d.mu.Unlock()
	t0 := time.Now()
	d.publish(ev, ev.eventID)
	for {
		select {
		case got := <-d.probeSeen:
			if got == id {
				return float64(time.Since(t0).Microseconds()) / 1000
			}
		case <-time.After(120 * time.Second):
			d.t.Errorf("no match for %s: the system did not recover\n%s", id, d.diagnose())
			return -1
		}
	}
}

// follow reads every match event in stream order, from the start, by
// sequence number (a direct read of each stored message), so that no
// consumer state can stall when a server dies. A plain subscription to
// the match subjects wakes it when a match is published; a one-second tick
// covers matches published while that subscription was reconnecting.
func (d *driver) follow(ctx context.Context) {
	wake := make(chan struct{}, 1)
	if sub, err := d.nc.Subscribe("talent.matches.>", func(*nats.Msg) {
		select {
		case wake <- struct{}{}:
		default:
		}
	}); err == nil {
		defer sub.Unsubscribe()
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	next := uint64(1)
	var stream jetstream.Stream
	for ctx.Err() == nil {
		for ctx.Err() == nil {
			rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			var err error
			if stream == nil {
				stream, err = d.js.Stream(rctx, events.StreamMatches)
			}
			var msg *jetstream.RawStreamMsg
			if err == nil {
				msg, err = stream.GetMsg(rctx, next)
			}
			if errors.Is(err, jetstream.ErrMsgNotFound) && d.erasedSeq(rctx, stream, next) {
				// Purged with a withdrawn candidate's events. A sequence the
				// stream does not list as deleted is not stored yet (or not
				// on the server that answered): it is read again later.
				cancel()
				d.read.Store(next)
				next++
				continue
			}
			cancel()
			if err != nil {
				break // not stored yet, or the stream is electing a leader: wait
			}
			d.saw(msg.Data)
			d.read.Store(next)
			next++
		}
		select {
		case <-ctx.Done():
		case <-wake:
		case <-tick.C:
		}
	}
}

// erasedSeq reports whether the stream lists seq as deleted (or purged from
// its head), as a withdrawal's erasure leaves it.
func (d *driver) erasedSeq(ctx context.Context, stream jetstream.Stream, seq uint64) bool {
	info, err := stream.Info(ctx, jetstream.WithDeletedDetails(true))
	if err != nil || seq > info.State.LastSeq {
		return false
	}
	return seq < info.State.FirstSeq || slices.Contains(info.State.Deleted, seq)
}

// saw records one match event.
func (d *driver) saw(data []byte) {
	env, m, err := events.DecodeMatch(data)
	if err != nil {
		return
	}
	kind := "created"
	if env.Type == events.TypeMatchRetracted {
		kind = "retracted"
	}
	d.mu.Lock()
	d.seen = append(d.seen, sawMatch{kind, m, time.Now()})
	d.mu.Unlock()
	if kind == "created" && strings.HasPrefix(m.CandidateID, "probe-") {
		d.probeSeen <- m.CandidateID
	}
}

// diagnose describes where events are: the matcher's consumer, the match
// stream and what the driver has seen.
func (d *driver) diagnose() string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var b strings.Builder
	if c, err := d.js.Consumer(ctx, events.StreamIn, "matchd"); err != nil {
		fmt.Fprintf(&b, "consumer: %v\n", err)
	} else if ci, err := c.Info(ctx); err != nil {
		fmt.Fprintf(&b, "consumer info: %v\n", err)
	} else {
		fmt.Fprintf(&b, "consumer: pending %d, ack pending %d, redelivered %d, waiting %d, leader %s\n",
			ci.NumPending, ci.NumAckPending, ci.NumRedelivered, ci.NumWaiting, leader(ci.Cluster))
	}
	if s, err := d.js.Stream(ctx, events.StreamMatches); err != nil {
		fmt.Fprintf(&b, "matches stream: %v\n", err)
	} else if si, err := s.Info(ctx); err != nil {
		fmt.Fprintf(&b, "matches stream info: %v\n", err)
	} else {
		fmt.Fprintf(&b, "matches stream: %d messages, last seq %d, leader %s\n", si.State.Msgs, si.State.LastSeq, leader(si.Cluster))
	}
	d.mu.Lock()
	fmt.Fprintf(&b, "driver has seen %d match events\n", len(d.seen))
	d.mu.Unlock()
	return b.String()
}

// explain logs the history of a pair the oracle did not expect to be
// matched: its match events and the events of its job and candidate.
func (d *driver) explain(m matcher.Match) {
	d.t.Logf("unexpected match %s (job %s/%s, candidate %s):", m.MatchID, m.CompanyID, m.JobID, m.CandidateID)
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, s := range d.seen {
		if s.m.MatchID == m.MatchID {
			d.t.Logf("  %s %s %s score %.3f trigger %s", s.at.Format("15:04:05.000"), s.kind, s.m.CampaignID, s.m.Score, s.m.Trigger)
		}
	}
	var ids []string
	for _, ev := range d.w.events {
		if ev.key == m.CandidateID || ev.key == m.CompanyID+"/"+m.JobID {
			d.t.Logf("  event %s %s %s time %s", ev.eventID, ev.typ, ev.key, ev.at.Format("15:04:05.000"))
			ids = append(ids, ev.eventID)
		}
	}
	// What the stream itself holds for the pair, apart from what the
	// driver saw.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if cons, err := d.js.OrderedConsumer(ctx, events.StreamMatches, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{events.MatchSubject("*", m.CampaignID, m.CompanyID, m.CandidateID)}}); err == nil {
		for {
			msg, err := cons.Next(jetstream.FetchMaxWait(time.Second))
			if err != nil {
				break
			}
			meta, _ := msg.Metadata()
			if _, mm, err := events.DecodeMatch(msg.Data()); err == nil && mm.JobID == m.JobID && meta != nil {
				d.t.Logf("  stream seq %d %s at %s", meta.Sequence.Stream, msg.Subject(), meta.Timestamp.Format("15:04:05.000"))
			}
		}
	}
	if d.logPath == "" {
		return
	}
	b, _ := os.ReadFile(d.logPath)
	for _, l := range strings.Split(string(b), "\n") {
		for _, id := range ids {
			if strings.Contains(l, "event_id="+id+" ") {
				d.t.Logf("  log: %s", l)
			}
		}
	}
}

func leader(c *jetstream.ClusterInfo) string {
	if c == nil {
		return "-"
	}
	return c.Leader
}

// run publishes the workload — every event twice (the copy under another
// message id, so that it reaches matchd), some pairs of one entity's events
// out of order — while faults runs, and returns the faults it reports.
func (d *driver) run(faults func(since func() time.Duration) []fault) ([]fault, time.Duration) {
	d.start = time.Now()
	since := func() time.Duration { return time.Since(d.start).Round(time.Second) }
	var got []fault
	done := make(chan struct{})
	go func() {
		defer close(done)
		got = faults(since)
	}()
	r := rand.New(rand.NewPCG(42, 9))
	d.mu.Lock()
	evs := append([]event(nil), d.w.events...)
	d.mu.Unlock()
	order := make([]int, len(evs))
	for i := range order {
		order[i] = i
	}
	for i := 1; i < len(order); i++ {
		if evs[order[i]].key != "" && evs[order[i]].key == evs[order[i-1]].key && r.IntN(2) == 0 {
			order[i], order[i-1] = order[i-1], order[i]
		}
	}
	for _, i := range order {
		d.publish(evs[i], evs[i].eventID)
		d.publish(evs[i], "dup-"+evs[i].eventID)
		time.Sleep(publishEvery)
	}
	took := time.Since(d.start)
	<-done
	return got, took
}

// verdict is the comparison with the oracle.
type verdict struct {
	expected, missing, extra, dups, leftover, lost, dlq, near, seen, created, erased int
}

// check waits for quiescence and compares what the subscriber saw and what
// Redis holds with the oracle.
func (d *driver) check(rdb redis.UniversalClient) verdict {
	t := d.t
	waitQuiet(t, d.js)
	d.settle()
	var v verdict
	tax := taxonomy.Default()
	norm := matcher.NewNormalizer(tax)
	scorer := matcher.NewScorer(tax, matcher.ScoreConfig{})
	final := map[string]event{}
	d.mu.Lock()
	for _, ev := range d.w.events {
		if ev.key == "" {
			continue
		}
		if cur, ok := final[ev.key]; !ok || ev.at.After(cur.at) || (ev.at.Equal(cur.at) && ev.eventID > cur.eventID) {
			final[ev.key] = ev
		}
	}
	d.mu.Unlock()
	var jobs []*matcher.JobFeatures
	var cands []*matcher.CandidateFeatures
	closedJobs, withdrawn := map[string]bool{}, map[string]bool{}
	// A withdrawal erases the candidate's match events from the stream,
	// retractions included, possibly before the subscriber read them: their
	// pairs are compared in Redis only (lost inputs), not as seen events.
	erased := map[string]bool{}
	d.mu.Lock()
	for _, ev := range d.w.events {
		if ev.typ == events.TypeCandidateWithdrawn {
			erased[ev.key] = true
		}
	}
	d.mu.Unlock()
	for key, ev := range final {
		switch ev.typ {
		case events.TypeJobPosted:
			j := ev.data.(matcher.Job)
			jobs = append(jobs, norm.Job(&j))
		case events.TypeJobClosed:
			closedJobs[key] = true
		case events.TypeCandidateRegistered:
			c := ev.data.(matcher.Candidate)
			cands = append(cands, norm.Candidate(&c))
		case events.TypeCandidateWithdrawn:
			withdrawn[key] = true
		}
	}
	df := map[string]int64{}
	for _, j := range jobs {
		for _, s := range j.Skills() {
			df[s]++
		}
	}
	for _, c := range cands {
		for _, s := range c.Skills {
			df[s]++
		}
	}
	n := int64(len(jobs) + len(cands))
	weights := func(tok string) float64 { return scorer.Weight(df[tok], n) }
	expected := map[string]bool{}
	for _, j := range jobs {
		for _, c := range cands {
			if len(matcher.SharedCampaigns(j, c)) == 0 || !matcher.Eligible(j, c, time.Now()) {
				continue
			}
			s := scorer.Score(j, c, weights).Score
			if s > threshold-0.1 && s < threshold+0.1 {
				v.near++
			}
			if s >= threshold {
				expected[matcher.MatchID(matcher.Pair{Job: j.Ref(), CandidateID: c.CandidateID})] = true
			}
		}
	}
	v.expected = len(expected)
	d.mu.Lock()
	active := map[string]matcher.Match{}
	for _, s := range d.seen {
		if s.kind == "created" {
			v.created++
			if _, ok := active[s.m.MatchID]; ok && !erased[s.m.CandidateID] {
				v.dups++
			}
			active[s.m.MatchID] = s.m
		} else {
			delete(active, s.m.MatchID)
		}
	}
	v.seen = len(d.seen)
	d.mu.Unlock()
	for id := range expected {
		if _, ok := active[id]; !ok {
			v.missing++
		}
	}
	for id, m := range active {
		if erased[m.CandidateID] && !expected[id] {
			v.erased++
			continue
		}
		if !expected[id] {
			v.extra++
			if withdrawn[m.CandidateID] || closedJobs[m.CompanyID+"/"+m.JobID] {
				v.leftover++
			}
			d.explain(m)
		}
	}
	st, err := state.New(rdb, state.Config{Prefix: prefix, Shards: shards})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	for key, ev := range final {
		got, status, err := st.StoredVersion(ctx, ev.kind, key)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{events.TypeJobPosted: "open", events.TypeJobClosed: "closed",
			events.TypeCandidateRegistered: "registered", events.TypeCandidateWithdrawn: "withdrawn"}[ev.typ]
		if got != ev.eventID || status != want {
			v.lost++
			if v.lost <= 5 {
				t.Logf("%s: stored %s (%s), newest event %s (%s)", key, got, status, ev.eventID, want)
			}
		}
	}
	v.dlq = streamMsgs(t, d.js, events.StreamDLQ)
	return v
}

// report prints the figures and asserts the zeros.
func (d *driver) report(name string, faults []fault, took time.Duration, v verdict, file string) {
	t := d.t
	var b strings.Builder
	fmt.Fprintf(&b, "\n%s: %d events (each published twice, some out of order), %d publishes over %.0fs; %d match events seen (%d created)\n",
		name, len(d.w.events), d.published, took.Seconds(), v.seen, v.created)
	fmt.Fprintf(&b, "\n%-42s %6s %12s  %s\n", "fault", "at", "recovery", "")
	for _, f := range faults {
		fmt.Fprintf(&b, "%-42s %5ds %9.0f ms  %s\n", f.name, int(f.at.Seconds()), f.recoveryMS, f.note)
	}
	row := func(label string, n int) { fmt.Fprintf(&b, "%-48s %6d\n", label, n) }
	row("inputs lost (stored version ≠ newest event)", v.lost)
	row("matches expected by the oracle", v.expected)
	row("missing matches", v.missing)
	row("matches not expected (extra)", v.extra)
	row("duplicate created events for a pair", v.dups)
	row("matches left for withdrawn candidates/closed jobs", v.leftover)
	row("dead letters", v.dlq)
	row("pairs of erased candidates (checked in Redis)", v.erased)
	row("pairs within 0.1 of the threshold (should be 0)", v.near)
	fmt.Fprintf(&b, "%-48s %6.0fs\n", "suite time", time.Since(d.start).Seconds())
	t.Log(b.String())
	os.WriteFile(filepath.Join(os.TempDir(), file), []byte(b.String()), 0o644)
	for label, n := range map[string]int{"lost inputs": v.lost, "missing matches": v.missing, "extra matches": v.extra,
		"duplicate created events": v.dups, "matches left for withdrawn or closed": v.leftover, "dead letters": v.dlq} {
		if n != 0 {
			t.Errorf("%s: %d, want 0", label, n)
		}
	}
	if v.expected < 200 {
		t.Errorf("only %d expected matches: the workload is too thin to prove anything", v.expected)
	}
}

func TestChaos(t *testing.T) {
	w := newWorkload(42)
	e := startEnv(t)
	d := newDriver(t, w, e.natsURL)
	var rssBefore, rssDuringPause int64
	faults, took := d.run(func(since func() time.Duration) []fault {
		var faults []fault
		wait := func(dur time.Duration) { time.Sleep(dur) }
		wait(3 * time.Second)
		at := since()
		e.matchd[0].kill()
		wait(time.Second)
		e.matchd[0].start(t)
		faults = append(faults, fault{name: "SIGKILL matchd-1, restart after 1s", at: at, recoveryMS: d.probe()})

		wait(2 * time.Second)
		at = since()
		e.redis.restart(t)
		faults = append(faults, fault{name: "restart Redis (AOF)", at: at, recoveryMS: d.probe()})

		wait(2 * time.Second)
		at = since()
		e.matchd[1].kill()
		e.matchd[1].start(t)
		faults = append(faults, fault{name: "SIGKILL matchd-2, restart at once", at: at, recoveryMS: d.probe()})

		wait(2 * time.Second)
		at = since()
		e.nats.term()
		e.nats.start(t)
		faults = append(faults, fault{name: "restart NATS (JetStream on disk)", at: at, recoveryMS: d.probe()})

		wait(2 * time.Second)
		rssBefore = max(e.matchd[0].rss(), e.matchd[1].rss())
		at = since()
		if err := e.redis.srv.Pause(); err != nil {
			t.Error(err)
		}
		pauseEnd := time.Now().Add(8 * time.Second) // longer than the 3s ack wait
		for time.Now().Before(pauseEnd) {
			rssDuringPause = max(rssDuringPause, e.matchd[0].rss(), e.matchd[1].rss())
			time.Sleep(200 * time.Millisecond)
		}
		e.redis.srv.Resume()
		faults = append(faults, fault{name: "pause Redis 8s (SIGSTOP > ack wait)", at: at, recoveryMS: d.probe(),
			note: fmt.Sprintf("matchd RSS %d MB before, %d MB max while paused", rssBefore>>20, rssDuringPause>>20)})

		wait(2 * time.Second)
		at = since()
		e.matchd[0].kill()
		e.matchd[1].kill()
		e.matchd[0].start(t)
		e.matchd[1].start(t)
		faults = append(faults, fault{name: "SIGKILL both matchd, restart", at: at, recoveryMS: d.probe()})
		return faults
	})
	rdb := redis.NewClient(&redis.Options{Addr: e.redis.srv.Addr()})
	defer rdb.Close()
	d.report("fault suite", faults, took, d.check(rdb), "talentmatch-chaos-report.txt")
	if rssDuringPause > rssBefore+200<<20 {
		t.Errorf("matchd memory grew from %d MB to %d MB while Redis was paused", rssBefore>>20, rssDuringPause>>20)
	}
}

// waitQuiet waits until the consumer has nothing pending or unacknowledged.
func waitQuiet(t *testing.T, js jetstream.JetStream) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		c, err := js.Consumer(ctx, events.StreamIn, "matchd")
		if err == nil {
			if info, err := c.Info(ctx); err == nil && info.NumPending == 0 && info.NumAckPending == 0 && info.NumRedelivered == 0 {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("matchd did not finish the workload")
}

// settle waits until follow has read (or found erased) every match event
// stored.
func (d *driver) settle() {
	t := d.t
	t.Helper()
	s, err := d.js.Stream(context.Background(), events.StreamMatches)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if d.read.Load() >= info.State.LastSeq {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("the subscriber read up to sequence %d of the %d stored match events", d.read.Load(), info.State.LastSeq)
}

func streamMsgs(t *testing.T, js jetstream.JetStream, name string) int {
	t.Helper()
	s, err := js.Stream(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(info.State.Msgs)
}
