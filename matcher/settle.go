package matcher

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// maxSettleRounds bounds how often settle re-reads state that keeps
// changing; past it the event is retried later.
const maxSettleRounds = 4

// settle makes decisions that relied on state of another shard safe. A
// handler links a pair to its job before claiming it and reads the job's
// revision and the campaign's status after; a handler changing the job or
// closing the campaign writes first and reads the job's pairs after. So at
// least one of them sees the other: if the job or campaign changed since the
// decision was made, settle re-decides the pairs against fresh state.
// revs holds the job revisions the decisions were made on; campIDs the
// campaigns of the event's entity, which include every campaign its pairs
// can belong to.
func (e *Engine) settle(ctx context.Context, pairs []Pair, revs map[JobRef]int64, campIDs []string, ef *Effect) error {
	for round := 0; round < maxSettleRounds && len(pairs) > 0; round++ {
		var refs []JobRef
		seen := map[JobRef]bool{}
		for _, p := range pairs {
			if !seen[p.Job] {
				seen[p.Job] = true
				refs = append(refs, p.Job)
			}
		}
		// The three reads are independent: issue them together.
		var (
			cur     []int64
			entries []Entry
			camps   map[string]CampaignState
			wg      sync.WaitGroup
			errs    [3]error
		)
		wg.Add(3)
		go func() { defer wg.Done(); cur, errs[0] = e.entities.JobRevs(ctx, refs) }()
		go func() { defer wg.Done(); entries, errs[1] = e.ledger.Entries(ctx, pairs) }()
		go func() { defer wg.Done(); camps, errs[2] = e.campaigns(ctx, campIDs, true) }()
		wg.Wait()
		if err := errors.Join(errs[:]...); err != nil {
			return fmt.Errorf("settle: %w", err)
		}
		changed := map[JobRef]bool{}
		for i, ref := range refs {
			if cur[i] != revs[ref] {
				changed[ref] = true
			}
		}
		var todo []Pair
		var todoEntries []Entry
		for i, p := range pairs {
			en := entries[i]
			if en.State == EntryNone {
				continue
			}
			if changed[p.Job] || ended(en, camps, e.cfg.Now()) || en.State != EntryActive {
				todo = append(todo, p)
				todoEntries = append(todoEntries, en)
			}
		}
		if len(todo) == 0 {
			return nil
		}
		var err error
		if pairs, err = e.redecide(ctx, todo, todoEntries, camps, revs, ef); err != nil {
			return err
		}
	}
	if len(pairs) > 0 {
		return fmt.Errorf("settle %d pairs: %w", len(pairs), ErrConflict)
	}
	return nil
}

// redecide re-scores pairs from fresh state and retracts those no longer
// matched. It returns the pairs kept, whose jobs' fresh revisions are now in
// revs.
func (e *Engine) redecide(ctx context.Context, pairs []Pair, entries []Entry, camps map[string]CampaignState, revs map[JobRef]int64, ef *Effect) ([]Pair, error) {
	if err := e.finishPending(ctx, pairs, entries); err != nil {
		return nil, err
	}
	refs := make([]JobRef, len(pairs))
	ids := make([]string, len(pairs))
	for i, p := range pairs {
		refs[i], ids[i] = p.Job, p.CandidateID
	}
	jobs, err := e.entities.Jobs(ctx, refs)
	if err != nil {
		return nil, fmt.Errorf("settle: read jobs: %w", err)
	}
	cands, err := e.entities.Candidates(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("settle: read candidates: %w", err)
	}
	var pl plan
	var kept []Pair
	for i, p := range pairs {
		en, j, c := entries[i], jobs[i], cands[i]
		switch {
		case en.State != EntryActive:
			continue
		case j == nil:
			e.retract(&pl, p, en, bareMatch(p, en, TriggerJobClosed), 0)
		case c == nil:
			continue // withdrawn: the withdrawal retracts it
		case ended(en, camps, e.cfg.Now()):
			e.retract(&pl, p, en, bareMatch(p, en, TriggerCampaignClosed), 0)
		default:
			revs[p.Job] = j.Rev
			if kept, err = e.recheck(ctx, &pl, kept, p, Pick{Job: j, Candidate: c}, en, camps); err != nil {
				return nil, err
			}
		}
	}
	created, retracted, err := e.commit(ctx, &pl)
	if err != nil {
		return nil, err
	}
	ef.add(created, retracted)
	return kept, nil
}
