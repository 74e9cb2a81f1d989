package asyncapi

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/talentmatch/talentmatch/events"
	"github.com/talentmatch/talentmatch/internal/api"
	"github.com/talentmatch/talentmatch/schemas"
)

type parsed struct {
	File        string `json:"file"`
	Diagnostics []struct {
		Severity, Code, Message, Path string
	} `json:"diagnostics"`
	Channels []struct {
		ID         string `json:"id"`
		Address    string `json:"address"`
		Stream     string `json:"stream"`
		Parameters []struct {
			ID   string   `json:"id"`
			Enum []string `json:"enum"`
		} `json:"parameters"`
		Messages []struct {
			ID, Name, ContentType, PayloadID string
		} `json:"messages"`
	} `json:"channels"`
	Operations []struct {
		ID       string   `json:"id"`
		Action   string   `json:"action"`
		Channels []string `json:"channels"`
		Reply    []string `json:"reply"`
	} `json:"operations"`
}

// parse runs validate.js on files with node and returns what the AsyncAPI
// parser made of each.
func parse(t *testing.T, files ...string) []parsed {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is not installed: run make test (internal/dev/setup.sh installs nodejs and @asyncapi/parser)")
	}
	if _, err := os.Stat("node_modules/@asyncapi/parser/package.json"); err != nil {
		t.Fatal("@asyncapi/parser is not installed in internal/dev/asyncapi/node_modules: run make test (or internal/dev/setup.sh)")
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(node, append([]string{"validate.js"}, files...)...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node validate.js: %v\n%s", err, stderr.String())
	}
	var out []parsed
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("validate.js printed no JSON: %v\n%s", err, stdout.String())
	}
	return out
}

// errorsOf returns the diagnostics that are errors or warnings.
func errorsOf(p parsed) []string {
	var out []string
	for _, d := range p.Diagnostics {
		if d.Severity == "error" || d.Severity == "warning" {
			out = append(out, d.Severity+" "+d.Code+" at "+d.Path+": "+d.Message)
		}
	}
	return out
}

var param = regexp.MustCompile(`\{[a-z_]+\}`)

// wildcard turns a channel address into a NATS subject with a * for each
// parameter.
func wildcard(address string) string { return param.ReplaceAllString(address, "*") }

// matchesFilter reports whether every subject of the wildcard subject s is
// captured by the stream filter f (tokens, * and a trailing >).
func matchesFilter(s, f string) bool {
	st, ft := strings.Split(s, "."), strings.Split(f, ".")
	for i, tok := range ft {
		if tok == ">" {
			return len(st) > i
		}
		if i >= len(st) || (tok != "*" && tok != st[i]) {
			return false
		}
	}
	return len(st) == len(ft)
}

// brokenCopy writes a copy of the schemas folder into a temporary one, with
// edit applied to its asyncapi.yaml, and returns that file.
func brokenCopy(t *testing.T, edit func(string) string) string {
	t.Helper()
	dir := t.TempDir()
	src := "../../../schemas"
	names, err := filepath.Glob(filepath.Join(src, "*.*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Base(n) == "asyncapi.yaml" {
			b = []byte(edit(string(b)))
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(n)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "asyncapi.yaml")
}

func TestAsyncAPI(t *testing.T) {
	broken := brokenCopy(t, func(s string) string {
		return strings.Replace(s, "./talentmatch.job.posted.v1.schema.json", "./talentmatch.job.posted.v9.schema.json", 1)
	})
	res := parse(t, "../../../schemas/asyncapi.yaml", broken)
	doc := res[0]

	t.Run("the AsyncAPI parser accepts it", func(t *testing.T) {
		if errs := errorsOf(doc); len(errs) > 0 {
			t.Errorf("schemas/asyncapi.yaml:\n%s", strings.Join(errs, "\n"))
		}
		if len(doc.Channels) == 0 {
			t.Fatal("the parser found no channels")
		}
	})
	t.Run("and refuses a broken reference", func(t *testing.T) {
		if len(errorsOf(res[1])) == 0 {
			t.Error("a $ref to a schema that does not exist passed the parser")
		}
	})

	v, err := schemas.New()
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		subject, stream, typ, action string
	}
	var wants []want
	for _, typ := range v.Types() {
		if s := events.InboundSubject(typ, "*"); s != "" {
			wants = append(wants, want{s, events.StreamIn, typ, "receive"})
		}
	}
	wants = append(wants,
		want{events.MatchSubject("created", "*", "*", "*"), events.StreamMatches, events.TypeMatchCreated, "send"},
		want{events.MatchSubject("retracted", "*", "*", "*"), events.StreamMatches, events.TypeMatchRetracted, "send"},
		want{events.DLQSubject("*"), events.StreamDLQ, "", "send"},
	)
	for _, s := range []string{api.SubjectCampaigns, api.SubjectCampaignStats, api.SubjectCandidateMatches, api.SubjectJobMatches, api.SubjectCompanyMatches} {
		wants = append(wants, want{s, "", "", "receive"})
	}
	if n := len(wants) - 8; n != len(v.Types())-2 {
		t.Fatalf("only %d inbound types have a subject in events.InboundSubject", n)
	}

	filters := map[string][]string{events.StreamIn: events.SubjectsIn, events.StreamMatches: events.SubjectsMatches, events.StreamDLQ: events.SubjectsDLQ}
	seen := map[string]bool{}
	for _, w := range wants {
		found := false
		for _, ch := range doc.Channels {
			if wildcard(ch.Address) != w.subject {
				continue
			}
			found, seen[ch.ID] = true, true
			if ch.Stream != w.stream {
				t.Errorf("channel %s (%s): x-jetstream-stream %q, want %q", ch.ID, ch.Address, ch.Stream, w.stream)
			}
			if w.stream != "" && !slices.ContainsFunc(filters[w.stream], func(f string) bool { return matchesFilter(w.subject, f) }) {
				t.Errorf("channel %s (%s) is not captured by stream %s's subjects %v", ch.ID, ch.Address, w.stream, filters[w.stream])
			}
			if w.typ != "" {
				if len(ch.Messages) != 1 || ch.Messages[0].Name != w.typ {
					t.Errorf("channel %s (%s) carries %+v, want one message named %s", ch.ID, ch.Address, ch.Messages, w.typ)
				} else if m := ch.Messages[0]; m.PayloadID != schemas.Base+w.typ+".schema.json" || m.ContentType != events.ContentType {
					t.Errorf("message %s: payload %q (%s), want the schema %s (%s)", m.Name, m.PayloadID, m.ContentType, schemas.Base+w.typ+".schema.json", events.ContentType)
				}
			}
			if w.stream == events.StreamDLQ {
				var reasons []string
				for _, r := range events.Reasons {
					reasons = append(reasons, string(r))
				}
				if len(ch.Parameters) != 1 || !slices.Equal(ch.Parameters[0].Enum, reasons) {
					t.Errorf("channel %s: parameters %+v, want reason with the values %v", ch.ID, ch.Parameters, reasons)
				}
			}
			ops := 0
			for _, op := range doc.Operations {
				if slices.Contains(op.Channels, ch.ID) {
					ops++
					if op.Action != w.action {
						t.Errorf("operation %s on %s: action %s, want %s (matchd's side)", op.ID, ch.Address, op.Action, w.action)
					}
					if w.stream == "" && len(op.Reply) == 0 {
						t.Errorf("operation %s on %s: no reply messages", op.ID, ch.Address)
					}
				}
			}
			if ops != 1 {
				t.Errorf("channel %s (%s) has %d operations, want 1", ch.ID, ch.Address, ops)
			}
		}
		if !found {
			t.Errorf("the code uses subject %s (type %q) but schemas/asyncapi.yaml has no channel for it", w.subject, w.typ)
		}
	}
	for _, ch := range doc.Channels {
		if !seen[ch.ID] && ch.Address != "" {
			t.Errorf("schemas/asyncapi.yaml has channel %s (%s), which the code does not use", ch.ID, ch.Address)
		}
	}
}
