package state

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/talentmatch/talentmatch/matcher"
	"github.com/talentmatch/talentmatch/matcher/taxonomy"
)

// faultPublisher records what it stores, once per event id as JetStream's
// duplicate window does, and fails when told to.
type faultPublisher struct {
	mu   sync.Mutex
	fail bool
	seen map[string]*matcher.Outbound
	log  []*matcher.Outbound
}

func (p *faultPublisher) Publish(_ context.Context, evs []*matcher.Outbound) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fail {
		return errors.New("fault: the broker is gone")
	}
	for _, ev := range evs {
		if p.seen[ev.ID] == nil {
			p.seen[ev.ID] = ev
			p.log = append(p.log, ev)
		}
	}
	return nil
}

func (p *faultPublisher) since(n int) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, ev := range p.log[n:] {
		out = append(out, fmt.Sprintf("%s %s|%s", ev.Kind, ev.Match.JobID, ev.Match.CandidateID))
	}
	return out
}

func (p *faultPublisher) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.log)
}

// faultStore fails Complete when told to: the point after the match events
// went out and before the ledger says so.
type faultStore struct {
	*Redis
	failComplete bool
}

func (s *faultStore) Complete(ctx context.Context, claims []matcher.Claim) error {
	if s.failComplete {
		return errors.New("fault: redis is gone")
	}
	return s.Redis.Complete(ctx, claims)
}

// TestRedeliveryDecidesNothingNew handles an event, stops the handler at
// each point between claim and acknowledgement, changes the rarity weights
// underneath (a crowd of other registrations), and handles the same event
// again: the second attempt completes what the first claimed and announces
// nothing else, neither a creation nor a retraction.
func TestRedeliveryDecidesNothingNew(t *testing.T) {
	points := []struct {
		name  string
		fault func(p *faultPublisher, s *faultStore)
		heal  func(p *faultPublisher, s *faultStore)
	}{
		{"after claim, before publish", func(p *faultPublisher, _ *faultStore) { p.fail = true }, func(p *faultPublisher, _ *faultStore) { p.fail = false }},
		{"after publish, before complete", func(_ *faultPublisher, s *faultStore) { s.failComplete = true }, func(_ *faultPublisher, s *faultStore) { s.failComplete = false }},
		{"after complete, before ack", func(*faultPublisher, *faultStore) {}, func(*faultPublisher, *faultStore) {}},
	}
	for _, side := range []string{"candidate", "job"} {
		for _, pt := range points {
			t.Run(side+"/"+pt.name, func(t *testing.T) {
				ctx := context.Background()
				st := &faultStore{Redis: newState(t)}
				pub := &faultPublisher{seen: map[string]*matcher.Outbound{}}
				tax := taxonomy.Default()
				scorer := matcher.NewScorer(tax, matcher.ScoreConfig{})
				ranker := matcher.NewIndexRanker(st, scorer, time.Nanosecond) // weights follow every arrival
				e, err := matcher.NewEngine(matcher.Config{MinScore: 0.6, TopK: 1}, matcher.NewNormalizer(tax), scorer, st, ranker, pub)
				if err != nil {
					t.Fatal(err)
				}
				job := func(id string, campaigns []string, skills ...string) *matcher.Job {
					return &matcher.Job{JobID: id, CompanyID: "acme", CompanyName: "Acme", Title: id, RequiredSkills: skills,
						Industries: []string{"人工智能"}, CampaignIDs: campaigns}
				}
				cand := func(id string, campaigns []string, skills ...string) *matcher.Candidate {
					return &matcher.Candidate{CandidateID: id, Skills: skills, Industries: []string{"人工智能"}, CampaignIDs: campaigns, ConsentToMatch: true}
				}
				elsewhere := []string{"another-campaign"} // counted in the weights, never matched here
				n := 0
				next := func() matcher.Version { n++; return ver(n, fmt.Sprintf("ev%d", n)) }
				// Before the event, SQL is common and Python rare, so the one
				// match the event may create (top-1) goes to the Python side.
				for i := range 30 {
					if _, err := e.RegisterCandidate(ctx, cand(fmt.Sprintf("sql%d", i), elsewhere, "SQL"), next()); err != nil {
						t.Fatal(err)
					}
				}
				var handle func() (matcher.Effect, error)
				if side == "job" {
					for _, c := range []*matcher.Candidate{cand("py", nil, "Python", "Kubernetes"), cand("sq", nil, "SQL", "Kubernetes")} {
						if _, err := e.RegisterCandidate(ctx, c, next()); err != nil {
							t.Fatal(err)
						}
					}
					ev := next()
					handle = func() (matcher.Effect, error) { return e.PostJob(ctx, job("target", nil, "Python", "SQL"), ev) }
				} else {
					for _, j := range []*matcher.Job{job("py", nil, "Python", "Kubernetes"), job("sq", nil, "SQL", "Kubernetes")} {
						if _, err := e.PostJob(ctx, j, next()); err != nil {
							t.Fatal(err)
						}
					}
					ev := next()
					handle = func() (matcher.Effect, error) {
						return e.RegisterCandidate(ctx, cand("target", nil, "Python", "SQL"), ev)
					}
				}
				before := pub.count()
				pt.fault(pub, st)
				_, firstErr := handle()
				pt.heal(pub, st)
				first := pub.since(before)
				// Other arrivals move the rarity weights: Python becomes
				// common, and SQL rare.
				for i := range 60 {
					if _, err := e.RegisterCandidate(ctx, cand(fmt.Sprintf("crowd%d", i), elsewhere, "Python"), next()); err != nil {
						t.Fatal(err)
					}
				}
				for i := range 30 {
					if _, err := e.WithdrawCandidate(ctx, &matcher.CandidateWithdrawn{CandidateID: fmt.Sprintf("sql%d", i)}, next()); err != nil {
						t.Fatal(err)
					}
				}
				mark := pub.count()
				ef, err := handle() // the redelivery
				if err != nil {
					t.Fatalf("redelivery: %v", err)
				}
				if ef.Outcome != matcher.Current {
					t.Fatalf("redelivery outcome %v, want duplicate", ef.Outcome)
				}
				again := pub.since(mark)
				var target []string
				for _, ev := range again {
					if strings.Contains(ev, "target") {
						target = append(target, ev)
					}
				}
				if firstErr == nil && len(target) != 0 {
					t.Errorf("the first attempt announced %v; the redelivery announced %v more", first, target)
				}
				for _, ev := range target {
					if strings.HasPrefix(ev, "retracted") {
						t.Errorf("the redelivery retracted %s although no input changed", ev)
					}
				}
				if firstErr != nil && len(first) == 0 && (len(target) != 1 || !strings.HasPrefix(target[0], "created ")) {
					t.Errorf("the first attempt failed before publishing (%v); the redelivery announced %v, want exactly the match it had claimed", firstErr, target)
				}
			})
		}
	}
}
