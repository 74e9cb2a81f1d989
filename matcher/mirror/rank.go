package mirror

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"sync"

	"github.com/talentmatch/talentmatch/matcher"
)

// SetSync sets the barrier run before every ranking. It must return once
// the mirror holds every change committed before the call (matcher/state's
// Follower.Sync), so that of a job and a candidate written at the same time
// at least one sees the other, as with ranking through Redis.
func (m *Mirror) SetSync(f func(context.Context) error) { m.sync = f }

func (m *Mirror) barrier(ctx context.Context) error {
	if m.sync == nil {
		return nil
	}
	if err := m.sync(ctx); err != nil {
		return fmt.Errorf("mirror sync: %w", err)
	}
	return nil
}

// skillNeed is the lowest raw skill score that can still reach floor once
// rounded and combined with the best industry score available, less a
// margin for rounding; it only prunes, exact scores decide.
func (m *Mirror) skillNeed(floor float64, industries bool) float64 {
	share := m.cfg.IndustryShare
	ind := 0.0
	if industries {
		ind = 1
	}
	return (floor-share*ind)/(1-share) - 1e-3
}

// bufferPools recycles per-query scratch space.
type bufferPools struct {
	acc  sync.Pool // *[]float64
	seen sync.Pool // *[]uint64
}

func (b *bufferPools) getAcc(n int) *[]float64 {
	p, _ := b.acc.Get().(*[]float64)
	if p == nil {
		p = new([]float64)
	}
	if len(*p) < n {
		*p = make([]float64, n+n/4)
	}
	return p
}

func (b *bufferPools) getSeen(n int) *[]uint64 {
	p, _ := b.seen.Get().(*[]uint64)
	if p == nil {
		p = new([]uint64)
	}
	if w := n/64 + 1; len(*p) < w {
		*p = make([]uint64, w+w/4)
	}
	return p
}

func (m *Mirror) queryJob(f *matcher.JobFeatures) qjob {
	q := qjob{nReq: len(f.Required), minDeg: int8(f.MinDegree), exp: f.ExpiresAt}
	q.skills = make([]uint32, 0, len(f.Required)+len(f.Preferred))
	for _, t := range append(append([]string(nil), f.Required...), f.Preferred...) {
		id, ok := m.skills.lookup(t)
		if !ok {
			id = math.MaxUint32 // held by nobody, weighs as df 0
		}
		q.skills = append(q.skills, id)
	}
	q.inds = m.indRefs(f.Industries, false)
	for _, c := range f.Campaigns {
		if id, ok := m.camps.lookup(c); ok {
			q.camps = append(q.camps, id)
		}
	}
	if f.Location != "" {
		if id, ok := m.cities.lookup(f.Location); ok {
			q.loc = id
		} else {
			q.loc = math.MaxUint32 // no candidate lists it
		}
	}
	return q
}

func (m *Mirror) queryCand(f *matcher.CandidateFeatures) qcand {
	q := qcand{deg: int8(f.Degree)}
	for _, t := range f.Skills {
		if id, ok := m.skills.lookup(t); ok {
			q.skills = append(q.skills, id)
		}
	}
	slices.Sort(q.skills)
	q.skills = slices.Compact(q.skills)
	q.inds = m.indRefs(f.Industries, false)
	for _, c := range f.Campaigns {
		if id, ok := m.camps.lookup(c); ok {
			q.camps = append(q.camps, id)
		}
	}
	for _, l := range f.Locations {
		id, ok := m.cities.lookup(l)
		if !ok {
			id = math.MaxUint32 - 1 // no job is there
		}
		q.locs = append(q.locs, id)
	}
	return q
}

// shared returns the campaigns of a that are also in b, in a's order.
func (m *Mirror) shared(a, b []uint32) []string {
	var out []string
	for _, x := range a {
		if slices.Contains(b, x) {
			out = append(out, m.camps.names[x])
		}
	}
	return out
}

// RankCandidates implements matcher.Ranker. It visits only the posting
// lists that can matter: job skills (and the skills related to them) are
// sorted by the most they can add to a score, and the lists whose total
// cannot reach the threshold are skipped (MaxScore); every candidate found
// is scored exactly.
func (m *Mirror) RankCandidates(ctx context.Context, jf *matcher.JobFeatures, sel matcher.Selection) ([]matcher.RankedCandidate, error) {
	if err := m.barrier(ctx); err != nil {
		return nil, err
	}
	ep := m.epoch.get()
	now := m.now()
	m.mu.RLock()
	defer m.mu.RUnlock()
	q := m.queryJob(jf)
	total := 0.0
	for n, s := range q.skills {
		total += m.factor(n < q.nReq) * ep.weight(s)
	}
	if total == 0 || len(q.camps) == 0 {
		return nil, nil
	}
	bound := map[uint32]float64{}
	for n, s := range q.skills {
		a := m.factor(n < q.nReq) * ep.weight(s) / total
		bound[s] = max(bound[s], a)
		for _, r := range m.rel.relatedOf(s) {
			bound[r.id] = max(bound[r.id], a*r.credit)
		}
	}
	toks := make([]uint32, 0, len(bound))
	for t := range bound {
		toks = append(toks, t)
	}
	sort.Slice(toks, func(a, b int) bool {
		if bound[toks[a]] != bound[toks[b]] {
			return bound[toks[a]] < bound[toks[b]]
		}
		return toks[a] < toks[b]
	})
	need := m.skillNeed(sel.Floor, len(q.inds) > 0)
	sum, start := 0.0, 0
	for i, t := range toks {
		if sum+bound[t] >= need {
			break
		}
		sum += bound[t]
		start = i + 1
	}
	seenP := m.buffer.getSeen(len(m.cands))
	seen := *seenP
	var touched []uint32
	var items []matcher.Scored
	for _, camp := range q.camps {
		for _, t := range toks[start:] {
			for _, slot := range m.candPost[key(camp, t)] {
				w, b := slot/64, uint64(1)<<(slot%64)
				if seen[w]&b != 0 {
					continue
				}
				seen[w] |= b
				touched = append(touched, slot)
				c := &m.cands[slot]
				if !eligible(&q, &c.qcand, now) {
					continue
				}
				if score, _, _ := m.score(&q, &c.qcand, ep); score > 0 && score >= sel.Floor {
					items = append(items, matcher.Scored{Key: c.id, Score: score, Shared: m.shared(q.camps, c.camps), Index: int(slot)})
				}
			}
		}
	}
	for _, s := range touched {
		seen[s/64] = 0
	}
	m.buffer.seen.Put(seenP)
	picks, camps := sel.Select(items)
	out := make([]matcher.RankedCandidate, len(picks))
	for i, p := range picks {
		out[i] = matcher.RankedCandidate{Candidate: m.candFeatures(&m.cands[p.Index]), Result: matcher.Result{Score: p.Score}, Campaign: camps[i]}
	}
	return out, nil
}

// RankJobs implements matcher.Ranker. It adds up, per job, what each of
// the candidate's skills (and the skills they cover in part) contributes,
// in one pass over their posting lists, and scores exactly the jobs whose
// total can reach the threshold.
func (m *Mirror) RankJobs(ctx context.Context, cf *matcher.CandidateFeatures, sel matcher.Selection) ([]matcher.RankedJob, error) {
	if err := m.barrier(ctx); err != nil {
		return nil, err
	}
	ep := m.epoch.get()
	now := m.now()
	m.mu.RLock()
	defer m.mu.RUnlock()
	q := m.queryCand(cf)
	if len(q.camps) == 0 || len(q.skills) == 0 {
		return nil, nil
	}
	cred := map[uint32]float64{}
	for _, s := range q.skills {
		cred[s] = 1
		for _, r := range m.rel.coveredBy(s) {
			cred[r.id] = max(cred[r.id], r.credit)
		}
	}
	accP := m.buffer.getAcc(len(m.jobs))
	acc := *accP
	var touched []uint32
	for _, camp := range q.camps {
		for t, cr := range cred {
			wt := ep.weight(t) * cr
			for _, v := range m.jobPost[key(camp, t)] {
				slot := v &^ preferredBit
				if acc[slot] == 0 {
					touched = append(touched, slot)
				}
				acc[slot] += m.factor(v&preferredBit == 0) * wt
			}
		}
	}
	need := m.skillNeed(sel.Floor, len(q.inds) > 0)
	var items []matcher.Scored
	for _, slot := range touched {
		j := &m.jobs[slot]
		got := acc[slot]
		acc[slot] = 0
		total := 0.0
		for n, s := range j.skills {
			total += m.factor(n < j.nReq) * ep.weight(s)
		}
		if total == 0 || got/total < need || !eligible(&j.qjob, &q, now) {
			continue
		}
		if score, _, _ := m.score(&j.qjob, &q, ep); score > 0 && score >= sel.Floor {
			items = append(items, matcher.Scored{Key: j.ref, Score: score, Shared: m.shared(j.camps, q.camps), Index: int(slot)})
		}
	}
	m.buffer.acc.Put(accP)
	picks, camps := sel.Select(items)
	out := make([]matcher.RankedJob, len(picks))
	for i, p := range picks {
		out[i] = matcher.RankedJob{Job: m.jobs[p.Index].features, Result: matcher.Result{Score: p.Score}, Campaign: camps[i]}
	}
	return out, nil
}

// Weights implements matcher.Ranker: the weights of the current epoch, the
// same the rankings use.
func (m *Mirror) Weights(ctx context.Context, tokens []string) (matcher.Weights, error) {
	ep := m.epoch.get()
	m.mu.RLock()
	w := make(map[string]float64, len(tokens))
	for _, t := range tokens {
		id, ok := m.skills.lookup(t)
		if !ok {
			id = math.MaxUint32
		}
		w[t] = ep.weight(id)
	}
	m.mu.RUnlock()
	zero := ep.fn(0, ep.n)
	return func(tok string) float64 {
		if v, ok := w[tok]; ok {
			return v
		}
		return zero
	}, nil
}

func (m *Mirror) factor(required bool) float64 {
	if required {
		return m.cfg.RequiredWeight
	}
	return m.cfg.PreferredWeight
}

func (m *Mirror) candFeatures(c *cand) *matcher.CandidateFeatures {
	f := &matcher.CandidateFeatures{
		CandidateID: c.id,
		Skills:      m.skills.strings(c.skills),
		Degree:      int(c.deg),
		Campaigns:   m.camps.strings(c.camps),
		Locations:   m.cities.strings(c.locs),
		Rev:         c.rev,
	}
	for _, i := range c.inds {
		f.Industries = append(f.Industries, i.name)
	}
	return f
}

var _ matcher.Ranker = (*Mirror)(nil)

// Score scores a job and a candidate with the mirror's compact scoring and
// current weights; it returns the same numbers as matcher.Scorer.Score with
// the weights of Weights.
func (m *Mirror) Score(jf *matcher.JobFeatures, cf *matcher.CandidateFeatures) matcher.Result {
	ep := m.epoch.get()
	m.mu.RLock()
	defer m.mu.RUnlock()
	q, qc := m.queryJob(jf), m.queryCand(cf)
	var r matcher.Result
	r.Score, r.SkillScore, r.IndustryScore = m.score(&q, &qc, ep)
	return r
}
