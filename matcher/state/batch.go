package state

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// batcher coalesces the Redis work of concurrent callers: every call queues
// its commands, and a few flushers send whatever is queued as one pipeline
// while the previous pipeline is in flight. Under load, many events share a
// round trip (and its system calls) instead of each paying its own; an idle
// call goes out at once.
type batcher struct {
	rdb      redis.UniversalClient
	replicas int
	timeout  time.Duration
	routesMu sync.Mutex
	routes   []int64
	routesAt time.Time
	reqs     chan *batchReq
	maxBatch int
	once     sync.Once
	quit     chan struct{}
	wg       sync.WaitGroup
}

type batchReq struct {
	ctx   context.Context
	fill  func(p redis.Pipeliner)
	write bool
	cmds  []redis.Cmder
	err   error
	done  chan struct{}
}

// Flushers is how many pipelines may be in flight at once.
const flushers = 4

func newBatcher(rdb redis.UniversalClient, replicas int, timeout time.Duration) *batcher {
	return &batcher{rdb: rdb, replicas: replicas, timeout: timeout, reqs: make(chan *batchReq, 4096), maxBatch: 256, quit: make(chan struct{})}
}

func (b *batcher) start() {
	b.once.Do(func() {
		for i := 0; i < flushers; i++ {
			b.wg.Add(1)
			go func() { // exits when quit is closed
				defer b.wg.Done()
				b.loop()
			}()
		}
	})
}

// close stops the flushers after the queued work is done.
func (b *batcher) close() {
	select {
	case <-b.quit:
	default:
		close(b.quit)
	}
	b.wg.Wait()
}

func (b *batcher) loop() {
	batch := make([]*batchReq, 0, b.maxBatch)
	for {
		batch = batch[:0]
		select {
		case <-b.quit:
			return
		case r := <-b.reqs:
			batch = append(batch, r)
		}
	more:
		for len(batch) < b.maxBatch {
			select {
			case r := <-b.reqs:
				batch = append(batch, r)
			default:
				break more
			}
		}
		b.flush(batch)
	}
}

// flush sends a batch as one pipeline. Each request's commands are kept
// apart; a request whose context is already done is skipped. With
// WaitReplicas set and writes in the batch, a WAIT goes to every primary
// at the end of the pipeline, on the connection the writes used (WAIT
// counts a connection's own writes).
func (b *batcher) flush(batch []*batchReq) {
	ctx := context.Background()
	live := batch[:0:0]
	writes := false
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.err = err
			close(r.done)
			continue
		}
		live = append(live, r)
		writes = writes || r.write
	}
	if len(live) == 0 {
		return
	}
	var routes []int64
	if writes && b.replicas > 0 {
		routes = b.waitRoutes(ctx)
	}
	bounds := make([][2]int, len(live))
	var waits []*redis.IntCmd
	cmds, _ := b.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, r := range live {
			start := p.Len()
			r.fill(p)
			bounds[i] = [2]int{start, p.Len()}
		}
		if writes && b.replicas > 0 {
			for _, ms := range routes {
				cmd := redis.NewIntCmd(ctx, "wait", b.replicas, ms)
				// In a cluster, route by the timeout's slot (see waitRoutes),
				// even where it is the configured timeout itself: a keyless
				// command would go to a random node.
				cmd.SetFirstKeyPos(2)
				_ = p.Process(ctx, cmd)
				waits = append(waits, cmd)
			}
		}
		return nil
	})
	var werr error
	for _, w := range waits {
		got, err := w.Result()
		if err == nil && got < int64(b.replicas) {
			err = fmt.Errorf("%w: %d of %d replicas acknowledged", ErrNotReplicated, got, b.replicas)
		}
		if err != nil && werr == nil {
			werr = err
		}
	}
	if werr != nil {
		b.routesMu.Lock()
		b.routesAt = time.Time{} // the topology may have changed
		b.routesMu.Unlock()
	}
	for i, r := range live {
		if bounds[i][1] <= len(cmds) {
			r.cmds = cmds[bounds[i][0]:bounds[i][1]]
		}
		if r.write && werr != nil {
			r.err = werr
		}
		close(r.done)
	}
}

// ErrNotReplicated means a write did not reach the configured number of
// replicas in time: it may be lost in a failover, so its event is retried.
var ErrNotReplicated = errors.New("write not replicated in time")

// waitRoutes returns one WAIT timeout per primary. On a single server or a
// Sentinel-managed primary that is just the timeout. In a cluster a
// keyless WAIT would go to a random node, so each primary gets a timeout
// value (at least the configured one) whose text hashes to one of its own
// slots, and the WAIT is routed by that argument. Topologies are cached
// for two seconds.
func (b *batcher) waitRoutes(ctx context.Context) []int64 {
	cc, ok := b.rdb.(*redis.ClusterClient)
	if !ok {
		return []int64{b.timeout.Milliseconds()}
	}
	b.routesMu.Lock()
	defer b.routesMu.Unlock()
	if time.Since(b.routesAt) < 2*time.Second && len(b.routes) > 0 {
		return b.routes
	}
	slotsInfo, err := cc.ClusterSlots(ctx).Result()
	if err != nil {
		return b.routes
	}
	owner := map[string][][2]int{}
	for _, r := range slotsInfo {
		if len(r.Nodes) > 0 {
			owner[r.Nodes[0].Addr] = append(owner[r.Nodes[0].Addr], [2]int{r.Start, r.End})
		}
	}
	var routes []int64
	for _, ranges := range owner {
		for ms := b.timeout.Milliseconds(); ms < b.timeout.Milliseconds()+200000; ms++ {
			slot := int(keySlot(strconv.FormatInt(ms, 10)))
			found := false
			for _, rg := range ranges {
				if slot >= rg[0] && slot <= rg[1] {
					found = true
				}
			}
			if found {
				routes = append(routes, ms)
				break
			}
		}
	}
	b.routes, b.routesAt = routes, time.Now()
	return routes
}

// do queues fill and waits for its commands.
func (b *batcher) do(ctx context.Context, fill func(p redis.Pipeliner), write bool) ([]redis.Cmder, error) {
	b.start()
	r := &batchReq{ctx: ctx, fill: fill, write: write, done: make(chan struct{})}
	select {
	case b.reqs <- r:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case <-r.done:
	case <-ctx.Done():
		// The flusher still owns r; its result is dropped.
		return nil, ctx.Err()
	}
	return r.cmds, r.err
}

// cmdsErr returns the first error among cmds other than redis.Nil, and
// whether a script was missing.
func cmdsErr(cmds []redis.Cmder) (error, bool) {
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
	return first, noscript
}
