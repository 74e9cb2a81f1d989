package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/talentmatch/talentmatch/matcher/extract"
	"github.com/talentmatch/talentmatch/matcher/taxonomy"
)

func TestExtractLines(t *testing.T) {
	in := strings.Join([]string{
		`{"id": "j1", "text": "Experience with Kubernetes and Python"}`,
		`熟悉Java和MySQL`,
		``,
		`{"id": 7, "text": "no skills here"}`,
	}, "\n")
	var out bytes.Buffer
	if err := extractLines(context.Background(), strings.NewReader(in), &out, extract.For(taxonomy.Default()), 0, false); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("got %d lines, want 3:\n%s", len(lines), out.String())
	}
	type line struct {
		ID     json.RawMessage `json:"id"`
		Skills []struct {
			ID, Label, ESCO string
			Score           float64
			Span            struct {
				Start, End int
				Text       string
			}
		} `json:"skills"`
	}
	var got []line
	for _, l := range lines {
		var x line
		if err := json.Unmarshal([]byte(l), &x); err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		got = append(got, x)
	}
	if string(got[0].ID) != `"j1"` || string(got[1].ID) != `2` || string(got[2].ID) != `7` {
		t.Errorf("ids %s %s %s, want \"j1\" 2 7", got[0].ID, got[1].ID, got[2].ID)
	}
	found := map[string]string{}
	for _, s := range got[0].Skills {
		found[s.ID] = s.ESCO
	}
	if _, ok := found["kubernetes"]; !ok || found["python"] != "skill/ccd0a1d9-afda-43d9-b901-96344886e14d" {
		t.Errorf("line 1 skills %+v, want kubernetes and python with its ESCO id", got[0].Skills)
	}
	if len(got[1].Skills) < 2 || len(got[2].Skills) != 0 {
		t.Errorf("line 2 %+v, line 4 %+v", got[1].Skills, got[2].Skills)
	}
}

func TestExtractLinesBadInput(t *testing.T) {
	for _, in := range []string{`{"id": 1, "text": `, `{"id": 1}`, `{"id": 1, "text": 5}`} {
		var out bytes.Buffer
		err := extractLines(context.Background(), strings.NewReader(in), &out, extract.For(taxonomy.Default()), 0, false)
		if err == nil || !strings.Contains(err.Error(), "line 1") {
			t.Errorf("%s: err %v, want a line 1 error", in, err)
		}
	}
}
