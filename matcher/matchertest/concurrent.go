package matchertest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/talentmatch/talentmatch/matcher"
)

// RunConcurrent handles the events of many jobs and candidates at once, as
// replicas sharing a backend would (one event at a time per entity, any
// interleaving across entities), and checks that the outcome is the one
// any order gives: every job still open is matched with every candidate
// qualifying for it, exactly once, and the ledger agrees with the events.
// Half the jobs close while candidates keep registering. opts.CheckEvent
// is not used.
func RunConcurrent(t *testing.T, newBackend NewBackend, opts Options) {
	const jobs, cands, rounds = 8, 16, 3
	for round := 0; round < rounds; round++ {
		t.Run(fmt.Sprintf("round %d", round+1), func(t *testing.T) {
			ctx := context.Background()
			clock := NewClock(Start)
			e := NewEnv(t, newBackend(t, clock), clock, matcher.Config{TopK: cands}, opts)
			type task struct {
				name string
				do   func() error
			}
			var tasks []task
			for i := 0; i < jobs; i++ {
				j := job(fmt.Sprintf("j%02d", i), "Go", "Kubernetes")
				e.jobs[matcher.JobRef{CompanyID: j.CompanyID, JobID: j.JobID}] = true
				post, closing := e.version(0), e.version(0)
				closes := i%2 == 1
				tasks = append(tasks, task{j.JobID, func() error {
					if _, err := e.Engine.PostJob(ctx, j, post); err != nil {
						return err
					}
					if closes {
						_, err := e.Engine.CloseJob(ctx, &matcher.JobClosed{CompanyID: j.CompanyID, JobID: j.JobID}, closing)
						return err
					}
					return nil
				}})
			}
			for i := 0; i < cands; i++ {
				skills := []string{"Go", "Kubernetes"}
				if i%2 == 1 {
					skills = []string{"Go"} // scores below the threshold
				}
				c := cand(fmt.Sprintf("c%02d", i), skills...)
				e.cands[c.CandidateID] = true
				v := e.version(0)
				tasks = append(tasks, task{c.CandidateID, func() error {
					_, err := e.Engine.RegisterCandidate(ctx, c, v)
					return err
				}})
			}
			start := make(chan struct{})
			errs := make([]error, len(tasks))
			var wg sync.WaitGroup
			for i, tk := range tasks {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					// A conflict is retried, as the broker redelivers.
					err := tk.do()
					for n := 0; n < 5 && errors.Is(err, matcher.ErrConflict); n++ {
						err = tk.do()
					}
					if err != nil {
						errs[i] = fmt.Errorf("%s: %w", tk.name, err)
					}
				}()
			}
			close(start)
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			if bad := e.CheckLedger(ctx); len(bad) > 0 {
				t.Fatalf("ledger disagrees with the events:\n\t%s", strings.Join(bad, "\n\t"))
			}
			var want []string
			for i := 0; i < jobs; i += 2 {
				for k := 0; k < cands; k += 2 {
					want = append(want, fmt.Sprintf("j%02d/c%02d open", i, k))
				}
			}
			got, err := e.Active(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("active entries\n\t%s\nwant\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
			}
		})
	}
}
