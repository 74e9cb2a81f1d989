package matchertest

import (
	"context"
	"sync"

	"github.com/talentmatch/talentmatch/matcher"
)

// Publisher is a matcher.Publisher that keeps the events it is given in
// memory. Like JetStream with message ids, it stores an event whose ID it
// has seen before only once (JetStream forgets ids after its duplicate
// window; Publisher never does). It is safe for concurrent use.
type Publisher struct {
	mu     sync.Mutex
	seen   map[string]bool
	events []*matcher.Outbound
	fail   error
}

// NewPublisher returns an empty publisher.
func NewPublisher() *Publisher { return &Publisher{seen: map[string]bool{}} }

// Publish implements matcher.Publisher. It fails, storing nothing, while a
// failure set by Fail is in force.
func (p *Publisher) Publish(_ context.Context, events []*matcher.Outbound) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fail != nil {
		return p.fail
	}
	for _, ev := range events {
		if p.seen[ev.ID] {
			continue
		}
		p.seen[ev.ID] = true
		cp := *ev
		p.events = append(p.events, &cp)
	}
	return nil
}

// Fail makes every Publish return err until Fail(nil).
func (p *Publisher) Fail(err error) {
	p.mu.Lock()
	p.fail = err
	p.mu.Unlock()
}

// Events returns the events stored so far, in publishing order.
func (p *Publisher) Events() []*matcher.Outbound {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]*matcher.Outbound(nil), p.events...)
}

// Len returns how many events are stored.
func (p *Publisher) Len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.events)
}

var _ matcher.Publisher = (*Publisher)(nil)
