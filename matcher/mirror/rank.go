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
	return (floor-share*ind)/(1-share) - roundingMargin
}

// Pruning constants of both rankings (MaxScore): the posting lists whose
// bounds together stay below need/slackDivisor are not read and count as
// slack; a counterpart whose bound plus the slack falls more than
// boundMargin short of the need is not scored; roundingMargin covers the
// rounding of announced scores, so pruning never drops a pair that the
// exact score would keep.
const (
	slackDivisor   = 10
	boundMargin    = 1e-4
	roundingMargin = 1e-3
)

// slack returns how many of the lists, ordered by increasing bound, can be
// skipped, and the sum of their bounds.
func slack(n int, bound func(i int) float64, need float64) (start int, rest float64) {
	for i := 0; i < n; i++ {
		if rest+bound(i) >= need/slackDivisor {
			break
		}
		rest += bound(i)
		start = i + 1
	}
	return start, rest
}

// bufferPools recycles per-query scratch space.
type bufferPools struct {
	acc   sync.Pool // *[]float32
	slots sync.Pool // *[]uint32
}

// put returns a ranking's scratch buffers.
func (b *bufferPools) put(touchedP *[]uint32, touched []uint32, accP *[]float32) {
	*touchedP = touched[:0]
	b.slots.Put(touchedP)
	b.acc.Put(accP)
}

func (b *bufferPools) getSlots() *[]uint32 {
	p, _ := b.slots.Get().(*[]uint32)
	if p == nil {
		s := make([]uint32, 0, 4096)
		p = &s
	}
	return p
}

// getAcc returns a zeroed accumulator of at least n entries. Accumulators
// only filter (exact scores decide), so float32 is precise enough and
// halves the memory the random accesses touch.
func (b *bufferPools) getAcc(n int) *[]float32 {
	p, _ := b.acc.Get().(*[]float32)
	if p == nil {
		p = new([]float32)
	}
	if len(*p) < n {
		*p = make([]float32, n+n/4)
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
	q.text = textIDs(func(t string) uint32 { id, _ := m.skills.lookup(t); return id }, f.Extracted)
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

// RankCandidates implements matcher.Ranker. Each job skill, at each credit
// level (itself, narrower, broader skills), is a sub-term bounding what it
// adds to a candidate's score. One pass over the posting lists sums, per
// candidate, the bounds of the sub-terms it matches; lists whose bounds add
// up to a small part of the threshold are skipped and count as slack
// (MaxScore). Only candidates whose sum can reach the threshold are scored
// exactly.
func (m *Mirror) RankCandidates(ctx context.Context, jf *matcher.JobFeatures, sel matcher.Selection) ([]matcher.Pick, error) {
	if err := m.barrier(ctx); err != nil {
		return nil, err
	}
	release, err := m.cpuSlot(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
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
	type subterm struct {
		bound float64
		toks  []uint32
	}
	var subs []subterm
	type tcred struct {
		i int
		c float64
	}
	terms := map[uint32][]tcred{} // token → the job skills it gives credit for
	wts := make([]float64, len(q.skills))
	for n, s := range q.skills {
		wts[n] = m.factor(n < q.nReq) * ep.weight(s)
		a := wts[n] / total
		subs = append(subs, subterm{bound: a, toks: []uint32{s}})
		terms[s] = append(terms[s], tcred{n, 1})
		rel := m.rel.relatedOf(s)
		for i := 0; i < len(rel); {
			j := i
			var toks []uint32
			for ; j < len(rel) && rel[j].credit == rel[i].credit; j++ {
				toks = append(toks, rel[j].id)
				terms[rel[j].id] = append(terms[rel[j].id], tcred{n, rel[j].credit})
			}
			subs = append(subs, subterm{bound: a * rel[i].credit, toks: toks})
			i = j
		}
	}
	sort.SliceStable(subs, func(a, b int) bool { return subs[a].bound < subs[b].bound })
	need := m.skillNeed(sel.Floor, len(q.inds) > 0)
	start, rest := slack(len(subs), func(i int) float64 { return subs[i].bound }, need)
	accP := m.buffer.getAcc(len(m.cands.items))
	acc := *accP
	touchedP := m.buffer.getSlots()
	touched := (*touchedP)[:0]
	for _, camp := range q.camps {
		for _, st := range subs[start:] {
			for _, t := range st.toks {
				for _, slot := range m.candPost[key(camp, t)] {
					if acc[slot] == 0 {
						touched = append(touched, slot)
					}
					acc[slot] += float32(st.bound)
				}
			}
		}
	}
	credits := make([]float64, len(q.skills))
	indMax := 0.0
	if len(q.inds) > 0 {
		indMax = 1
	}
	var items []matcher.Scored
	for _, slot := range touched {
		bound := float64(acc[slot])
		acc[slot] = 0
		if bound+rest < need-boundMargin {
			continue
		}
		c := &m.cands.items[slot]
		if !eligible(&q, &c.qcand, now) {
			continue
		}
		// The exact score: the best credit per job skill, found from the
		// candidate's few skills, summed in the job's order as Scorer does.
		clear(credits)
		for _, t := range c.skills {
			f := m.textFactor(&c.qcand, t)
			for _, x := range terms[t] {
				if v := x.c * f; v > credits[x.i] {
					credits[x.i] = v
				}
			}
		}
		score, ok := m.exact(len(wts), q.nReq, func(n int) float64 { return wts[n] }, func(n int) float64 { return credits[n] },
			indMax, sel.Floor, q.inds, c.inds)
		if ok {
			items = append(items, matcher.Scored{Key: c.id, Score: score, Shared: m.shared(q.camps, c.camps), Index: int(slot)})
		}
	}
	m.buffer.put(touchedP, touched, accP)
	return m.selectPicks(ep, sel, items, func(i int) matcher.Pick {
		return matcher.Pick{Job: jf, Candidate: m.candFeatures(&m.cands.items[i])}
	}), nil
}

// RankJobs implements matcher.Ranker. Each of the candidate's skills, and
// each skill they cover in part, names a posting list of jobs; what a list
// adds to a job is its weight × credit × the job's factor over its total
// weight. One pass sums this per job, exactly; lists that together add a
// small part of the threshold at most are skipped and count as slack
// (MaxScore). Only jobs whose sum can reach the threshold are scored
// exactly.
func (m *Mirror) RankJobs(ctx context.Context, cf *matcher.CandidateFeatures, sel matcher.Selection) ([]matcher.Pick, error) {
	if err := m.barrier(ctx); err != nil {
		return nil, err
	}
	release, err := m.cpuSlot(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
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
		f := m.textFactor(&q, s)
		cred[s] = max(cred[s], f)
		for _, r := range m.rel.coveredBy(s) {
			cred[r.id] = max(cred[r.id], r.credit*f)
		}
	}
	type list struct {
		k     uint64
		wt    float64 // weight × credit
		bound float64
	}
	var lists []list
	for _, camp := range q.camps {
		for t, cr := range cred {
			k := key(camp, t)
			if len(m.jobPost[k]) == 0 {
				continue
			}
			wt := ep.weight(t) * cr
			lists = append(lists, list{k: k, wt: wt, bound: wt * m.maxImpact(ep, k)})
		}
	}
	sort.Slice(lists, func(a, b int) bool {
		if lists[a].bound != lists[b].bound {
			return lists[a].bound < lists[b].bound
		}
		return lists[a].k < lists[b].k
	})
	need := m.skillNeed(sel.Floor, len(q.inds) > 0)
	start, rest := slack(len(lists), func(i int) float64 { return lists[i].bound }, need)
	inv := ep.invTotals(m)
	accP := m.buffer.getAcc(len(m.jobs.items))
	acc := *accP
	touchedP := m.buffer.getSlots()
	touched := (*touchedP)[:0]
	req, pref := m.cfg.RequiredWeight, m.cfg.PreferredWeight
	for _, l := range lists[start:] {
		fr, fp := float32(req*l.wt), float32(pref*l.wt)
		for _, v := range m.jobPost[l.k] {
			slot := v &^ preferredBit
			if acc[slot] == 0 {
				touched = append(touched, slot)
			}
			f := fr
			if v&preferredBit != 0 {
				f = fp
			}
			acc[slot] += f * m.invTotal(ep, inv, slot)
		}
	}
	indMax := 0.0
	if len(q.inds) > 0 {
		indMax = 1
	}
	var items []matcher.Scored
	for _, slot := range touched {
		share := float64(acc[slot])
		acc[slot] = 0
		if share+rest < need-boundMargin {
			continue
		}
		j := &m.jobs.items[slot]
		if !eligible(&j.qjob, &q, now) {
			continue
		}
		// The exact score: the candidate's best credit for each job skill,
		// summed in the job's order with the epoch's weights, as Scorer does.
		score, ok := m.exact(len(j.skills), j.nReq, func(n int) float64 { return m.factor(n < j.nReq) * ep.weight(j.skills[n]) },
			func(n int) float64 { return cred[j.skills[n]] }, indMax, sel.Floor, j.inds, q.inds)
		if ok {
			items = append(items, matcher.Scored{Key: j.ref, Score: score, Shared: m.shared(j.camps, q.camps), Index: int(slot)})
		}
	}
	m.buffer.put(touchedP, touched, accP)
	return m.selectPicks(ep, sel, items, func(i int) matcher.Pick {
		return matcher.Pick{Job: m.jobs.items[i].features, Candidate: cf}
	}), nil
}

// exact is the exact score of a pair, as matcher.Scorer computes it: the
// job's n skills in order, each with its weight wt(i) and the credit(i) the
// candidate earns, the first nReq required. ok is false when the pair
// cannot reach floor.
func (m *Mirror) exact(n, nReq int, wt, credit func(i int) float64, indMax, floor float64, jInds, cInds []ind) (score float64, ok bool) {
	var got, total float64
	anyReq := false
	for i := 0; i < n; i++ {
		w, c := wt(i), credit(i)
		total += w
		got += w * c
		if c > 0 && i < nReq {
			anyReq = true
		}
	}
	if !anyReq || m.cfg.Blend(got/total, indMax) < floor-roundingMargin {
		return 0, false
	}
	score, _, _ = m.finish(got, total, anyReq, jInds, cInds)
	return score, score > 0 && score >= floor
}

// selectPicks selects among the scored counterparts and explains the picks;
// pair builds the pick of a counterpart slot.
func (m *Mirror) selectPicks(ep *epoch, sel matcher.Selection, items []matcher.Scored, pair func(slot int) matcher.Pick) []matcher.Pick {
	picks, camps := sel.Select(items)
	out := make([]matcher.Pick, len(picks))
	for i, p := range picks {
		out[i] = pair(p.Index)
		out[i].Campaign = camps[i]
	}
	m.explain(ep, out)
	return out
}

// cpuSlot bounds how many rankings run at once: they are CPU work, and
// each holds scratch buffers the size of the index.
func (m *Mirror) cpuSlot(ctx context.Context) (func(), error) {
	select {
	case m.slots <- struct{}{}:
		return func() { <-m.slots }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Weights implements matcher.Ranker: the weights of the current epoch, the
// same the rankings use.
func (m *Mirror) Weights(ctx context.Context, tokens []string) (matcher.Weights, error) {
	ep := m.epoch.get()
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.weightsLocked(ep, tokens), nil
}

// weightsLocked returns ep's weights of tokens; the caller holds the read
// lock.
func (m *Mirror) weightsLocked(ep *epoch, tokens []string) matcher.Weights {
	w := make(map[string]float64, len(tokens))
	for _, t := range tokens {
		id, ok := m.skills.lookup(t)
		if !ok {
			id = math.MaxUint32
		}
		w[t] = ep.weight(id)
	}
	zero := ep.fn(0, ep.n)
	return func(tok string) float64 {
		if v, ok := w[tok]; ok {
			return v
		}
		return zero
	}
}

// explain fills in the explained result of each pick with the weights of
// the epoch the ranking used: the exact score the fast path selected on,
// with its explanation, computed once per pick. The caller holds the read
// lock.
func (m *Mirror) explain(ep *epoch, picks []matcher.Pick) {
	for i := range picks {
		p := &picks[i]
		p.Result = m.scorer.ScoreExplained(p.Job, p.Candidate, m.weightsLocked(ep, p.Job.Skills()))
	}
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
		Extracted:   c.extracted,
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
