package mirror_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/talentmatch/talentmatch/matcher"
	"github.com/talentmatch/talentmatch/matcher/mirror"
	"github.com/talentmatch/talentmatch/matcher/taxonomy"
)

// zipfWorld builds nJobs jobs and nCands candidates of 8 skills drawn
// Zipf-like (exponent 0.75) from the first 5,000 taxonomy skills, as the
// load benchmark does: the top skill sits in about a quarter of profiles.
func zipfWorld(nJobs, nCands int) (*mirror.Mirror, []*matcher.JobFeatures, []*matcher.CandidateFeatures) {
	tax := taxonomy.Default()
	const vocab = 5000
	cdf := make([]float64, vocab)
	sum := 0.0
	for i := range cdf {
		sum += 1 / math.Pow(float64(i+1), 0.75)
		cdf[i] = sum
	}
	r := rand.New(rand.NewPCG(1, 2))
	draw := func(n int) []string {
		seen := map[int]bool{}
		var out []string
		for len(out) < n {
			i := sort.SearchFloat64s(cdf, r.Float64()*sum)
			if !seen[i] {
				seen[i] = true
				out = append(out, tax.SkillAt(int32(i)).ID)
			}
		}
		return out
	}
	m := mirror.New(matcher.NewScorer(tax, matcher.ScoreConfig{}))
	var jobs []*matcher.JobFeatures
	for i := 0; i < nJobs; i++ {
		sk := draw(8)
		j := &matcher.JobFeatures{CompanyID: "co", JobID: fmt.Sprint(i), Required: sk[:6], Preferred: sk[6:], Campaigns: []string{"open"}, Industries: []string{"nace-62.01"}}
		jobs = append(jobs, j)
		m.Apply(matcher.Change{Op: matcher.ChangePut, Rev: 1, Job: j})
	}
	var cands []*matcher.CandidateFeatures
	for i := 0; i < nCands; i++ {
		src := jobs[r.IntN(len(jobs))]
		c := &matcher.CandidateFeatures{CandidateID: fmt.Sprint(i), Skills: append(append([]string(nil), src.Required[:5]...), draw(3)...), Campaigns: []string{"open"}}
		cands = append(cands, c)
		m.Apply(matcher.Change{Op: matcher.ChangePut, Rev: 1, Candidate: c})
	}
	return m, jobs, cands
}

var sel = matcher.Selection{Floor: 0.45, Policy: func(string) (float64, int) { return 0.45, 20 }}

func BenchmarkRankJobs(b *testing.B) {
	for _, size := range []struct{ jobs, cands int }{{10000, 20000}, {100000, 20000}} {
		m, _, cands := zipfWorld(size.jobs, size.cands)
		b.Run(fmt.Sprintf("jobs=%d", size.jobs), func(b *testing.B) {
			ctx := context.Background()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := m.RankJobs(ctx, cands[i%len(cands)], sel); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

func BenchmarkRankCandidates(b *testing.B) {
	for _, size := range []struct{ jobs, cands int }{{2000, 100000}, {2000, 1000000}} {
		if testing.Short() && size.cands > 100000 {
			continue
		}
		m, jobs, _ := zipfWorld(size.jobs, size.cands)
		b.Run(fmt.Sprintf("candidates=%d", size.cands), func(b *testing.B) {
			ctx := context.Background()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := m.RankCandidates(ctx, jobs[i%len(jobs)], sel); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

func BenchmarkApply(b *testing.B) {
	m, _, cands := zipfWorld(1000, 10000)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c := *cands[i%len(cands)]
		c.CandidateID = fmt.Sprintf("n%d", i)
		m.Apply(matcher.Change{Op: matcher.ChangePut, Rev: 1, Candidate: &c})
		i++
	}
}
