package events_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/talentmatch/talentmatch/events"
	"github.com/talentmatch/talentmatch/internal/natsserver"
	"github.com/talentmatch/talentmatch/internal/testenv"
	"github.com/talentmatch/talentmatch/matcher"
)

// TestPublishSameIDConcurrentlyInCluster publishes one match event from
// many goroutines at once to R3 streams on a 3-server cluster, where
// JetStream answers "duplicate message id is in process" to all but one:
// every publish must succeed and the stream must hold the event once.
func TestPublishSameIDConcurrentlyInCluster(t *testing.T) {
	nc, err := natsserver.StartCluster(t.TempDir(), 3)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Stop)
	_, js := testenv.Connect(t, nc.URL())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// A new cluster can drop the first stream requests while its servers
	// settle (matchd's setup retries the same way): each attempt has its
	// own deadline.
	for {
		actx, acancel := context.WithTimeout(ctx, 5*time.Second)
		err := events.EnsureStreams(actx, js, events.StreamConfig{Replicas: 3})
		acancel()
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("create streams: %v", err)
		}
	}
	pub := events.NewPublisher(js, nil)
	for round := range 20 {
		ev := &matcher.Outbound{ID: "ev-" + string(rune('a'+round)), Kind: matcher.MatchCreated, Time: time.Now(),
			Match: matcher.Match{MatchID: "m", CampaignID: "c1", CompanyID: "co1", CandidateID: "cand1", JobID: "j1", Score: 0.9}}
		var wg sync.WaitGroup
		errs := make(chan error, 16)
		for range 16 {
			wg.Go(func() { errs <- pub.Publish(ctx, []*matcher.Outbound{ev}) })
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
	}
	s, err := js.Stream(ctx, events.StreamMatches)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 20 {
		t.Fatalf("stream holds %d messages, want 20 (one per event id)", info.State.Msgs)
	}
}
