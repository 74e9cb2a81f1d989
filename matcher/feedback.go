package matcher

import (
	"context"
	"fmt"
)

// Feedback applies talentmatch.feedback.candidate.v1 and
// talentmatch.feedback.company.v1. Interest and hires are recorded for the
// campaign's statistics. A declined pair is never proposed again, even after
// updates of the job or the candidate, and its match, if any, is retracted
// (trigger declined). Feedback about a candidate who holds no profile
// (withdrawn or never registered) is acknowledged and ignored: nothing is
// kept about them.
func (e *Engine) Feedback(ctx context.Context, fb *Feedback, v Version) (Effect, error) {
	p := fb.Pair()
	entries, err := e.ledger.Entries(ctx, []Pair{p})
	if err != nil {
		return Effect{}, fmt.Errorf("read ledger of %s: %w", MatchID(p), err)
	}
	out, err := e.feedback.PutFeedback(ctx, fb, entries[0].Campaign, v.Time)
	if err != nil {
		return Effect{}, fmt.Errorf("record feedback on %s: %w", MatchID(p), err)
	}
	ef := Effect{Outcome: out}
	if out == Stale || fb.Feedback != FeedbackDeclined {
		return ef, nil
	}
	// The decline is recorded before the ledger is read again, so no claim
	// taken from now on can create the pair: retracting what is active now
	// is final.
	if entries, err = e.ledger.Entries(ctx, []Pair{p}); err != nil {
		return ef, fmt.Errorf("read ledger of %s: %w", MatchID(p), err)
	}
	if err := e.retractAll(ctx, []Pair{p}, entries, TriggerDeclined, "", &ef); err != nil {
		return ef, err
	}
	return ef, nil
}
