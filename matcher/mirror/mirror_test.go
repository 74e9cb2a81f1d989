package mirror_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/talentmatch/talentmatch/internal/testenv"
	"github.com/talentmatch/talentmatch/matcher"
	"github.com/talentmatch/talentmatch/matcher/mirror"
	"github.com/talentmatch/talentmatch/matcher/state"
	"github.com/talentmatch/talentmatch/matcher/taxonomy"
)

// world is a random set of jobs and candidates over a skewed vocabulary
// with related skills, unknown terms, several campaigns, cities and degrees.
type world struct {
	jobs  []*matcher.JobFeatures
	cands []*matcher.CandidateFeatures
}

func vocabulary(tax *taxonomy.Taxonomy) []string {
	var v []string
	for _, id := range []string{"deep-learning", "machine-learning", "pytorch", "python", "software-development", "go", "kubernetes", "docker"} {
		i, ok := tax.SkillByID(id)
		if !ok {
			panic(id)
		}
		v = append(v, id)
		for _, c := range tax.SkillAt(i).Children {
			v = append(v, tax.SkillAt(c).ID)
		}
	}
	return append(v, "x:widgets", "x:gadgets")
}

func makeWorld(seed uint64, nJobs, nCands int) world {
	tax := taxonomy.Default()
	voc := vocabulary(tax)
	r := rand.New(rand.NewPCG(seed, 1))
	zipf := func() string { // skewed: low indexes are common
		return voc[int(float64(len(voc))*r.Float64()*r.Float64()*r.Float64())]
	}
	pick := func(n int) []string {
		seen := map[string]bool{}
		var out []string
		for len(out) < n {
			if s := zipf(); !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
		return out
	}
	camps := [][]string{{"open"}, {"a"}, {"b"}, {"a", "b"}}
	cities := []string{"", "beijing", "shanghai"}
	inds := []string{"nace-62.01", "nace-62.02", "nace-63.11", "nace-21.20", "x:space"}
	var w world
	for i := 0; i < nJobs; i++ {
		sk := pick(2 + r.IntN(6))
		nReq := 1 + r.IntN(len(sk))
		w.jobs = append(w.jobs, &matcher.JobFeatures{CompanyID: fmt.Sprintf("co%d", i%7), JobID: fmt.Sprintf("j%d", i),
			Required: sk[:nReq], Preferred: sk[nReq:], Industries: []string{inds[r.IntN(len(inds))]},
			Location: cities[r.IntN(3)], MinDegree: r.IntN(3), Campaigns: camps[r.IntN(len(camps))]})
	}
	for i := 0; i < nCands; i++ {
		c := &matcher.CandidateFeatures{CandidateID: fmt.Sprintf("c%d", i), Skills: pick(1 + r.IntN(7)), Degree: r.IntN(4),
			Campaigns: camps[r.IntN(len(camps))]}
		if r.IntN(2) == 0 {
			c.Industries = []string{inds[r.IntN(len(inds))]}
		}
		if l := cities[r.IntN(3)]; l != "" {
			c.Locations = []string{l}
		}
		w.cands = append(w.cands, c)
	}
	return w
}

func (w world) load(m *mirror.Mirror) {
	for _, j := range w.jobs {
		m.Apply(matcher.Change{Op: matcher.ChangePut, Rev: 1, Job: j})
	}
	for _, c := range w.cands {
		m.Apply(matcher.Change{Op: matcher.ChangePut, Rev: 1, Candidate: c})
	}
}

func selection() matcher.Selection {
	return matcher.Selection{Floor: 0.3, Policy: func(c string) (float64, int) {
		if c == "b" {
			return 0.5, 3
		}
		return 0.3, 5
	}}
}

// TestScoresEqualScorer checks that the mirror's compact scoring returns
// exactly matcher.Scorer's score for every pair.
func TestScoresEqualScorer(t *testing.T) {
	s := matcher.NewScorer(taxonomy.Default(), matcher.ScoreConfig{})
	m := mirror.New(s)
	w := makeWorld(1, 60, 200)
	w.load(m)
	ctx := context.Background()
	for _, jf := range w.jobs {
		weights, _ := m.Weights(ctx, jf.Skills())
		for _, cf := range w.cands {
			got := m.Score(jf, cf)
			want := s.Score(jf, cf, weights)
			if got.Score != want.Score || got.SkillScore != want.SkillScore || got.IndustryScore != want.IndustryScore {
				t.Fatalf("%s × %s: mirror %+v, scorer %+v", jf.Ref(), cf.CandidateID, got, want)
			}
		}
	}
}

// TestRankingsEqualRedis checks that a replica's mirror ranks exactly as
// ranking through Redis alone does: same picks, same order, same scores,
// same campaigns, both ways.
func TestRankingsEqualRedis(t *testing.T) {
	ctx := context.Background()
	tax := taxonomy.Default()
	s := matcher.NewScorer(tax, matcher.ScoreConfig{})
	st, err := state.New(testenv.Redis(t), state.Config{Prefix: "mirrortest", Shards: 4})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Init(ctx); err != nil {
		t.Fatal(err)
	}
	w := makeWorld(2, 80, 300)
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
	for _, sel := range []matcher.Selection{selection(), {Floor: 0.45}, {Floor: 0.6, Policy: func(string) (float64, int) { return 0.6, 2 }}} {
		checked += compareRankings(t, ctx, w, m, redis, sel)
	}
	if checked < 200 {
		t.Fatalf("only %d picks compared; the world is too sparse to test anything", checked)
	}
}

func compareRankings(t *testing.T, ctx context.Context, w world, m *mirror.Mirror, redis *matcher.IndexRanker, sel matcher.Selection) int {
	t.Helper()
	checked := 0
	for _, c := range w.cands {
		want, err := redis.RankJobs(ctx, c, sel)
		if err != nil {
			t.Fatal(err)
		}
		got, err := m.RankJobs(ctx, c, sel)
		if err != nil {
			t.Fatal(err)
		}
		if a, b := pickKeys(got), pickKeys(want); !reflect.DeepEqual(a, b) {
			t.Fatalf("RankJobs(%s): mirror %v, redis %v", c.CandidateID, a, b)
		}
		checked += len(got)
	}
	for _, j := range w.jobs {
		want, err := redis.RankCandidates(ctx, j, sel)
		if err != nil {
			t.Fatal(err)
		}
		got, err := m.RankCandidates(ctx, j, sel)
		if err != nil {
			t.Fatal(err)
		}
		if a, b := pickKeys(got), pickKeys(want); !reflect.DeepEqual(a, b) {
			t.Fatalf("RankCandidates(%s): mirror %v, redis %v", j.Ref(), a, b)
		}
		checked += len(got)
	}
	return checked
}

// pickKeys names each pick with its campaign, score and explanation, so
// that the fast path and the reference must agree on all of them.
func pickKeys(r []matcher.Pick) []string {
	var out []string
	for _, x := range r {
		out = append(out, fmt.Sprintf("%s|%s@%s=%.4f %+v", x.Job.Ref(), x.Candidate.CandidateID, x.Campaign, x.Result.Score, x.Result))
	}
	return out
}

func TestApplyIsIdempotentAndOrdered(t *testing.T) {
	ctx := context.Background()
	m := mirror.New(matcher.NewScorer(taxonomy.Default(), matcher.ScoreConfig{}))
	j := &matcher.JobFeatures{CompanyID: "co", JobID: "j", Required: []string{"go"}, Campaigns: []string{"open"}}
	j2 := &matcher.JobFeatures{CompanyID: "co", JobID: "j", Required: []string{"python"}, Campaigns: []string{"open"}}
	m.Apply(matcher.Change{Op: matcher.ChangePut, Rev: 2, Job: j2})
	m.Apply(matcher.Change{Op: matcher.ChangePut, Rev: 1, Job: j}) // older: ignored
	m.Apply(matcher.Change{Op: matcher.ChangePut, Rev: 2, Job: j}) // replay of the same revision: ignored
	if rev, ok := m.Rev('j', "co/j"); !ok || rev != 2 {
		t.Fatalf("rev %d %v", rev, ok)
	}
	find := func(skill string) int {
		// floor above the sibling credit Go earns for Python (0.8 × 0.2)
		got, err := m.RankJobs(ctx, &matcher.CandidateFeatures{CandidateID: "q", Skills: []string{skill}, Campaigns: []string{"open"}}, matcher.Selection{Floor: 0.2})
		if err != nil {
			t.Fatal(err)
		}
		return len(got)
	}
	if find("go") != 0 || find("python") != 1 {
		t.Fatal("postings do not follow the newest revision")
	}
	m.Apply(matcher.Change{Op: matcher.ChangeRemove, Rev: 3, JobRef: "co/j"})
	if n, _ := m.Size(); n != 0 || find("python") != 0 {
		t.Fatalf("after removal: %d jobs", n)
	}
	c := &matcher.CandidateFeatures{CandidateID: "c", Skills: []string{"go", "go"}, Campaigns: []string{"open"}}
	m.Apply(matcher.Change{Op: matcher.ChangePut, Rev: 1, Candidate: c})
	m.Apply(matcher.Change{Op: matcher.ChangeRemove, Rev: 2, CandidateID: "c"})
	if _, ok := m.Rev('c', "c"); ok {
		t.Fatal("a withdrawn candidate is still held")
	}
}

func TestRelationsAreInverse(t *testing.T) {
	tax := taxonomy.Default()
	for _, id := range vocabulary(tax) {
		i, ok := tax.SkillByID(id)
		if !ok {
			continue
		}
		for _, r := range tax.RelatedSkills(i) {
			found := false
			for _, c := range tax.CoveredSkills(r.Index) {
				if c.Index == i && c.Credit == r.Credit {
					found = true
				}
			}
			if !found {
				t.Errorf("%s relates to %s (%v) but %s does not cover %s", id, tax.SkillAt(r.Index).ID, r.Credit, tax.SkillAt(r.Index).ID, id)
			}
		}
	}
}
