package daemon

import (
	"testing"
	"time"

	"github.com/talentmatch/talentmatch/events"
	"github.com/talentmatch/talentmatch/internal/testenv"
	"github.com/talentmatch/talentmatch/matcher"
)

// TestRedisTopologies runs the same scenario on a single Redis server, on a
// Sentinel-managed primary and on a 3-master Redis Cluster: matchd works
// unchanged on each.
func TestRedisTopologies(t *testing.T) {
	for _, tc := range []struct {
		name string
		url  func(t *testing.T) string
	}{
		{"single server", func(t *testing.T) string { return testenv.RedisServer(t).URL() }},
		{"sentinel", func(t *testing.T) string {
			primary := testenv.RedisServer(t)
			s := testenv.Sentinel(t, "talent", primary.Addr())
			return "redis-sentinel://" + s + "?master_name=talent"
		}},
		{"cluster", func(t *testing.T) string {
			_, addrs := testenv.RedisCluster(t, 3, 0)
			return testenv.ClusterURL(addrs)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := tc.url(t)
			h := start(t, func(c *Config) { c.RedisURL = url; c.Shards = 8 })
			now := time.Now()
			h.do(t, events.TypeCampaignOpened, "topo", 0, matcher.Campaign{CampaignID: "topo", Name: "拓扑", StartsAt: now.Add(-time.Hour), EndsAt: now.Add(time.Hour)})
			h.do(t, events.TypeJobPosted, "glodon", 1, job("glodon", "go-1", []string{"Go", "Kubernetes"}, nil, []string{"software"}, "topo"))
			h.do(t, events.TypeJobPosted, "pingcap", 2, job("pingcap", "db-1", []string{"Go", "distributed systems"}, nil, []string{"software"}, "topo"))
			h.do(t, events.TypeCandidateRegistered, "c1", 3, cand("c1", []string{"Golang", "k8s", "distributed systems"}, []string{"software"}, "topo"))
			h.expect(t, "created candidate_registered talent.matches.created.topo.glodon.c1", "created candidate_registered talent.matches.created.topo.pingcap.c1")
			h.do(t, events.TypeCandidateWithdrawn, "c1", 4, matcher.CandidateWithdrawn{CandidateID: "c1"})
			h.expect(t, "retracted candidate_withdrawn talent.matches.retracted.topo.glodon.c1", "retracted candidate_withdrawn talent.matches.retracted.topo.pingcap.c1")
		})
	}
}
