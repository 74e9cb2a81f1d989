package matcher

import (
	"math"
	"strings"
	"sync"

	"github.com/talentmatch/talentmatch/matcher/taxonomy"
)

// ScoreConfig holds the scoring weights; docs/scoring.md explains them.
type ScoreConfig struct {
	// RequiredWeight multiplies a required skill's rarity weight. Default 1.
	RequiredWeight float64
	// PreferredWeight multiplies a preferred skill's rarity weight. Default 0.5.
	PreferredWeight float64
	// IndustryShare is the share of industry closeness in the score; skill
	// overlap has the rest. Default 0.2.
	IndustryShare float64
	// MaxIDF caps the inverse document frequency part of a skill's weight, so
	// that one very rare skill cannot outweigh all others. Default 5.
	MaxIDF float64
	// ExtractedCredit multiplies the credit of a candidate skill read from
	// their summary rather than listed. Default 0.5.
	ExtractedCredit float64
}

func (c *ScoreConfig) setDefaults() {
	if c.RequiredWeight == 0 {
		c.RequiredWeight = 1
	}
	if c.PreferredWeight == 0 {
		c.PreferredWeight = 0.5
	}
	if c.IndustryShare == 0 {
		c.IndustryShare = 0.2
	}
	if c.MaxIDF == 0 {
		c.MaxIDF = 5
	}
	if c.ExtractedCredit == 0 {
		c.ExtractedCredit = 0.5
	}
}

// Blend is the score formula: skill overlap and industry closeness weighed
// by IndustryShare. Every scorer combines with it: the reference Scorer,
// the mirror's fast path and the fast path's pruning bounds.
func (c ScoreConfig) Blend(skill, industry float64) float64 {
	return (1-c.IndustryShare)*skill + c.IndustryShare*industry
}

// Combine turns a pair's weighted skill sums (got of total) and its best
// industry closeness into its score, rounded as announced: the score, the
// skill score and the industry score.
func (c ScoreConfig) Combine(got, total, industry float64) (score, skill, ind float64) {
	skill, ind = round4(got/total), round4(industry)
	return round4(c.Blend(skill, ind)), skill, ind
}

// Weights gives the rarity weight of a skill token (see Scorer.Weight).
type Weights func(token string) float64

// Result is the score of one job and candidate with its explanation. Token
// lists are job tokens; Scorer.Explain turns them into names.
type Result struct {
	Score, SkillScore, IndustryScore float64
	Matched                          []string // job skills covered in full or in part
	Missing                          []string // required skills not covered at all
	Partial                          []Partial
	Industries                       []string // job industries closest to the candidate's
	// Extracted explains matched skills read from free text (tokens).
	Extracted []Extracted
}

// Extracted is a matched skill token that was read from the job's
// description or the candidate's summary.
type Extracted struct {
	Skill  string
	From   ExtractedSkill
	Source string
}

// Partial is a job skill covered in part by a related skill of the candidate.
type Partial struct {
	Skill, Via string
	Credit     float64
}

// Scorer computes scores. It is safe for concurrent use.
type Scorer struct {
	tax *taxonomy.Taxonomy
	cfg ScoreConfig

	related sync.Map // skill token → []relatedToken
}

type relatedToken struct {
	token  string
	credit float64
	via    string // the explanation (taxonomy.Taxonomy.Via)
}

// NewScorer returns a scorer over tax with cfg (zero fields take defaults).
func NewScorer(tax *taxonomy.Taxonomy, cfg ScoreConfig) *Scorer {
	cfg.setDefaults()
	return &Scorer{tax: tax, cfg: cfg}
}

// Taxonomy returns the scorer's taxonomy.
func (s *Scorer) Taxonomy() *taxonomy.Taxonomy { return s.tax }

// Closeness returns the closeness of two industry tokens.
func (s *Scorer) Closeness(a, b string) float64 { return s.closeness(a, b) }

// Config returns the scorer's configuration with defaults applied.
func (s *Scorer) Config() ScoreConfig { return s.cfg }

// Weight returns the rarity weight of a skill held by df of n active jobs
// and candidates: 1 + min(ln((n+1)/(df+1)), MaxIDF).
func (s *Scorer) Weight(df, n int64) float64 {
	if df < 0 {
		df = 0
	}
	if n < df {
		n = df
	}
	return 1 + math.Min(math.Log(float64(n+1)/float64(df+1)), s.cfg.MaxIDF)
}

// Related returns the tokens that cover skill token tok in part, with their
// credit, best first. Unknown tokens have none.
func (s *Scorer) Related(tok string) []relatedToken {
	if v, ok := s.related.Load(tok); ok {
		return v.([]relatedToken)
	}
	var out []relatedToken
	if i, ok := s.tax.SkillByID(tok); ok {
		for _, r := range s.tax.RelatedSkills(i) {
			out = append(out, relatedToken{token: s.tax.SkillAt(r.Index).ID, credit: r.Credit, via: s.tax.Via(i, r)})
		}
	}
	s.related.Store(tok, out)
	return out
}

// RelatedTokens returns the tokens related to tok with their credits; it is
// the query expansion a retriever uses to find partial matches.
func (s *Scorer) RelatedTokens(tok string) (tokens []string, credits []float64) {
	for _, r := range s.Related(tok) {
		tokens = append(tokens, r.token)
		credits = append(credits, r.credit)
	}
	return tokens, credits
}

// Score scores candidate c for job j. Weights must cover j's skills. A pair
// where no required skill is covered at all scores 0.
func (s *Scorer) Score(j *JobFeatures, c *CandidateFeatures, w Weights) Result {
	return s.score(j, c, w, false)
}

// ScoreExplained is Score with the explanation lists filled in.
func (s *Scorer) ScoreExplained(j *JobFeatures, c *CandidateFeatures, w Weights) Result {
	return s.score(j, c, w, true)
}

func (s *Scorer) score(j *JobFeatures, c *CandidateFeatures, w Weights, explain bool) Result {
	var r Result
	var got, total float64
	anyRequired := false
	nReq := len(j.Required)
	for n := 0; n < nReq+len(j.Preferred); n++ {
		required := n < nReq
		var tok string
		if required {
			tok = j.Required[n]
		} else {
			tok = j.Preferred[n-nReq]
		}
		f := s.cfg.PreferredWeight
		if required {
			f = s.cfg.RequiredWeight
		}
		wt := f * w(tok)
		total += wt
		credit, via := s.credit(tok, c)
		got += wt * credit
		if credit > 0 && required {
			anyRequired = true
		}
		if !explain {
			continue
		}
		if credit > 0 {
			r.Extracted = appendExtracted(r.Extracted, tok, via, j, c)
		}
		switch {
		case credit == 1 || via == tok: // via == tok: read from the summary
			r.Matched = append(r.Matched, tok)
		case credit > 0:
			r.Matched = append(r.Matched, tok)
			r.Partial = append(r.Partial, Partial{Skill: tok, Via: via, Credit: credit})
		case required:
			r.Missing = append(r.Missing, tok)
		}
	}
	if !anyRequired || total == 0 {
		if explain {
			r.Matched, r.Partial, r.Extracted = nil, nil, nil
		}
		return r
	}
	best := 0.0
	for _, a := range j.Industries {
		for _, b := range c.Industries {
			if cl := s.closeness(a, b); cl > best {
				best = cl
			}
		}
	}
	r.Score, r.SkillScore, r.IndustryScore = s.cfg.Combine(got, total, best)
	if explain && best > 0 {
		for _, a := range j.Industries {
			for _, b := range c.Industries {
				if s.closeness(a, b) == best {
					r.Industries = append(r.Industries, a)
					break
				}
			}
		}
	}
	return r
}

// creditText is credit for a candidate with skills read from text.
func (s *Scorer) creditText(tok string, c *CandidateFeatures) (float64, string) {
	text := func(h string) bool {
		for _, x := range c.Extracted {
			if x.Token == h {
				return true
			}
		}
		return false
	}
	best, via := 0.0, ""
	for _, h := range c.Skills {
		if h == tok {
			if !text(h) {
				return 1, ""
			}
			best, via = s.cfg.ExtractedCredit, h
		}
	}
	if strings.HasPrefix(tok, unknownPrefix) {
		return best, via
	}
	for _, r := range s.Related(tok) {
		for _, h := range c.Skills {
			if h != r.token {
				continue
			}
			cr := r.credit
			if text(h) {
				cr *= s.cfg.ExtractedCredit
			}
			if cr > best {
				best, via = cr, h
			}
		}
	}
	return best, via
}

// appendExtracted records that matched job skill tok (covered by the
// candidate's via, or by tok itself when via is empty) was read from text
// on either side.
func appendExtracted(out []Extracted, tok, via string, j *JobFeatures, c *CandidateFeatures) []Extracted {
	for _, x := range j.Extracted {
		if x.Token == tok {
			out = append(out, Extracted{Skill: tok, From: x, Source: SourceJobDescription})
			break
		}
	}
	have := tok
	if via != "" {
		have = via
	}
	for _, x := range c.Extracted {
		if x.Token == have {
			out = append(out, Extracted{Skill: have, From: x, Source: SourceCandidateSummary})
			break
		}
	}
	return out
}

// credit returns how much of job skill tok the candidate's skills cover and
// through which related skill (empty for an exact hit of a listed skill, tok
// for one read from the summary). A skill read from the summary gives
// ExtractedCredit times what a listed one would; the best credit wins.
func (s *Scorer) credit(tok string, c *CandidateFeatures) (float64, string) {
	have := c.Skills
	if len(c.Extracted) > 0 {
		return s.creditText(tok, c)
	}
	for _, h := range have {
		if h == tok {
			return 1, ""
		}
	}
	if strings.HasPrefix(tok, unknownPrefix) {
		return 0, ""
	}
	for _, r := range s.Related(tok) { // best credit first
		for _, h := range have {
			if h == r.token {
				return r.credit, h
			}
		}
	}
	return 0, ""
}

func (s *Scorer) closeness(a, b string) float64 {
	if a == b {
		return 1
	}
	ia, okA := s.tax.IndustryByID(a)
	ib, okB := s.tax.IndustryByID(b)
	if !okA || !okB {
		return 0
	}
	return s.tax.Closeness(ia, ib)
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }

// Label returns the display name of a skill or industry token of job j.
func (s *Scorer) Label(j *JobFeatures, tok string) string {
	if i, ok := s.tax.SkillByID(tok); ok {
		return s.tax.SkillAt(i).Label
	}
	if i, ok := s.tax.IndustryByID(tok); ok {
		return s.tax.IndustryAt(i).Label
	}
	if j != nil {
		if l, ok := j.Labels[tok]; ok {
			return l
		}
	}
	return strings.TrimPrefix(tok, unknownPrefix)
}

// Explain fills the explanation fields of m from r, with display names.
func (s *Scorer) Explain(m *Match, j *JobFeatures, r Result) {
	m.Score, m.SkillScore, m.IndustryScore = r.Score, r.SkillScore, r.IndustryScore
	m.MatchedSkills = s.labels(j, r.Matched)
	m.MissingRequiredSkills = s.labels(j, r.Missing)
	m.MatchedIndustries = s.labels(j, r.Industries)
	m.PartialSkills = make([]PartialSkill, 0, len(r.Partial))
	for _, p := range r.Partial {
		m.PartialSkills = append(m.PartialSkills, PartialSkill{Skill: s.Label(j, p.Skill), Via: s.viaText(p.Skill, p.Via), Credit: p.Credit})
	}
	m.ExtractedSkills = nil
	for _, x := range r.Extracted {
		m.ExtractedSkills = append(m.ExtractedSkills, ExtractedMatch{Skill: s.Label(j, x.Skill), Source: x.Source,
			Span: TextSpan{Start: x.From.Start, End: x.From.End, Text: x.From.Text}})
	}
}

// viaText explains how the candidate's skill via covers job skill skill:
// its name, and the relation when it is not one of the hierarchy.
func (s *Scorer) viaText(skill, via string) string {
	for _, r := range s.Related(skill) {
		if r.token == via && r.via != "" {
			return r.via
		}
	}
	return s.Label(nil, via)
}

func (s *Scorer) labels(j *JobFeatures, toks []string) []string {
	out := make([]string, 0, len(toks))
	for _, t := range toks {
		out = append(out, s.Label(j, t))
	}
	return out
}
