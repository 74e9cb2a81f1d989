package matcher

import (
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/talentmatch/talentmatch/matcher/extract"
	"github.com/talentmatch/talentmatch/matcher/taxonomy"
)

// JobRef identifies a job. Job ids are unique within a company, so a job is
// keyed by both: one company can never replace another's job.
type JobRef struct {
	CompanyID string
	JobID     string
}

// String returns "company_id/job_id"; '/' cannot occur in an id.
func (r JobRef) String() string { return r.CompanyID + "/" + r.JobID }

// ParseJobRef parses the form returned by String.
func ParseJobRef(s string) (JobRef, bool) {
	c, j, ok := strings.Cut(s, "/")
	if !ok || c == "" || j == "" {
		return JobRef{}, false
	}
	return JobRef{CompanyID: c, JobID: j}, true
}

// unknownPrefix marks the token of a skill or industry the taxonomy does not
// know: "x:" followed by its folded text.
const unknownPrefix = "x:"

// JobFeatures is what the matcher keeps of an open job: normalised tokens
// (taxonomy ids, or "x:<folded text>" for unknown terms) and its filters.
// The JSON form is the stored form; keep the names short.
type JobFeatures struct {
	CompanyID  string   `json:"co"`
	JobID      string   `json:"id"`
	Title      string   `json:"ti,omitempty"`
	Required   []string `json:"rq"`
	Preferred  []string `json:"pf,omitempty"`
	Industries []string `json:"in,omitempty"`
	Location   string   `json:"lo,omitempty"`
	MinDegree  int      `json:"dg,omitempty"`
	Campaigns  []string `json:"ca"`
	ExpiresAt  int64    `json:"ex,omitempty"` // unix seconds; 0 = never
	// Labels holds the display text of unknown tokens.
	Labels map[string]string `json:"lb,omitempty"`
	// Extracted are the skills read from the description that the lists
	// do not name; they are also in Preferred, after the listed ones.
	Extracted []ExtractedSkill `json:"xs,omitempty"`
	// Rev is the store's revision of the record these features came from.
	Rev int64 `json:"-"`
}

// Ref returns the job's reference.
func (f *JobFeatures) Ref() JobRef { return JobRef{CompanyID: f.CompanyID, JobID: f.JobID} }

// Skills returns the required then preferred tokens.
func (f *JobFeatures) Skills() []string {
	out := make([]string, 0, len(f.Required)+len(f.Preferred))
	return append(append(out, f.Required...), f.Preferred...)
}

// Expired reports whether the job has expired at now.
func (f *JobFeatures) Expired(now time.Time) bool {
	return f.ExpiresAt != 0 && now.Unix() >= f.ExpiresAt
}

// CandidateFeatures is what the matcher keeps of a candidate who consented
// to be matched. It holds no names, contacts or protected attributes.
type CandidateFeatures struct {
	CandidateID string   `json:"id"`
	Skills      []string `json:"sk"`
	Industries  []string `json:"in,omitempty"`
	Locations   []string `json:"lo,omitempty"`
	Degree      int      `json:"dg,omitempty"`
	Campaigns   []string `json:"ca"`
	Rev         int64    `json:"-"`

	// Extracted are the skills read from the summary that Skills did not
	// list; they are also in Skills, after the listed ones.
	Extracted []ExtractedSkill `json:"xs,omitempty"`
}

// Normalizer turns free-text postings and profiles into features using a
// taxonomy. It is safe for concurrent use.
type Normalizer struct {
	tax *taxonomy.Taxonomy
}

// ExtractedSkill is a skill token read from free text, with where it was
// read: code-point offsets into the text and the words as written.
type ExtractedSkill struct {
	Token string `json:"t"`
	Start int    `json:"a"`
	End   int    `json:"b"`
	Text  string `json:"x"`
}

// Limits on skills read from free text: at most MaxExtractedSkills per text,
// each with an extractor score of at least MinExtractedScore.
const (
	MaxExtractedSkills = 10
	MinExtractedScore  = 0.5
)

// fromText returns the skills read from text that are not in have, best
// first, within the limits above.
func (n *Normalizer) fromText(text string, have map[string]bool) []ExtractedSkill {
	if strings.TrimSpace(text) == "" {
		return nil
	}
	var out []ExtractedSkill
	for _, s := range extract.For(n.tax).Extract(text) {
		if len(out) == MaxExtractedSkills {
			break
		}
		if s.Score < MinExtractedScore || have[s.ID] {
			continue
		}
		have[s.ID] = true
		out = append(out, ExtractedSkill{Token: s.ID, Start: s.Span.Start, End: s.Span.End, Text: s.Span.Text})
	}
	return out
}

// NewNormalizer returns a Normalizer over tax.
func NewNormalizer(tax *taxonomy.Taxonomy) *Normalizer { return &Normalizer{tax: tax} }

// Taxonomy returns the taxonomy the normalizer uses.
func (n *Normalizer) Taxonomy() *taxonomy.Taxonomy { return n.tax }

// Skills resolves free-text skills to tokens, deduplicated in first-seen
// order; labels receives the display text of unknown tokens when non-nil.
func (n *Normalizer) Skills(raw []string, labels map[string]string) []string {
	return n.resolve(raw, labels, n.tax.ResolveSkill)
}

// Industries resolves free-text industries to tokens like Skills.
func (n *Normalizer) Industries(raw []string, labels map[string]string) []string {
	return n.resolve(raw, labels, n.tax.ResolveIndustry)
}

func (n *Normalizer) resolve(raw []string, labels map[string]string, f func(string) []taxonomy.Ref) []string {
	out := make([]string, 0, len(raw))
	seen := make(map[string]bool, len(raw))
	for _, r := range raw {
		for _, ref := range f(r) {
			tok := ref.Key
			if !ref.Known() {
				tok = unknownPrefix + ref.Key
				if labels != nil {
					if _, ok := labels[tok]; !ok {
						labels[tok] = ref.Text
					}
				}
			}
			if !seen[tok] {
				seen[tok] = true
				out = append(out, tok)
			}
		}
	}
	return out
}

// Job normalises a posting.
func (n *Normalizer) Job(j *Job) *JobFeatures {
	labels := map[string]string{}
	f := &JobFeatures{
		CompanyID: j.CompanyID,
		JobID:     j.JobID,
		Title:     j.Title,
		Required:  n.Skills(j.RequiredSkills, labels),
		MinDegree: j.MinDegree.Rank(),
		Campaigns: campaignTokens(j.CampaignIDs),
	}
	req := make(map[string]bool, len(f.Required))
	for _, t := range f.Required {
		req[t] = true
	}
	for _, t := range n.Skills(j.PreferredSkills, labels) {
		if !req[t] {
			f.Preferred = append(f.Preferred, t)
		}
	}
	have := make(map[string]bool, len(f.Required)+len(f.Preferred))
	for _, t := range f.Skills() {
		have[t] = true
	}
	f.Extracted = n.fromText(j.Description, have)
	for _, x := range f.Extracted {
		f.Preferred = append(f.Preferred, x.Token)
	}
	f.Industries = n.Industries(j.Industries, labels)
	if j.Location != "" {
		f.Location = n.tax.ResolveCity(j.Location)
	}
	if j.ExpiresAt != nil {
		f.ExpiresAt = j.ExpiresAt.Unix()
	}
	for tok := range labels {
		if !slices.Contains(f.Required, tok) && !slices.Contains(f.Preferred, tok) && !slices.Contains(f.Industries, tok) {
			delete(labels, tok)
		}
	}
	if len(labels) > 0 {
		f.Labels = labels
	}
	return f
}

// Candidate normalises a profile. It does not look at consent: the caller
// decides whether an unconsenting candidate is stored at all.
func (n *Normalizer) Candidate(c *Candidate) *CandidateFeatures {
	f := &CandidateFeatures{
		CandidateID: c.CandidateID,
		Skills:      n.Skills(c.Skills, nil),
		Industries:  n.Industries(c.Industries, nil),
		Degree:      c.Degree.Rank(),
		Campaigns:   campaignTokens(c.CampaignIDs),
	}
	have := make(map[string]bool, len(f.Skills))
	for _, t := range f.Skills {
		have[t] = true
	}
	f.Extracted = n.fromText(c.Summary, have)
	for _, x := range f.Extracted {
		f.Skills = append(f.Skills, x.Token)
	}
	seen := map[string]bool{}
	for _, l := range c.Locations {
		if city := n.tax.ResolveCity(l); city != "" && !seen[city] {
			seen[city] = true
			f.Locations = append(f.Locations, city)
		}
	}
	return f
}

// campaignTokens returns the sorted, deduplicated campaign ids, or the open
// pool when there are none.
func campaignTokens(ids []string) []string {
	if len(ids) == 0 {
		return []string{OpenPool}
	}
	out := make([]string, 0, len(ids))
	seen := map[string]bool{}
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}
