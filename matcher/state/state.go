package state

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/talentmatch/talentmatch/matcher"
)

// Config configures the Redis state.
type Config struct {
	// Prefix namespaces every key. Default "talentmatch".
	Prefix string
	// Shards is the number of shards entities and indexes are spread over.
	// It is fixed for the life of a deployment (Init refuses a mismatch).
	// Default 16.
	Shards int
	// TombstoneTTL is how long the version of a closed job or withdrawn
	// candidate is kept to ignore late, older events. It should exceed the
	// inbound stream's retention. Default 30 days.
	TombstoneTTL time.Duration
	// LogLength is roughly how many changes each shard's change log keeps
	// for replicas following it; one that falls further behind reloads the
	// shard. Default 10,000.
	LogLength int
	// LogRetention bounds how long an entry (an entity id, its revision and
	// the kind of change; never a profile) stays in the change log.
	// Default one hour.
	LogRetention time.Duration
	// Retention is how long a candidate's profile is kept after their last
	// registration; then ExpiredCandidates lists them for erasure. Zero
	// keeps profiles until withdrawal.
	Retention time.Duration
	// WaitReplicas makes every write wait (Redis WAIT) until that many
	// replicas of its primary have it, so that a failover loses nothing
	// acknowledged. Default 0: no wait (a single server, or replication
	// trusted to be fast).
	WaitReplicas int
	// WaitTimeout bounds the wait; a write not replicated in time fails
	// and its event is retried. Default 500ms.
	WaitTimeout time.Duration
	// Now returns the current time. Default time.Now.
	Now func() time.Time
	// Logger receives errors about stored records that cannot be read.
	// Default slog.Default().
	Logger *slog.Logger
}

func (c *Config) setDefaults() {
	if c.Prefix == "" {
		c.Prefix = "talentmatch"
	}
	if c.Shards == 0 {
		c.Shards = 16
	}
	if c.TombstoneTTL == 0 {
		c.TombstoneTTL = 30 * 24 * time.Hour
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.LogLength == 0 {
		c.LogLength = 10000
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.WaitTimeout == 0 {
		c.WaitTimeout = 500 * time.Millisecond
	}
	if c.LogRetention == 0 {
		c.LogRetention = time.Hour
	}
}

// Validate reports a configuration that cannot work.
func (c *Config) Validate() error {
	if strings.ContainsAny(c.Prefix, "{}: ") {
		return fmt.Errorf("redis prefix %q must not contain braces, colons or spaces", c.Prefix)
	}
	if c.Shards < 1 || c.Shards > 1024 {
		return fmt.Errorf("shards %d outside 1..1024", c.Shards)
	}
	return nil
}

// ErrUnavailable wraps errors talking to Redis: they are transient.
var ErrUnavailable = errors.New("redis unavailable")

// ErrLayout means the Redis keyspace was created with another layout.
var ErrLayout = errors.New("redis layout mismatch")

// Redis keeps talentmatch's state in Redis. It implements matcher.Store and
// matcher.Index, and is safe for concurrent use.
type Redis struct {
	rdb   redis.UniversalClient
	cfg   Config
	k     keys
	batch *batcher
}

// New returns the state over rdb. Call Init before use.
func New(rdb redis.UniversalClient, cfg Config) (*Redis, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Redis{rdb: rdb, cfg: cfg, k: newKeys(cfg.Prefix, cfg.Shards), batch: newBatcher(rdb, cfg.WaitReplicas, cfg.WaitTimeout)}, nil
}

// Init records the layout on first use and refuses a keyspace made with a
// different shard count; it loads the scripts.
func (r *Redis) Init(ctx context.Context) error {
	ok, err := r.rdb.HSetNX(ctx, r.k.meta(), "shards", r.cfg.Shards).Result()
	if err != nil {
		return fmt.Errorf("init state: %w: %w", ErrUnavailable, err)
	}
	if !ok {
		n, err := r.rdb.HGet(ctx, r.k.meta(), "shards").Int()
		if err != nil {
			return fmt.Errorf("init state: %w: %w", ErrUnavailable, err)
		}
		if n != r.cfg.Shards {
			return fmt.Errorf("prefix %q was created with %d shards, configured %d: %w", r.cfg.Prefix, n, r.cfg.Shards, ErrLayout)
		}
	}
	for _, s := range allScripts {
		if err := s.Load(ctx, r.rdb).Err(); err != nil {
			return fmt.Errorf("load scripts: %w: %w", ErrUnavailable, err)
		}
	}
	return nil
}

// corrupt reports a record that cannot be decoded. Reads skip it, so that
// one damaged record does not stop matching; writing the entity fails until
// the record is repaired or deleted.
func (r *Redis) corrupt(id string, err error) {
	r.cfg.Logger.Error("stored record cannot be decoded; skipping it", "entity", id, "error", err)
}

func (r *Redis) now() time.Time { return r.cfg.Now() }

// ExpiredCandidates returns up to limit candidates whose retention ran out
// by now.
func (r *Redis) ExpiredCandidates(ctx context.Context, now time.Time, limit int) ([]string, error) {
	cmds, err := r.pipeline(ctx, func(p redis.Pipeliner) {
		for sh := 0; sh < r.cfg.Shards; sh++ {
			p.ZRangeByScore(ctx, r.k.expiry(sh, "c"), &redis.ZRangeBy{Min: "-inf", Max: strconv.FormatInt(now.UnixMilli(), 10), Count: int64(limit)})
		}
	})
	if err != nil {
		return nil, unavailable("read expired candidates", err)
	}
	var out []string
	for _, c := range cmds {
		out = append(out, c.(*redis.StringSliceCmd).Val()...)
	}
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// Client returns the underlying client.
func (r *Redis) Client() redis.UniversalClient { return r.rdb }

func unavailable(op string, err error) error {
	return fmt.Errorf("%s: %w: %w", op, ErrUnavailable, err)
}

// versionTime formats an event time so that strings order like times.
func versionTime(t time.Time) string { return fmt.Sprintf("%020d", t.UnixNano()) }

// pipeline runs fill in a pipeline; when a script is missing (Redis
// restarted and lost its script cache), it loads the scripts and runs the
// pipeline again.
func (r *Redis) pipeline(ctx context.Context, fill func(p redis.Pipeliner)) ([]redis.Cmder, error) {
	return r.send(ctx, fill, false)
}

// write is pipeline for commands that change state: with WaitReplicas
// set, it returns only once that many replicas hold the change.
func (r *Redis) write(ctx context.Context, fill func(p redis.Pipeliner)) ([]redis.Cmder, error) {
	return r.send(ctx, fill, true)
}

func (r *Redis) send(ctx context.Context, fill func(p redis.Pipeliner), write bool) ([]redis.Cmder, error) {
	for attempt := 0; ; attempt++ {
		cmds, err := r.batch.do(ctx, fill, write)
		if err != nil {
			return nil, err
		}
		first, noscript := cmdsErr(cmds)
		if first == nil {
			return cmds, nil
		}
		if attempt == 0 && noscript {
			for _, s := range allScripts {
				if err := s.Load(ctx, r.rdb).Err(); err != nil {
					return nil, err
				}
			}
			continue
		}
		return cmds, first
	}
}

// Close stops the state's background work. The client stays open.
func (r *Redis) Close() { r.batch.close() }

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

func (r *Redis) jobIndexKeys(f *matcher.JobFeatures) []string {
	sh := r.k.jobShard(f.Ref().String())
	var out []string
	for _, camp := range f.Campaigns {
		out = append(out, r.k.campaignMembers(sh, "j", camp))
		for _, t := range f.Skills() {
			out = append(out, r.k.skillIndex(sh, "j", camp, t))
		}
		for _, t := range f.Industries {
			out = append(out, r.k.industryIndex(sh, "j", camp, t))
		}
	}
	return out
}

func (r *Redis) candidateIndexKeys(f *matcher.CandidateFeatures) []string {
	sh := r.k.candidateShard(f.CandidateID)
	var out []string
	for _, camp := range f.Campaigns {
		out = append(out, r.k.campaignMembers(sh, "c", camp))
		for _, t := range f.Skills {
			out = append(out, r.k.skillIndex(sh, "c", camp, t))
		}
		for _, t := range f.Industries {
			out = append(out, r.k.industryIndex(sh, "c", camp, t))
		}
	}
	return out
}

func decodeJob(s string) (*matcher.JobFeatures, error) {
	var f matcher.JobFeatures
	if err := json.Unmarshal([]byte(s), &f); err != nil {
		return nil, fmt.Errorf("decode stored job: %w", err)
	}
	return &f, nil
}

func decodeCandidate(s string) (*matcher.CandidateFeatures, error) {
	var f matcher.CandidateFeatures
	if err := json.Unmarshal([]byte(s), &f); err != nil {
		return nil, fmt.Errorf("decode stored candidate: %w", err)
	}
	return &f, nil
}

// PutJob implements matcher.Store. It sets f.Rev.
func (r *Redis) PutJob(ctx context.Context, f *matcher.JobFeatures, v matcher.Version) (matcher.Outcome, error) {
	ref := f.Ref().String()
	body, err := json.Marshal(f)
	if err != nil {
		return 0, err
	}
	out, rev, err := r.apply(ctx, v, func(old record) (change, error) {
		c := change{record: r.k.job(ref), tombstone: r.k.job(ref), shard: r.k.jobShard(ref), kind: "j", member: ref,
			mode: "put", features: body, newKeys: r.jobIndexKeys(f), newToks: f.Skills()}
		if old.active {
			of, err := decodeJob(old.f)
			if err != nil {
				return c, err
			}
			c.oldKeys, c.oldToks = r.jobIndexKeys(of), of.Skills()
		}
		return c, nil
	})
	f.Rev = rev
	if err == nil && out != matcher.Stale {
		// The company's list of jobs serves queries only; it needs no
		// atomicity with the record.
		if _, err = r.write(ctx, func(p redis.Pipeliner) { p.SAdd(ctx, r.k.companyJobs(f.CompanyID), ref) }); err != nil {
			err = unavailable("list company job", err)
		}
	}
	return out, err
}

// CloseJob implements matcher.Store.
func (r *Redis) CloseJob(ctx context.Context, ref matcher.JobRef, v matcher.Version) (matcher.Outcome, error) {
	s := ref.String()
	out, _, err := r.apply(ctx, v, func(old record) (change, error) {
		c := change{record: r.k.job(s), tombstone: r.k.job(s), shard: r.k.jobShard(s), kind: "j", member: s, mode: "close"}
		if old.active {
			of, err := decodeJob(old.f)
			if err != nil {
				return c, err
			}
			c.oldKeys, c.oldToks = r.jobIndexKeys(of), of.Skills()
		}
		return c, nil
	})
	return out, err
}

// PutCandidate implements matcher.Store. It sets f.Rev.
func (r *Redis) PutCandidate(ctx context.Context, f *matcher.CandidateFeatures, v matcher.Version) (matcher.Outcome, error) {
	id := f.CandidateID
	body, err := json.Marshal(f)
	if err != nil {
		return 0, err
	}
	out, rev, err := r.apply(ctx, v, func(old record) (change, error) {
		c := change{record: r.k.candidate(id), tombstone: r.k.tombstone(id), shard: r.k.candidateShard(id), kind: "c", member: id,
			mode: "put", features: body, newKeys: r.candidateIndexKeys(f), newToks: f.Skills}
		if old.active {
			of, err := decodeCandidate(old.f)
			if err != nil {
				return c, err
			}
			c.oldKeys, c.oldToks = r.candidateIndexKeys(of), of.Skills
		}
		return c, nil
	})
	f.Rev = rev
	return out, err
}

// EraseCandidate implements matcher.Store.
func (r *Redis) EraseCandidate(ctx context.Context, id string, v matcher.Version) (matcher.Outcome, error) {
	out, _, err := r.apply(ctx, v, func(old record) (change, error) {
		c := change{record: r.k.candidate(id), tombstone: r.k.tombstone(id), shard: r.k.candidateShard(id), kind: "c", member: id, mode: "erase"}
		if old.active {
			of, err := decodeCandidate(old.f)
			if err != nil {
				return c, err
			}
			c.oldKeys, c.oldToks = r.candidateIndexKeys(of), of.Skills
		}
		return c, nil
	})
	return out, err
}

// BulkLoad stores many new jobs and candidates at once, pipelining their
// writes (one round trip per batch instead of one per entity). An entity
// that already exists is stored with PutJob or PutCandidate instead. It is
// meant for preloading (benchmarks, migrations); events go through the
// engine.
func (r *Redis) BulkLoad(ctx context.Context, jobs []*matcher.JobFeatures, cands []*matcher.CandidateFeatures, v matcher.Version) error {
	type item struct {
		job  *matcher.JobFeatures
		cand *matcher.CandidateFeatures
	}
	items := make([]item, 0, len(jobs)+len(cands))
	for _, j := range jobs {
		items = append(items, item{job: j})
	}
	for _, c := range cands {
		items = append(items, item{cand: c})
	}
	cmds, err := r.write(ctx, func(p redis.Pipeliner) {
		for _, it := range items {
			var c change
			if it.job != nil {
				ref := it.job.Ref().String()
				body, _ := json.Marshal(it.job)
				c = change{record: r.k.job(ref), tombstone: r.k.job(ref), shard: r.k.jobShard(ref), kind: "j", member: ref,
					mode: "put", features: body, newKeys: r.jobIndexKeys(it.job), newToks: it.job.Skills()}
			} else {
				id := it.cand.CandidateID
				body, _ := json.Marshal(it.cand)
				c = change{record: r.k.candidate(id), tombstone: r.k.tombstone(id), shard: r.k.candidateShard(id), kind: "c", member: id,
					mode: "put", features: body, newKeys: r.candidateIndexKeys(it.cand), newToks: it.cand.Skills}
			}
			keys, args := r.applyArgs(c, record{}, v)
			applyScript.EvalSha(ctx, p, keys, args...)
		}
	})
	if err != nil {
		return unavailable("bulk load", err)
	}
	for i, c := range cmds {
		res, err := c.(*redis.Cmd).StringSlice()
		if err != nil {
			return unavailable("bulk load", err)
		}
		out, rev, retry := applyResult(res)
		switch {
		case retry && items[i].job != nil:
			_, err = r.PutJob(ctx, items[i].job, v)
		case retry:
			_, err = r.PutCandidate(ctx, items[i].cand, v)
		case out == matcher.Applied && items[i].job != nil:
			items[i].job.Rev = rev
		case out == matcher.Applied:
			items[i].cand.Rev = rev
		}
		if err != nil {
			return err
		}
	}
	return nil
}
