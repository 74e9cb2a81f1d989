package state_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/talentmatch/talentmatch/internal/testenv"
	"github.com/talentmatch/talentmatch/matcher/matchertest"
	"github.com/talentmatch/talentmatch/matcher/state"
)

// TestEngineTable runs the engine's behavioural table (the one matcher's
// tests run on matchertest.Store) against Redis, so that the in-memory
// reference and the real store cannot drift apart. One redis-server serves
// the table; each scenario has its own key prefix.
func TestEngineTable(t *testing.T) {
	matchertest.Run(t, redisBackends(t, "engine"))
}

// TestStoreTable holds Redis to the store table matchertest.Store is held
// to.
func TestStoreTable(t *testing.T) {
	matchertest.RunStore(t, redisBackends(t, "store"))
}

// TestEngineConcurrent handles many entities' events at once on Redis.
func TestEngineConcurrent(t *testing.T) {
	matchertest.RunConcurrent(t, redisBackends(t, "concurrent"))
}

// redisBackends returns backends on one redis-server, each under its own
// key prefix.
func redisBackends(t *testing.T, prefix string) matchertest.NewBackend {
	rdb := testenv.Redis(t)
	n := 0
	return func(t *testing.T, clock *matchertest.Clock) matchertest.Backend {
		n++
		st, err := state.New(rdb, state.Config{Prefix: fmt.Sprintf("%s%d", prefix, n), Shards: 4, Now: clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Init(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(st.Close)
		return st
	}
}
