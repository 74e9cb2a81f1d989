// Package bench is talentmatch's load benchmark (matchctl bench): it
// preloads a tier of jobs and candidates with Zipf-like skill popularity,
// drives events through NATS at full speed and at fixed rates, measures
// throughput and the latency from publish to the last match event an event
// causes, and measures, in the same run, the machine's ceilings (JetStream
// consume+ack, a bare pull→Redis→publish→ack pipeline, pipelined Redis) and
// a weighted-ZUNIONSTORE retrieval baseline.
package bench

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"

	"github.com/talentmatch/talentmatch/matcher"
	"github.com/talentmatch/talentmatch/matcher/taxonomy"
)

// Tier is a size of the preloaded index.
type Tier struct {
	Name       string
	Jobs       int
	Candidates int
	// Burst tiers register Candidates new candidates against Jobs new jobs
	// as fast as they can be published, with nothing preloaded.
	Burst bool
}

// Tiers of the benchmark.
var Tiers = map[string]Tier{
	"campaign": {Name: "campaign", Jobs: 10000, Candidates: 100000},
	"city":     {Name: "city", Jobs: 100000, Candidates: 1000000},
	"burst":    {Name: "burst", Jobs: 500, Candidates: 20000, Burst: true},
	"small":    {Name: "small", Jobs: 1000, Candidates: 10000},
}

// Campaign is the campaign every benchmark entity belongs to.
const Campaign = "bench"

// Workload generates jobs and candidates over a vocabulary of skills from
// the shipped taxonomy with Zipf-like popularity: the most popular skill
// sits in about a quarter of all profiles, as "Python" or "机器学习" do.
type Workload struct {
	vocab      []string // skill tokens, most popular first
	labels     []string // how a person writes each (resolves back to the token)
	cdf        []float64
	industries []string // industry tokens
	indLabels  []string
	seed       uint64
	// JobSkills are the skills (vocabulary indexes) of job i, required first.
	jobSkills [][]int
}

// Sizes of the generated profiles.
const (
	VocabularySize  = 5000
	JobRequired     = 6
	JobPreferred    = 2
	CandidateShared = 5 // required skills a candidate takes from its source job
	CandidateNoise  = 3 // Zipf-drawn skills of its own
	ZipfExponent    = 0.75
)

// NewWorkload prepares a workload with nJobs jobs.
func NewWorkload(tax *taxonomy.Taxonomy, seed uint64, nJobs int) *Workload {
	w := &Workload{seed: seed}
	for i := int32(0); i < int32(tax.NumSkills()) && len(w.vocab) < VocabularySize; i++ {
		sk := tax.SkillAt(i)
		refs := tax.ResolveSkill(sk.Label)
		if len(refs) == 1 && refs[0].Index == i && len(sk.Label) <= 100 {
			w.vocab = append(w.vocab, sk.ID)
			w.labels = append(w.labels, sk.Label)
		}
	}
	// Shuffle so that popularity is not tied to the taxonomy's order.
	r := rand.New(rand.NewPCG(seed, 11))
	perm := r.Perm(len(w.vocab))
	v, l := make([]string, len(perm)), make([]string, len(perm))
	for i, p := range perm {
		v[i], l[i] = w.vocab[p], w.labels[p]
	}
	w.vocab, w.labels = v, l
	w.cdf = make([]float64, len(w.vocab))
	sum := 0.0
	for i := range w.cdf {
		sum += 1 / math.Pow(float64(i+1), ZipfExponent)
		w.cdf[i] = sum
	}
	for i := range w.cdf {
		w.cdf[i] /= sum
	}
	for i := int32(0); i < int32(tax.NumIndustries()); i++ {
		ind := tax.IndustryAt(i)
		if ind.Code != "" && len(ind.ID) < 40 && ind.ID[:min(5, len(ind.ID))] != "nace-" {
			w.industries = append(w.industries, ind.ID)
			w.indLabels = append(w.indLabels, ind.Label)
		}
	}
	w.jobSkills = make([][]int, nJobs)
	for j := range w.jobSkills {
		w.jobSkills[j] = w.draw(rand.New(rand.NewPCG(seed, uint64(j)<<1)), JobRequired+JobPreferred, nil)
	}
	return w
}

// zipf draws a vocabulary index.
func (w *Workload) zipf(r *rand.Rand) int {
	return sort.SearchFloat64s(w.cdf, r.Float64())
}

// draw returns n distinct vocabulary indexes not in avoid.
func (w *Workload) draw(r *rand.Rand, n int, avoid []int) []int {
	out := make([]int, 0, n)
	for len(out) < n {
		s := w.zipf(r)
		if !slices.Contains(out, s) && !slices.Contains(avoid, s) {
			out = append(out, s)
		}
	}
	return out
}

// JobID and CandidateID name generated entities; prefix separates runs and
// phases.
func JobID(prefix string, i int) string       { return fmt.Sprintf("%sj%d", prefix, i) }
func CandidateID(prefix string, i int) string { return fmt.Sprintf("%sc%d", prefix, i) }

// CompanyOf is the company of job i.
func CompanyOf(i int) string { return fmt.Sprintf("bco%d", i%1000) }

// JobFeatures returns job i, as the matcher stores it.
func (w *Workload) JobFeatures(prefix string, i int) *matcher.JobFeatures {
	sk := w.jobSkills[i%len(w.jobSkills)]
	f := &matcher.JobFeatures{CompanyID: CompanyOf(i), JobID: JobID(prefix, i), Title: "Benchmark role", Campaigns: []string{Campaign}}
	for n, s := range sk {
		if n < JobRequired {
			f.Required = append(f.Required, w.vocab[s])
		} else {
			f.Preferred = append(f.Preferred, w.vocab[s])
		}
	}
	f.Industries = []string{w.industries[i%len(w.industries)]}
	return f
}

// Job returns job i as a company publishes it (clone of the preloaded job
// with the same index, so that it finds the candidates written from it).
func (w *Workload) Job(prefix string, i int) *matcher.Job {
	sk := w.jobSkills[i%len(w.jobSkills)]
	j := &matcher.Job{JobID: JobID(prefix, i), CompanyID: CompanyOf(i), CompanyName: "Benchmark Co", Title: "Benchmark role",
		Industries: []string{w.indLabels[i%len(w.industries)]}, CampaignIDs: []string{Campaign}}
	for n, s := range sk {
		if n < JobRequired {
			j.RequiredSkills = append(j.RequiredSkills, w.labels[s])
		} else {
			j.PreferredSkills = append(j.PreferredSkills, w.labels[s])
		}
	}
	return j
}

// candidateSkills returns the vocabulary indexes of candidate i: most of
// the required skills of a source job and a few Zipf-drawn ones, and the
// source job's index.
func (w *Workload) candidateSkills(salt uint64, i int) ([]int, int) {
	r := rand.New(rand.NewPCG(w.seed^salt, uint64(i)<<1|1))
	src := r.IntN(len(w.jobSkills))
	req := w.jobSkills[src][:JobRequired]
	var out []int
	for _, p := range r.Perm(JobRequired)[:CandidateShared] {
		out = append(out, req[p])
	}
	return append(out, w.draw(r, CandidateNoise, out)...), src
}

// CandidateFeatures returns candidate i as the matcher stores it.
func (w *Workload) CandidateFeatures(prefix string, salt uint64, i int) *matcher.CandidateFeatures {
	sk, src := w.candidateSkills(salt, i)
	f := &matcher.CandidateFeatures{CandidateID: CandidateID(prefix, i), Campaigns: []string{Campaign}, Degree: 2}
	for _, s := range sk {
		f.Skills = append(f.Skills, w.vocab[s])
	}
	if i%2 == 0 {
		f.Industries = []string{w.industries[src%len(w.industries)]}
	}
	return f
}

// Candidate returns candidate i as a candidate app publishes it.
func (w *Workload) Candidate(prefix string, salt uint64, i int) *matcher.Candidate {
	sk, src := w.candidateSkills(salt, i)
	c := &matcher.Candidate{CandidateID: CandidateID(prefix, i), CampaignIDs: []string{Campaign}, Degree: matcher.DegreeMaster, ConsentToMatch: true}
	for _, s := range sk {
		c.Skills = append(c.Skills, w.labels[s])
	}
	if i%2 == 0 {
		c.Industries = []string{w.indLabels[src%len(w.industries)]}
	}
	return c
}

// TopSkillShare returns the share of jobs holding the most popular skill.
func (w *Workload) TopSkillShare() float64 {
	n := 0
	for _, sk := range w.jobSkills {
		if slices.Contains(sk, 0) {
			n++
		}
	}
	return float64(n) / float64(len(w.jobSkills))
}

// Skill returns the token of vocabulary index i.
func (w *Workload) Skill(i int) string { return w.vocab[i] }

// CandidateTokens returns the skill tokens of candidate i.
func (w *Workload) CandidateTokens(salt uint64, i int) []string {
	sk, _ := w.candidateSkills(salt, i)
	out := make([]string, len(sk))
	for n, s := range sk {
		out[n] = w.vocab[s]
	}
	return out
}
