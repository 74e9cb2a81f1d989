package bench

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/talentmatch/talentmatch/internal/daemon"
	"github.com/talentmatch/talentmatch/internal/testenv"
	"github.com/talentmatch/talentmatch/matcher/taxonomy"
)

func TestWorkloadIsSkewed(t *testing.T) {
	w := NewWorkload(taxonomy.Default(), 1, 2000)
	if share := w.TopSkillShare(); share < 0.15 || share > 0.40 {
		t.Errorf("the most popular skill is in %.0f%% of jobs, want about a quarter", 100*share)
	}
	c := w.CandidateFeatures("p", 0, 7)
	if len(c.Skills) != CandidateShared+CandidateNoise {
		t.Errorf("candidate has %d skills", len(c.Skills))
	}
}

// TestRun runs the whole benchmark on a tiny tier against an in-process
// matchd, on a single Redis and on a Redis Cluster: it checks that every
// figure is produced, not how large it is.
func TestRun(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cluster bool
	}{{"single", false}, {"cluster", true}} {
		t.Run(tc.name, func(t *testing.T) {
			var redisURL string
			var rdb redis.UniversalClient
			if tc.cluster {
				_, addrs := testenv.RedisCluster(t, 3, 0)
				redisURL, rdb = testenv.ClusterURL(addrs), redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
			} else {
				rs := testenv.RedisServer(t)
				redisURL, rdb = rs.URL(), redis.NewClient(&redis.Options{Addr: rs.Addr()})
			}
			defer rdb.Close()
			ns := testenv.NATSServer(t)
			cfg := daemon.Defaults()
			cfg.NATSURL, cfg.RedisURL, cfg.DataDir, cfg.HTTPAddr, cfg.APIAddr = ns.ClientURL(), redisURL, t.TempDir(), "127.0.0.1:0", "-"
			info, stop, err := daemon.Start(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				t.Fatal(err)
			}
			defer stop()
			nc, js := testenv.Connect(t, ns.ClientURL())
			rep, err := Run(context.Background(), Config{
				Tier: Tier{Name: "tiny", Jobs: 200, Candidates: 2000}, NC: nc, JS: js, RDB: rdb, Prefix: "talentmatch", Shards: 16,
				MetricsURLs: []string{"http://" + info.HTTPAddr + "/metrics"}, CandidateEvents: 300, JobEvents: 50, CandidateRate: 200, JobRate: 50,
				RateDuration: time.Second, CeilingMessages: 2000, BaselineFor: time.Second, SkipCeilings: tc.cluster,
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Log("\n" + rep.Table())
			if len(rep.Phases) != 4 || rep.RedisBytesPerProfile <= 0 || rep.MatchdPeakRSS <= 0 || rep.Replicas != 1 {
				t.Fatalf("incomplete report: %+v", rep)
			}
			if !tc.cluster && (rep.Ceilings.BarePipeline <= 0 || rep.Ceilings.JetStreamConsumeAck <= 0 ||
				rep.Ceilings.RedisPipelined <= 0 || rep.Baseline.Queries == 0 || rep.Baseline.JobsPerQuery <= 0) {
				t.Fatalf("no ceilings or baseline: %+v", rep)
			}
			for _, p := range rep.Phases {
				if p.Matches == 0 || p.WithMatches == 0 || p.P50 <= 0 || p.EventsPerSec <= 0 ||
					p.CPUPerEventMS <= 0 || p.RedisCPUPerEventMS <= 0 || p.MachineCPUPerEventMS <= 0 {
					t.Errorf("phase %q: %+v", p.Name, p)
				}
			}
		})
	}
}
