package mirror_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/talentmatch/talentmatch/internal/testenv"
	"github.com/talentmatch/talentmatch/matcher"
	"github.com/talentmatch/talentmatch/matcher/mirror"
	"github.com/talentmatch/talentmatch/matcher/state"
	"github.com/talentmatch/talentmatch/matcher/taxonomy"
)

// withExtracted marks, for every other candidate, the second half of their
// skills as read from their summary (reduced credit).
func withExtracted(w world) world {
	for i, c := range w.cands {
		if i%2 != 0 {
			continue
		}
		for _, s := range c.Skills[len(c.Skills)/2:] {
			if !strings.HasPrefix(s, "x:") {
				c.Extracted = append(c.Extracted, matcher.ExtractedSkill{Token: s, End: 1, Text: s})
			}
		}
	}
	return w
}

// TestExtractedScoresEqualScorer: the mirror gives skills read from a
// summary the same reduced credit as matcher.Scorer, to the bit.
func TestExtractedScoresEqualScorer(t *testing.T) {
	s := matcher.NewScorer(taxonomy.Default(), matcher.ScoreConfig{})
	m := mirror.New(s)
	w := withExtracted(makeWorld(3, 60, 200))
	w.load(m)
	ctx := context.Background()
	lower := 0
	for _, jf := range w.jobs {
		weights, _ := m.Weights(ctx, jf.Skills())
		for _, cf := range w.cands {
			got := m.Score(jf, cf)
			want := s.Score(jf, cf, weights)
			if got.Score != want.Score || got.SkillScore != want.SkillScore || got.IndustryScore != want.IndustryScore {
				t.Fatalf("%s × %s: mirror %+v, scorer %+v", jf.Ref(), cf.CandidateID, got, want)
			}
			if len(cf.Extracted) > 0 {
				listed := *cf
				listed.Extracted = nil
				if s.Score(jf, &listed, weights).SkillScore > want.SkillScore {
					lower++
				}
			}
		}
	}
	if lower == 0 {
		t.Fatal("no pair scored lower for skills read from text; the test does not test the credit")
	}
}

// TestExtractedRankingsEqualRedis is TestRankingsEqualRedis with skills
// read from summaries.
func TestExtractedRankingsEqualRedis(t *testing.T) {
	ctx := context.Background()
	tax := taxonomy.Default()
	s := matcher.NewScorer(tax, matcher.ScoreConfig{})
	st, err := state.New(testenv.Redis(t), state.Config{Prefix: "mirrorxtest", Shards: 4})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Init(ctx); err != nil {
		t.Fatal(err)
	}
	w := withExtracted(makeWorld(4, 80, 300))
	v := matcher.Version{Time: time.Now(), EventID: "e"}
	m := mirror.New(s)
	for _, j := range w.jobs {
		cp := *j
		if _, err := st.PutJob(ctx, &cp, v); err != nil {
			t.Fatal(err)
		}
		m.Apply(matcher.Change{Op: matcher.ChangePut, Rev: cp.Rev, Job: j})
	}
	for _, c := range w.cands {
		cp := *c
		if _, err := st.PutCandidate(ctx, &cp, v); err != nil {
			t.Fatal(err)
		}
		m.Apply(matcher.Change{Op: matcher.ChangePut, Rev: cp.Rev, Candidate: c})
	}
	redis := matcher.NewIndexRanker(st, s, time.Hour)
	checked := 0
	for _, sel := range []matcher.Selection{selection(), {Floor: 0.45}} {
		checked += compareRankings(t, ctx, w, m, redis, sel)
	}
	if checked < 200 {
		t.Fatalf("only %d picks compared", checked)
	}
}
