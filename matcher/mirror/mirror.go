// Package mirror is a replica's in-memory copy of the matching index: the
// active jobs and candidates in compact form, their inverted indexes by
// (campaign, skill) and the document frequencies behind rarity weights. It
// ranks without a Redis round trip per posting, which is what makes
// retrieval fast on skewed indexes (docs/performance.md).
//
// Redis stays the source of truth. A Mirror is fed, in commit order, the
// changes Redis records (matcher/state's change log); it can be rebuilt from
// Redis at any time. Its scores are exactly those of matcher.Scorer: the
// same formula, weights and summation order.
package mirror

import (
	"context"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/talentmatch/talentmatch/matcher"
	"github.com/talentmatch/talentmatch/matcher/taxonomy"
)

// Op is the kind of a change.
type Op byte

// Change operations.
const (
	OpPut    Op = 'p' // the entity was created or replaced (features given)
	OpRemove Op = 'r' // the job closed or the candidate withdrew
)

// Change is one committed change of an entity, as the change log records it.
type Change struct {
	Op  Op
	Rev int64
	// Exactly one of Job and Candidate is set for OpPut; for OpRemove only
	// the id field (JobRef or CandidateID) matters.
	Job         *matcher.JobFeatures
	Candidate   *matcher.CandidateFeatures
	JobRef      string
	CandidateID string
}

// job is a stored job: its compact form and the features it came from.
type job struct {
	ref   string
	rev   int64
	alive bool
	qjob
	features *matcher.JobFeatures
}

// cand is a stored candidate in compact form.
type cand struct {
	id    string
	rev   int64
	alive bool
	qcand
	// extracted are the candidate's skills read from their summary (also
	// in skills), kept for the explanation of their matches.
	extracted []matcher.ExtractedSkill
}

// Mirror is the in-memory index. It is safe for concurrent use: changes
// take a write lock, rankings a read lock.
type Mirror struct {
	scorer *matcher.Scorer
	tax    *taxonomy.Taxonomy
	cfg    matcher.ScoreConfig
	now    func() time.Time

	mu       sync.RWMutex
	skills   skillIDs
	inds     interner
	camps    interner
	cities   interner
	jobs     []job
	jobSlot  map[string]uint32
	freeJob  []uint32
	cands    []cand
	candSlot map[string]uint32
	freeCand []uint32
	// postings by campaign<<32|skill: job slots (high bit set for a
	// preferred skill) and candidate slots, sorted by slot.
	jobPost  map[uint64][]uint32
	candPost map[uint64][]uint32
	df       []int32 // by skill id: active jobs and candidates holding it
	nJobs    int64
	nCands   int64

	slots  chan struct{}
	rel    relations
	close  closeness
	epoch  epochs
	sync   func(context.Context) error
	buffer bufferPools
}

// preferredBit marks a job posting of a preferred skill.
const preferredBit = 1 << 31

// New returns an empty mirror scoring with s.
func New(s *matcher.Scorer) *Mirror {
	m := &Mirror{
		scorer:   s,
		tax:      s.Taxonomy(),
		cfg:      s.Config(),
		now:      time.Now,
		jobSlot:  map[string]uint32{},
		candSlot: map[string]uint32{},
		jobPost:  map[uint64][]uint32{},
		candPost: map[uint64][]uint32{},
	}
	m.slots = make(chan struct{}, max(2, runtime.GOMAXPROCS(0)))
	m.skills.init(m.tax)
	m.inds.init()
	m.camps.init()
	m.cities.init()
	m.rel.m = m
	m.close.m = m
	m.epoch.m = m
	return m
}

// Size returns the numbers of active jobs and candidates.
func (m *Mirror) Size() (jobs, candidates int64) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.nJobs, m.nCands
}

// Rev returns the revision the mirror holds for a job (kind 'j', id the
// ref) or candidate ('c'), and whether it holds the entity.
func (m *Mirror) Rev(kind byte, id string) (int64, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if kind == 'j' {
		if s, ok := m.jobSlot[id]; ok {
			return m.jobs[s].rev, true
		}
		return 0, false
	}
	if s, ok := m.candSlot[id]; ok {
		return m.cands[s].rev, true
	}
	return 0, false
}

// Each calls fn for every entity the mirror holds: kind 'j' with the job
// ref or 'c' with the candidate id, and its revision. fn must not call the
// mirror.
func (m *Mirror) Each(fn func(kind byte, id string, rev int64)) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	for ref, s := range m.jobSlot {
		fn('j', ref, m.jobs[s].rev)
	}
	for id, s := range m.candSlot {
		fn('c', id, m.cands[s].rev)
	}
}

// Apply applies a change. A change whose revision is not above the one
// held for the entity is ignored, so replaying the log is harmless.
func (m *Mirror) Apply(ch Change) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.apply(ch)
}

// ApplyAll applies changes in order under one lock.
func (m *Mirror) ApplyAll(chs []Change) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, ch := range chs {
		m.apply(ch)
	}
}

func (m *Mirror) apply(ch Change) {
	switch {
	case ch.Job != nil || ch.JobRef != "":
		ref := ch.JobRef
		if ch.Job != nil {
			ref = ch.Job.Ref().String()
		}
		slot, ok := m.jobSlot[ref]
		if ok && m.jobs[slot].rev >= ch.Rev {
			return
		}
		if ok {
			m.unindexJob(slot)
		}
		if ch.Op != OpPut || ch.Job == nil {
			if ok {
				m.jobs[slot] = job{}
				delete(m.jobSlot, ref)
				m.freeJob = append(m.freeJob, slot)
			}
			return
		}
		if !ok {
			slot = m.newJobSlot(ref)
		}
		m.jobs[slot] = m.compactJob(ch.Job, ch.Rev)
		m.indexJob(slot)
	case ch.Candidate != nil || ch.CandidateID != "":
		id := ch.CandidateID
		if ch.Candidate != nil {
			id = ch.Candidate.CandidateID
		}
		slot, ok := m.candSlot[id]
		if ok && m.cands[slot].rev >= ch.Rev {
			return
		}
		if ok {
			m.unindexCand(slot)
		}
		if ch.Op != OpPut || ch.Candidate == nil {
			if ok {
				m.cands[slot] = cand{}
				delete(m.candSlot, id)
				m.freeCand = append(m.freeCand, slot)
			}
			return
		}
		if !ok {
			slot = m.newCandSlot(id)
		}
		m.cands[slot] = m.compactCand(ch.Candidate, ch.Rev)
		m.indexCand(slot)
	}
}

func (m *Mirror) newJobSlot(ref string) uint32 {
	var s uint32
	if n := len(m.freeJob); n > 0 {
		s = m.freeJob[n-1]
		m.freeJob = m.freeJob[:n-1]
	} else {
		s = uint32(len(m.jobs))
		m.jobs = append(m.jobs, job{})
	}
	m.jobSlot[ref] = s
	return s
}

func (m *Mirror) newCandSlot(id string) uint32 {
	var s uint32
	if n := len(m.freeCand); n > 0 {
		s = m.freeCand[n-1]
		m.freeCand = m.freeCand[:n-1]
	} else {
		s = uint32(len(m.cands))
		m.cands = append(m.cands, cand{})
	}
	m.candSlot[id] = s
	return s
}

func (m *Mirror) compactJob(f *matcher.JobFeatures, rev int64) job {
	j := job{ref: f.Ref().String(), rev: rev, alive: true, features: f}
	j.features.Rev = rev
	j.nReq, j.minDeg, j.exp = len(f.Required), int8(f.MinDegree), f.ExpiresAt
	j.skills = make([]uint32, 0, len(f.Required)+len(f.Preferred))
	for _, t := range f.Required {
		j.skills = append(j.skills, m.skills.id(t))
	}
	for _, t := range f.Preferred {
		j.skills = append(j.skills, m.skills.id(t))
	}
	j.inds = m.indRefs(f.Industries, true)
	j.camps = m.camps.ids(f.Campaigns)
	if f.Location != "" {
		j.loc = m.cities.id(f.Location)
	}
	return j
}

func (m *Mirror) compactCand(f *matcher.CandidateFeatures, rev int64) cand {
	c := cand{id: f.CandidateID, rev: rev, alive: true, extracted: f.Extracted}
	c.deg = int8(f.Degree)
	c.skills = m.skills.ids(f.Skills)
	slices.Sort(c.skills)
	c.skills = slices.Compact(c.skills)
	c.text = textIDs(m.skills.id, f.Extracted)
	c.inds = m.indRefs(f.Industries, true)
	c.camps = m.camps.ids(f.Campaigns)
	c.locs = m.cities.ids(f.Locations)
	return c
}

// textIDs returns the sorted ids of the skills read from text.
func textIDs(id func(string) uint32, xs []matcher.ExtractedSkill) []uint32 {
	if len(xs) == 0 {
		return nil
	}
	out := make([]uint32, 0, len(xs))
	for _, x := range xs {
		out = append(out, id(x.Token))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// indRefs returns the industries of tokens, interning them when add is
// set (under the write lock) and leaving unknown ones at id 0 otherwise.
func (m *Mirror) indRefs(toks []string, add bool) []ind {
	if len(toks) == 0 {
		return nil
	}
	out := make([]ind, len(toks))
	for i, t := range toks {
		var id uint32
		if add {
			id = m.inds.id(t)
			t = m.inds.names[id]
		} else {
			id, _ = m.inds.lookup(t)
		}
		out[i] = ind{id: id, name: t}
	}
	return out
}

func key(camp, skill uint32) uint64 { return uint64(camp)<<32 | uint64(skill) }

// jobKeys calls fn with the posting list keys of a job.
func (m *Mirror) jobKeys(j *job) func(func(uint64)) {
	return func(fn func(uint64)) {
		for _, s := range j.skills {
			for _, c := range j.camps {
				fn(key(c, s))
			}
		}
	}
}

func (m *Mirror) indexJob(slot uint32) {
	j := &m.jobs[slot]
	defer m.forget(slot, m.jobKeys(j))
	for n, s := range j.skills {
		v := slot
		if n >= j.nReq {
			v |= preferredBit
		}
		for _, c := range j.camps {
			m.jobPost[key(c, s)] = insertSorted(m.jobPost[key(c, s)], v)
		}
		m.dfAdd(s, 1)
	}
	m.nJobs++
}

func (m *Mirror) unindexJob(slot uint32) {
	j := &m.jobs[slot]
	if !j.alive {
		return
	}
	defer m.forget(slot, m.jobKeys(j))
	for n, s := range j.skills {
		v := slot
		if n >= j.nReq {
			v |= preferredBit
		}
		for _, c := range j.camps {
			k := key(c, s)
			if l := removeSorted(m.jobPost[k], v); len(l) == 0 {
				delete(m.jobPost, k)
			} else {
				m.jobPost[k] = l
			}
		}
		m.dfAdd(s, -1)
	}
	m.nJobs--
	j.alive = false
}

func (m *Mirror) indexCand(slot uint32) {
	c := &m.cands[slot]
	for _, s := range c.skills {
		for _, cp := range c.camps {
			m.candPost[key(cp, s)] = insertSorted(m.candPost[key(cp, s)], slot)
		}
		m.dfAdd(s, 1)
	}
	m.nCands++
}

func (m *Mirror) unindexCand(slot uint32) {
	c := &m.cands[slot]
	if !c.alive {
		return
	}
	for _, s := range c.skills {
		for _, cp := range c.camps {
			k := key(cp, s)
			if l := removeSorted(m.candPost[k], slot); len(l) == 0 {
				delete(m.candPost, k)
			} else {
				m.candPost[k] = l
			}
		}
		m.dfAdd(s, -1)
	}
	m.nCands--
	c.alive = false
}

func (m *Mirror) dfAdd(s uint32, d int32) {
	for int(s) >= len(m.df) {
		m.df = append(m.df, 0)
	}
	m.df[s] += d
}

// insertSorted inserts v (compared without the preferred bit) keeping the
// list sorted; appending is the common case, as new entities get new slots.
func insertSorted(l []uint32, v uint32) []uint32 {
	if n := len(l); n == 0 || l[n-1]&^preferredBit < v&^preferredBit {
		return append(l, v)
	}
	i, _ := slices.BinarySearchFunc(l, v, cmpSlot)
	return slices.Insert(l, i, v)
}

func removeSorted(l []uint32, v uint32) []uint32 {
	i, ok := slices.BinarySearchFunc(l, v, cmpSlot)
	if !ok {
		return l
	}
	return slices.Delete(l, i, i+1)
}

func cmpSlot(a, b uint32) int {
	a, b = a&^preferredBit, b&^preferredBit
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// interner maps tokens to dense ids; id 0 is the empty token.
type interner struct {
	byName map[string]uint32
	names  []string
}

func (in *interner) init() {
	in.byName = map[string]uint32{"": 0}
	in.names = []string{""}
}

func (in *interner) id(s string) uint32 {
	if i, ok := in.byName[s]; ok {
		return i
	}
	i := uint32(len(in.names))
	in.byName[s] = i
	in.names = append(in.names, s)
	return i
}

func (in *interner) ids(ss []string) []uint32 {
	if len(ss) == 0 {
		return nil
	}
	out := make([]uint32, len(ss))
	for i, s := range ss {
		out[i] = in.id(s)
	}
	return out
}

// lookup returns the id of s without adding it.
func (in *interner) lookup(s string) (uint32, bool) {
	i, ok := in.byName[s]
	return i, ok
}

func (in *interner) strings(ids []uint32) []string {
	if len(ids) == 0 {
		return nil
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = in.names[id]
	}
	return out
}

// skillIDs numbers skill tokens: a taxonomy skill gets its taxonomy index
// plus one, so that relations between skills need no translation; unknown
// tokens get ids above the taxonomy's.
type skillIDs struct {
	tax   *taxonomy.Taxonomy
	base  uint32
	byTok map[string]uint32
	names []string
}

func (s *skillIDs) init(tax *taxonomy.Taxonomy) {
	s.tax = tax
	s.base = uint32(tax.NumSkills()) + 1
	s.byTok = map[string]uint32{}
}

func (s *skillIDs) id(tok string) uint32 {
	if id, ok := s.lookup(tok); ok {
		return id
	}
	id := s.base + uint32(len(s.names))
	s.byTok[tok] = id
	s.names = append(s.names, tok)
	return id
}

func (s *skillIDs) lookup(tok string) (uint32, bool) {
	if i, ok := s.tax.SkillByID(tok); ok {
		return uint32(i) + 1, true
	}
	id, ok := s.byTok[tok]
	return id, ok
}

func (s *skillIDs) ids(toks []string) []uint32 {
	out := make([]uint32, len(toks))
	for i, t := range toks {
		out[i] = s.id(t)
	}
	return out
}

func (s *skillIDs) name(id uint32) string {
	if id < s.base {
		return s.tax.SkillAt(int32(id - 1)).ID
	}
	return s.names[id-s.base]
}

func (s *skillIDs) strings(ids []uint32) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = s.name(id)
	}
	return out
}
