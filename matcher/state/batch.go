package state

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
)

// batcher coalesces the Redis work of concurrent callers: every call queues
// its commands, and a few flushers send whatever is queued as one pipeline
// while the previous pipeline is in flight. Under load, many events share a
// round trip (and its system calls) instead of each paying its own; an idle
// call goes out at once.
type batcher struct {
	rdb      redis.UniversalClient
	reqs     chan *batchReq
	maxBatch int
	once     sync.Once
	quit     chan struct{}
	wg       sync.WaitGroup
}

type batchReq struct {
	ctx  context.Context
	fill func(p redis.Pipeliner)
	cmds []redis.Cmder
	err  error
	done chan struct{}
}

// Flushers is how many pipelines may be in flight at once.
const flushers = 4

func newBatcher(rdb redis.UniversalClient) *batcher {
	return &batcher{rdb: rdb, reqs: make(chan *batchReq, 4096), maxBatch: 256, quit: make(chan struct{})}
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
// apart; a request whose context is already done is skipped.
func (b *batcher) flush(batch []*batchReq) {
	ctx := context.Background()
	live := batch[:0:0]
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.err = err
			close(r.done)
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	bounds := make([][2]int, len(live))
	cmds, _ := b.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, r := range live {
			start := p.Len()
			r.fill(p)
			bounds[i] = [2]int{start, p.Len()}
		}
		return nil
	})
	for i, r := range live {
		if bounds[i][1] <= len(cmds) {
			r.cmds = cmds[bounds[i][0]:bounds[i][1]]
		}
		close(r.done)
	}
}

// do queues fill and waits for its commands.
func (b *batcher) do(ctx context.Context, fill func(p redis.Pipeliner)) ([]redis.Cmder, error) {
	b.start()
	r := &batchReq{ctx: ctx, fill: fill, done: make(chan struct{})}
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
