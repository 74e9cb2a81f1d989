package matcher

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// PostJob applies talentmatch.job.posted.v1: it stores the job, ranks every
// eligible candidate, announces the top matches of each campaign and
// retracts earlier matches the new version no longer supports.
func (e *Engine) PostJob(ctx context.Context, j *Job, v Version) (Effect, error) {
	f := e.norm.Job(j)
	if len(f.Required) == 0 {
		return Effect{}, fmt.Errorf("job %s: required_skills name no skill: %w", f.Ref(), ErrInvalid)
	}
	out, err := e.entities.PutJob(ctx, f, v)
	if err != nil {
		return Effect{}, fmt.Errorf("store job %s: %w", f.Ref(), err)
	}
	ef := Effect{Outcome: out}
	if out == Stale {
		return ef, nil
	}
	return ef, e.match(ctx, jobSide{f}, out, &ef)
}

// selection is the ranking selection of an event in the given campaigns.
func (e *Engine) selection(ids []string, camps map[string]CampaignState) Selection {
	now := e.cfg.Now()
	return Selection{
		Floor:     e.floor(ids, camps),
		Attribute: func(shared []string) string { return attribute(shared, camps, now) },
		Policy:    func(c string) (float64, int) { return e.policy(camps[c]) },
	}
}

// RegisterCandidate applies talentmatch.candidate.registered.v1: it stores
// the profile, ranks every eligible job, announces the top matches of each
// campaign and retracts earlier matches the new version no longer supports.
// A candidate without consent to be matched is treated as a withdrawal:
// their data is erased and their matches retracted.
func (e *Engine) RegisterCandidate(ctx context.Context, c *Candidate, v Version) (Effect, error) {
	if !c.ConsentToMatch {
		return e.erase(ctx, c.CandidateID, v)
	}
	f := e.norm.Candidate(c)
	if len(f.Skills) == 0 {
		return Effect{}, fmt.Errorf("candidate %s: skills name no skill: %w", f.CandidateID, ErrInvalid)
	}
	out, err := e.entities.PutCandidate(ctx, f, v)
	if err != nil {
		return Effect{}, fmt.Errorf("store candidate %s: %w", f.CandidateID, err)
	}
	ef := Effect{Outcome: out}
	if out == Stale {
		return ef, nil
	}
	return ef, e.match(ctx, candidateSide{f}, out, &ef)
}

// WithdrawCandidate applies talentmatch.candidate.withdrawn.v1: everything
// held about the candidate is erased after their matches are retracted.
func (e *Engine) WithdrawCandidate(ctx context.Context, w *CandidateWithdrawn, v Version) (Effect, error) {
	return e.erase(ctx, w.CandidateID, v)
}

// ExpireCandidate erases a candidate whose retention ran out, as a
// withdrawal at now would: their matches are retracted (trigger
// candidate_withdrawn) and their data erased.
func (e *Engine) ExpireCandidate(ctx context.Context, id string, now time.Time) (Effect, error) {
	return e.erase(ctx, id, Version{Time: now, EventID: "retention-expiry"})
}

func (e *Engine) erase(ctx context.Context, id string, v Version) (Effect, error) {
	out, err := e.entities.EraseCandidate(ctx, id, v)
	if err != nil {
		return Effect{}, fmt.Errorf("erase candidate %s: %w", id, err)
	}
	ef := Effect{Outcome: out}
	if out == Stale {
		return ef, nil
	}
	ledger, err := e.ledger.CandidateEntries(ctx, id)
	if err != nil {
		return ef, fmt.Errorf("read ledger of candidate %s: %w", id, err)
	}
	var refs []JobRef
	for ref := range ledger {
		refs = append(refs, ref)
	}
	sort.Slice(refs, func(a, b int) bool { return refs[a].String() < refs[b].String() })
	pairs := make([]Pair, len(refs))
	entries := make([]Entry, len(refs))
	for i, ref := range refs {
		pairs[i], entries[i] = Pair{Job: ref, CandidateID: id}, ledger[ref]
	}
	if err := e.retractAll(ctx, pairs, entries, TriggerCandidateWithdrawn, "", &ef); err != nil {
		return ef, err
	}
	if err := e.ledger.ForgetCandidate(ctx, id, refs); err != nil {
		return ef, fmt.Errorf("forget candidate %s: %w", id, err)
	}
	return ef, nil
}

// CloseJob applies talentmatch.job.closed.v1: the job leaves the indexes
// and its matches are retracted.
func (e *Engine) CloseJob(ctx context.Context, jc *JobClosed, v Version) (Effect, error) {
	ref := JobRef{CompanyID: jc.CompanyID, JobID: jc.JobID}
	out, err := e.entities.CloseJob(ctx, ref, v)
	if err != nil {
		return Effect{}, fmt.Errorf("close job %s: %w", ref, err)
	}
	ef := Effect{Outcome: out}
	if out == Stale {
		return ef, nil
	}
	ids, err := e.ledger.JobPairs(ctx, ref)
	if err != nil {
		return ef, fmt.Errorf("read pairs of job %s: %w", ref, err)
	}
	sort.Strings(ids)
	pairs := make([]Pair, len(ids))
	for i, id := range ids {
		pairs[i] = Pair{Job: ref, CandidateID: id}
	}
	entries, err := e.ledger.Entries(ctx, pairs)
	if err != nil {
		return ef, fmt.Errorf("read ledger of job %s: %w", ref, err)
	}
	if err := e.retractAll(ctx, pairs, entries, TriggerJobClosed, "", &ef); err != nil {
		return ef, err
	}
	// Pairs linked without an entry (a claim that lost a race) are dropped.
	return ef, e.ledger.Unlink(ctx, pairs)
}

// retractAll completes pending transitions and retracts every active pair
// (of one campaign, when campaign is set).
func (e *Engine) retractAll(ctx context.Context, pairs []Pair, entries []Entry, t Trigger, campaign string, ef *Effect) error {
	if err := e.finishPending(ctx, pairs, entries); err != nil {
		return err
	}
	var pl plan
	for i, p := range pairs {
		en := entries[i]
		if en.State == EntryActive && (campaign == "" || en.Campaign == campaign) {
			e.retract(&pl, p, en, bareMatch(p, en, t), 0)
		}
	}
	created, retracted, err := e.commit(ctx, &pl)
	if err != nil {
		return err
	}
	ef.add(created, retracted)
	return nil
}
