package matchertest

import (
	"sort"
)

// keyspace holds the store's data the way Redis holds matcher/state's:
// hashes, sets and sorted sets under string keys. Store's methods are
// written against it step by step like the Redis scripts they mirror, so
// that the two read alike. It is not safe for concurrent use; Store locks.
type keyspace struct {
	hashes map[string]map[string]string
	sets   map[string]map[string]bool
	zsets  map[string]map[string]float64
}

func newKeyspace() keyspace {
	return keyspace{hashes: map[string]map[string]string{}, sets: map[string]map[string]bool{}, zsets: map[string]map[string]float64{}}
}

func (k keyspace) hget(key, field string) (string, bool) {
	v, ok := k.hashes[key][field]
	return v, ok
}

func (k keyspace) hset(key string, fv ...string) {
	h := k.hashes[key]
	if h == nil {
		h = map[string]string{}
		k.hashes[key] = h
	}
	for i := 0; i+1 < len(fv); i += 2 {
		h[fv[i]] = fv[i+1]
	}
}

// hsetnx sets field when it is absent and reports whether it did.
func (k keyspace) hsetnx(key, field, value string) bool {
	if _, ok := k.hget(key, field); ok {
		return false
	}
	k.hset(key, field, value)
	return true
}

func (k keyspace) hdel(key string, fields ...string) {
	h := k.hashes[key]
	for _, f := range fields {
		delete(h, f)
	}
	if h != nil && len(h) == 0 {
		delete(k.hashes, key)
	}
}

// hincr adds by to field and returns the new value.
func (k keyspace) hincr(key, field string, by int64) int64 {
	n := atoi(k.hashes[key][field]) + by
	k.hset(key, field, itoa(n))
	return n
}

func (k keyspace) exists(key string) bool {
	return len(k.hashes[key]) > 0 || len(k.sets[key]) > 0 || len(k.zsets[key]) > 0
}

func (k keyspace) del(keys ...string) {
	for _, key := range keys {
		delete(k.hashes, key)
		delete(k.sets, key)
		delete(k.zsets, key)
	}
}

func (k keyspace) sadd(key string, members ...string) {
	s := k.sets[key]
	if s == nil {
		s = map[string]bool{}
		k.sets[key] = s
	}
	for _, m := range members {
		s[m] = true
	}
}

func (k keyspace) srem(key string, members ...string) {
	s := k.sets[key]
	for _, m := range members {
		delete(s, m)
	}
	if s != nil && len(s) == 0 {
		delete(k.sets, key)
	}
}

// smembers returns a set's members, sorted (Redis returns them in no
// particular order; callers must not depend on it).
func (k keyspace) smembers(key string) []string {
	out := make([]string, 0, len(k.sets[key]))
	for m := range k.sets[key] {
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}

func (k keyspace) zadd(key, member string, score float64) {
	z := k.zsets[key]
	if z == nil {
		z = map[string]float64{}
		k.zsets[key] = z
	}
	z[member] = score
}

func (k keyspace) zrem(key string, members ...string) {
	z := k.zsets[key]
	for _, m := range members {
		delete(z, m)
	}
	if z != nil && len(z) == 0 {
		delete(k.zsets, key)
	}
}

// zremUpTo removes the members scoring at most max (ZREMRANGEBYSCORE -inf
// max).
func (k keyspace) zremUpTo(key string, max float64) {
	for m, s := range k.zsets[key] {
		if s <= max {
			k.zrem(key, m)
		}
	}
}

type zmember struct {
	member string
	score  float64
}

// zrevrange returns the members from start to stop (inclusive, negative
// counting from the end) by descending score, ties by descending member,
// as ZREVRANGE does.
func (k keyspace) zrevrange(key string, start, stop int) []zmember {
	z := k.zsets[key]
	all := make([]zmember, 0, len(z))
	for m, s := range z {
		all = append(all, zmember{m, s})
	}
	sort.Slice(all, func(a, b int) bool {
		if all[a].score != all[b].score {
			return all[a].score > all[b].score
		}
		return all[a].member > all[b].member
	})
	n := len(all)
	if start < 0 {
		start += n
	}
	if stop < 0 {
		stop += n
	}
	if start < 0 {
		start = 0
	}
	if stop >= n {
		stop = n - 1
	}
	if start > stop {
		return nil
	}
	return all[start : stop+1]
}
