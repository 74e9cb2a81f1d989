package matchertest

import (
	"context"
	"sync"

	"github.com/talentmatch/talentmatch/matcher"
)

// hooked is the store an Env's engine runs on: the scenario's store with a
// hook that can run another step in the middle of a ledger claim, as
// a second replica handling an event at that moment would.
type hooked struct {
	matcher.Store

	mu     sync.Mutex
	before map[string]func() // run once before the next call of the method
}

func (h *hooked) take(method string) func() {
	h.mu.Lock()
	defer h.mu.Unlock()
	f := h.before[method]
	delete(h.before, method)
	return f
}

func (h *hooked) set(method string, f func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.before == nil {
		h.before = map[string]func(){}
	}
	h.before[method] = f
}

// Claim implements matcher.Ledger.
func (h *hooked) Claim(ctx context.Context, claims []matcher.Claim) ([]matcher.ClaimResult, error) {
	if f := h.take("Claim"); f != nil {
		f()
	}
	return h.Store.Claim(ctx, claims)
}

// Link implements matcher.Ledger.
func (h *hooked) Link(ctx context.Context, pairs []matcher.Pair) error {
	if f := h.take("Link"); f != nil {
		f()
	}
	return h.Store.Link(ctx, pairs)
}
