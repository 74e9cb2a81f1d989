package state

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
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

// Redis keeps talentmatch's state in Redis. It implements every role of matcher.Store and
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
