package matcher

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// CampaignInfo is a stored campaign with what the lifecycle needs.
type CampaignInfo struct {
	CampaignState
	Name string
	// EventID is the id of the campaign event last applied.
	EventID string
	// Phase is how far that event has been carried out: "" (not yet),
	// "matched" (its jobs and candidates were matched) or "ended" (its
	// matches were retracted).
	Phase string
}

// Campaign phases.
const (
	PhaseMatched = "matched"
	PhaseEnded   = "ended"
)

// OpenCampaign applies talentmatch.campaign.opened.v1: it stores the
// campaign with its window and overrides. When the campaign is live, the
// jobs and candidates that named it before it opened are matched now; when
// its window lies ahead, Sweep does that at its start; when it has passed,
// its matches are retracted.
func (e *Engine) OpenCampaign(ctx context.Context, c *Campaign, v Version) (Effect, error) {
	out, err := e.campaignStore.PutCampaign(ctx, c, v)
	if err != nil {
		return Effect{}, fmt.Errorf("store campaign %s: %w", c.CampaignID, err)
	}
	ef := Effect{Outcome: out}
	if out == Stale {
		return ef, nil
	}
	return ef, e.advanceCampaign(ctx, c.CampaignID, &ef)
}

// CloseCampaign applies talentmatch.campaign.closed.v1: matches attributed
// to the campaign are retracted and it takes no new ones.
func (e *Engine) CloseCampaign(ctx context.Context, cc *CampaignClosed, v Version) (Effect, error) {
	out, err := e.campaignStore.CloseCampaign(ctx, cc.CampaignID, v)
	if err != nil {
		return Effect{}, fmt.Errorf("close campaign %s: %w", cc.CampaignID, err)
	}
	ef := Effect{Outcome: out}
	if out == Stale {
		return ef, nil
	}
	return ef, e.advanceCampaign(ctx, cc.CampaignID, &ef)
}

// advanceCampaign carries out what a campaign's state calls for at now:
// matching its jobs when it is live, retracting its matches when it has
// ended. Both are idempotent; the phase reached is recorded so that Sweep
// does not repeat them.
func (e *Engine) advanceCampaign(ctx context.Context, id string, ef *Effect) error {
	e.forgetCampaign(id)
	ci, err := e.campaignStore.Campaign(ctx, id)
	if err != nil {
		return fmt.Errorf("read campaign %s: %w", id, err)
	}
	now := e.cfg.Now()
	switch {
	case ci.Ended(now) && ci.Phase != PhaseEnded:
		if err := e.retractCampaign(ctx, id, ef); err != nil {
			return err
		}
		_, err = e.campaignStore.SetCampaignPhase(ctx, id, ci.EventID, PhaseEnded)
	case ci.Live(now) && ci.Phase != PhaseMatched:
		refs, err := e.campaignStore.CampaignJobs(ctx, id)
		if err != nil {
			return fmt.Errorf("read jobs of campaign %s: %w", id, err)
		}
		jobs, err := e.entities.Jobs(ctx, refs)
		if err != nil {
			return fmt.Errorf("read jobs of campaign %s: %w", id, err)
		}
		for _, j := range jobs {
			if j == nil {
				continue // closed meanwhile
			}
			if err := e.match(ctx, jobSide{j}, Applied, ef); err != nil {
				return fmt.Errorf("match job %s of campaign %s: %w", j.Ref(), id, err)
			}
		}
		_, err = e.campaignStore.SetCampaignPhase(ctx, id, ci.EventID, PhaseMatched)
	}
	if err != nil {
		return fmt.Errorf("record phase of campaign %s: %w", id, err)
	}
	return nil
}

// retractCampaign retracts every match attributed to a campaign.
func (e *Engine) retractCampaign(ctx context.Context, id string, ef *Effect) error {
	refs, err := e.campaignStore.CampaignJobs(ctx, id)
	if err != nil {
		return fmt.Errorf("read jobs of campaign %s: %w", id, err)
	}
	for _, ref := range refs {
		ids, err := e.ledger.JobPairs(ctx, ref)
		if err != nil {
			return fmt.Errorf("read pairs of job %s: %w", ref, err)
		}
		pairs := make([]Pair, len(ids))
		for i, id := range ids {
			pairs[i] = Pair{Job: ref, CandidateID: id}
		}
		entries, err := e.ledger.Entries(ctx, pairs)
		if err != nil {
			return fmt.Errorf("read ledger of job %s: %w", ref, err)
		}
		if err := e.retractAll(ctx, pairs, entries, TriggerCampaignClosed, id, ef); err != nil {
			return err
		}
	}
	return nil
}

// Sweep carries out the time-driven part of the campaign lifecycle: a
// campaign whose window opened since its event is matched, one whose window
// closed has its matches retracted. It also releases matches held back by
// the fair-share caps as room appears. Every replica may run it: the work
// is idempotent, and a lock keeps replicas from doing it twice at once.
func (e *Engine) Sweep(ctx context.Context) error {
	infos, err := e.campaignStore.CampaignInfos(ctx)
	if err != nil {
		return err
	}
	now := e.cfg.Now()
	var errs []error
	for _, ci := range infos {
		due := (ci.Ended(now) && ci.Phase != PhaseEnded) || (ci.Live(now) && ci.Phase != PhaseMatched)
		if !due {
			continue
		}
		unlock, ok, err := e.locks.Lock(ctx, "campaign:"+ci.ID, 5*time.Minute)
		if err != nil || !ok {
			errs = append(errs, err)
			continue
		}
		var ef Effect
		err = e.advanceCampaign(ctx, ci.ID, &ef)
		unlock()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		e.log.Info("campaign advanced", "campaign_id", ci.ID, "status", ci.Status(now), "created", ef.Created, "retracted", ef.Retracted)
	}
	if err := e.releaseHeld(ctx, infos); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
