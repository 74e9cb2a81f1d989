package eval

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/talentmatch/talentmatch/matcher"
	"github.com/talentmatch/talentmatch/matcher/taxonomy"
)

// GenConfig configures a generated benchmark set.
type GenConfig struct {
	// Seed makes the set reproducible. Default 1.
	Seed uint64
	// CandidatesPerJob is how many candidates are written from each job.
	// Default 3.
	CandidatesPerJob int
	// Fraction is the share of a job's required skills a candidate holds
	// (at least one). Default 0.4.
	Fraction float64
	// Unrelated is how many skills from elsewhere each candidate adds.
	// Default 3.
	Unrelated int
	// Chinese is the share of skills written in Chinese, where the skill
	// has a Chinese name. The same seed gives the same candidates, the same
	// skills and the same English spellings at any share. Default 0.
	Chinese float64
	// MaxJobs caps the number of jobs (0: one per bundle).
	MaxJobs int
	// Noise is the share of skills written with a variation no label list
	// holds: upper case, full-width letters, a version number, or words
	// around the skill ("熟悉…", "…开发", "experience in …"). Default 0.
	Noise float64
	// AllDomains draws bundles from the whole taxonomy (ESCO's generic and
	// craft skills included) instead of the park-company domain: parents
	// with at least three narrower skills that have Chinese names (the
	// curated software, AI, data, cloud, chip, biomedicine, medical-device,
	// manufacturing and new-energy skills).
	AllDomains bool
}

func (c *GenConfig) setDefaults() {
	if c.Seed == 0 {
		c.Seed = 1
	}
	if c.CandidatesPerJob == 0 {
		c.CandidatesPerJob = 3
	}
	if c.Fraction == 0 {
		c.Fraction = 0.4
	}
	if c.Unrelated < 0 {
		c.Unrelated = 0
	}
}

// Set is a generated benchmark: jobs, candidates and judgements.
type Set struct {
	Jobs       []matcher.Job
	Candidates []matcher.Candidate
	Qrels      Qrels
}

// bundle is an occupation-like group of skills: a parent skill and some of
// its children.
type bundle struct {
	required, preferred []int32
}

// Bundles with more children than this are generic ("advise others") and
// skipped; bundles need at least minChildren.
const (
	maxChildren = 40
	minChildren = 3
)

// Generate builds a benchmark set from the taxonomy: one job per
// occupation-like skill bundle (a skill with 3 to 40 narrower skills gives a
// job requiring 4 to 6 of them, and the parent too when it has fewer than 4
// or one time in four; a parent with 8 or more gives two jobs), and candidates written from each job the way people
// write: a share of its required skills, each under a random one of its
// labels (some in Chinese), plus unrelated skills.
func Generate(tax *taxonomy.Taxonomy, cfg GenConfig) Set {
	cfg.setDefaults()
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x7a1e47))
	var bundles []bundle
	for i := int32(0); i < int32(tax.NumSkills()); i++ {
		kids := tax.SkillAt(i).Children
		if !cfg.AllDomains {
			kids = named(tax, kids)
		}
		if len(kids) < minChildren || len(kids) > maxChildren {
			continue
		}
		n := 1
		if len(kids) >= 8 {
			n = 2
		}
		for b := 0; b < n; b++ {
			perm := rng.Perm(len(kids))
			r := min(len(kids), 4+rng.IntN(3))
			var bd bundle
			for _, p := range perm[:r] {
				bd.required = append(bd.required, kids[p])
			}
			if len(bd.required) < 4 || rng.IntN(4) == 0 {
				bd.required = append(bd.required, i)
			}
			for _, p := range perm[r:min(len(perm), r+rng.IntN(3))] {
				bd.preferred = append(bd.preferred, kids[p])
			}
			bundles = append(bundles, bd)
		}
	}
	rng.Shuffle(len(bundles), func(a, b int) { bundles[a], bundles[b] = bundles[b], bundles[a] })
	if cfg.MaxJobs > 0 && len(bundles) > cfg.MaxJobs {
		bundles = bundles[:cfg.MaxJobs]
	}
	var pool []int32 // skills that occur in jobs: the unrelated ones come from here
	seen := map[int32]bool{}
	for _, b := range bundles {
		for _, s := range append(append([]int32{}, b.required...), b.preferred...) {
			if !seen[s] {
				seen[s] = true
				pool = append(pool, s)
			}
		}
	}
	sort.Slice(pool, func(a, b int) bool { return pool[a] < pool[b] })
	industries := parkIndustries(tax)

	set := Set{Qrels: Qrels{}}
	for n, b := range bundles {
		jobID := fmt.Sprintf("job-%04d", n+1)
		ind := industries[rng.IntN(len(industries))]
		job := matcher.Job{JobID: jobID, CompanyID: fmt.Sprintf("co-%03d", n%300), CompanyName: "Generated", Title: tax.SkillAt(b.required[0]).Label,
			Industries: []string{tax.IndustryAt(ind).Label}}
		for _, s := range b.required {
			job.RequiredSkills = append(job.RequiredSkills, jobLabel(tax, s, rng))
		}
		for _, s := range b.preferred {
			job.PreferredSkills = append(job.PreferredSkills, jobLabel(tax, s, rng))
		}
		job.RequiredSkills, job.PreferredSkills = uniq(job.RequiredSkills), uniq(job.PreferredSkills)
		set.Jobs = append(set.Jobs, job)

		related := map[int32]bool{}
		for _, s := range append(append([]int32{}, b.required...), b.preferred...) {
			related[s] = true
			for _, r := range tax.RelatedSkills(s) {
				related[r.Index] = true
			}
		}
		for c := 0; c < cfg.CandidatesPerJob; c++ {
			candID := fmt.Sprintf("cand-%04d-%d", n+1, c+1)
			k := max(1, int(math.Round(cfg.Fraction*float64(len(b.required)))))
			var skills []int32
			for _, p := range rng.Perm(len(b.required))[:k] {
				skills = append(skills, b.required[p])
			}
			for tries := 0; len(skills) < k+cfg.Unrelated && tries < 100; tries++ {
				s := pool[rng.IntN(len(pool))]
				if !related[s] && !slices.Contains(skills, s) {
					skills = append(skills, s)
				}
			}
			cand := matcher.Candidate{CandidateID: candID, ConsentToMatch: true, Degree: matcher.DegreeMaster}
			for _, s := range skills {
				cand.Skills = append(cand.Skills, candidateLabel(tax, cfg, candID, s))
			}
			cand.Skills = uniq(cand.Skills)
			if rng.IntN(2) == 0 {
				cand.Industries = []string{industryLabel(tax, cfg, candID, ind)}
			}
			set.Candidates = append(set.Candidates, cand)
			set.Qrels[candID] = map[string]int{jobID: 1}
		}
	}
	return set
}

// named keeps the skills that have a Chinese name.
func named(tax *taxonomy.Taxonomy, skills []int32) []int32 {
	var out []int32
	for _, s := range skills {
		if len(chineseLabels(tax.SkillAt(s).Labels)) > 0 {
			out = append(out, s)
		}
	}
	return out
}

// parkIndustries returns the curated industries with Chinese names.
func parkIndustries(tax *taxonomy.Taxonomy) []int32 {
	var out []int32
	for i := int32(0); i < int32(tax.NumIndustries()); i++ {
		for _, l := range tax.IndustryAt(i).Labels {
			if hasHan(l) {
				out = append(out, i)
				break
			}
		}
	}
	return out
}

// jobLabel writes a job's skill as HR departments do: mostly its display
// name, sometimes another English label.
func jobLabel(tax *taxonomy.Taxonomy, s int32, rng *rand.Rand) string {
	sk := tax.SkillAt(s)
	en := englishLabels(sk.Labels)
	if len(en) == 0 || rng.IntN(10) < 7 {
		return sk.Label
	}
	return en[rng.IntN(len(en))]
}

// candidateLabel writes a candidate's skill: a random label, in Chinese
// with probability cfg.Chinese when there is a Chinese one. The choice
// depends only on (seed, candidate, skill), so the English spelling of a
// skill is the same in every language mix.
func candidateLabel(tax *taxonomy.Taxonomy, cfg GenConfig, cand string, s int32) string {
	sk := tax.SkillAt(s)
	r := rand.New(rand.NewPCG(cfg.Seed, hashOf(cand, sk.ID)))
	zh, en := chineseLabels(sk.Labels), englishLabels(sk.Labels)
	coin, pickZH, pickEN, noise, how := r.Float64(), r.IntN(1<<30), r.IntN(1<<30), r.Float64(), r.IntN(1<<30)
	if len(zh) > 0 && coin < cfg.Chinese {
		l := zh[pickZH%len(zh)]
		if noise < cfg.Noise {
			l = []string{"熟悉" + l, "精通" + l, l + "经验", "掌握" + l}[how%4]
		}
		return l
	}
	l := sk.Label
	if len(en) > 0 {
		l = en[pickEN%len(en)]
	}
	if pickEN%3 == 0 {
		l = strings.ToLower(l)
	}
	if noise < cfg.Noise {
		l = vary(l, how)
	}
	return l
}

// vary writes a label the way a form sometimes receives it.
func vary(l string, how int) string {
	switch how % 6 {
	case 0:
		return strings.ToUpper(l)
	case 1:
		return fullWidth(l)
	case 2:
		return l + " 3"
	case 3:
		return "熟悉" + l
	case 4:
		return l + "开发经验"
	default:
		return "  " + strings.ReplaceAll(l, " ", "  ") + " "
	}
}

// fullWidth turns ASCII letters and digits into their full-width forms.
func fullWidth(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r > ' ' && r < 0x7f {
			r += 0xfee0
		}
		b.WriteRune(r)
	}
	return b.String()
}

func industryLabel(tax *taxonomy.Taxonomy, cfg GenConfig, cand string, i int32) string {
	ind := tax.IndustryAt(i)
	r := rand.New(rand.NewPCG(cfg.Seed, hashOf(cand, ind.ID)))
	zh, en := chineseLabels(ind.Labels), englishLabels(ind.Labels)
	if len(zh) > 0 && r.Float64() < cfg.Chinese {
		return zh[r.IntN(len(zh))]
	}
	if len(en) == 0 {
		return ind.Label
	}
	return en[r.IntN(len(en))]
}

func hashOf(parts ...string) uint64 {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

func chineseLabels(ls []string) []string {
	var out []string
	for _, l := range ls {
		if hasHan(l) {
			out = append(out, l)
		}
	}
	return out
}

func englishLabels(ls []string) []string {
	var out []string
	for _, l := range ls {
		if !hasHan(l) && len(l) <= 100 {
			out = append(out, l)
		}
	}
	return out
}

// uniq drops repeated strings (case-insensitively), as the schema demands.
func uniq(s []string) []string {
	seen := map[string]bool{}
	out := s[:0]
	for _, x := range s {
		k := strings.ToLower(x)
		if !seen[k] {
			seen[k] = true
			out = append(out, x)
		}
	}
	return out
}
