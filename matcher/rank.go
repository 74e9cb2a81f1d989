package matcher

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"
)

// Ranker finds the best counterparts of an arriving job or candidate: the
// eligible ones scoring at least their campaign's threshold, at most top-K
// per campaign, best first (ties by id), each with its explained result.
// Campaign status is the Selection's business.
type Ranker interface {
	RankCandidates(ctx context.Context, j *JobFeatures, sel Selection) ([]Pick, error)
	RankJobs(ctx context.Context, c *CandidateFeatures, sel Selection) ([]Pick, error)
	// Weights returns rarity weights covering tokens.
	Weights(ctx context.Context, tokens []string) (Weights, error)
}

// Selection says which scored counterparts a ranker returns.
type Selection struct {
	// Floor is the lowest score returned; it should not exceed any
	// campaign's threshold.
	Floor float64
	// Attribute picks the campaign a pair belongs to from the campaigns it
	// shares, or "" when none is open. Default: the first.
	Attribute func(shared []string) string
	// Policy gives a campaign's threshold and top-K. Default: Floor and no
	// limit.
	Policy func(campaign string) (min float64, k int)
}

// Pick is a pair a ranker selected: both sides' features, the explained
// result (the score that decides, computed once) and the campaign the match
// would belong to.
type Pick struct {
	Job       *JobFeatures
	Candidate *CandidateFeatures
	Result    Result
	Campaign  string
}

// Pair names the pick's job and candidate.
func (p Pick) Pair() Pair { return Pair{Job: p.Job.Ref(), CandidateID: p.Candidate.CandidateID} }

// Qualifies is the one rule that decides whether a scored pair may be
// matched at threshold min: a positive score reaching min, both sides
// eligible for each other, and at least one shared campaign. Rankers, the
// engine's re-decisions and the fast path all decide with it.
func Qualifies(score, min float64, eligible bool, shared int) bool {
	return score > 0 && score >= min && eligible && shared > 0
}

// qualifies applies Qualifies to features at now.
func qualifies(j *JobFeatures, c *CandidateFeatures, score, min float64, now time.Time) bool {
	return Qualifies(score, min, Eligible(j, c, now), len(SharedCampaigns(j, c)))
}

// Scored is one counterpart as a ranker sees it before selection.
type Scored struct {
	Key    string  // candidate id or job ref
	Score  float64 // the pair's score
	Shared []string
	Index  int // the ranker's own reference
}

// Select sorts scored counterparts best first (ties by key) and returns
// those the selection keeps, with their campaigns.
func (sel Selection) Select(items []Scored) (picks []Scored, campaigns []string) {
	sort.Slice(items, func(a, b int) bool {
		if items[a].Score != items[b].Score {
			return items[a].Score > items[b].Score
		}
		return items[a].Key < items[b].Key
	})
	count := map[string]int{}
	for _, it := range items {
		if it.Score < sel.Floor || it.Score <= 0 || len(it.Shared) == 0 {
			continue
		}
		camp := it.Shared[0]
		if sel.Attribute != nil {
			camp = sel.Attribute(it.Shared)
		}
		if camp == "" {
			continue
		}
		min, k := sel.Floor, -1
		if sel.Policy != nil {
			min, k = sel.Policy(camp)
		}
		if it.Score < min || (k >= 0 && count[camp] >= k) {
			continue
		}
		count[camp]++
		picks = append(picks, it)
		campaigns = append(campaigns, camp)
	}
	return picks, campaigns
}

// Index is the retrieval side of state: inverted indexes from (campaign,
// skill token) to the active jobs or candidates holding the skill, feature
// lookups, and document frequencies.
type Index interface {
	// JobsWithAny returns the refs ("company/job") of the open jobs in
	// campaign that list any of tokens as a required or preferred skill.
	JobsWithAny(ctx context.Context, campaign string, tokens []string) ([]string, error)
	// CandidatesWithAny returns the ids of the active candidates in
	// campaign holding any of tokens.
	CandidatesWithAny(ctx context.Context, campaign string, tokens []string) ([]string, error)
	Jobs(ctx context.Context, refs []JobRef) ([]*JobFeatures, error)
	Candidates(ctx context.Context, ids []string) ([]*CandidateFeatures, error)
	// DocFreq returns how many active jobs and candidates hold each token,
	// and how many active jobs and candidates there are.
	DocFreq(ctx context.Context, tokens []string) ([]int64, int64, error)
}

// Eligible applies the contract's hard filters to a job and a candidate
// that share a campaign token: the job is not expired, the job's location is
// among the candidate's (when both are given), and the candidate's degree
// meets the job's minimum.
func Eligible(j *JobFeatures, c *CandidateFeatures, now time.Time) bool {
	if j.Expired(now) || c.Degree < j.MinDegree {
		return false
	}
	if j.Location != "" && len(c.Locations) > 0 && !slices.Contains(c.Locations, j.Location) {
		return false
	}
	return true
}

// SharedCampaigns returns the campaign tokens j and c have in common, sorted.
func SharedCampaigns(j *JobFeatures, c *CandidateFeatures) []string {
	var out []string
	for _, a := range j.Campaigns {
		if slices.Contains(c.Campaigns, a) {
			out = append(out, a)
		}
	}
	return out
}

// IndexRanker ranks through an Index: it expands the query's skills with
// related skills, collects the postings of every campaign the query is in,
// fetches the features of the union and scores each. It is safe for
// concurrent use.
type IndexRanker struct {
	idx     Index
	scorer  *Scorer
	weights *WeightCache
	now     func() time.Time
}

// NewIndexRanker returns a ranker over idx. Document frequencies are cached
// for ttl (default one second when zero).
func NewIndexRanker(idx Index, s *Scorer, ttl time.Duration) *IndexRanker {
	return &IndexRanker{idx: idx, scorer: s, weights: NewWeightCache(idx, s, ttl), now: time.Now}
}

// Weights implements Ranker.
func (r *IndexRanker) Weights(ctx context.Context, tokens []string) (Weights, error) {
	return r.weights.Get(ctx, tokens)
}

// RankCandidates implements Ranker.
func (r *IndexRanker) RankCandidates(ctx context.Context, j *JobFeatures, sel Selection) ([]Pick, error) {
	var query []string
	for _, s := range j.Skills() {
		query = append(query, s)
		toks, _ := r.scorer.RelatedTokens(s)
		query = append(query, toks...)
	}
	ids, err := r.postings(ctx, j.Campaigns, dedupe(query), r.idx.CandidatesWithAny)
	if err != nil || len(ids) == 0 {
		return nil, wrapRank(err, "candidates for "+j.Ref().String())
	}
	cands, err := r.idx.Candidates(ctx, ids)
	if err != nil {
		return nil, wrapRank(err, "candidates for "+j.Ref().String())
	}
	pool := make([]Pick, 0, len(cands))
	for _, c := range cands {
		if c != nil {
			pool = append(pool, Pick{Job: j, Candidate: c})
		}
	}
	return r.rank(ctx, pool, j.Skills(), sel, func(p Pick) string { return p.Candidate.CandidateID })
}

// RankJobs implements Ranker.
func (r *IndexRanker) RankJobs(ctx context.Context, c *CandidateFeatures, sel Selection) ([]Pick, error) {
	tax := r.scorer.tax
	var query []string
	for _, s := range c.Skills {
		query = append(query, s)
		if i, ok := tax.SkillByID(s); ok {
			for _, rel := range tax.CoveredSkills(i) {
				query = append(query, tax.SkillAt(rel.Index).ID)
			}
		}
	}
	keys, err := r.postings(ctx, c.Campaigns, dedupe(query), r.idx.JobsWithAny)
	if err != nil || len(keys) == 0 {
		return nil, wrapRank(err, "jobs for candidate "+c.CandidateID)
	}
	var refs []JobRef
	for _, k := range keys {
		if ref, ok := ParseJobRef(k); ok {
			refs = append(refs, ref)
		}
	}
	jobs, err := r.idx.Jobs(ctx, refs)
	if err != nil {
		return nil, wrapRank(err, "jobs for candidate "+c.CandidateID)
	}
	pool := make([]Pick, 0, len(jobs))
	var toks []string
	for _, j := range jobs {
		if j != nil {
			pool = append(pool, Pick{Job: j, Candidate: c})
			toks = append(toks, j.Skills()...)
		}
	}
	return r.rank(ctx, pool, dedupe(toks), sel, func(p Pick) string { return p.Job.Ref().String() })
}

// postings returns the union, in first-seen order, of the posting lists of
// tokens in each campaign.
func (r *IndexRanker) postings(ctx context.Context, campaigns, tokens []string, list func(context.Context, string, []string) ([]string, error)) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	for _, camp := range campaigns {
		l, err := list(ctx, camp, tokens)
		if err != nil {
			return nil, err
		}
		for _, k := range l {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	return out, nil
}

// rank scores every pair of pool with weights covering tokens, keeps those
// that qualify at the selection's floor, selects and explains them.
func (r *IndexRanker) rank(ctx context.Context, pool []Pick, tokens []string, sel Selection, key func(Pick) string) ([]Pick, error) {
	w, err := r.weights.Get(ctx, tokens)
	if err != nil {
		return nil, err
	}
	now := r.now()
	var items []Scored
	for i, p := range pool {
		eligible := Eligible(p.Job, p.Candidate, now)
		if !eligible {
			continue
		}
		shared := SharedCampaigns(p.Job, p.Candidate)
		if res := r.scorer.Score(p.Job, p.Candidate, w); Qualifies(res.Score, sel.Floor, eligible, len(shared)) {
			items = append(items, Scored{Key: key(p), Score: res.Score, Shared: shared, Index: i})
		}
	}
	picks, camps := sel.Select(items)
	out := make([]Pick, len(picks))
	for n, it := range picks {
		p := pool[it.Index]
		p.Result, p.Campaign = r.scorer.ScoreExplained(p.Job, p.Candidate, w), camps[n]
		out[n] = p
	}
	return out, nil
}

func wrapRank(err error, what string) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("rank %s: %w", what, err)
}

func dedupe(s []string) []string {
	seen := make(map[string]bool, len(s))
	out := s[:0]
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// WeightCache caches rarity weights computed from an Index's document
// frequencies for a short time, so that a burst of events costs one
// frequency lookup per token and interval. It is safe for concurrent use.
type WeightCache struct {
	idx    Index
	scorer *Scorer
	ttl    time.Duration
	now    func() time.Time

	mu      sync.Mutex
	df      map[string]cachedDF
	total   int64
	totalAt time.Time
}

type cachedDF struct {
	df int64
	at time.Time
}

// NewWeightCache returns a cache over idx; ttl defaults to one second.
func NewWeightCache(idx Index, s *Scorer, ttl time.Duration) *WeightCache {
	if ttl <= 0 {
		ttl = time.Second
	}
	return &WeightCache{idx: idx, scorer: s, ttl: ttl, now: time.Now, df: map[string]cachedDF{}}
}

// Get returns weights for tokens, fetching the stale or missing ones.
func (c *WeightCache) Get(ctx context.Context, tokens []string) (Weights, error) {
	now := c.now()
	c.mu.Lock()
	var missing []string
	for _, t := range tokens {
		if e, ok := c.df[t]; !ok || now.Sub(e.at) > c.ttl {
			missing = append(missing, t)
		}
	}
	stale := now.Sub(c.totalAt) > c.ttl
	c.mu.Unlock()
	if len(missing) > 0 || stale {
		df, n, err := c.idx.DocFreq(ctx, missing)
		if err != nil {
			return nil, fmt.Errorf("document frequencies: %w", err)
		}
		c.mu.Lock()
		for i, t := range missing {
			c.df[t] = cachedDF{df: df[i], at: now}
		}
		c.total, c.totalAt = n, now
		if len(c.df) > 1<<20 { // bound memory: start over
			c.df = map[string]cachedDF{}
		}
		c.mu.Unlock()
	}
	c.mu.Lock()
	snap := make(map[string]int64, len(tokens))
	for _, t := range tokens {
		snap[t] = c.df[t].df
	}
	n := c.total
	c.mu.Unlock()
	return func(tok string) float64 {
		df, ok := snap[tok]
		if !ok {
			df = 0
		}
		return c.scorer.Weight(df, n)
	}, nil
}
