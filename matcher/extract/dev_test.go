package extract

import (
	"bufio"
	"encoding/json"
	"os"
	"testing"

	"github.com/talentmatch/talentmatch/matcher/taxonomy"
)

// devRecord is one sentence of the development set (testdata/dev.jsonl),
// written by the extractor's authors to develop it. The independent
// evaluation set is internal/eval/testdata; the extractor is not tuned on it.
type devRecord struct {
	ID       string   `json:"id"`
	Lang     string   `json:"lang"`
	Kind     string   `json:"kind"`
	Text     string   `json:"text"`
	SkillIDs []string `json:"skill_ids"`
}

func readDev(t testing.TB) []devRecord {
	t.Helper()
	f, err := os.Open("testdata/dev.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []devRecord
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r devRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// TestDevSet holds the extractor to its figures on the development set and
// to beating the literal baseline there.
func TestDevSet(t *testing.T) {
	ex := For(taxonomy.Default())
	var hits, gold, pred, lhits, lpred int
	for _, r := range readDev(t) {
		want := map[string]bool{}
		for _, id := range r.SkillIDs {
			want[id] = true
		}
		gold += len(want)
		got := ex.Extract(r.Text)
		if len(got) > 5 {
			got = got[:5]
		}
		pred += len(got)
		var miss, extra []string
		seen := map[string]bool{}
		for _, s := range got {
			seen[s.ID] = true
			if want[s.ID] {
				hits++
			} else {
				extra = append(extra, s.ID+"«"+s.Span.Text+"»")
			}
		}
		for id := range want {
			if !seen[id] {
				miss = append(miss, id)
			}
		}
		if len(miss)+len(extra) > 0 {
			t.Logf("%s %q: missed %v, extra %v", r.ID, r.Text, miss, extra)
		}
		lit := ex.Literal(r.Text)
		if len(lit) > 5 {
			lit = lit[:5]
		}
		lpred += len(lit)
		for _, s := range lit {
			if want[s.ID] {
				lhits++
			}
		}
	}
	recall, precision := float64(hits)/float64(gold), float64(hits)/float64(max(pred, 1))
	lrecall, lprecision := float64(lhits)/float64(gold), float64(lhits)/float64(max(lpred, 1))
	t.Logf("dev set: extractor recall@5 %.3f precision@5 %.3f; literal recall@5 %.3f precision@5 %.3f", recall, precision, lrecall, lprecision)
	if recall < 0.8 || precision < 0.8 {
		t.Errorf("extractor on the dev set: recall@5 %.3f, precision@5 %.3f; want ≥ 0.8 each", recall, precision)
	}
	if recall < lrecall+0.15 || precision < lprecision {
		t.Errorf("extractor (%.3f, %.3f) does not beat the literal baseline (%.3f, %.3f) on the dev set", recall, precision, lrecall, lprecision)
	}
}
