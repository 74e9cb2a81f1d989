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
	return ef, e.matchJob(ctx, f, &ef)
}

// matchJob ranks every eligible candidate for a stored job, announces the
// top matches of each live campaign and retracts earlier matches the job no
// longer supports.
func (e *Engine) matchJob(ctx context.Context, f *JobFeatures, ef *Effect) error {
	camps, err := e.campaigns(ctx, f.Campaigns, false)
	if err != nil {
		return err
	}
	picks, err := e.ranker.RankCandidates(ctx, f, e.selection(f.Campaigns, camps))
	if err != nil {
		return err
	}
	w, err := e.ranker.Weights(ctx, f.Skills())
	if err != nil {
		return err
	}
	want := make(map[string]RankedCandidate, len(picks))
	ids, err := e.ledger.JobPairs(ctx, f.Ref())
	if err != nil {
		return fmt.Errorf("read pairs of job %s: %w", f.Ref(), err)
	}
	for _, pk := range picks {
		want[pk.Candidate.CandidateID] = pk
		ids = append(ids, pk.Candidate.CandidateID)
	}
	ids = dedupe(ids)
	sort.Strings(ids)
	pairs := make([]Pair, len(ids))
	for i, id := range ids {
		pairs[i] = Pair{Job: f.Ref(), CandidateID: id}
	}
	entries, err := e.ledger.Entries(ctx, pairs)
	if err != nil {
		return fmt.Errorf("read ledger of job %s: %w", f.Ref(), err)
	}
	if err := e.finishPending(ctx, pairs, entries); err != nil {
		return err
	}
	var pl plan
	var kept []Pair
	var recheck []int
	for i, p := range pairs {
		en := entries[i]
		pk, picked := want[p.CandidateID]
		switch en.State {
		case EntryNone:
			if picked {
				r := e.scorer.ScoreExplained(f, pk.Candidate, w)
				if min, _ := e.policy(camps[pk.Campaign]); r.Score >= min {
					e.create(&pl, p, pk.Campaign, e.newMatch(p, pk.Campaign, f, r, TriggerJobPosted), pk.Candidate.Rev)
				}
			}
		case EntryActive:
			switch {
			case ended(en, camps, e.cfg.Now()):
				e.retract(&pl, p, en, bareMatch(p, en, TriggerCampaignClosed), 0)
			case picked:
				kept = append(kept, p)
			default:
				recheck = append(recheck, i)
			}
		}
	}
	if len(recheck) > 0 {
		ids := make([]string, len(recheck))
		for n, i := range recheck {
			ids[n] = pairs[i].CandidateID
		}
		cands, err := e.entities.Candidates(ctx, ids)
		if err != nil {
			return fmt.Errorf("read candidates of job %s: %w", f.Ref(), err)
		}
		for n, i := range recheck {
			c := cands[n]
			if c == nil {
				continue // withdrawn: their withdrawal retracts the match
			}
			p, en := pairs[i], entries[i]
			if e.stillMatched(f, c, en, camps, w) {
				kept = append(kept, p)
				continue
			}
			e.retract(&pl, p, en, e.newMatch(p, en.Campaign, f, e.scorer.ScoreExplained(f, c, w), TriggerRescored), c.Rev)
		}
	}
	created, retracted, err := e.commit(ctx, &pl)
	if err != nil {
		return err
	}
	ef.add(created, retracted)
	for _, c := range created {
		kept = append(kept, c.Pair)
	}
	return e.settle(ctx, kept, map[JobRef]int64{f.Ref(): f.Rev}, f.Campaigns, ef)
}

// stillMatched tells whether an announced pair still qualifies.
func (e *Engine) stillMatched(j *JobFeatures, c *CandidateFeatures, en Entry, camps map[string]CampaignState, w Weights) bool {
	if !Eligible(j, c, e.cfg.Now()) || len(SharedCampaigns(j, c)) == 0 {
		return false
	}
	r := e.scorer.Score(j, c, w)
	min, _ := e.policy(camps[en.Campaign])
	return r.Score > 0 && r.Score >= min
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

// RegisterCandidate applies talentmatch.candidate.registered.v1. A
// candidate without consent to be matched is treated as a withdrawal: their
// data is erased and their matches retracted.
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
	camps, err := e.campaigns(ctx, f.Campaigns, false)
	if err != nil {
		return ef, err
	}
	picks, err := e.ranker.RankJobs(ctx, f, e.selection(f.Campaigns, camps))
	if err != nil {
		return ef, err
	}
	// A first registration has no ledger of its own yet: entries another
	// handler is claiming for it meanwhile are that handler's to finish.
	var ledger map[JobRef]Entry
	if out != Applied || f.Rev != 1 {
		if ledger, err = e.ledger.CandidateEntries(ctx, f.CandidateID); err != nil {
			return ef, fmt.Errorf("read ledger of candidate %s: %w", f.CandidateID, err)
		}
	}
	want := make(map[JobRef]RankedJob, len(picks))
	var refs []JobRef
	for ref := range ledger {
		refs = append(refs, ref)
	}
	for _, pk := range picks {
		ref := pk.Job.Ref()
		want[ref] = pk
		if _, ok := ledger[ref]; !ok {
			refs = append(refs, ref)
		}
	}
	sort.Slice(refs, func(a, b int) bool { return refs[a].String() < refs[b].String() })
	pairs := make([]Pair, len(refs))
	entries := make([]Entry, len(refs))
	for i, ref := range refs {
		pairs[i] = Pair{Job: ref, CandidateID: f.CandidateID}
		entries[i] = ledger[ref]
	}
	if err := e.finishPending(ctx, pairs, entries); err != nil {
		return ef, err
	}
	revs := map[JobRef]int64{}
	var pl plan
	var kept []Pair
	var recheck []int
	for i, p := range pairs {
		en := entries[i]
		pk, picked := want[p.Job]
		switch en.State {
		case EntryNone:
			if picked {
				w, err := e.ranker.Weights(ctx, pk.Job.Skills())
				if err != nil {
					return ef, err
				}
				r := e.scorer.ScoreExplained(pk.Job, f, w)
				if min, _ := e.policy(camps[pk.Campaign]); r.Score >= min {
					e.create(&pl, p, pk.Campaign, e.newMatch(p, pk.Campaign, pk.Job, r, TriggerCandidateRegistered), f.Rev)
					revs[p.Job] = pk.Job.Rev
				}
			}
		case EntryActive:
			switch {
			case ended(en, camps, e.cfg.Now()):
				e.retract(&pl, p, en, bareMatch(p, en, TriggerCampaignClosed), 0)
			case picked:
				kept = append(kept, p)
				revs[p.Job] = pk.Job.Rev
			default:
				recheck = append(recheck, i)
			}
		}
	}
	if len(recheck) > 0 {
		jrefs := make([]JobRef, len(recheck))
		for n, i := range recheck {
			jrefs[n] = pairs[i].Job
		}
		jobs, err := e.entities.Jobs(ctx, jrefs)
		if err != nil {
			return ef, fmt.Errorf("read jobs of candidate %s: %w", f.CandidateID, err)
		}
		for n, i := range recheck {
			j := jobs[n]
			if j == nil {
				continue // closed: the close retracts the match
			}
			p, en := pairs[i], entries[i]
			revs[p.Job] = j.Rev
			w, err := e.ranker.Weights(ctx, j.Skills())
			if err != nil {
				return ef, err
			}
			if e.stillMatched(j, f, en, camps, w) {
				kept = append(kept, p)
				continue
			}
			e.retract(&pl, p, en, e.newMatch(p, en.Campaign, j, e.scorer.ScoreExplained(j, f, w), TriggerRescored), f.Rev)
		}
	}
	created, retracted, err := e.commit(ctx, &pl)
	if err != nil {
		return ef, err
	}
	ef.add(created, retracted)
	for _, c := range created {
		kept = append(kept, c.Pair)
	}
	return ef, e.settle(ctx, kept, revs, f.Campaigns, &ef)
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
