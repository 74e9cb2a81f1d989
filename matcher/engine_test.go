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
