package state

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/talentmatch/talentmatch/matcher"
)

// record is an entity record as read from Redis.
type record struct {
	rev    string
	active bool
	f      string
}

// change is one versioned write of an entity.
type change struct {
	record, tombstone string
	shard             int
	kind              string // j or c
	member            string
	mode              string // put, close, erase
	features          []byte
	oldKeys, newKeys  []string
	oldToks, newToks  []string
}

// apply runs applyScript for a change. It first assumes the entity is new
// (one round trip for the common case of a first registration); when the
// record exists, the script returns it and the change is rebuilt against it.
// It retries while another writer keeps changing the record.
func (r *Redis) apply(ctx context.Context, v matcher.Version, build func(old record) (change, error)) (matcher.Outcome, int64, error) {
	old := record{}
	for attempt := 0; attempt < 8; attempt++ {
		c, err := build(old)
		if err != nil {
			return 0, 0, err
		}
		keys, args := r.applyArgs(c, old, v)
		cmds, err := r.write(ctx, func(p redis.Pipeliner) { applyScript.EvalSha(ctx, p, keys, args...) })
		if err != nil {
			return 0, 0, unavailable("apply change", err)
		}
		res, err := cmds[0].(*redis.Cmd).StringSlice()
		if err != nil {
			return 0, 0, unavailable("apply change", err)
		}
		out, rev, retry := applyResult(res)
		if !retry {
			return out, rev, nil
		}
		old = conflictRecord(res)
	}
	return 0, 0, fmt.Errorf("apply change: record kept changing: %w", matcher.ErrConflict)
}

// applyArgs returns the keys and arguments of applyScript for a change
// built against old.
func (r *Redis) applyArgs(c change, old record, v matcher.Version) ([]string, []any) {
	rem, add := diff(c.oldKeys, c.newKeys)
	dec, inc := diff(c.oldToks, c.newToks)
	keys := make([]string, 0, 5+len(rem)+len(add))
	keys = append(keys, c.record, r.k.df(c.shard), r.k.counts(c.shard), c.tombstone, r.k.log(c.shard), r.k.expiry(c.shard, c.kind))
	keys = append(append(keys, rem...), add...)
	was := "0"
	if old.active {
		was = "1"
	}
	expiry := ""
	if c.kind == "c" && c.mode == "put" && r.cfg.Retention > 0 {
		expiry = strconv.FormatInt(r.now().Add(r.cfg.Retention).UnixMilli(), 10)
	}
	args := make([]any, 0, 15+len(dec)+len(inc))
	args = append(args, versionTime(v.Time), v.EventID, old.rev, c.mode, string(c.features), c.member, c.kind,
		len(rem), len(add), len(dec), len(inc), was, int64(r.cfg.TombstoneTTL/time.Second), r.cfg.LogLength, expiry)
	for _, t := range dec {
		args = append(args, t)
	}
	for _, t := range inc {
		args = append(args, t)
	}
	return keys, args
}

// applyResult reads applyScript's answer; retry means the record is not at
// the revision the change was built against.
func applyResult(res []string) (matcher.Outcome, int64, bool) {
	rev, _ := strconv.ParseInt(res[1], 10, 64)
	switch res[0] {
	case "applied":
		return matcher.Applied, rev, false
	case "current":
		return matcher.Current, rev, false
	case "stale":
		return matcher.Stale, rev, false
	}
	return 0, rev, true
}

// conflictRecord is the record applyScript returned with a conflict.
func conflictRecord(res []string) record {
	rec := record{rev: res[1]}
	if len(res) >= 4 {
		rec.active = res[2] == "o" && res[3] != ""
		rec.f = res[3]
	}
	if rec.rev == "0" && !rec.active && rec.f == "" {
		rec.rev = ""
	}
	return rec
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
