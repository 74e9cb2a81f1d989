package matchertest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/talentmatch/talentmatch/matcher"
)

// Config configures a Store.
type Config struct {
	// Now is the store's clock; it times locks only (event times and
	// reservation times come from the caller, as with Redis). Default
	// time.Now.
	Now func() time.Time
}

// Store keeps every role of matcher.Store and matcher.Index in memory. Each
// method does what matcher/state's Redis implementation does, in the same
// order, on a keyspace of hashes, sets and sorted sets laid out like the
// Redis one (without shards). Each method call is atomic (Redis makes only
// each script atomic, so Store interleaves less than Redis may). Other
// differences: Redis expires tombstones, windows and locks in wall-clock
// time (key TTLs) while Store expires locks on its own clock and keeps
// tombstones and windows until they are pruned as Redis prunes them;
// Redis returns set members in no order while Store sorts them; and Store
// keeps no change log, expiry set or company lists (matcher/state's
// follower, retention and query APIs).
//
// A Store is safe for concurrent use.
type Store struct {
	now func() time.Time

	mu    sync.Mutex
	ks    keyspace
	locks map[string]lock
}

type lock struct {
	token   string
	expires time.Time
}

// New returns an empty store.
func New(cfg Config) *Store {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Store{now: cfg.Now, ks: newKeyspace(), locks: map[string]lock{}}
}

var (
	_ matcher.Store = (*Store)(nil)
	_ matcher.Index = (*Store)(nil)
)

// Key names, as matcher/state's keys without prefix and shard tag.
func jobKey(ref string) string           { return "j:" + ref }
func candidateKey(id string) string      { return "c:" + id }
func campaignKey(id string) string       { return "cp:" + id }
func tombstoneKey(id string) string      { return "w:" + pseudonym(id) }
func ledgerKey(cand string) string       { return "m:" + cand }
func jobPairsKey(ref string) string      { return "mj:" + ref }
func heldKey(campaign string) string     { return "hd:" + campaign }
func heldOfKey(cand string) string       { return "hc:" + cand }
func candidateWindowKey(c string) string { return "qc:" + c }
func jobWindowKey(campaign, ref string) string {
	return "qj:" + campaign + ":" + ref
}
func skillIndexKey(kind, campaign, tok string) string { return "i" + kind + ":" + campaign + ":" + tok }
func industryIndexKey(kind, campaign, tok string) string {
	return "n" + kind + ":" + campaign + ":" + tok
}
func campaignMembersKey(kind, campaign string) string { return "c" + kind + ":" + campaign }

const (
	dfKey        = "df"
	countsKey    = "n"
	campaignsKey = "campaigns"
)

// pseudonym names a withdrawn candidate's tombstone without their id.
func pseudonym(id string) string {
	s := sha256.Sum256([]byte("talentmatch-tombstone:" + id))
	return hex.EncodeToString(s[:16])
}

// versionTime formats an event time so that strings order like times.
func versionTime(t time.Time) string { return fmt.Sprintf("%020d", t.UnixNano()) }

func atoi(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// change is one versioned write of an entity.
type change struct {
	record, tombstone string
	kind              string // j or c
	member            string
	mode              string // put, close, erase
	features          []byte
	oldKeys, newKeys  []string
	oldToks, newToks  []string
}

// apply applies a versioned change to one entity, as matcher/state's
// applyScript does: build receives the stored features of an active
// entity ("" otherwise). The caller holds s.mu.
func (s *Store) apply(v matcher.Version, build func(old string) (change, error)) (matcher.Outcome, int64, error) {
	t, e := versionTime(v.Time), v.EventID
	c, err := build("")
	if err != nil {
		return 0, 0, err
	}
	ct, hasT := s.ks.hget(c.record, "t")
	ce, _ := s.ks.hget(c.record, "e")
	cr, hasR := s.ks.hget(c.record, "r")
	tt, hasTT := s.ks.hget(c.tombstone, "t")
	te, _ := s.ks.hget(c.tombstone, "e")
	tr, hasTR := s.ks.hget(c.tombstone, "r")
	if !hasT {
		ct, ce, hasT = tt, te, hasTT
	}
	base := int64(0)
	switch {
	case hasR:
		base = atoi(cr)
	case hasTR:
		base = atoi(tr)
	}
	if hasT {
		if t == ct && e == ce {
			return matcher.Current, base, nil
		}
		if t < ct || (t == ct && e < ce) {
			return matcher.Stale, base, nil
		}
	}
	st, _ := s.ks.hget(c.record, "st")
	f, _ := s.ks.hget(c.record, "f")
	was := st == "o" && f != ""
	if was {
		if c, err = build(f); err != nil {
			return 0, 0, err
		}
	}
	rem, add := diff(c.oldKeys, c.newKeys)
	dec, inc := diff(c.oldToks, c.newToks)
	for _, k := range rem {
		s.ks.srem(k, c.member)
	}
	for _, k := range add {
		s.ks.sadd(k, c.member)
	}
	for _, tok := range dec {
		if s.ks.hincr(dfKey, tok, -1) <= 0 {
			s.ks.hdel(dfKey, tok)
		}
	}
	for _, tok := range inc {
		s.ks.hincr(dfKey, tok, 1)
	}
	now := c.mode == "put"
	if was && !now {
		s.ks.hincr(countsKey, c.kind, -1)
	}
	if now && !was {
		s.ks.hincr(countsKey, c.kind, 1)
	}
	rev := base + 1
	switch c.mode {
	case "put":
		s.ks.hset(c.record, "t", t, "e", e, "r", itoa(rev), "st", "o", "f", string(c.features))
		s.ks.hsetnx(c.record, "s", t)
		if c.tombstone != c.record {
			s.ks.del(c.tombstone)
		}
	case "close":
		s.ks.hset(c.record, "t", t, "e", e, "r", itoa(rev), "st", "c")
		s.ks.hdel(c.record, "f")
	default:
		s.ks.del(c.record)
		s.ks.hset(c.tombstone, "t", t, "e", e, "r", itoa(rev))
	}
	return matcher.Applied, rev, nil
}

// diff returns what is in old but not in new, and in new but not in old.
func diff(old, new []string) (removed, added []string) {
	in := make(map[string]bool, len(new))
	for _, s := range new {
		in[s] = true
	}
	was := make(map[string]bool, len(old))
	for _, s := range old {
		was[s] = true
		if !in[s] {
			removed = append(removed, s)
		}
	}
	for _, s := range new {
		if !was[s] {
			added = append(added, s)
			was[s] = true
		}
	}
	return removed, added
}

func jobIndexKeys(f *matcher.JobFeatures) []string {
	var out []string
	for _, camp := range f.Campaigns {
		out = append(out, campaignMembersKey("j", camp))
		for _, t := range f.Skills() {
			out = append(out, skillIndexKey("j", camp, t))
		}
		for _, t := range f.Industries {
			out = append(out, industryIndexKey("j", camp, t))
		}
	}
	return out
}

func candidateIndexKeys(f *matcher.CandidateFeatures) []string {
	var out []string
	for _, camp := range f.Campaigns {
		out = append(out, campaignMembersKey("c", camp))
		for _, t := range f.Skills {
			out = append(out, skillIndexKey("c", camp, t))
		}
		for _, t := range f.Industries {
			out = append(out, industryIndexKey("c", camp, t))
		}
	}
	return out
}

// PutJob implements matcher.Entities. It sets f.Rev.
func (s *Store) PutJob(_ context.Context, f *matcher.JobFeatures, v matcher.Version) (matcher.Outcome, error) {
	ref := f.Ref().String()
	body, err := json.Marshal(f)
	if err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out, rev, err := s.apply(v, func(old string) (change, error) {
		c := change{record: jobKey(ref), tombstone: jobKey(ref), kind: "j", member: ref,
			mode: "put", features: body, newKeys: jobIndexKeys(f), newToks: f.Skills()}
		if old != "" {
			of, err := matcher.DecodeJob(old)
			if err != nil {
				return c, err
			}
			c.oldKeys, c.oldToks = jobIndexKeys(of), of.Skills()
		}
		return c, nil
	})
	f.Rev = rev
	return out, err
}

// CloseJob implements matcher.Entities.
func (s *Store) CloseJob(_ context.Context, ref matcher.JobRef, v matcher.Version) (matcher.Outcome, error) {
	r := ref.String()
	s.mu.Lock()
	defer s.mu.Unlock()
	out, _, err := s.apply(v, func(old string) (change, error) {
		c := change{record: jobKey(r), tombstone: jobKey(r), kind: "j", member: r, mode: "close"}
		if old != "" {
			of, err := matcher.DecodeJob(old)
			if err != nil {
				return c, err
			}
			c.oldKeys, c.oldToks = jobIndexKeys(of), of.Skills()
		}
		return c, nil
	})
	return out, err
}

// PutCandidate implements matcher.Entities. It sets f.Rev.
func (s *Store) PutCandidate(_ context.Context, f *matcher.CandidateFeatures, v matcher.Version) (matcher.Outcome, error) {
	id := f.CandidateID
	body, err := json.Marshal(f)
	if err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out, rev, err := s.apply(v, func(old string) (change, error) {
		c := change{record: candidateKey(id), tombstone: tombstoneKey(id), kind: "c", member: id,
			mode: "put", features: body, newKeys: candidateIndexKeys(f), newToks: f.Skills}
		if old != "" {
			of, err := matcher.DecodeCandidate(old)
			if err != nil {
				return c, err
			}
			c.oldKeys, c.oldToks = candidateIndexKeys(of), of.Skills
		}
		return c, nil
	})
	f.Rev = rev
	return out, err
}

// EraseCandidate implements matcher.Entities.
func (s *Store) EraseCandidate(_ context.Context, id string, v matcher.Version) (matcher.Outcome, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out, _, err := s.apply(v, func(old string) (change, error) {
		c := change{record: candidateKey(id), tombstone: tombstoneKey(id), kind: "c", member: id, mode: "erase"}
		if old != "" {
			of, err := matcher.DecodeCandidate(old)
			if err != nil {
				return c, err
			}
			c.oldKeys, c.oldToks = candidateIndexKeys(of), of.Skills
		}
		return c, nil
	})
	return out, err
}

// Jobs implements matcher.Entities and matcher.Index.
func (s *Store) Jobs(_ context.Context, refs []matcher.JobRef) ([]*matcher.JobFeatures, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*matcher.JobFeatures, len(refs))
	for i, ref := range refs {
		k := jobKey(ref.String())
		st, _ := s.ks.hget(k, "st")
		f, _ := s.ks.hget(k, "f")
		if st != "o" || f == "" {
			continue
		}
		jf, err := matcher.DecodeJob(f)
		if err != nil {
			continue // as Redis: a corrupt record is skipped
		}
		rev, _ := s.ks.hget(k, "r")
		jf.Rev = atoi(rev)
		out[i] = jf
	}
	return out, nil
}

// Candidates implements matcher.Entities and matcher.Index.
func (s *Store) Candidates(_ context.Context, ids []string) ([]*matcher.CandidateFeatures, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*matcher.CandidateFeatures, len(ids))
	for i, id := range ids {
		k := candidateKey(id)
		st, _ := s.ks.hget(k, "st")
		f, _ := s.ks.hget(k, "f")
		if st != "o" || f == "" {
			continue
		}
		cf, err := matcher.DecodeCandidate(f)
		if err != nil {
			continue
		}
		rev, _ := s.ks.hget(k, "r")
		cf.Rev = atoi(rev)
		out[i] = cf
	}
	return out, nil
}

// JobRevs implements matcher.Entities. As with Redis, a closed job whose
// record is still kept reports the revision of its close, not 0.
func (s *Store) JobRevs(_ context.Context, refs []matcher.JobRef) ([]int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]int64, len(refs))
	for i, ref := range refs {
		r, _ := s.ks.hget(jobKey(ref.String()), "r")
		out[i] = atoi(r)
	}
	return out, nil
}

// union returns the members of any of the keys, sorted.
func (s *Store) union(key func(tok string) string, tokens []string) []string {
	seen := map[string]bool{}
	var keys []string
	for _, t := range tokens {
		keys = append(keys, key(t))
	}
	var out []string
	for _, k := range keys {
		for _, m := range s.ks.smembers(k) {
			if !seen[m] {
				seen[m] = true
				out = append(out, m)
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	sort.Strings(out)
	return out
}

// JobsWithAny implements matcher.Index.
func (s *Store) JobsWithAny(_ context.Context, campaign string, tokens []string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.union(func(t string) string { return skillIndexKey("j", campaign, t) }, tokens), nil
}

// CandidatesWithAny implements matcher.Index.
func (s *Store) CandidatesWithAny(_ context.Context, campaign string, tokens []string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.union(func(t string) string { return skillIndexKey("c", campaign, t) }, tokens), nil
}

// DocFreq implements matcher.Index.
func (s *Store) DocFreq(_ context.Context, tokens []string) ([]int64, int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	df := make([]int64, len(tokens))
	for i, t := range tokens {
		v, _ := s.ks.hget(dfKey, t)
		df[i] = atoi(v)
	}
	j, _ := s.ks.hget(countsKey, "j")
	c, _ := s.ks.hget(countsKey, "c")
	return df, atoi(j) + atoi(c), nil
}

// Lock implements matcher.Locker. The lock expires after ttl on the
// store's clock.
func (s *Store) Lock(_ context.Context, name string, ttl time.Duration) (func(), bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if l, ok := s.locks[name]; ok && now.Before(l.expires) {
		return func() {}, false, nil
	}
	token := uuid.NewString()
	s.locks[name] = lock{token: token, expires: now.Add(ttl)}
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.locks[name].token == token {
			delete(s.locks, name)
		}
	}, true, nil
}
