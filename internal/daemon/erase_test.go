package daemon

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/redis/go-redis/v9"

	"github.com/talentmatch/talentmatch/events"
	"github.com/talentmatch/talentmatch/internal/testenv"
	"github.com/talentmatch/talentmatch/matcher"
)

// TestErasureEverywhere registers, matches and erases candidates (by
// withdrawal, by a registration without consent, by retention expiry),
// then reads every message of every stream and the whole Redis keyspace
// (every type, members included) and finds nothing of theirs but what
// docs/compliance.md documents as kept: the pseudonymous tombstone, and
// their id in the shards' change logs for at most an hour. Everyone else's
// events, matches and dead letters stay, and a matchd rebuilt from
// TALENT_IN on an empty Redis recovers their state without the erased.
func TestErasureEverywhere(t *testing.T) {
	ns := testenv.NATSServer(t)
	rs := testenv.RedisServer(t)
	cfg := Defaults()
	cfg.NATSURL, cfg.RedisURL = ns.ClientURL(), rs.URL()
	_, _, stop := runWith(t, cfg)
	_, js := testenv.Connect(t, ns.ClientURL())
	at := func(n int) time.Time { return time.Now().Add(-time.Hour).Add(time.Duration(n) * time.Second) }

	pub := func(typ, id string, n int, data any) uint64 { return testenv.Publish(t, js, typ, id, at(n), data) }
	pub(events.TypeJobPosted, "acme", 1, job("acme", "j1", []string{"Go", "Kubernetes"}, nil, []string{"software"}))
	pub(events.TypeJobPosted, "globex", 2, job("globex", "j2", []string{"Go"}, nil, []string{"software"}))
	// Erased by withdrawal: matches, feedback both ways, a dead letter.
	gone := cand("wd-7f31", []string{"Go", "Kubernetes", "quantumwidgetry"}, []string{"software"})
	pub(events.TypeCandidateRegistered, "wd-7f31", 3, gone)
	pub(events.TypeFeedbackCandidate, "wd-7f31", 4, matcher.Feedback{CandidateID: "wd-7f31", CompanyID: "acme", JobID: "j1", Feedback: matcher.FeedbackInterested})
	pub(events.TypeFeedbackCompany, "acme", 5, matcher.Feedback{CandidateID: "wd-7f31", CompanyID: "acme", JobID: "j1", Feedback: matcher.FeedbackInterested})
	pub(events.TypeCandidateRegistered, "wd-7f31", 6, map[string]any{"candidate_id": "wd-7f31", "skills": "not a list"}) // dead-lettered
	// Erased by a registration without consent, after being matched.
	pub(events.TypeCandidateRegistered, "nc-2b90", 7, cand("nc-2b90", []string{"Go"}, []string{"software"}))
	// Everyone else: kept, with their dead letter.
	pub(events.TypeCandidateRegistered, "kp-0001", 9, cand("kp-0001", []string{"Go", "Kubernetes"}, []string{"software"}))
	pub(events.TypeFeedbackCompany, "acme", 10, matcher.Feedback{CandidateID: "kp-0001", CompanyID: "acme", JobID: "j1", Feedback: matcher.FeedbackInterested})
	pub(events.TypeCandidateRegistered, "kp-0001", 11, map[string]any{"candidate_id": "kp-0001", "skills": "not a list"}) // dead-lettered
	testenv.WaitProcessed(t, js, "matchd", pub(events.TypeJobPosted, "acme", 12, job("acme", "j3", []string{"Kubernetes"}, nil, []string{"software"})))
	for _, id := range []string{"wd-7f31", "nc-2b90", "kp-0001"} {
		if !streamHolds(t, js, events.StreamMatches, id) {
			t.Fatalf("%s was not matched: the scenario proves nothing", id)
		}
	}
	if !streamHolds(t, js, events.StreamDLQ, "wd-7f31") {
		t.Fatal("the dead letter of wd-7f31 is missing: the scenario proves nothing")
	}

	pub(events.TypeCandidateWithdrawn, "wd-7f31", 20, matcher.CandidateWithdrawn{CandidateID: "wd-7f31"})
	noConsent := cand("nc-2b90", []string{"Go"}, []string{"software"})
	noConsent.ConsentToMatch = false
	testenv.WaitProcessed(t, js, "matchd", pub(events.TypeCandidateRegistered, "nc-2b90", 21, noConsent))
	erased := []string{"wd-7f31", "nc-2b90"}
	stop()

	rdb := redis.NewClient(&redis.Options{Addr: rs.Addr()})
	defer rdb.Close()
	for _, id := range erased {
		for _, s := range []string{events.StreamIn, events.StreamMatches, events.StreamDLQ} {
			if where := streamFind(t, js, s, id); where != "" {
				t.Errorf("%s is still in %s: %s", id, s, where)
			}
		}
		if where := keyspaceFind(t, rdb, id); where != "" {
			t.Errorf("%s is still in Redis: %s", id, where)
		}
	}
	if where := keyspaceFind(t, rdb, "quantumwidgetry"); where != "" {
		t.Errorf("an erased profile's skill is still in Redis: %s", where)
	}
	for _, s := range []string{events.StreamIn, events.StreamMatches, events.StreamDLQ} {
		if where := streamFind(t, js, s, "quantumwidgetry"); where != "" {
			t.Errorf("an erased profile's skill is still in %s: %s", s, where)
		}
	}
	// What was not theirs stays: the jobs, everyone else's events, matches,
	// feedback and dead letter.
	for _, id := range []string{"j1", "j2", "j3", "kp-0001"} {
		if !streamHolds(t, js, events.StreamIn, id) {
			t.Errorf("%s's events were erased with the candidates", id)
		}
	}
	if !streamHolds(t, js, events.StreamMatches, "kp-0001") || !streamHolds(t, js, events.StreamDLQ, "kp-0001") {
		t.Error("kp-0001's matches or dead letter were erased with the candidates")
	}
	if keyspaceFind(t, rdb, "kp-0001") == "" {
		t.Error("kp-0001's profile was erased with the candidates")
	}
}

// TestErasureOnRetentionExpiry: when a profile's retention runs out, its
// events and matches leave the streams as well as Redis.
func TestErasureOnRetentionExpiry(t *testing.T) {
	ns := testenv.NATSServer(t)
	rs := testenv.RedisServer(t)
	cfg := Defaults()
	cfg.NATSURL, cfg.RedisURL = ns.ClientURL(), rs.URL()
	cfg.Retention, cfg.RetentionCheck = 3*time.Second, 50*time.Millisecond
	_, _, stop := runWith(t, cfg)
	_, js := testenv.Connect(t, ns.ClientURL())
	now := time.Now()
	testenv.Publish(t, js, events.TypeJobPosted, "acme", now, job("acme", "j1", []string{"Go"}, nil, []string{"software"}))
	testenv.WaitProcessed(t, js, "matchd", testenv.Publish(t, js, events.TypeCandidateRegistered, "rt-5d44", now, cand("rt-5d44", []string{"Go"}, []string{"software"})))
	if !streamHolds(t, js, events.StreamMatches, "rt-5d44") {
		t.Fatal("rt-5d44 was not matched: the test proves nothing")
	}
	for deadline := time.Now().Add(30 * time.Second); streamHolds(t, js, events.StreamIn, "rt-5d44") || streamHolds(t, js, events.StreamMatches, "rt-5d44"); time.Sleep(100 * time.Millisecond) { // the expiry runs on a ticker: no event to await
		if time.Now().After(deadline) {
			t.Fatal("the retention expiry did not erase rt-5d44 from the streams")
		}
	}
	stop()
	rdb := redis.NewClient(&redis.Options{Addr: rs.Addr()})
	defer rdb.Close()
	if where := keyspaceFind(t, rdb, "rt-5d44"); where != "" {
		t.Errorf("rt-5d44 is still in Redis after its retention: %s", where)
	}
	if !streamHolds(t, js, events.StreamIn, "j1") {
		t.Error("the job's posting was erased with the candidate")
	}
}

// TestErasureKeepsOthersReplayable: after a withdrawal, TALENT_IN still
// replays: a matchd started on an empty Redis with a new consumer rebuilds
// everyone else's state and matches, and nothing of the erased candidate.
func TestErasureKeepsOthersReplayable(t *testing.T) {
	ns := testenv.NATSServer(t)
	cfg := Defaults()
	cfg.NATSURL, cfg.RedisURL = ns.ClientURL(), testenv.RedisServer(t).URL()
	_, _, stop := runWith(t, cfg)
	_, js := testenv.Connect(t, ns.ClientURL())
	at := time.Now().Add(-time.Minute)
	testenv.Publish(t, js, events.TypeJobPosted, "acme", at, job("acme", "j1", []string{"Go"}, nil, []string{"software"}))
	testenv.Publish(t, js, events.TypeCandidateRegistered, "wd-1", at, cand("wd-1", []string{"Go"}, []string{"software"}))
	testenv.Publish(t, js, events.TypeCandidateRegistered, "kp-1", at, cand("kp-1", []string{"Go"}, []string{"software"}))
	testenv.WaitProcessed(t, js, "matchd", testenv.Publish(t, js, events.TypeCandidateWithdrawn, "wd-1", at.Add(time.Second), matcher.CandidateWithdrawn{CandidateID: "wd-1"}))
	stop()

	// Recovery: the state is lost; a fresh consumer replays TALENT_IN.
	if err := js.DeleteConsumer(context.Background(), events.StreamIn, "matchd"); err != nil {
		t.Fatal(err)
	}
	rs2 := testenv.RedisServer(t)
	cfg.RedisURL = rs2.URL()
	_, _, stop2 := runWith(t, cfg)
	waitDrained(t, js)
	stop2()
	rdb := redis.NewClient(&redis.Options{Addr: rs2.Addr()})
	defer rdb.Close()
	if where := keyspaceFind(t, rdb, "kp-1"); where == "" {
		t.Error("the replay did not rebuild kp-1's profile")
	}
	if where := keyspaceFind(t, rdb, "wd-1"); where != "" {
		t.Errorf("the replay brought back the erased candidate: %s", where)
	}
}

// waitDrained waits until matchd's consumer has delivered and acknowledged
// everything in TALENT_IN (whose last sequences may have been purged).
func waitDrained(t *testing.T, js jetstream.JetStream) {
	t.Helper()
	ctx := context.Background()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) { // consumer state is polled: the server announces no event
		c, err := js.Consumer(ctx, events.StreamIn, "matchd")
		if err == nil {
			if info, err := c.Info(ctx); err == nil && info.Delivered.Stream > 0 && info.NumPending == 0 && info.NumAckPending == 0 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the replaying consumer did not drain TALENT_IN")
		}
	}
}

// streamMsgs returns every message of a stream, first to last. Messages
// may be purged while it reads (an expiry runs on its own): then it reads
// again.
func streamMsgs(t *testing.T, js jetstream.JetStream, stream string) []jetstream.Msg {
	t.Helper()
	for attempt := 0; attempt < 5; attempt++ {
		if msgs, ok := readStream(t, js, stream); ok {
			return msgs
		}
	}
	t.Fatalf("could not read %s to its end", stream)
	return nil
}

// readStream reads a stream once; ok is false when messages vanished
// under it.
func readStream(t *testing.T, js jetstream.JetStream, stream string) ([]jetstream.Msg, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, stream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs == 0 {
		return nil, true
	}
	oc, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var out []jetstream.Msg
	for {
		m, err := oc.Next(jetstream.FetchMaxWait(2 * time.Second))
		if err != nil {
			if now, ierr := s.Info(ctx); ierr == nil && now.State.Msgs == 0 {
				return out, true
			}
			return nil, false
		}
		out = append(out, m)
		if meta, err := m.Metadata(); err == nil && meta.NumPending == 0 {
			return out, true
		}
	}
}

// streamFind returns where s appears in a stream (subject, a header or
// the data of a message), or "".
func streamFind(t *testing.T, js jetstream.JetStream, stream, s string) string {
	t.Helper()
	for _, m := range streamMsgs(t, js, stream) {
		var hdr []string
		for k, vs := range m.Headers() {
			hdr = append(hdr, k+": "+strings.Join(vs, ","))
		}
		meta, _ := m.Metadata()
		for _, text := range []string{m.Subject(), strings.Join(hdr, "\n"), string(m.Data())} {
			if strings.Contains(text, s) {
				return fmt.Sprintf("message %d on %s", meta.Sequence.Stream, m.Subject())
			}
		}
	}
	return ""
}

func streamHolds(t *testing.T, js jetstream.JetStream, stream, s string) bool {
	t.Helper()
	return streamFind(t, js, stream, s) != ""
}

// keyspaceFind returns where s appears in Redis: a key's name, or any
// value or member of any key of any type. The shards' change logs, which
// docs/compliance.md says keep an erased id for at most an hour, are not
// searched.
func keyspaceFind(t *testing.T, rdb *redis.Client, s string) string {
	t.Helper()
	ctx := context.Background()
	var cursor uint64
	for {
		keys, next, err := rdb.Scan(ctx, cursor, "*", 1000).Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			if strings.HasSuffix(k, ":log") {
				continue
			}
			if strings.Contains(k, s) {
				return "key " + k
			}
			typ, err := rdb.Type(ctx, k).Result()
			if err != nil {
				t.Fatal(err)
			}
			var vals []string
			switch typ {
			case "string":
				vals = []string{rdb.Get(ctx, k).Val()}
			case "hash":
				for f, v := range rdb.HGetAll(ctx, k).Val() {
					vals = append(vals, f, v)
				}
			case "set":
				vals = rdb.SMembers(ctx, k).Val()
			case "zset":
				vals = rdb.ZRange(ctx, k, 0, -1).Val()
			case "list":
				vals = rdb.LRange(ctx, k, 0, -1).Val()
			case "stream":
				for _, e := range rdb.XRange(ctx, k, "-", "+").Val() {
					for f, v := range e.Values {
						vals = append(vals, f, fmt.Sprint(v))
					}
				}
			case "none":
			default:
				t.Fatalf("key %s has type %s, which this scan does not read", k, typ)
			}
			for _, v := range vals {
				if strings.Contains(v, s) {
					return fmt.Sprintf("%s %s holds %.80q", typ, k, v)
				}
			}
		}
		if cursor = next; cursor == 0 {
			return ""
		}
	}
}
