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

	mu     sync.RWMutex
	skills skillIDs
	inds   interner
	camps  interner
	cities interner
	// The two sides of the relation, each in its own table and postings:
	// job slots (high bit set for a preferred skill) and candidate slots.
	jobs     table[job]
	cands    table[cand]
	jobPost  postings
	candPost postings
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
		jobs:     newTable[job](),
		cands:    newTable[cand](),
		jobPost:  postings{},
		candPost: postings{},
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
		if s, ok := m.jobs.slot[id]; ok {
			return m.jobs.items[s].rev, true
		}
		return 0, false
	}
	if s, ok := m.cands.slot[id]; ok {
		return m.cands.items[s].rev, true
	}
	return 0, false
}

// Each calls fn for every entity the mirror holds: kind 'j' with the job
// ref or 'c' with the candidate id, and its revision. fn must not call the
// mirror.
func (m *Mirror) Each(fn func(kind byte, id string, rev int64)) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	for ref, s := range m.jobs.slot {
		fn('j', ref, m.jobs.items[s].rev)
	}
	for id, s := range m.cands.slot {
		fn('c', id, m.cands.items[s].rev)
	}
}

// Apply applies a change. A change whose revision is not above the one
// held for the entity is ignored, so replaying the log is harmless.
func (m *Mirror) Apply(ch matcher.Change) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.apply(ch)
}

// ApplyAll applies changes in order under one lock.
func (m *Mirror) ApplyAll(chs []matcher.Change) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, ch := range chs {
		m.apply(ch)
	}
}

func (m *Mirror) apply(ch matcher.Change) {
	switch {
	case ch.Job != nil || ch.JobRef != "":
		ref := ch.JobRef
		if ch.Job != nil {
			ref = ch.Job.Ref().String()
		}
		applyTo(&m.jobs, ref, ch.Rev, ch.Op == matcher.ChangePut && ch.Job != nil, func(j *job) int64 { return j.rev },
			m.unindexJob, func() job { return m.compactJob(ch.Job, ch.Rev) }, m.indexJob)
	case ch.Candidate != nil || ch.CandidateID != "":
		id := ch.CandidateID
		if ch.Candidate != nil {
			id = ch.Candidate.CandidateID
		}
		applyTo(&m.cands, id, ch.Rev, ch.Op == matcher.ChangePut && ch.Candidate != nil, func(c *cand) int64 { return c.rev },
			m.unindexCand, func() cand { return m.compactCand(ch.Candidate, ch.Rev) }, m.indexCand)
	}
}

// applyTo applies a change of revision rev to entity id of one side's
// table: a put (build gives its compact form) or a removal. A change not
// newer than the held revision is ignored.
func applyTo[T any](t *table[T], id string, rev int64, put bool, revOf func(*T) int64, unindex func(uint32), build func() T, index func(uint32)) {
	slot, ok := t.slot[id]
	if ok && revOf(&t.items[slot]) >= rev {
		return
	}
	if ok {
		unindex(slot)
	}
	if !put {
		if ok {
			t.remove(id, slot)
		}
		return
	}
	if !ok {
		slot = t.add(id)
	}
	t.items[slot] = build()
	index(slot)
}

// table holds the entities of one side in dense slots, keyed by id;
// removed entities' slots are reused.
type table[T any] struct {
	items []T
	slot  map[string]uint32
	free  []uint32
}

func newTable[T any]() table[T] { return table[T]{slot: map[string]uint32{}} }

// add gives id a slot holding a zero entity.
func (t *table[T]) add(id string) uint32 {
	var s uint32
	if n := len(t.free); n > 0 {
		s = t.free[n-1]
		t.free = t.free[:n-1]
	} else {
		s = uint32(len(t.items))
		var zero T
		t.items = append(t.items, zero)
	}
	t.slot[id] = s
	return s
}

// remove frees id's slot.
func (t *table[T]) remove(id string, slot uint32) {
	var zero T
	t.items[slot] = zero
	delete(t.slot, id)
	t.free = append(t.free, slot)
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

// jobPosting is the posting value of a job's n-th skill: its slot, with
// the preferred bit for a preferred skill.
func jobPosting(j *job, slot uint32, n int) uint32 {
	if n >= j.nReq {
		return slot | preferredBit
	}
	return slot
}

func (m *Mirror) indexJob(slot uint32) {
	j := &m.jobs.items[slot]
	defer m.forget(slot, m.jobKeys(j))
	m.index(m.jobPost, j.skills, j.camps, func(n int) uint32 { return jobPosting(j, slot, n) }, 1)
	m.nJobs++
}

func (m *Mirror) unindexJob(slot uint32) {
	j := &m.jobs.items[slot]
	if !j.alive {
		return
	}
	defer m.forget(slot, m.jobKeys(j))
	m.index(m.jobPost, j.skills, j.camps, func(n int) uint32 { return jobPosting(j, slot, n) }, -1)
	m.nJobs--
	j.alive = false
}

func (m *Mirror) indexCand(slot uint32) {
	c := &m.cands.items[slot]
	m.index(m.candPost, c.skills, c.camps, func(int) uint32 { return slot }, 1)
	m.nCands++
}

func (m *Mirror) unindexCand(slot uint32) {
	c := &m.cands.items[slot]
	if !c.alive {
		return
	}
	m.index(m.candPost, c.skills, c.camps, func(int) uint32 { return slot }, -1)
	m.nCands--
	c.alive = false
}

// index adds (d = 1) or removes (d = -1) the postings of one entity in
// every campaign it is in, value(n) being the posting of its n-th skill,
// and counts its skills in the document frequencies.
func (m *Mirror) index(post postings, skills, camps []uint32, value func(n int) uint32, d int32) {
	for n, s := range skills {
		v := value(n)
		for _, c := range camps {
			if d > 0 {
				post.add(key(c, s), v)
			} else {
				post.remove(key(c, s), v)
			}
		}
		m.dfAdd(s, d)
	}
}

// postings maps campaign<<32|skill to the slots of the entities holding the
// skill in the campaign, sorted by slot (compared without the preferred
// bit).
type postings map[uint64][]uint32

func (p postings) add(k uint64, v uint32) { p[k] = insertSorted(p[k], v) }

func (p postings) remove(k uint64, v uint32) {
	if l := removeSorted(p[k], v); len(l) == 0 {
		delete(p, k)
	} else {
		p[k] = l
	}
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
