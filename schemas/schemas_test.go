package schemas

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExamples(t *testing.T) {
	v, err := New()
	if err != nil {
		t.Fatal(err)
	}
	if got := len(v.Types()); got != 10 {
		t.Fatalf("schemas for %d types, want 10: %v", got, v.Types())
	}
	for _, typ := range v.Types() {
		for _, tc := range []struct {
			file      string
			wantValid bool
		}{{typ + ".valid.json", true}, {typ + ".invalid.json", false}} {
			t.Run(tc.file, func(t *testing.T) {
				b, err := os.ReadFile(filepath.Join("examples", tc.file))
				if err != nil {
					t.Fatalf("every type needs a valid and an invalid example: %v", err)
				}
				doc, err := Decode(b)
				if err != nil {
					t.Fatal(err)
				}
				err = v.Validate(typ, doc)
				if tc.wantValid && err != nil {
					t.Errorf("valid example rejected: %v", err)
				}
				if !tc.wantValid {
					if err == nil {
						t.Errorf("invalid example accepted")
					} else if !strings.HasPrefix(err.Error(), "at /") {
						t.Errorf("error %q does not say where the problem is", err)
					}
				}
			})
		}
	}
}

func TestValidateErrors(t *testing.T) {
	v, err := New()
	if err != nil {
		t.Fatal(err)
	}
	base := `{"specversion":"1.0","id":"1","source":"/s","type":"talentmatch.candidate.withdrawn.v1","time":"2026-11-22T08:00:00Z","data":%s}`
	tests := []struct {
		name, typ, doc, want string
	}{
		{"ok", "talentmatch.candidate.withdrawn.v1", strings.Replace(base, "%s", `{"candidate_id":"c1"}`, 1), ""},
		{"id with dot", "talentmatch.candidate.withdrawn.v1", strings.Replace(base, "%s", `{"candidate_id":"c.1"}`, 1), "at /data/candidate_id"},
		{"unknown field", "talentmatch.candidate.withdrawn.v1", strings.Replace(base, "%s", `{"candidate_id":"c1","age":3}`, 1), "age"},
		{"bad time", "talentmatch.candidate.withdrawn.v1", strings.Replace(strings.Replace(base, "%s", `{"candidate_id":"c1"}`, 1), "2026-11-22T08:00:00Z", "yesterday", 1), "at /time"},
		{"unknown type", "talentmatch.nope.v1", strings.Replace(base, "%s", `{}`, 1), "unknown event type"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := Decode([]byte(tc.doc))
			if err != nil {
				t.Fatal(err)
			}
			err = v.Validate(tc.typ, doc)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("got %v, want no error", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("got %v, want an error mentioning %q", err, tc.want)
			}
		})
	}
}
