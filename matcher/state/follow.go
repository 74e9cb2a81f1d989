package state

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/talentmatch/talentmatch/matcher"
)

// Replica is what a Follower keeps in step with Redis: a replica's
// in-memory copy of the index (matcher/mirror.Mirror implements it).
type Replica interface {
	// ApplyAll applies changes in order; a change not newer than the
	// entity's held revision is ignored.
	ApplyAll(changes []matcher.Change)
	// Size returns the numbers of active jobs and candidates held.
	Size() (jobs, candidates int64)
	// Rev returns the revision held for a job (kind 'j') or candidate
	// ('c') and whether the entity is held.
	Rev(kind byte, id string) (int64, bool)
	// Each calls fn for every entity held.
	Each(fn func(kind byte, id string, rev int64))
}

// Follower keeps a replica's mirror in step with Redis: it loads every
// shard's records, then follows the shards' change logs. It is the source
// of the mirror's barrier (Sync).
type Follower struct {
	r   *Redis
	m   Replica
	log *slog.Logger

	mu      sync.Mutex
	cond    *sync.Cond
	applied []streamID // per shard: the last log entry applied
	ordinal []int64    // per shard: how many entries the log had added up to it
	reload  []bool     // per shard: reload requested
	err     error
	reqs    chan chan error
}

// streamID is a Redis stream entry id.
type streamID struct{ ms, seq uint64 }

func parseID(s string) streamID {
	a, b, _ := strings.Cut(s, "-")
	ms, _ := strconv.ParseUint(a, 10, 64)
	seq, _ := strconv.ParseUint(b, 10, 64)
	return streamID{ms, seq}
}

func (a streamID) less(b streamID) bool {
	return a.ms < b.ms || (a.ms == b.ms && a.seq < b.seq)
}

func (a streamID) String() string { return fmt.Sprintf("%d-%d", a.ms, a.seq) }

// NewFollower loads the mirror from Redis and returns a follower ready to
// Run. Loading reads every record once.
func (r *Redis) NewFollower(ctx context.Context, m Replica) (*Follower, error) {
	f := &Follower{r: r, m: m, log: r.cfg.Logger, applied: make([]streamID, r.cfg.Shards),
		ordinal: make([]int64, r.cfg.Shards), reload: make([]bool, r.cfg.Shards), reqs: make(chan chan error, 1024)}
	f.cond = sync.NewCond(&f.mu)
	start := time.Now()
	last := start
	for sh := 0; sh < r.cfg.Shards; sh++ {
		if err := f.load(ctx, sh); err != nil {
			return nil, err
		}
		if time.Since(last) >= 5*time.Second { // progress on a long load
			last = time.Now()
			jobs, cands := m.Size()
			f.log.Info("loading the mirror from Redis", "shards_loaded", sh+1, "shards", r.cfg.Shards, "jobs", jobs, "candidates", cands)
		}
	}
	jobs, cands := m.Size()
	f.log.Info("mirror loaded from Redis", "jobs", jobs, "candidates", cands, "seconds", time.Since(start).Seconds())
	return f, nil
}

// logInfo is where a shard's change log stands.
type logInfo struct {
	last    streamID // the last entry added
	added   int64    // entries ever added
	length  int64    // entries kept
	missing bool     // no log (yet, or any more)
}

// firstOrdinal is the ordinal of the oldest entry the log still keeps.
func (l logInfo) firstOrdinal() int64 { return l.added - l.length + 1 }

func toLogInfo(i *redis.XInfoStream, err error) (logInfo, error) {
	if err != nil {
		if strings.Contains(err.Error(), "no such key") {
			return logInfo{missing: true}, nil
		}
		return logInfo{}, err
	}
	return logInfo{last: parseID(i.LastGeneratedID), added: i.EntriesAdded, length: i.Length}, nil
}

func (f *Follower) info(ctx context.Context, sh int) (logInfo, error) {
	return toLogInfo(f.r.rdb.XInfoStream(ctx, f.r.k.log(sh)).Result())
}

// gap reports whether this replica cannot continue from its position: the
// log dropped entries it has not applied (it fell behind), or the log went
// back (Redis lost data).
func (f *Follower) gap(sh int, l logInfo) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if l.missing {
		return f.ordinal[sh] > 0
	}
	return l.added < f.ordinal[sh] || l.firstOrdinal() > f.ordinal[sh]+1 || l.last.less(f.applied[sh])
}

// load reads every record of a shard into the mirror, removing mirrored
// entities of the shard that Redis no longer holds, and notes the log
// position from which to follow.
func (f *Follower) load(ctx context.Context, sh int) error {
	pos, err := f.info(ctx, sh)
	if err != nil {
		return unavailable("read change log", err)
	}
	present := map[string]bool{}
	for _, kind := range []string{"j", "c"} {
		pattern := f.r.k.in(sh, kind, "*")
		prefix := strings.TrimSuffix(pattern, "*")
		err := f.r.scan(ctx, pattern, func(keys []string) error {
			changes, err := f.r.readChanges(ctx, kind, keys, prefix, nil)
			if err != nil {
				return err
			}
			for _, k := range keys {
				present[kind+strings.TrimPrefix(k, prefix)] = true
			}
			f.m.ApplyAll(changes)
			return nil
		})
		if err != nil {
			return unavailable("load shard", err)
		}
	}
	var gone []matcher.Change
	f.m.Each(func(kind byte, id string, rev int64) {
		if f.r.k.shard(id) == sh && !present[string(kind)+id] {
			ch := matcher.Change{Op: matcher.ChangeRemove, Rev: rev + 1}
			if kind == 'j' {
				ch.JobRef = id
			} else {
				ch.CandidateID = id
			}
			gone = append(gone, ch)
		}
	})
	f.m.ApplyAll(gone)
	f.mu.Lock()
	f.applied[sh], f.ordinal[sh] = pos.last, pos.added
	f.reload[sh] = false
	f.cond.Broadcast()
	f.mu.Unlock()
	return nil
}

// scan calls fn with batches of keys matching pattern, on every master.
func (r *Redis) scan(ctx context.Context, pattern string, fn func([]string) error) error {
	one := func(c redis.UniversalClient) error {
		var cursor uint64
		for {
			keys, next, err := c.Scan(ctx, cursor, pattern, 1000).Result()
			if err != nil {
				return err
			}
			if len(keys) > 0 {
				if err := fn(keys); err != nil {
					return err
				}
			}
			if cursor = next; cursor == 0 {
				return nil
			}
		}
	}
	if cc, ok := r.rdb.(*redis.ClusterClient); ok {
		var mu sync.Mutex
		return cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
			mu.Lock() // fn is not concurrent-safe across nodes
			defer mu.Unlock()
			return one(c)
		})
	}
	return one(r.rdb)
}

// readChanges reads the records of keys (all of one kind) and turns each
// into a put (an active record) or a removal (anything else). revs gives
// the log's revision for ids whose record is gone.
func (r *Redis) readChanges(ctx context.Context, kind string, keys []string, prefix string, revs map[string]int64) ([]matcher.Change, error) {
	cmds, err := r.pipeline(ctx, func(p redis.Pipeliner) {
		for _, k := range keys {
			p.HMGet(ctx, k, "r", "st", "f")
		}
	})
	if err != nil {
		return nil, err
	}
	out := make([]matcher.Change, 0, len(keys))
	for i, c := range cmds {
		id := strings.TrimPrefix(keys[i], prefix)
		v := c.(*redis.SliceCmd).Val()
		rev := toInt(v[0])
		st, _ := v[1].(string)
		body, _ := v[2].(string)
		ch := matcher.Change{Op: matcher.ChangeRemove, Rev: max(rev, revs[id])}
		if st == "o" && body != "" {
			ch.Op = matcher.ChangePut
			if kind == "j" {
				jf, err := matcher.DecodeJob(body)
				if err != nil {
					r.corrupt(id, err)
					continue
				}
				ch.Job = jf
			} else {
				cf, err := matcher.DecodeCandidate(body)
				if err != nil {
					r.corrupt(id, err)
					continue
				}
				ch.Candidate = cf
			}
		}
		if kind == "j" {
			ch.JobRef = id
		} else {
			ch.CandidateID = id
		}
		out = append(out, ch)
	}
	return out, nil
}

// wentBack reports whether a log is behind a position it once reached:
// Redis lost data.
func wentBack(l logInfo, applied streamID, ordinal int64) bool {
	if l.missing {
		return ordinal > 0
	}
	return l.added < ordinal || l.last.less(applied)
}

// trimmedPast reports whether a log dropped entries after a position: the
// follower at that position cannot continue.
func trimmedPast(l logInfo, ordinal int64) bool {
	return !l.missing && l.firstOrdinal() > ordinal+1
}

// readBatch is the most change log entries read at once.
const readBatch = 1000

// Run follows every shard's change log until ctx ends, serving Sync.
func (f *Follower) Run(ctx context.Context) error {
	// One reader follows every shard's log with one XREAD on a single
	// Redis; in a cluster, where the logs live on different nodes, each
	// shard has its own reader.
	var groups [][]int
	if _, cluster := f.r.rdb.(*redis.ClusterClient); cluster {
		for sh := 0; sh < f.r.cfg.Shards; sh++ {
			groups = append(groups, []int{sh})
		}
	} else {
		all := make([]int, f.r.cfg.Shards)
		for sh := range all {
			all[sh] = sh
		}
		groups = [][]int{all}
	}
	var wg sync.WaitGroup
	for _, g := range groups {
		wg.Add(1)
		go func(g []int) { // exits when ctx ends
			defer wg.Done()
			f.follow(ctx, g)
		}(g)
	}
	wg.Add(1)
	go func() { // exits when ctx ends
		defer wg.Done()
		f.trimLoop(ctx)
	}()
	f.barrierLoop(ctx)
	f.mu.Lock()
	f.err = context.Canceled
	f.cond.Broadcast()
	f.mu.Unlock()
	wg.Wait()
	return nil
}

// follow tails the logs of a group of shards.
func (f *Follower) follow(ctx context.Context, shards []int) {
	backoff := 100 * time.Millisecond
	byKey := map[string]int{}
	for _, sh := range shards {
		byKey[f.r.k.log(sh)] = sh
	}
	for ctx.Err() == nil {
		reloaded := false
		for _, sh := range shards {
			f.mu.Lock()
			reload := f.reload[sh]
			f.mu.Unlock()
			if reload {
				reloaded = true
				if err := f.load(ctx, sh); err != nil {
					f.wait(ctx, &backoff, "reload shard", sh, err)
				}
			}
		}
		if reloaded {
			continue
		}
		streams := make([]string, 0, 2*len(shards))
		f.mu.Lock()
		for _, sh := range shards {
			streams = append(streams, f.r.k.log(sh))
		}
		for _, sh := range shards {
			streams = append(streams, f.applied[sh].String())
		}
		f.mu.Unlock()
		res, err := f.r.rdb.XRead(ctx, &redis.XReadArgs{Streams: streams, Count: readBatch, Block: time.Second}).Result()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			f.wait(ctx, &backoff, "read change log", shards[0], err)
			continue
		}
		backoff = 100 * time.Millisecond
		for _, s := range res {
			if err := f.applyEntries(ctx, byKey[s.Stream], s.Messages); err != nil {
				f.wait(ctx, &backoff, "apply change log", byKey[s.Stream], err)
			}
		}
	}
}

func (f *Follower) wait(ctx context.Context, backoff *time.Duration, what string, sh int, err error) {
	if ctx.Err() != nil {
		return
	}
	f.log.Warn("mirror follower: "+what, "shard", sh, "error", err)
	select {
	case <-ctx.Done():
	case <-time.After(*backoff):
	}
	*backoff = min(*backoff*2, 5*time.Second)
}

// applyEntries reads the records the entries name and applies them; it
// notices when the log was trimmed past what this replica had applied and
// schedules a reload of the shard.
func (f *Follower) applyEntries(ctx context.Context, sh int, msgs []redis.XMessage) error {
	if len(msgs) == 0 {
		return nil
	}
	// Only a full batch means the follower may be far behind, so only then
	// is it worth asking whether the log was trimmed past it.
	if len(msgs) >= readBatch {
		if l, err := f.info(ctx, sh); err == nil && f.gap(sh, l) {
			f.log.Warn("mirror follower cannot continue from its position in the change log; reloading the shard", "shard", sh)
			f.mu.Lock()
			f.reload[sh] = true
			f.mu.Unlock()
			return nil
		}
	}
	byKind := map[string][]string{}
	revs := map[string]int64{}
	var all []matcher.Change
	for _, m := range msgs {
		kind, _ := m.Values["k"].(string)
		id, _ := m.Values["i"].(string)
		op, _ := m.Values["o"].(string)
		rev, _ := strconv.ParseInt(fmt.Sprint(m.Values["r"]), 10, 64)
		if kind != "j" && kind != "c" || id == "" {
			continue
		}
		held, ok := f.m.Rev(kind[0], id)
		switch {
		case ok && held >= rev:
			continue // applied already (this replica's own write)
		case op == "r":
			// A removal needs no record: apply it as it comes.
			if ok {
				ch := matcher.Change{Op: matcher.ChangeRemove, Rev: rev}
				if kind == "j" {
					ch.JobRef = id
				} else {
					ch.CandidateID = id
				}
				all = append(all, ch)
			}
			continue
		}
		if revs[kind+id] == 0 {
			byKind[kind] = append(byKind[kind], id)
		}
		revs[kind+id] = max(revs[kind+id], rev)
	}
	for kind, ids := range byKind {
		keys := make([]string, len(ids))
		prefix := ""
		kr := map[string]int64{}
		for i, id := range ids {
			if kind == "j" {
				keys[i] = f.r.k.job(id)
			} else {
				keys[i] = f.r.k.candidate(id)
			}
			prefix = strings.TrimSuffix(keys[i], id)
			kr[id] = revs[kind+id]
		}
		changes, err := f.r.readChanges(ctx, kind, keys, prefix, kr)
		if err != nil {
			return err
		}
		all = append(all, changes...)
	}
	f.m.ApplyAll(all)
	f.mu.Lock()
	f.applied[sh] = parseID(msgs[len(msgs)-1].ID)
	f.ordinal[sh] += int64(len(msgs))
	f.cond.Broadcast()
	f.mu.Unlock()
	return nil
}

// Sync returns once the mirror holds every change committed to Redis
// before it was called. Concurrent calls share one round trip.
func (f *Follower) Sync(ctx context.Context) error {
	done := make(chan error, 1)
	select {
	case f.reqs <- done:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// barrierLoop serves Sync: it reads every shard's log tail once for all
// waiting callers and releases them when the followers have caught up.
func (f *Follower) barrierLoop(ctx context.Context) {
	for {
		var batch []chan error
		select {
		case <-ctx.Done():
			return
		case d := <-f.reqs:
			batch = append(batch, d)
		}
	drain:
		for {
			select {
			case d := <-f.reqs:
				batch = append(batch, d)
			default:
				break drain
			}
		}
		err := f.catchUp(ctx)
		for _, d := range batch {
			d <- err
		}
	}
}

// catchUp reads the shards' log tails and waits until each is applied.
func (f *Follower) catchUp(ctx context.Context) error {
	// Positions before the read: anything applied after it may legitimately
	// be ahead of what the read returns.
	f.mu.Lock()
	applied0 := append([]streamID(nil), f.applied...)
	ordinal0 := append([]int64(nil), f.ordinal...)
	f.mu.Unlock()
	cmds, _ := f.r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for sh := 0; sh < f.r.cfg.Shards; sh++ {
			p.XInfoStream(ctx, f.r.k.log(sh))
		}
		return nil
	})
	targets := make([]streamID, len(cmds))
	for sh, c := range cmds {
		l, err := toLogInfo(c.(*redis.XInfoStreamCmd).Result())
		if err != nil {
			return unavailable("read change log positions", err)
		}
		if wentBack(l, applied0[sh], ordinal0[sh]) || trimmedPast(l, ordinal0[sh]) {
			f.mu.Lock()
			if !f.reload[sh] {
				f.log.Warn("the change log went back (Redis lost data?) or was trimmed past this replica; reloading the shard", "shard", sh)
				f.reload[sh] = true
			}
			f.mu.Unlock()
		}
		targets[sh] = l.last
	}
	deadline := time.Now().Add(10 * time.Second)
	stop := context.AfterFunc(ctx, func() { f.mu.Lock(); f.cond.Broadcast(); f.mu.Unlock() })
	defer stop()
	timer := time.AfterFunc(time.Until(deadline), func() { f.mu.Lock(); f.cond.Broadcast(); f.mu.Unlock() })
	defer timer.Stop()
	f.mu.Lock()
	defer f.mu.Unlock()
	for {
		behind := false
		for sh, t := range targets {
			if f.applied[sh].less(t) || f.reload[sh] {
				behind = true
			}
		}
		if !behind {
			return nil
		}
		if f.err != nil {
			return f.err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("mirror is more than 10s behind the change log: %w", ErrUnavailable)
		}
		f.cond.Wait()
	}
}

// trimLoop drops change log entries older than the retention, so that the
// id of an erased candidate does not linger in the log.
func (f *Follower) trimLoop(ctx context.Context) {
	every := min(f.r.cfg.LogRetention/4, 5*time.Minute)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		minID := fmt.Sprintf("%d-0", time.Now().Add(-f.r.cfg.LogRetention).UnixMilli())
		for sh := 0; sh < f.r.cfg.Shards; sh++ {
			if err := f.r.rdb.XTrimMinIDApprox(ctx, f.r.k.log(sh), minID, 0).Err(); err != nil && ctx.Err() == nil {
				f.log.Warn("trim change log", "shard", sh, "error", err)
			}
		}
	}
}
