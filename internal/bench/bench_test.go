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
// matchd: it checks that every figure is produced, not how large it is.
func TestRun(t *testing.T) {
	rs := testenv.RedisServer(t)
	ns := testenv.NATSServer(t)
	cfg := daemon.Defaults()
	cfg.NATSURL, cfg.RedisURL, cfg.DataDir, cfg.HTTPAddr = ns.ClientURL(), rs.URL(), t.TempDir(), "127.0.0.1:0"
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan daemon.Info, 1)
	done := make(chan error, 1)
	go func() {
		done <- daemon.Run(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), func(i daemon.Info) { ready <- i })
	}()
	var info daemon.Info
	select {
	case info = <-ready:
	case err := <-done:
		t.Fatal(err)
	}
	defer func() { cancel(); <-done }()
	nc, js := testenv.Connect(t, ns.ClientURL())
	rdb := redis.NewClient(&redis.Options{Addr: rs.Addr()})
	defer rdb.Close()
	rep, err := Run(context.Background(), Config{
		Tier: Tier{Name: "tiny", Jobs: 200, Candidates: 2000}, NC: nc, JS: js, RDB: rdb, Prefix: "talentmatch", Shards: 16,
		MetricsURL: "http://" + info.HTTPAddr + "/metrics", CandidateEvents: 300, JobEvents: 50, CandidateRate: 200, JobRate: 50,
		RateDuration: time.Second, CeilingMessages: 2000, BaselineFor: time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + rep.Table())
	if len(rep.Phases) != 4 || rep.Ceilings.BarePipeline <= 0 || rep.Ceilings.JetStreamConsumeAck <= 0 || rep.Ceilings.RedisPipelined <= 0 ||
		rep.Baseline.Queries == 0 || rep.RedisBytesPerProfile <= 0 || rep.MatchdPeakRSS <= 0 {
		t.Fatalf("incomplete report: %+v", rep)
	}
	for _, p := range rep.Phases {
		if p.Matches == 0 || p.WithMatches == 0 || p.P50 <= 0 || p.EventsPerSec <= 0 {
			t.Errorf("phase %q: %+v", p.Name, p)
		}
	}
}
