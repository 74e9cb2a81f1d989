package matcher_test

import (
	"testing"

	"github.com/talentmatch/talentmatch/matcher/matchertest"
)

// TestEngine runs the engine's behavioural table in memory: no Redis, no
// NATS. matcher/state runs the same table against Redis.
func TestEngine(t *testing.T) {
	matchertest.Run(t, func(t *testing.T, clock *matchertest.Clock) matchertest.Backend {
		return matchertest.New(matchertest.Config{Now: clock.Now})
	})
}

// TestMemoryStore holds the in-memory store to the store table that
// matcher/state holds Redis to.
func TestMemoryStore(t *testing.T) {
	matchertest.RunStore(t, func(t *testing.T, clock *matchertest.Clock) matchertest.Backend {
		return matchertest.New(matchertest.Config{Now: clock.Now})
	})
}

// TestEngineConcurrent handles many entities' events at once in memory.
func TestEngineConcurrent(t *testing.T) {
	matchertest.RunConcurrent(t, func(t *testing.T, clock *matchertest.Clock) matchertest.Backend {
		return matchertest.New(matchertest.Config{Now: clock.Now})
	}, matchertest.Options{})
}
