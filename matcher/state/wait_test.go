package state

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/talentmatch/talentmatch/internal/testenv"
	"github.com/talentmatch/talentmatch/matcher"
)

// TestWaitReachesEveryPrimary writes through a 3-primary cluster with one
// replica each and WaitReplicas 1: each write batch must send exactly one
// WAIT to every primary, so that no primary's writes are acknowledged
// before a replica holds them.
func TestWaitReachesEveryPrimary(t *testing.T) {
	ctx := context.Background()
	_, addrs := testenv.RedisCluster(t, 3, 1)
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
	defer rdb.Close()
	st, err := New(rdb, Config{Prefix: "tmtest", Shards: 16, WaitReplicas: 1, WaitTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Init(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if err := rdb.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
			return c.ConfigResetStat(ctx).Err()
		}); err != nil {
			t.Fatal(err)
		}
		pair := matcher.Pair{Job: matcher.JobRef{CompanyID: "co", JobID: "j"}, CandidateID: "c" + string(rune('0'+i))}
		if err := st.Link(ctx, []matcher.Pair{pair}); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		var mu sync.Mutex
		waits := map[string]string{}
		if err := rdb.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
			s, err := c.Info(ctx, "commandstats").Result()
			if err != nil {
				return err
			}
			calls := "0"
			for _, l := range strings.Split(s, "\n") {
				if rest, ok := strings.CutPrefix(strings.TrimSpace(l), "cmdstat_wait:calls="); ok {
					calls, _, _ = strings.Cut(rest, ",")
				}
			}
			mu.Lock()
			waits[c.Options().Addr] = calls
			mu.Unlock()
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if len(waits) != 3 {
			t.Fatalf("write %d: %d primaries answered, want 3", i, len(waits))
		}
		for addr, calls := range waits {
			if calls != "1" {
				t.Errorf("write %d: primary %s received %s WAITs, want 1 (all: %v)", i, addr, calls, waits)
			}
		}
	}
}
