package state_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/talentmatch/talentmatch/internal/testenv"
	"github.com/talentmatch/talentmatch/matcher"
	"github.com/talentmatch/talentmatch/matcher/matchertest"
	"github.com/talentmatch/talentmatch/matcher/mirror"
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
	matchertest.RunConcurrent(t, redisBackends(t, "concurrent"), matchertest.Options{})
}

// TestEngineTableMirror runs the table with the engine wired as matchd's
// default: ranking on an in-memory mirror of Redis kept by a Follower.
func TestEngineTableMirror(t *testing.T) {
	matchertest.RunWith(t, redisBackends(t, "mirror"), matchertest.Options{Wire: mirrorWiring})
}

// TestEngineConcurrentMirror is TestEngineConcurrent with the mirror.
func TestEngineConcurrentMirror(t *testing.T) {
	matchertest.RunConcurrent(t, redisBackends(t, "mirrorc"), matchertest.Options{Wire: mirrorWiring})
}

// mirrorWiring ranks on a mirror of the backend that a Follower keeps in
// step, with the engine's own writes applied at once (mirror.Store), as
// internal/daemon wires it.
func mirrorWiring(t testing.TB, b matchertest.Backend, s *matcher.Scorer) (matcher.Store, matcher.Ranker) {
	st := b.(*state.Redis)
	m := mirror.New(s)
	ctx, cancel := context.WithCancel(context.Background())
	f, err := st.NewFollower(ctx, m)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { // ends with the test
		defer close(done)
		_ = f.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		_ = st.Client().Close() // ends the follower's blocking read now
		<-done
	})
	m.SetSync(f.Sync)
	return mirror.Store{Store: st, Mirror: m}, m
}

// redisBackends returns backends on one redis-server, each under its own
// key prefix and with its own client. It is safe for concurrent use.
func redisBackends(t *testing.T, prefix string) matchertest.NewBackend {
	srv := testenv.RedisServer(t)
	var n atomic.Int64
	return func(t *testing.T, clock *matchertest.Clock) matchertest.Backend {
		rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
		t.Cleanup(func() { _ = rdb.Close() })
		st, err := state.New(rdb, state.Config{Prefix: fmt.Sprintf("%s%d", prefix, n.Add(1)), Shards: 4, Now: clock.Now})
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
