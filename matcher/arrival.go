package matcher

import (
	"context"
	"fmt"
	"slices"
	"sort"
)

// side is what differs between the two sides of the matching relation when
// an entity of one of them arrives: which campaigns it is in, how its
// counterparts are ranked, how its ledger is read and how the counterparts
// of its announced pairs are fetched again. Engine.match is written once
// over it; a new pair of sides is a new pair of side types (docs/scoring.md,
// "Adding a pair of sides").
type side interface {
	// campaigns lists the campaign tokens of the arriving entity.
	campaigns() []string
	// trigger is the trigger of the matches its arrival creates.
	trigger() Trigger
	// rank returns the counterparts the ranker selects for it.
	rank(ctx context.Context, r Ranker, sel Selection) ([]Pick, error)
	// ledger returns the pairs the entity has a ledger entry for, with the
	// entries, plus those of picks, sorted by counterpart.
	ledger(ctx context.Context, l Ledger, out Outcome, picks map[Pair]Pick) ([]Pair, []Entry, error)
	// counterparts returns the current features of the pairs' other sides
	// as picks without a result; a counterpart that is gone is nil.
	counterparts(ctx context.Context, en Entities, pairs []Pair) ([]Pick, error)
	// decidedBy reports whether an entry was decided on the arriving
	// entity's current revision.
	decidedBy(b Basis) bool
}

// jobSide is an arriving job posting.
type jobSide struct{ f *JobFeatures }

func (s jobSide) campaigns() []string    { return s.f.Campaigns }
func (s jobSide) decidedBy(b Basis) bool { return b.JobRev == s.f.Rev }
func (s jobSide) trigger() Trigger       { return TriggerJobPosted }

func (s jobSide) rank(ctx context.Context, r Ranker, sel Selection) ([]Pick, error) {
	return r.RankCandidates(ctx, s.f, sel)
}

func (s jobSide) ledger(ctx context.Context, l Ledger, _ Outcome, picks map[Pair]Pick) ([]Pair, []Entry, error) {
	ref := s.f.Ref()
	ids, err := l.JobPairs(ctx, ref)
	if err != nil {
		return nil, nil, fmt.Errorf("read pairs of job %s: %w", ref, err)
	}
	for p := range picks {
		ids = append(ids, p.CandidateID)
	}
	ids = dedupe(ids)
	sort.Strings(ids)
	pairs := make([]Pair, len(ids))
	for i, id := range ids {
		pairs[i] = Pair{Job: ref, CandidateID: id}
	}
	entries, err := l.Entries(ctx, pairs)
	if err != nil {
		return nil, nil, fmt.Errorf("read ledger of job %s: %w", ref, err)
	}
	return pairs, entries, nil
}

func (s jobSide) counterparts(ctx context.Context, en Entities, pairs []Pair) ([]Pick, error) {
	ids := make([]string, len(pairs))
	for i, p := range pairs {
		ids[i] = p.CandidateID
	}
	cands, err := en.Candidates(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("read candidates of job %s: %w", s.f.Ref(), err)
	}
	out := make([]Pick, len(pairs))
	for i, c := range cands {
		if c != nil { // nil: withdrawn; the withdrawal retracts the match
			out[i] = Pick{Job: s.f, Candidate: c}
		}
	}
	return out, nil
}

// candidateSide is an arriving candidate profile.
type candidateSide struct{ f *CandidateFeatures }

func (s candidateSide) campaigns() []string    { return s.f.Campaigns }
func (s candidateSide) decidedBy(b Basis) bool { return b.CandidateRev == s.f.Rev }
func (s candidateSide) trigger() Trigger       { return TriggerCandidateRegistered }

func (s candidateSide) rank(ctx context.Context, r Ranker, sel Selection) ([]Pick, error) {
	return r.RankJobs(ctx, s.f, sel)
}

func (s candidateSide) ledger(ctx context.Context, l Ledger, out Outcome, picks map[Pair]Pick) ([]Pair, []Entry, error) {
	// A first registration has no ledger of its own yet: entries another
	// handler is claiming for it meanwhile are that handler's to finish.
	var ledger map[JobRef]Entry
	if out != Applied || s.f.Rev != 1 {
		var err error
		if ledger, err = l.CandidateEntries(ctx, s.f.CandidateID); err != nil {
			return nil, nil, fmt.Errorf("read ledger of candidate %s: %w", s.f.CandidateID, err)
		}
	}
	var refs []JobRef
	for ref := range ledger {
		refs = append(refs, ref)
	}
	for p := range picks {
		if _, ok := ledger[p.Job]; !ok {
			refs = append(refs, p.Job)
		}
	}
	sort.Slice(refs, func(a, b int) bool { return refs[a].String() < refs[b].String() })
	pairs := make([]Pair, len(refs))
	entries := make([]Entry, len(refs))
	for i, ref := range refs {
		pairs[i] = Pair{Job: ref, CandidateID: s.f.CandidateID}
		entries[i] = ledger[ref]
	}
	return pairs, entries, nil
}

func (s candidateSide) counterparts(ctx context.Context, en Entities, pairs []Pair) ([]Pick, error) {
	refs := make([]JobRef, len(pairs))
	for i, p := range pairs {
		refs[i] = p.Job
	}
	jobs, err := en.Jobs(ctx, refs)
	if err != nil {
		return nil, fmt.Errorf("read jobs of candidate %s: %w", s.f.CandidateID, err)
	}
	out := make([]Pick, len(pairs))
	for i, j := range jobs {
		if j != nil { // nil: closed; the close retracts the match
			out[i] = Pick{Job: j, Candidate: s.f}
		}
	}
	return out, nil
}

// match handles a stored entity of either side: it ranks the other side,
// announces the top matches of each live campaign, keeps the announced
// pairs that still qualify and retracts the rest, then settles the
// decisions that relied on other shards.
func (e *Engine) match(ctx context.Context, s side, out Outcome, ef *Effect) error {
	camps, err := e.campaigns(ctx, s.campaigns(), false)
	if err != nil {
		return err
	}
	ranked, err := s.rank(ctx, e.ranker, e.selection(s.campaigns(), camps))
	if err != nil {
		return err
	}
	picks := make(map[Pair]Pick, len(ranked))
	for _, pk := range ranked {
		picks[pk.Pair()] = pk
	}
	pairs, entries, err := s.ledger(ctx, e.ledger, out, picks)
	if err != nil {
		return err
	}
	if err := e.finishPending(ctx, pairs, entries); err != nil {
		return err
	}
	// Handling an event again (a redelivery, a republish) decides nothing
	// new once its first attempt has: it only completes what that attempt
	// claimed, above. Re-ranking now, under other rarity weights, would
	// announce other matches than the first attempt did.
	if out == Current && slices.ContainsFunc(entries, func(en Entry) bool { return en.State != EntryNone && s.decidedBy(en.Basis) }) {
		return nil
	}
	revs := map[JobRef]int64{}
	var pl plan
	var kept, recheck []Pair
	var recheckEntries []Entry
	now := e.cfg.Now()
	for i, p := range pairs {
		en := entries[i]
		pk, picked := picks[p]
		switch en.State {
		case EntryNone:
			if min, _ := e.policy(camps[pk.Campaign]); picked && pk.Result.Score >= min {
				e.create(&pl, p, pk.Campaign, e.newMatch(p, pk.Campaign, pk.Job, pk.Result, s.trigger()), pk.Job, pk.Candidate)
				revs[p.Job] = pk.Job.Rev
			}
		case EntryActive:
			switch {
			case ended(en, camps, now):
				e.retract(&pl, p, en, bareMatch(p, en, TriggerCampaignClosed), 0)
			case picked:
				kept = append(kept, p)
				revs[p.Job] = pk.Job.Rev
			default:
				recheck, recheckEntries = append(recheck, p), append(recheckEntries, en)
			}
		}
	}
	if len(recheck) > 0 {
		others, err := s.counterparts(ctx, e.entities, recheck)
		if err != nil {
			return err
		}
		for i, p := range recheck {
			if others[i].Job == nil {
				continue // the other side is gone: its own event retracts the match
			}
			revs[p.Job] = others[i].Job.Rev
			if kept, err = e.recheck(ctx, &pl, kept, p, others[i], recheckEntries[i], camps); err != nil {
				return err
			}
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
	return e.settle(ctx, kept, revs, s.campaigns(), ef)
}

// recheck re-decides an announced pair against its current sides: it is
// kept (appended to kept) or its retraction planned (trigger rescored).
func (e *Engine) recheck(ctx context.Context, pl *plan, kept []Pair, p Pair, now Pick, en Entry, camps map[string]CampaignState) ([]Pair, error) {
	r, ok, err := e.requalify(ctx, now.Job, now.Candidate, en, camps)
	if err != nil {
		return kept, err
	}
	if ok {
		return append(kept, p), nil
	}
	e.retract(pl, p, en, e.newMatch(p, en.Campaign, now.Job, r, TriggerRescored), now.Candidate.Rev)
	return kept, nil
}

// requalify reports whether an announced or held pair still qualifies in
// its entry's campaign, with the explained result a retraction carries.
// While neither input changed since the match was decided (its basis), it
// stands on its announced score: rarity weights moving with other arrivals
// retract nothing (the contract's rescored is an update dropping the pair
// below the threshold). Otherwise the pair is scored with current weights.
func (e *Engine) requalify(ctx context.Context, j *JobFeatures, c *CandidateFeatures, en Entry, camps map[string]CampaignState) (Result, bool, error) {
	min, _ := e.policy(camps[en.Campaign])
	now := e.cfg.Now()
	if en.Basis.Unchanged(j, c) && qualifies(j, c, en.Score, min, now) {
		return Result{}, true, nil
	}
	w, err := e.ranker.Weights(ctx, j.Skills())
	if err != nil {
		return Result{}, false, err
	}
	r := e.scorer.ScoreExplained(j, c, w)
	return r, qualifies(j, c, r.Score, min, now), nil
}
