package daemon

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/redis/go-redis/v9"

	"github.com/talentmatch/talentmatch/events"
	"github.com/talentmatch/talentmatch/internal/redisserver"
	"github.com/talentmatch/talentmatch/internal/testenv"
	"github.com/talentmatch/talentmatch/matcher"
)

// harness runs matchd in-process against a test Redis and embedded NATS.
type harness struct {
	js      jetstream.JetStream
	nc      *nats.Conn
	rdb     *redis.Client
	info    Info
	matches *testenv.Watcher
	dlq     *testenv.Watcher
	t0      time.Time
	dataDir string
}

func start(t *testing.T, mod func(*Config)) *harness {
	t.Helper()
	return startLogged(t, mod, nil)
}

// startLogged is start with the daemon's logs (at Debug) written to logs
// when it is not nil.
func startLogged(t *testing.T, mod func(*Config), logs io.Writer) *harness {
	t.Helper()
	rs := testenv.RedisServer(t)
	ns := testenv.NATSServer(t)
	cfg := Defaults()
	cfg.NATSURL = ns.ClientURL()
	cfg.RedisURL = rs.URL()
	cfg.DataDir = t.TempDir()
	cfg.HTTPAddr, cfg.APIAddr = "127.0.0.1:0", "127.0.0.1:0"
	cfg.Shards = 4
	cfg.RetryBackoff = []time.Duration{100 * time.Millisecond}
	if mod != nil {
		mod(&cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan Info, 1)
	done := make(chan error, 1)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if logs != nil {
		log = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	go func() { done <- Run(ctx, cfg, log, func(i Info) { ready <- i }) }()
	h := &harness{t0: time.Now().Add(-time.Hour).Truncate(time.Second), dataDir: cfg.DataDir}
	select {
	case h.info = <-ready:
	case err := <-done:
		t.Fatalf("matchd did not start: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("matchd did not become ready")
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("matchd stopped with %v", err)
		}
	})
	h.nc, h.js = testenv.Connect(t, cfg.NATSURL)
	h.rdb = redis.NewClient(&redis.Options{Addr: rs.Addr()})
	t.Cleanup(func() { h.rdb.Close() })
	h.matches = testenv.Watch(t, h.js, events.StreamMatches)
	h.dlq = testenv.Watch(t, h.js, events.StreamDLQ)
	return h
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// at returns a time n seconds into the test's timeline.
func (h *harness) at(n int) time.Time { return h.t0.Add(time.Duration(n) * time.Second) }

// do publishes an event and waits until matchd has processed it.
func (h *harness) do(t *testing.T, typ, id string, n int, data any) {
	t.Helper()
	seq := testenv.Publish(t, h.js, typ, id, h.at(n), data)
	testenv.WaitProcessed(t, h.js, "matchd", seq)
}

func (h *harness) doID(t *testing.T, typ, id, eventID string, n int, data any) {
	t.Helper()
	seq := testenv.PublishID(t, h.js, typ, id, eventID, h.at(n), data)
	testenv.WaitProcessed(t, h.js, "matchd", seq)
}

// expect takes exactly the match events that have arrived and compares
// their subjects and triggers with want ("created job_posted <subject>").
func (h *harness) expect(t *testing.T, want ...string) []testenv.Received {
	t.Helper()
	got := h.matches.Next(t, len(want), 10*time.Second)
	extra := h.matches.Pending()
	var lines []string
	for _, r := range append(got, extra...) {
		kind := "created"
		if r.Envelope.Type == events.TypeMatchRetracted {
			kind = "retracted"
		}
		lines = append(lines, fmt.Sprintf("%s %s %s", kind, r.Match.Trigger, r.Subject))
	}
	sort.Strings(lines)
	sort.Strings(want)
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Fatalf("match events:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	return got
}

func job(company, id string, req, pref, ind []string, camps ...string) matcher.Job {
	return matcher.Job{JobID: id, CompanyID: company, CompanyName: company + " Ltd", Title: "Engineer",
		RequiredSkills: req, PreferredSkills: pref, Industries: ind, Location: "北京", CampaignIDs: camps}
}

func cand(id string, skills, ind []string, camps ...string) matcher.Candidate {
	return matcher.Candidate{CandidateID: id, Skills: skills, Industries: ind, Locations: []string{"Beijing"},
		Degree: matcher.DegreeMaster, CampaignIDs: camps, ConsentToMatch: true}
}

// TestEndToEnd runs the contract's scenario with each ranker: they must
// publish exactly the same match events.
func TestEndToEnd(t *testing.T) {
	for _, ranker := range []string{"mirror", "redis"} {
		t.Run(ranker, func(t *testing.T) { endToEnd(t, func(c *Config) { c.Ranker = ranker }) })
	}
	// The NATS people have: the distribution's nats-server (2.9.10 on
	// Debian 12), not only the embedded one of go.mod.
	t.Run("distribution-nats-server", func(t *testing.T) {
		url := testenv.NATSBinary(t)
		endToEnd(t, func(c *Config) { c.NATSURL = url })
	})
}

func endToEnd(t *testing.T, mod func(*Config)) {
	h := start(t, mod)
	const camp = "remain-zgc-2026"
	h.do(t, events.TypeCampaignOpened, camp, 0, matcher.Campaign{CampaignID: camp, Name: "留进中关村", StartsAt: h.at(0), EndsAt: h.at(86400)})

	// A job first: nobody to match yet.
	h.do(t, events.TypeJobPosted, "cambricon", 1, job("cambricon", "ml-1",
		[]string{"Python", "machine learning", "PyTorch"}, []string{"Kubernetes"}, []string{"人工智能"}, camp))
	h.expect(t)

	// A candidate writing in Chinese and English matches it.
	h.do(t, events.TypeCandidateRegistered, "c1", 2, cand("c1", []string{"python3", "机器学习", "pytorch", "k8s"}, []string{"artificial intelligence"}, camp))
	got := h.expect(t, "created candidate_registered talent.matches.created."+camp+".cambricon.c1")
	m := got[0].Match
	if m.Score < matcher.DefaultMinScore || m.Score > 1 || m.SkillScore != 1 || m.IndustryScore != 1 {
		t.Errorf("scores %v/%v/%v, want a full skill and industry match", m.Score, m.SkillScore, m.IndustryScore)
	}
	if len(m.MissingRequiredSkills) != 0 || len(m.MatchedSkills) != 4 || len(m.MatchedIndustries) != 1 {
		t.Errorf("explanation matched=%v missing=%v industries=%v", m.MatchedSkills, m.MissingRequiredSkills, m.MatchedIndustries)
	}
	if m.MatchID != matcher.MatchID(matcher.Pair{Job: matcher.JobRef{CompanyID: "cambricon", JobID: "ml-1"}, CandidateID: "c1"}) {
		t.Errorf("match id %s is not the pair's stable id", m.MatchID)
	}
	if got[0].MsgID != got[0].Envelope.ID || !strings.HasPrefix(got[0].MsgID, m.MatchID+".") {
		t.Errorf("Nats-Msg-Id %q and event id %q must be equal and derive from the match id", got[0].MsgID, got[0].Envelope.ID)
	}

	// A candidate outside the campaign, and one with unrelated skills, match nothing.
	h.do(t, events.TypeCandidateRegistered, "c2", 3, cand("c2", []string{"Python", "machine learning", "PyTorch"}, nil))
	h.do(t, events.TypeCandidateRegistered, "c3", 4, cand("c3", []string{"welding", "焊接"}, nil, camp))
	h.expect(t)

	// A second job in the open pool finds c2 (open pool) but not c1 (campaign).
	h.do(t, events.TypeJobPosted, "glodon", 5, job("glodon", "go-1", []string{"Go", "Kubernetes"}, nil, []string{"software"}))
	h.expect(t)
	h.do(t, events.TypeCandidateRegistered, "c4", 6, cand("c4", []string{"Golang", "k8s", "Docker"}, nil))
	h.expect(t, "created candidate_registered talent.matches.created.open.glodon.c4")

	t.Run("republish has effect once", func(t *testing.T) {
		data := cand("c5", []string{"golang", "kubernetes"}, nil)
		h.doID(t, events.TypeCandidateRegistered, "c5", "ev-c5", 7, data)
		h.expect(t, "created candidate_registered talent.matches.created.open.glodon.c5")
		h.doID(t, events.TypeCandidateRegistered, "c5", "ev-c5", 7, data)
		h.expect(t)
		// An older update is ignored.
		h.do(t, events.TypeCandidateRegistered, "c5", 6, cand("c5", []string{"welding"}, nil))
		h.expect(t)
	})

	t.Run("update below threshold retracts", func(t *testing.T) {
		h.do(t, events.TypeCandidateRegistered, "c5", 8, cand("c5", []string{"welding", "Docker"}, nil))
		got := h.expect(t, "retracted rescored talent.matches.retracted.open.glodon.c5")
		if got[0].Match.Score >= matcher.DefaultMinScore {
			t.Errorf("retraction carries score %v, want the new score below the threshold", got[0].Match.Score)
		}
		// and matching again creates a new match with a new event id
		h.do(t, events.TypeCandidateRegistered, "c5", 9, cand("c5", []string{"Go", "k8s"}, nil))
		again := h.expect(t, "created candidate_registered talent.matches.created.open.glodon.c5")
		if again[0].Envelope.ID == got[0].Envelope.ID {
			t.Error("a new match of the same pair reused the event id")
		}
	})

	t.Run("close job retracts", func(t *testing.T) {
		h.do(t, events.TypeJobClosed, "glodon", 10, matcher.JobClosed{JobID: "go-1", CompanyID: "glodon"})
		h.expect(t, "retracted job_closed talent.matches.retracted.open.glodon.c4", "retracted job_closed talent.matches.retracted.open.glodon.c5")
		// a late, older repost does not reopen it
		h.do(t, events.TypeJobPosted, "glodon", 5, job("glodon", "go-1", []string{"Go"}, nil, []string{"software"}))
		h.expect(t)
	})

	t.Run("withdrawal retracts and erases", func(t *testing.T) {
		h.do(t, events.TypeCandidateWithdrawn, "c1", 11, matcher.CandidateWithdrawn{CandidateID: "c1"})
		h.expect(t, "retracted candidate_withdrawn talent.matches.retracted."+camp+".cambricon.c1")
		keys, err := h.rdb.Keys(context.Background(), "*").Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			if parts := strings.Split(k, ":"); parts[len(parts)-1] == "c1" {
				t.Errorf("key %q still names the withdrawn candidate", k)
			}
			members, _ := h.rdb.SMembers(context.Background(), k).Result()
			for _, m := range members {
				if m == "c1" {
					t.Errorf("set %q still holds the withdrawn candidate", k)
				}
			}
			fields, _ := h.rdb.HKeys(context.Background(), k).Result()
			for _, f := range fields {
				if f == "c1" {
					t.Errorf("hash %q still has a field for the withdrawn candidate", k)
				}
			}
		}
		// a redelivered registration of before the withdrawal does not resurrect them
		h.do(t, events.TypeCandidateRegistered, "c1", 2, cand("c1", []string{"python"}, nil, camp))
		h.expect(t)
	})

	t.Run("campaign close retracts its matches", func(t *testing.T) {
		h.do(t, events.TypeCandidateRegistered, "c6", 12, cand("c6", []string{"Python", "机器学习", "PyTorch"}, []string{"人工智能"}, camp))
		h.expect(t, "created candidate_registered talent.matches.created."+camp+".cambricon.c6")
		h.do(t, events.TypeCampaignClosed, camp, 13, matcher.CampaignClosed{CampaignID: camp})
		h.expect(t, "retracted campaign_closed talent.matches.retracted."+camp+".cambricon.c6")
	})

	t.Run("metrics", func(t *testing.T) {
		resp, err := http.Get("http://" + h.info.HTTPAddr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, want := range []string{
			`talentmatch_events_total{outcome="applied",type="talentmatch.job.posted.v1"}`,
			`talentmatch_events_total{outcome="stale",type="talentmatch.candidate.registered.v1"} 2`,
			`talentmatch_matches_published_total{kind="created"} 5`,
			`talentmatch_match_duration_seconds_bucket`,
			`talentmatch_dead_letters_total{reason="malformed"} 0`,
		} {
			if !strings.Contains(string(body), want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
		for _, path := range []string{"/healthz", "/readyz"} {
			resp, err := http.Get("http://" + h.info.HTTPAddr + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("%s: status %d", path, resp.StatusCode)
			}
		}
	})
}

func TestDeadLetters(t *testing.T) {
	h := start(t, func(c *Config) { c.MaxEventBytes = 4096; c.MaxDeliver = 2 })
	ok := func(typ, id string, data any) []byte {
		b, err := events.Encode("e-"+id, "/test", typ, h.at(1), data)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	good := ok(events.TypeCandidateRegistered, "c1", cand("c1", []string{"Go"}, nil))
	tests := []struct {
		name, subject string
		body          []byte
		reason        events.Reason
		says          string
	}{
		{"not json", "talent.candidates.registered.c1", []byte("hello"), events.ReasonMalformed, "not JSON"},
		{"not cloudevents", "talent.candidates.registered.c1", []byte(`{"candidate_id":"c1"}`), events.ReasonMalformed, "CloudEvents"},
		{"invalid utf-8", "talent.candidates.registered.c1", []byte{'{', 0xff, '}'}, events.ReasonMalformed, "UTF-8"},
		{"schema", "talent.candidates.registered.c1", ok(events.TypeCandidateRegistered, "c1", map[string]any{"candidate_id": "c1", "skills": []string{}, "consent_to_match": true}), events.ReasonInvalid, "/data/skills"},
		{"protected attribute", "talent.candidates.registered.c1", ok(events.TypeCandidateRegistered, "c1", map[string]any{"candidate_id": "c1", "skills": []string{"Go"}, "consent_to_match": true, "gender": "f"}), events.ReasonInvalid, "gender"},
		{"subject mismatch", "talent.candidates.registered.c2", good, events.ReasonUnauthorized, "must be equal"},
		{"type on wrong subject", "talent.jobs.posted.c1", good, events.ReasonUnauthorized, "may only be published on talent.candidates.registered.<candidate_id>"},
		{"unknown type", "talent.candidates.registered.c1", ok("talentmatch.candidate.promoted.v1", "c1", map[string]any{"candidate_id": "c1"}), events.ReasonUnknownType, "candidate.promoted"},
		{"too large", "talent.candidates.registered.c1", []byte(`{"x":"` + strings.Repeat("a", 5000) + `"}`), events.ReasonTooLarge, "4096"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			msg := nats.NewMsg(tc.subject)
			msg.Data = tc.body
			testenv.WaitProcessed(t, h.js, "matchd", testenv.PublishMsg(t, h.js, msg))
			got := h.dlq.Next(t, 1, 10*time.Second)[0]
			if got.Subject != "talent.dlq."+string(tc.reason) {
				t.Errorf("dead letter on %s, want talent.dlq.%s (error: %s)", got.Subject, tc.reason, got.Error)
			}
			if !strings.Contains(got.Error, tc.says) {
				t.Errorf("Talent-Error %q does not say %q", got.Error, tc.says)
			}
			if got.OriginalSubject != tc.subject || string(got.Data) != string(tc.body) {
				t.Errorf("dead letter lost the original subject or bytes")
			}
		})
	}
	t.Run("max deliver", func(t *testing.T) {
		// A stored record that cannot be read makes every attempt fail.
		h.do(t, events.TypeJobPosted, "acme", 2, job("acme", "j1", []string{"Go"}, nil, []string{"software"}))
		ctx := context.Background()
		keys, _ := h.rdb.Keys(ctx, "*:j:acme/j1").Result()
		if len(keys) != 1 {
			t.Fatalf("job record keys %v", keys)
		}
		h.rdb.HSet(ctx, keys[0], "f", "{not json")
		h.do(t, events.TypeJobPosted, "acme", 3, job("acme", "j1", []string{"Go", "Rust"}, nil, []string{"software"}))
		got := h.dlq.Next(t, 1, 10*time.Second)[0]
		if got.Subject != "talent.dlq.max_deliver" || !strings.Contains(got.Error, "gave up after 2 attempts") {
			t.Errorf("got %s %q, want a max_deliver dead letter after 2 attempts", got.Subject, got.Error)
		}
	})
	t.Run("service keeps serving", func(t *testing.T) {
		h.do(t, events.TypeJobPosted, "beta", 4, job("beta", "j2", []string{"Rust"}, nil, []string{"software"}))
		h.do(t, events.TypeCandidateRegistered, "c9", 5, cand("c9", []string{"rust"}, nil))
		h.expect(t, "created candidate_registered talent.matches.created.open.beta.c9")
	})
}

func TestCampaignOverrides(t *testing.T) {
	h := start(t, nil)
	topK, min := 2, 0.7
	h.do(t, events.TypeCampaignOpened, "strict", 0, matcher.Campaign{CampaignID: "strict", Name: "严格专场", StartsAt: h.at(0), EndsAt: h.at(86400), TopK: &topK, MinScore: &min})
	// Five candidates: three strong, one moderate (0.45 ≤ score < 0.7), one outside the campaign.
	h.do(t, events.TypeCandidateRegistered, "s1", 1, cand("s1", []string{"Go", "Kubernetes", "Docker"}, []string{"software"}, "strict"))
	h.do(t, events.TypeCandidateRegistered, "s2", 2, cand("s2", []string{"Go", "Kubernetes", "Docker", "Rust"}, []string{"software"}, "strict"))
	h.do(t, events.TypeCandidateRegistered, "s3", 3, cand("s3", []string{"Go", "Kubernetes", "Docker"}, nil, "strict"))
	h.do(t, events.TypeCandidateRegistered, "s4", 4, cand("s4", []string{"Go", "Python"}, []string{"software"}, "strict"))
	h.do(t, events.TypeCandidateRegistered, "o1", 5, cand("o1", []string{"Go", "Kubernetes", "Docker"}, []string{"software"}))
	h.do(t, events.TypeJobPosted, "acme", 6, job("acme", "j1", []string{"Go", "Kubernetes", "Docker"}, nil, []string{"software"}, "strict"))
	got := h.expect(t, "created job_posted talent.matches.created.strict.acme.s1", "created job_posted talent.matches.created.strict.acme.s2")
	for _, r := range got {
		if r.Match.Score < min {
			t.Errorf("%s scored %v, below the campaign's min_score %v", r.Subject, r.Match.Score, min)
		}
	}
	// s3 (0.8, beyond top-2 of that event) is announced by its own next event.
	h.do(t, events.TypeCandidateRegistered, "s3", 7, cand("s3", []string{"Go", "Kubernetes", "Docker", "Linux"}, nil, "strict"))
	h.expect(t, "created candidate_registered talent.matches.created.strict.acme.s3")
}

func TestPrivateRedis(t *testing.T) {
	h := start(t, func(c *Config) { c.RedisURL = "embedded" })
	if !strings.HasPrefix(h.info.RedisURL, "redis://127.0.0.1:") {
		t.Fatalf("redis url %q", h.info.RedisURL)
	}
	h.do(t, events.TypeJobPosted, "acme", 1, job("acme", "j1", []string{"Go"}, nil, []string{"software"}))
	h.do(t, events.TypeCandidateRegistered, "c1", 2, cand("c1", []string{"golang"}, nil))
	h.expect(t, "created candidate_registered talent.matches.created.open.acme.c1")
}

// TestHostileInput sends what an attacker or a broken client might, through
// NATS: each gets a dead letter with a reason a person can act on, and the
// service keeps serving.
func TestHostileInput(t *testing.T) {
	h := start(t, nil)
	ev := func(typ string, data any, mod ...func(map[string]any)) []byte {
		m := map[string]any{"specversion": "1.0", "id": "hostile", "source": "/x", "type": typ, "time": h.at(1).Format(time.RFC3339), "data": data}
		for _, f := range mod {
			f(m)
		}
		b, _ := json.Marshal(m)
		return b
	}
	c := func(extra map[string]any) map[string]any {
		d := map[string]any{"candidate_id": "c1", "skills": []string{"Go"}, "consent_to_match": true}
		for k, v := range extra {
			d[k] = v
		}
		return d
	}
	many := make([]string, 100000)
	for i := range many {
		many[i] = fmt.Sprint(i)
	}
	reg := "talent.candidates.registered.c1"
	tests := []struct {
		name, subject string
		body          []byte
		reason        events.Reason
		says          string
	}{
		{"10 MB body", reg, []byte(`{"x":"` + strings.Repeat("a", 10<<20) + `"}`), events.ReasonTooLarge, "at most 65536 bytes"},
		{"invalid UTF-8", reg, []byte("{\"specversion\":\"1.0\",\"x\":\"\xc3\x28\"}"), events.ReasonMalformed, "UTF-8"},
		{"deeply nested JSON", reg, []byte(strings.Repeat("[", 30000) + strings.Repeat("]", 30000)), events.ReasonMalformed, "not JSON"},
		{"100,000-element array", reg, ev(events.TypeCandidateRegistered, c(map[string]any{"skills": many})), events.ReasonTooLarge, "at most"},
		{"id with a dot", "talent.candidates.registered.c.1", ev(events.TypeCandidateRegistered, c(map[string]any{"candidate_id": "c.1"})), events.ReasonUnauthorized, "may only be published on"},
		{"id with a space", reg, ev(events.TypeCandidateRegistered, c(map[string]any{"candidate_id": "c 1"})), events.ReasonInvalid, "/data/candidate_id"},
		{"id with a wildcard", reg, ev(events.TypeCandidateRegistered, c(map[string]any{"candidate_id": "c*"})), events.ReasonInvalid, "/data/candidate_id"},
		{"id of 65 characters", reg, ev(events.TypeCandidateRegistered, c(map[string]any{"candidate_id": strings.Repeat("c", 65)})), events.ReasonInvalid, "/data/candidate_id"},
		{"subject and data disagree", reg, ev(events.TypeCandidateRegistered, c(map[string]any{"candidate_id": "c2"})), events.ReasonUnauthorized, "must be equal"},
		{"time far in the future", reg, ev(events.TypeCandidateRegistered, c(nil), func(m map[string]any) { m["time"] = "2099-01-01T00:00:00Z" }), events.ReasonInvalid, "in the future"},
		{"gender and age", reg, ev(events.TypeCandidateRegistered, c(map[string]any{"gender": "f", "age": 30})), events.ReasonInvalid, "protected attributes"},
		{"duplicate skills", reg, ev(events.TypeCandidateRegistered, c(map[string]any{"skills": []string{"Go", "Go"}})), events.ReasonInvalid, "/data/skills"},
		{"empty skill", reg, ev(events.TypeCandidateRegistered, c(map[string]any{"skills": []string{"Go", ""}})), events.ReasonInvalid, "/data/skills/1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			msg := nats.NewMsg(tc.subject)
			msg.Data = tc.body
			testenv.WaitProcessed(t, h.js, "matchd", testenv.PublishMsg(t, h.js, msg))
			got := h.dlq.Next(t, 1, 10*time.Second)[0]
			if got.Subject != "talent.dlq."+string(tc.reason) || !strings.Contains(got.Error, tc.says) {
				t.Errorf("dead letter %s %q, want %s saying %q", got.Subject, got.Error, tc.reason, tc.says)
			}
			if len(got.Data) != len(tc.body) {
				t.Errorf("dead letter holds %d bytes, the original had %d", len(got.Data), len(tc.body))
			}
		})
	}
	// and the service still matches
	h.do(t, events.TypeJobPosted, "acme", 2, job("acme", "j1", []string{"Go"}, nil, []string{"software"}))
	h.do(t, events.TypeCandidateRegistered, "c1", 3, cand("c1", []string{"golang"}, nil))
	h.expect(t, "created candidate_registered talent.matches.created.open.acme.c1")
}

// lockedBuffer collects logs from several goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestSecretsAndProfilesStayOutOfLogs runs matchd against a Redis that
// needs a password, at debug level, through a whole scenario: neither the
// password nor a candidate's profile appears in the logs or /metrics.
func TestSecretsAndProfilesStayOutOfLogs(t *testing.T) {
	const secret = "s3cret-redis-pw"
	rs := testenv.RedisServer(t, func(o *redisserver.Options) { o.Args = []string{"--requirepass", secret} })
	ns := testenv.NATSServer(t)
	cfg := Defaults()
	cfg.NATSURL, cfg.DataDir, cfg.HTTPAddr, cfg.APIAddr = ns.ClientURL(), t.TempDir(), "127.0.0.1:0", "-"
	cfg.RedisURL = "redis://:" + secret + "@" + rs.Addr()
	var logs lockedBuffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	info, stop, err := Start(context.Background(), cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	_, js := testenv.Connect(t, ns.ClientURL())
	at := time.Now().Add(-time.Minute)
	testenv.WaitProcessed(t, js, "matchd", testenv.Publish(t, js, events.TypeJobPosted, "acme", at, job("acme", "j1", []string{"Go", "机器学习"}, nil, []string{"software"})))
	seq := testenv.Publish(t, js, events.TypeCandidateRegistered, "c1", at, cand("c1", []string{"golang", "机器学习", "quantumwidgetry"}, []string{"software"}))
	testenv.WaitProcessed(t, js, "matchd", seq)
	resp, err := http.Get("http://" + info.HTTPAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	_ = stop()
	all := logs.String() + string(metrics)
	if !strings.Contains(logs.String(), "event handled") {
		t.Fatal("the debug logs were not captured")
	}
	for _, leak := range []string{secret, "quantumwidgetry", "机器学习", "golang"} {
		if strings.Contains(all, leak) {
			t.Errorf("%q appears in the logs or metrics", leak)
		}
	}
	if !strings.Contains(logs.String(), ":***@") {
		t.Errorf("the Redis URL is not logged redacted")
	}
}

// TestRetention gives profiles a retention time: when it runs out, the
// candidate's matches are retracted and their data erased.
func TestRetention(t *testing.T) {
	h := start(t, func(c *Config) { c.Retention, c.RetentionCheck = 2*time.Second, 50*time.Millisecond })
	h.do(t, events.TypeJobPosted, "acme", 1, job("acme", "j1", []string{"Go"}, nil, []string{"software"}))
	h.do(t, events.TypeCandidateRegistered, "c1", 2, cand("c1", []string{"golang"}, nil))
	h.expect(t, "created candidate_registered talent.matches.created.open.acme.c1")
	got := h.matches.Next(t, 1, 20*time.Second)
	if got[0].Envelope.Type != events.TypeMatchRetracted || got[0].Match.Trigger != matcher.TriggerCandidateWithdrawn {
		t.Fatalf("after the retention: %s %s, want a retraction", got[0].Envelope.Type, got[0].Match.Trigger)
	}
	ctx := context.Background()
	deadline := time.Now().Add(10 * time.Second)
	for {
		keys, _ := h.rdb.Keys(ctx, "*").Result()
		var left []string
		for _, k := range keys {
			if parts := strings.Split(k, ":"); parts[len(parts)-1] == "c1" {
				left = append(left, k)
			}
		}
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("keys left after the retention: %v", left)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
