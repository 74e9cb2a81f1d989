package matcher

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"
)

// Ranker finds the best counterparts of a job or a candidate: the eligible
// ones scoring at least their campaign's threshold, at most top-K per
// campaign, best first (ties by id). Campaign status is the Selection's
// business.
type Ranker interface {
	RankCandidates(ctx context.Context, j *JobFeatures, sel Selection) ([]RankedCandidate, error)
	RankJobs(ctx context.Context, c *CandidateFeatures, sel Selection) ([]RankedJob, error)
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

// RankedCandidate is a candidate with its score for a job and the campaign
// their match would belong to.
type RankedCandidate struct {
	Candidate *CandidateFeatures
	Result    Result
	Campaign  string
}

// RankedJob is a job with its score for a candidate and the campaign their
// match would belong to.
type RankedJob struct {
	Job      *JobFeatures
	Result   Result
	Campaign string
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
func (r *IndexRanker) RankCandidates(ctx context.Context, j *JobFeatures, sel Selection) ([]RankedCandidate, error) {
	var query []string
	for _, s := range j.Skills() {
		query = append(query, s)
		toks, _ := r.scorer.RelatedTokens(s)
		query = append(query, toks...)
	}
	query = dedupe(query)
	seen := map[string]bool{}
	var ids []string
	for _, camp := range j.Campaigns {
		list, err := r.idx.CandidatesWithAny(ctx, camp, query)
		if err != nil {
			return nil, fmt.Errorf("rank candidates for %s: %w", j.Ref(), err)
		}
		for _, id := range list {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	cands, err := r.idx.Candidates(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("rank candidates for %s: %w", j.Ref(), err)
	}
	w, err := r.weights.Get(ctx, j.Skills())
	if err != nil {
		return nil, err
	}
	now := r.now()
	var items []Scored
	results := map[int]Result{}
	for i, c := range cands {
		if c == nil || !Eligible(j, c, now) {
			continue
		}
		shared := SharedCampaigns(j, c)
		if res := r.scorer.Score(j, c, w); res.Score > 0 && res.Score >= sel.Floor && len(shared) > 0 {
			items = append(items, Scored{Key: c.CandidateID, Score: res.Score, Shared: shared, Index: i})
			results[i] = res
		}
	}
	picks, camps := sel.Select(items)
	out := make([]RankedCandidate, len(picks))
	for n, p := range picks {
		out[n] = RankedCandidate{Candidate: cands[p.Index], Result: results[p.Index], Campaign: camps[n]}
	}
	return out, nil
}

// RankJobs implements Ranker.
func (r *IndexRanker) RankJobs(ctx context.Context, c *CandidateFeatures, sel Selection) ([]RankedJob, error) {
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
	query = dedupe(query)
	seen := map[string]bool{}
	var refs []JobRef
	for _, camp := range c.Campaigns {
		list, err := r.idx.JobsWithAny(ctx, camp, query)
		if err != nil {
			return nil, fmt.Errorf("rank jobs for candidate %s: %w", c.CandidateID, err)
		}
		for _, s := range list {
			if ref, ok := ParseJobRef(s); ok && !seen[s] {
				seen[s] = true
				refs = append(refs, ref)
			}
		}
	}
	if len(refs) == 0 {
		return nil, nil
	}
	jobs, err := r.idx.Jobs(ctx, refs)
	if err != nil {
		return nil, fmt.Errorf("rank jobs for candidate %s: %w", c.CandidateID, err)
	}
	var toks []string
	for _, j := range jobs {
		if j != nil {
			toks = append(toks, j.Skills()...)
		}
	}
	w, err := r.weights.Get(ctx, dedupe(toks))
	if err != nil {
		return nil, err
	}
	now := r.now()
	var items []Scored
	results := map[int]Result{}
	for i, j := range jobs {
		if j == nil || !Eligible(j, c, now) {
			continue
		}
		shared := SharedCampaigns(j, c)
		if res := r.scorer.Score(j, c, w); res.Score > 0 && res.Score >= sel.Floor && len(shared) > 0 {
			items = append(items, Scored{Key: j.Ref().String(), Score: res.Score, Shared: shared, Index: i})
			results[i] = res
		}
	}
	picks, camps := sel.Select(items)
	out := make([]RankedJob, len(picks))
	for n, p := range picks {
		out[n] = RankedJob{Job: jobs[p.Index], Result: results[p.Index], Campaign: camps[n]}
	}
	return out, nil
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
