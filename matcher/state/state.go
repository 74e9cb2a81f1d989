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
	rdb redis.UniversalClient
	cfg Config
	k   keys
}

// New returns the state over rdb. Call Init before use.
func New(rdb redis.UniversalClient, cfg Config) (*Redis, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Redis{rdb: rdb, cfg: cfg, k: newKeys(cfg.Prefix, cfg.Shards)}, nil
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
	for attempt := 0; ; attempt++ {
		cmds, _ := r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error { fill(p); return nil })
		var first error
		noscript := false
		for _, c := range cmds {
			if err := c.Err(); err != nil && !errors.Is(err, redis.Nil) {
				if first == nil {
					first = err
				}
				if strings.HasPrefix(err.Error(), "NOSCRIPT") {
					noscript = true
				}
			}
		}
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

// record is an entity record as read from Redis.
type record struct {
	rev    string
	active bool
	f      string
}

func (r *Redis) readRecord(ctx context.Context, key string) (record, error) {
	v, err := r.rdb.HMGet(ctx, key, "r", "st", "f").Result()
	if err != nil {
		return record{}, err
	}
	var rec record
	if s, ok := v[0].(string); ok {
		rec.rev = s
	}
	st, _ := v[1].(string)
	f, _ := v[2].(string)
	rec.active = st == "o" && f != ""
	rec.f = f
	return rec, nil
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

// apply runs applyScript for a change whose old state comes from read; it
// retries when the record changed between the read and the script.
func (r *Redis) apply(ctx context.Context, v matcher.Version, build func(old record) (change, error)) (matcher.Outcome, int64, error) {
	for attempt := 0; attempt < 8; attempt++ {
		c, err := build(record{})
		if err != nil {
			return 0, 0, err
		}
		old, err := r.readRecord(ctx, c.record)
		if err != nil {
			return 0, 0, unavailable("read record", err)
		}
		if c, err = build(old); err != nil {
			return 0, 0, err
		}
		rem, add := diff(c.oldKeys, c.newKeys)
		dec, inc := diff(c.oldToks, c.newToks)
		keys := append([]string{c.record, r.k.df(c.shard), r.k.counts(c.shard), c.tombstone, r.k.log(c.shard)}, rem...)
		keys = append(keys, add...)
		was := "0"
		if old.active {
			was = "1"
		}
		args := []any{versionTime(v.Time), v.EventID, old.rev, c.mode, string(c.features), c.member, c.kind,
			len(rem), len(add), len(dec), len(inc), was, int64(r.cfg.TombstoneTTL / time.Second), r.cfg.LogLength}
		for _, t := range dec {
			args = append(args, t)
		}
		for _, t := range inc {
			args = append(args, t)
		}
		res, err := applyScript.Run(ctx, r.rdb, keys, args...).StringSlice()
		if err != nil {
			return 0, 0, unavailable("apply change", err)
		}
		rev, _ := strconv.ParseInt(res[1], 10, 64)
		switch res[0] {
		case "applied":
			return matcher.Applied, rev, nil
		case "current":
			return matcher.Current, rev, nil
		case "stale":
			return matcher.Stale, rev, nil
		}
		// conflict: another writer changed the record; read again
	}
	return 0, 0, fmt.Errorf("apply change: record kept changing: %w", matcher.ErrConflict)
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
