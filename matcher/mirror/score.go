package mirror

import (
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// relEntry is a related skill (by mirror id) with its credit.
type relEntry struct {
	id     uint32
	credit float64
}

// relations caches, per taxonomy skill, the skills that cover it in part
// (in matcher.Scorer's order) and the skills it covers in part.
type relations struct {
	m       *Mirror
	once    sync.Once
	related []atomic.Pointer[[]relEntry]
	covered []atomic.Pointer[[]relEntry]
}

func (r *relations) init() {
	r.once.Do(func() {
		n := r.m.tax.NumSkills() + 1
		r.related = make([]atomic.Pointer[[]relEntry], n)
		r.covered = make([]atomic.Pointer[[]relEntry], n)
	})
}

// relatedOf returns the skills that give partial credit for skill id, best
// first; unknown tokens have none.
func (r *relations) relatedOf(id uint32) []relEntry {
	if id == 0 || id >= r.m.skills.base {
		return nil
	}
	r.init()
	if p := r.related[id].Load(); p != nil {
		return *p
	}
	toks, credits := r.m.scorer.RelatedTokens(r.m.tax.SkillAt(int32(id - 1)).ID)
	out := make([]relEntry, 0, len(toks))
	for i, t := range toks {
		if j, ok := r.m.tax.SkillByID(t); ok {
			out = append(out, relEntry{id: uint32(j) + 1, credit: credits[i]})
		}
	}
	r.related[id].Store(&out)
	return out
}

// coveredBy returns the skills skill id covers in part, with the credit.
func (r *relations) coveredBy(id uint32) []relEntry {
	if id == 0 || id >= r.m.skills.base {
		return nil
	}
	r.init()
	if p := r.covered[id].Load(); p != nil {
		return *p
	}
	rel := r.m.tax.CoveredSkills(int32(id - 1))
	out := make([]relEntry, len(rel))
	for i, x := range rel {
		out[i] = relEntry{id: uint32(x.Index) + 1, credit: x.Credit}
	}
	r.covered[id].Store(&out)
	return out
}

// ind is an industry of a compact form: its interned id (0 when no stored
// entity names it) and its token.
type ind struct {
	id   uint32
	name string
}

// closeness caches industry closeness by pair of interned ids.
type closeness struct {
	m     *Mirror
	cache sync.Map // uint64 → float64
}

func (c *closeness) of(a, b ind) float64 {
	if a.name == b.name {
		return 1
	}
	if a.id == 0 || b.id == 0 {
		return c.m.scorer.Closeness(a.name, b.name)
	}
	k := uint64(a.id)<<32 | uint64(b.id)
	if v, ok := c.cache.Load(k); ok {
		return v.(float64)
	}
	v := c.m.scorer.Closeness(a.name, b.name)
	c.cache.Store(k, v)
	return v
}

// epoch is a snapshot of rarity weights. A ranking uses one epoch
// throughout, and Weights hands the same epoch to the engine.
type epoch struct {
	at time.Time
	n  int64
	w  []float64 // by skill id
	fn func(df, n int64) float64
	// Lazily computed, under this epoch's weights: each job's total
	// weight (float64 bits, 0 = not yet), and each job posting list's
	// largest share of a job's total weight one posting can carry.
	// Changes to a job or list clear their entries.
	wj     []atomic.Uint64
	impact sync.Map // posting list key → float64
	// inv holds 1/total weight of every job at the epoch's creation;
	// changes to a job overwrite its entry (under the write lock).
	invOnce sync.Once
	inv     []float32
}

// invTotals returns the epoch's inverse job totals, computing them on
// first use. The caller holds the mirror's read lock.
func (ep *epoch) invTotals(m *Mirror) []float32 {
	ep.invOnce.Do(func() {
		inv := make([]float32, len(m.jobs.items))
		for slot := range m.jobs.items {
			if !m.jobs.items[slot].alive {
				continue
			}
			if t := m.jobTotal(ep, uint32(slot)); t > 0 {
				inv[slot] = float32(1 / t)
			}
		}
		ep.inv = inv
	})
	return ep.inv
}

// invTotal returns 1/total of a job, from inv when it covers the slot.
func (m *Mirror) invTotal(ep *epoch, inv []float32, slot uint32) float32 {
	if int(slot) < len(inv) {
		return inv[slot]
	}
	return float32(m.jobInv(ep, slot))
}

// weight returns the weight of skill id; a token the snapshot did not know
// is held by nobody (df 0).
func (e *epoch) weight(id uint32) float64 {
	if int(id) < len(e.w) {
		return e.w[id]
	}
	return e.fn(0, e.n)
}

// epochs refreshes the weight snapshot at most once per EpochTTL.
type epochs struct {
	m   *Mirror
	mu  sync.Mutex
	cur atomic.Pointer[epoch]
}

// EpochTTL is how long a weight snapshot is used; it matches the Redis
// ranker's frequency cache.
const EpochTTL = time.Second

func (e *epochs) get() *epoch {
	now := e.m.now()
	if ep := e.cur.Load(); ep != nil && now.Sub(ep.at) < EpochTTL {
		return ep
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if ep := e.cur.Load(); ep != nil && now.Sub(ep.at) < EpochTTL {
		return ep
	}
	e.m.mu.RLock()
	n := e.m.nJobs + e.m.nCands
	w := make([]float64, len(e.m.df))
	for id, df := range e.m.df {
		w[id] = e.m.scorer.Weight(int64(df), n)
	}
	e.m.mu.RUnlock()
	ep := &epoch{at: now, n: n, w: w, fn: e.m.scorer.Weight}
	e.m.mu.RLock()
	ep.wj = make([]atomic.Uint64, len(e.m.jobs.items))
	e.m.mu.RUnlock()
	e.cur.Store(ep)
	return ep
}

// invalidate drops the snapshot so that the next ranking sees fresh
// weights (used after a bulk load).
func (e *epochs) invalidate() { e.cur.Store(nil) }

// query is the compact form of the job or candidate being ranked.
type qjob struct {
	skills []uint32
	nReq   int
	inds   []ind
	camps  []uint32
	loc    uint32
	minDeg int8
	exp    int64
}

type qcand struct {
	skills []uint32 // sorted
	text   []uint32 // sorted: the skills read from the summary (also in skills)
	inds   []ind
	camps  []uint32
	locs   []uint32
	deg    int8
}

// credit is matcher.Scorer's credit: 1 for an exact hit, else the best
// related skill the candidate holds; a skill read from the summary gives
// ExtractedCredit times that.
func (m *Mirror) credit(s uint32, c *qcand) float64 {
	have := c.skills
	if len(c.text) > 0 {
		best := 0.0
		for _, r := range append([]relEntry{{id: s, credit: 1}}, m.rel.relatedOf(s)...) {
			if _, ok := slices.BinarySearch(have, r.id); ok {
				best = max(best, r.credit*m.textFactor(c, r.id))
			}
		}
		return best
	}
	if _, ok := slices.BinarySearch(have, s); ok {
		return 1
	}
	for _, r := range m.rel.relatedOf(s) {
		if _, ok := slices.BinarySearch(have, r.id); ok {
			return r.credit
		}
	}
	return 0
}

// textFactor is ExtractedCredit for a skill the candidate's summary names
// and 1 for a listed one.
func (m *Mirror) textFactor(c *qcand, id uint32) float64 {
	if _, ok := slices.BinarySearch(c.text, id); ok {
		return m.cfg.ExtractedCredit
	}
	return 1
}

// score is matcher.Scorer.Score on compact forms, with the same
// arithmetic in the same order, so that it returns the same number.
func (m *Mirror) score(j *qjob, c *qcand, ep *epoch) (score, skill, industry float64) {
	var got, total float64
	anyReq := false
	for n, s := range j.skills {
		required := n < j.nReq
		f := m.cfg.PreferredWeight
		if required {
			f = m.cfg.RequiredWeight
		}
		wt := f * ep.weight(s)
		total += wt
		credit := m.credit(s, c)
		got += wt * credit
		if credit > 0 && required {
			anyReq = true
		}
	}
	return m.finish(got, total, anyReq, j.inds, c.inds)
}

// finish turns the skill sums into the score as matcher.Scorer does.
func (m *Mirror) finish(got, total float64, anyReq bool, jInds, cInds []ind) (score, skill, industry float64) {
	if !anyReq || total == 0 {
		return 0, 0, 0
	}
	best := 0.0
	for _, a := range jInds {
		for _, b := range cInds {
			if cl := m.close.of(a, b); cl > best {
				best = cl
			}
		}
	}
	return m.cfg.Combine(got, total, best)
}

// eligible is matcher.Eligible on compact forms.
func eligible(j *qjob, c *qcand, now time.Time) bool {
	if (j.exp != 0 && now.Unix() >= j.exp) || c.deg < j.minDeg {
		return false
	}
	if j.loc != 0 && len(c.locs) > 0 && !slices.Contains(c.locs, j.loc) {
		return false
	}
	return true
}

// jobTotal returns job slot's total weight Σ factor·weight under ep. The
// caller holds the mirror's read lock.
func (m *Mirror) jobTotal(ep *epoch, slot uint32) float64 {
	if int(slot) < len(ep.wj) {
		if b := ep.wj[slot].Load(); b != 0 {
			return math.Float64frombits(b)
		}
	}
	j := &m.jobs.items[slot]
	total := 0.0
	for n, s := range j.skills {
		total += m.factor(n < j.nReq) * ep.weight(s)
	}
	if int(slot) < len(ep.wj) && total > 0 {
		ep.wj[slot].Store(math.Float64bits(total))
	}
	return total
}

// jobInv returns 1/total weight of job slot under ep.
func (m *Mirror) jobInv(ep *epoch, slot uint32) float64 {
	if t := m.jobTotal(ep, slot); t > 0 {
		return 1 / t
	}
	return 0
}

// maxImpact returns the largest factor/total of the jobs in a posting
// list: multiplied by a skill's weight and credit, it bounds what the
// skill adds to any of their scores. The caller holds the read lock.
func (m *Mirror) maxImpact(ep *epoch, k uint64) float64 {
	if v, ok := ep.impact.Load(k); ok {
		return v.(float64)
	}
	best := 0.0
	for _, v := range m.jobPost[k] {
		slot := v &^ preferredBit
		if total := m.jobTotal(ep, slot); total > 0 {
			best = max(best, m.factor(v&preferredBit == 0)/total)
		}
	}
	ep.impact.Store(k, best)
	return best
}

// forget clears what the current epoch cached about a job and the lists
// it is in; the caller holds the write lock.
func (m *Mirror) forget(slot uint32, keys func(func(uint64))) {
	ep := m.epoch.cur.Load()
	if ep == nil {
		return
	}
	if int(slot) < len(ep.wj) {
		ep.wj[slot].Store(0)
	}
	if int(slot) < len(ep.inv) {
		ep.inv[slot] = float32(m.jobInv(ep, slot))
	}
	keys(func(k uint64) { ep.impact.Delete(k) })
}
