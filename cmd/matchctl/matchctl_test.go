package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/talentmatch/talentmatch/events"
	"github.com/talentmatch/talentmatch/internal/daemon"
	"github.com/talentmatch/talentmatch/internal/testenv"
	"github.com/talentmatch/talentmatch/matcher"
)

func TestInfer(t *testing.T) {
	tests := []struct {
		obj  map[string]any
		want string
	}{
		{map[string]any{"job_id": "j", "title": "x", "required_skills": []any{}}, "job"},
		{map[string]any{"candidate_id": "c", "skills": []any{}}, "candidate"},
		{map[string]any{"campaign_id": "c", "name": "n", "starts_at": "x"}, "campaign"},
		{map[string]any{"candidate_id": "c"}, ""},
	}
	for _, tc := range tests {
		if got := infer(tc.obj); got != tc.want {
			t.Errorf("infer(%v) = %q, want %q", tc.obj, got, tc.want)
		}
	}
}

func TestWatchFilter(t *testing.T) {
	tests := []struct{ company, candidate, campaign, want string }{
		{"acme", "", "", "talent.matches.*.*.acme.*"},
		{"", "c1", "", "talent.matches.*.*.*.c1"},
		{"", "", "camp", "talent.matches.*.camp.*.*"},
		{"", "", "", "talent.matches.*.*.*.*"},
	}
	for _, tc := range tests {
		if got := watchFilter(tc.company, tc.candidate, tc.campaign); got != tc.want {
			t.Errorf("watchFilter = %q, want %q", got, tc.want)
		}
	}
}

func TestReadObjects(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"one.json":    `{"a":1}`,
		"arr.json":    `[{"a":1},{"a":2}]`,
		"lines.jsonl": "{\"a\":1}\n{\"a\":2}\n\n{\"a\":3}\n",
	}
	want := map[string]int{"one.json": 1, "arr.json": 2, "lines.jsonl": 3}
	for name, body := range files {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		objs, err := readObjects(p)
		if err != nil || len(objs) != want[name] {
			t.Errorf("%s: %d objects, %v; want %d", name, len(objs), err, want[name])
		}
	}
	os.WriteFile(filepath.Join(dir, "bad.jsonl"), []byte("{\"a\":1}\n{oops\n"), 0o644)
	if _, err := readObjects(filepath.Join(dir, "bad.jsonl")); err == nil || !strings.Contains(err.Error(), "object 2") {
		t.Errorf("bad line: %v, want an error naming object 2", err)
	}
}

func TestDemoDataIsValid(t *testing.T) {
	d, err := loadDemo("t")
	if err != nil {
		t.Fatal(err)
	}
	if len(d.jobs) < 12 || len(d.candidates) < 200 {
		t.Fatalf("demo has %d jobs and %d candidates", len(d.jobs), len(d.candidates))
	}
	companies := map[any]bool{}
	for _, j := range d.jobs {
		companies[j["company_id"]] = true
	}
	if len(companies) < 12 {
		t.Errorf("demo has %d companies, want a dozen", len(companies))
	}
}

// TestDemo plays the demo campaign through a matchd running on a test
// Redis and NATS, and checks what it prints.
func TestDemo(t *testing.T) {
	rs := testenv.RedisServer(t)
	ns := testenv.NATSServer(t)
	cfg := daemon.Defaults()
	cfg.NATSURL, cfg.RedisURL, cfg.DataDir, cfg.HTTPAddr, cfg.APIAddr = ns.ClientURL(), rs.URL(), t.TempDir(), "-", "-"
	_, stop, err := daemon.Start(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	nc, js := testenv.Connect(t, ns.ClientURL())
	// A live subscription: the withdrawals at the end erase the candidates'
	// match events from the stream, retractions included.
	live := make(chan *nats.Msg, 100000)
	if _, err := nc.ChanSubscribe("talent.matches.>", live); err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}

	out := captureStdout(t, func() {
		if err := runDemo(context.Background(), []string{"--nats", ns.ClientURL(), "--rate", "2000"}); err != nil {
			t.Fatal(err)
		}
	})
	for _, want := range []string{"MATCH", "matched:", "── summary", "matches created", "campaign_closed"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	// Every created match was retracted by the clean-up, and none twice.
	s, err := js.Stream(context.Background(), events.StreamMatches)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 0 {
		t.Errorf("%d match events left in %s after every candidate withdrew, want 0", info.State.Msgs, events.StreamMatches)
	}
	// Core subscribers also see republished events that JetStream drops as
	// duplicates: keep one per message id, as the stream did.
	var got []testenv.Received
	seen := map[string]bool{}
	for deadline := time.After(10 * time.Second); uint64(len(got)) < info.State.LastSeq; {
		select {
		case m := <-live:
			if id := m.Header.Get(events.HeaderMsgID); seen[id] {
				continue
			} else {
				seen[id] = true
			}
			var r testenv.Received
			r.Envelope, r.Match, _ = events.DecodeMatch(m.Data)
			got = append(got, r)
		case <-deadline:
			t.Fatalf("received %d match events live, the stream stored %d", len(got), info.State.LastSeq)
		}
	}
	created, retracted := map[string]int{}, map[string]int{}
	for _, r := range got {
		if r.Envelope.Type == events.TypeMatchCreated {
			created[r.Match.MatchID]++
		} else {
			retracted[r.Match.MatchID]++
		}
	}
	if len(created) < 100 {
		t.Errorf("only %d matches created", len(created))
	}
	for id, n := range created {
		if n != 1 || retracted[id] != 1 {
			t.Errorf("match %s: created %d times, retracted %d times", id, n, retracted[id])
		}
	}
	var m matcher.Match
	for _, r := range got {
		if r.Envelope.Type == events.TypeMatchCreated {
			m = r.Match
			break
		}
	}
	if m.Trigger != matcher.TriggerCandidateRegistered && m.Trigger != matcher.TriggerJobPosted || reflect.DeepEqual(m.MatchedSkills, []string{}) {
		t.Errorf("first match %+v", m)
	}
}

func captureStdout(t *testing.T, f func()) string {
	t.Helper()
	r, w, _ := os.Pipe()
	old := os.Stdout
	os.Stdout = w
	done := make(chan string)
	go func() {
		b, _ := io.ReadAll(r)
		done <- string(b)
	}()
	defer func() { os.Stdout = old }()
	f()
	w.Close()
	os.Stdout = old
	select {
	case s := <-done:
		return s
	case <-time.After(10 * time.Second):
		t.Fatal("stdout capture hung")
		return ""
	}
}
