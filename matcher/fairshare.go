package matcher

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// Fair share: a campaign caps the new matches one job receives per hour
// and one candidate receives per day, so that a popular company does not
// take every candidate's attention and no candidate is flooded. A match
// that finds no room is held, by score, and released by Sweep, best first,
// as the windows slide. docs/scoring.md describes the rule.

const (
	jobWindow       = time.Hour
	candidateWindow = 24 * time.Hour
	// releaseBatch bounds the held matches one sweep looks at per campaign.
	releaseBatch = 200
)

// caps returns a campaign's caps: its overrides, else the engine's.
func (e *Engine) caps(c CampaignState) (job, cand int) {
	job, cand = e.cfg.JobHourlyCap, e.cfg.CandidateDailyCap
	if c.JobHourlyCap != nil {
		job = *c.JobHourlyCap
	}
	if c.CandidateDailyCap != nil {
		cand = *c.CandidateDailyCap
	}
	return job, cand
}

// admit splits planned creates into those within the caps, which are
// reserved, and those held. Creates are admitted best score first.
func (e *Engine) admit(ctx context.Context, creates []Claim) ([]Claim, []Reservation, error) {
	ids := make([]string, 0, len(creates))
	for _, c := range creates {
		ids = append(ids, c.Campaign)
	}
	camps, err := e.campaigns(ctx, dedupe(ids), false)
	if err != nil {
		return nil, nil, err
	}
	var capped []int
	rs := make([]Reservation, len(creates))
	for i, c := range creates {
		jc, cc := e.caps(camps[c.Campaign])
		rs[i] = Reservation{Pair: c.Pair, Campaign: c.Campaign, Member: c.Event.ID, At: e.cfg.Now(),
			JobCap: jc, CandidateCap: cc, JobWindow: jobWindow, CandidateWindow: candidateWindow}
		if jc > 0 || cc > 0 {
			capped = append(capped, i)
		}
	}
	if len(capped) == 0 {
		return creates, nil, nil
	}
	sort.SliceStable(capped, func(a, b int) bool { return creates[capped[a]].Score > creates[capped[b]].Score })
	req := make([]Reservation, len(capped))
	for n, i := range capped {
		req[n] = rs[i]
	}
	ok, err := e.windows.Reserve(ctx, req)
	if err != nil {
		return nil, nil, fmt.Errorf("reserve room under the caps: %w", err)
	}
	refused := map[int]bool{}
	var held []Held
	var reserved []Reservation
	for n, i := range capped {
		if ok[n] {
			reserved = append(reserved, req[n])
			continue
		}
		refused[i] = true
		c := creates[i]
		held = append(held, Held{Pair: c.Pair, Campaign: c.Campaign, Score: c.Score, Trigger: c.Event.Match.Trigger})
	}
	if len(held) > 0 {
		if err := e.windows.Hold(ctx, held); err != nil {
			_ = e.windows.Release(context.WithoutCancel(ctx), reserved)
			return nil, nil, fmt.Errorf("hold matches past the caps: %w", err)
		}
	}
	admitted := make([]Claim, 0, len(creates)-len(refused))
	for i, c := range creates {
		if !refused[i] {
			admitted = append(admitted, c)
		}
	}
	return admitted, reserved, nil
}

// releaseHeld creates held matches of live campaigns that now fit under the
// caps, best first, and forgets those that no longer qualify.
func (e *Engine) releaseHeld(ctx context.Context, infos []CampaignInfo) error {
	now := e.cfg.Now()
	for _, ci := range append([]CampaignInfo{{CampaignState: CampaignState{ID: OpenPool, Known: true, EndsAt: farFuture}}}, infos...) {
		held, err := e.windows.HeldPairs(ctx, ci.ID, releaseBatch)
		if err != nil {
			return err
		}
		if len(held) == 0 {
			continue
		}
		if !ci.Live(now) {
			if ci.Ended(now) {
				if err := e.windows.Unhold(ctx, held); err != nil {
					return err
				}
			}
			continue
		}
		if err := e.release(ctx, held); err != nil {
			return fmt.Errorf("release held matches of campaign %s: %w", ci.ID, err)
		}
	}
	return nil
}

// release re-decides held matches against fresh state.
func (e *Engine) release(ctx context.Context, held []Held) error {
	pairs := make([]Pair, len(held))
	refs := make([]JobRef, len(held))
	ids := make([]string, len(held))
	for i, h := range held {
		pairs[i], refs[i], ids[i] = h.Pair, h.Pair.Job, h.Pair.CandidateID
	}
	jobs, err := e.entities.Jobs(ctx, refs)
	if err != nil {
		return err
	}
	cands, err := e.entities.Candidates(ctx, ids)
	if err != nil {
		return err
	}
	entries, err := e.ledger.Entries(ctx, pairs)
	if err != nil {
		return err
	}
	var campIDs []string
	for _, h := range held {
		campIDs = append(campIDs, h.Campaign)
	}
	camps, err := e.campaigns(ctx, dedupe(campIDs), true)
	if err != nil {
		return err
	}
	now := e.cfg.Now()
	var pl plan
	var gone []Held
	for i, h := range held {
		j, c := jobs[i], cands[i]
		if j == nil || c == nil || entries[i].State != EntryNone || !camps[h.Campaign].Live(now) {
			gone = append(gone, h)
			continue
		}
		if attribute(SharedCampaigns(j, c), camps, now) != h.Campaign {
			gone = append(gone, h) // it belongs to another campaign now
			continue
		}
		r, ok, err := e.requalify(ctx, j, c, Entry{Campaign: h.Campaign}, camps)
		if err != nil {
			return err
		}
		if !ok {
			gone = append(gone, h)
			continue
		}
		e.create(&pl, h.Pair, h.Campaign, e.newMatch(h.Pair, h.Campaign, j, r, h.Trigger), j, c)
		pl.creates[len(pl.creates)-1].Held = true
	}
	if len(gone) > 0 {
		if err := e.windows.Unhold(ctx, gone); err != nil {
			return err
		}
	}
	if len(pl.creates) == 0 {
		return nil
	}
	created, _, err := e.commit(ctx, &pl)
	if err != nil {
		return err
	}
	if len(created) > 0 {
		e.log.Debug("held matches released", "count", len(created))
	}
	return nil
}

// settleCaps gives back the room reserved for creates whose claim was not
// taken, and forgets held matches that were created or can never be.
func (e *Engine) settleCaps(ctx context.Context, creates []Claim, res []ClaimResult, reserved []Reservation) error {
	taken := map[Pair]bool{}
	var unhold []Held
	for i, c := range creates {
		if res[i] == ClaimTaken {
			taken[c.Pair] = true
		}
		if c.Held && (res[i] == ClaimTaken || res[i] == ClaimDeclined || res[i] == ClaimBusy) {
			unhold = append(unhold, Held{Pair: c.Pair, Campaign: c.Campaign})
		}
	}
	var back []Reservation
	for _, r := range reserved {
		if !taken[r.Pair] {
			back = append(back, r)
		}
	}
	if len(back) > 0 {
		if err := e.windows.Release(ctx, back); err != nil {
			return fmt.Errorf("release unused room: %w", err)
		}
	}
	if len(unhold) > 0 {
		if err := e.windows.Unhold(ctx, unhold); err != nil {
			return fmt.Errorf("forget released matches: %w", err)
		}
	}
	return nil
}
