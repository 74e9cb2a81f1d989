package matchertest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/talentmatch/talentmatch/matcher"
)

// Step is one step of a scenario: an inbound event handled by the engine,
// a sweep, or the clock moving, with what it must lead to. Build steps with
// the functions below and refine them with the methods; a step expects no
// match events unless told otherwise (Want).
//
// The clock moves one second before every event and sweep, so that no two
// events of a scenario happen at the same instant.
type Step struct {
	name  string
	do    func(ctx context.Context, e *Env, v matcher.Version) (matcher.Effect, error)
	event bool // an inbound event: it takes a version and may be replayed
	again bool // replays the previous event with its version
	back  time.Duration
	tick  time.Duration

	during  *during
	pubFail bool

	want    []string
	outcome matcher.Outcome
	err     error
	active  []string
	held    []string
}

// during is a step run in the middle of another.
type during struct {
	method string
	step   Step
}

// During runs other just before this step's first call of the ledger
// method ("Claim" or "Link"), as another replica handling other at that
// moment would (or, for Advance, as time passing then would); the events
// both publish count as this step's.
func (s Step) During(method string, other Step) Step {
	s.during = &during{method: method, step: other}
	return s
}

// ErrPublish is the error of a publish that PublishFails makes fail.
var ErrPublish = errors.New("matchertest: publish failed")

// PublishFails makes every publish of the step fail with ErrPublish, as a
// broker outage or a crash before the publish would; the step must fail
// with it, and may leave ledger entries pending for a later event to
// complete.
func (s Step) PublishFails() Step {
	s.pubFail, s.err = true, ErrPublish
	return s
}

// Want expects the step to publish exactly these match events, in any
// order, formatted as Event formats them.
func (s Step) Want(events ...string) Step { s.want = events; return s }

// Outcome expects the event's outcome.
func (s Step) Outcome(o matcher.Outcome) Step { s.outcome = o; return s }

// Fails expects the step to fail with an error matching err (errors.Is).
func (s Step) Fails(err error) Step { s.err = err; return s }

// Older dates the event d before the clock's time, to deliver it late.
func (s Step) Older(d time.Duration) Step { s.back = d; return s }

// Active expects these active ledger entries after the step, as
// "<job>/<candidate> <campaign>".
func (s Step) Active(entries ...string) Step {
	s.active = append([]string{}, entries...)
	return s
}

// Held expects these held matches after the step, as
// "<job>/<candidate> <campaign> <trigger>", best first per campaign.
func (s Step) Held(held ...string) Step {
	s.held = append([]string{}, held...)
	return s
}

// Post posts a job (company Company unless it names one).
func Post(j *matcher.Job) Step {
	if j.CompanyID == "" {
		j.CompanyID = Company
	}
	return Step{name: "post " + j.JobID, event: true, tick: time.Second,
		do: func(ctx context.Context, e *Env, v matcher.Version) (matcher.Effect, error) {
			e.jobs[matcher.JobRef{CompanyID: j.CompanyID, JobID: j.JobID}] = true
			return e.Engine.PostJob(ctx, j, v)
		}}
}

// CloseJob closes a job of Company.
func CloseJob(id string) Step { return CloseJobOf(Company, id) }

// CloseJobOf closes a job of a company.
func CloseJobOf(company, id string) Step {
	return Step{name: "close " + company + "/" + id, event: true, tick: time.Second,
		do: func(ctx context.Context, e *Env, v matcher.Version) (matcher.Effect, error) {
			return e.Engine.CloseJob(ctx, &matcher.JobClosed{CompanyID: company, JobID: id}, v)
		}}
}

// Register registers a candidate.
func Register(c *matcher.Candidate) Step {
	return Step{name: "register " + c.CandidateID, event: true, tick: time.Second,
		do: func(ctx context.Context, e *Env, v matcher.Version) (matcher.Effect, error) {
			e.cands[c.CandidateID] = true
			return e.Engine.RegisterCandidate(ctx, c, v)
		}}
}

// Withdraw withdraws a candidate.
func Withdraw(id string) Step {
	return Step{name: "withdraw " + id, event: true, tick: time.Second,
		do: func(ctx context.Context, e *Env, v matcher.Version) (matcher.Effect, error) {
			return e.Engine.WithdrawCandidate(ctx, &matcher.CandidateWithdrawn{CandidateID: id}, v)
		}}
}

// Expire erases a candidate whose retention ran out, at the clock's time.
func Expire(id string) Step {
	return Step{name: "expire " + id, tick: time.Second,
		do: func(ctx context.Context, e *Env, _ matcher.Version) (matcher.Effect, error) {
			return e.Engine.ExpireCandidate(ctx, id, e.Clock.Now())
		}}
}

// OpenCampaign opens (or updates) a campaign.
func OpenCampaign(c *matcher.Campaign) Step {
	return Step{name: "open campaign " + c.CampaignID, event: true, tick: time.Second,
		do: func(ctx context.Context, e *Env, v matcher.Version) (matcher.Effect, error) {
			return e.Engine.OpenCampaign(ctx, c, v)
		}}
}

// CloseCampaign closes a campaign.
func CloseCampaign(id string) Step {
	return Step{name: "close campaign " + id, event: true, tick: time.Second,
		do: func(ctx context.Context, e *Env, v matcher.Version) (matcher.Effect, error) {
			return e.Engine.CloseCampaign(ctx, &matcher.CampaignClosed{CampaignID: id}, v)
		}}
}

// Feedback records what from ("candidate" or "company") said about the
// pair of a job of Company and a candidate.
func Feedback(from, job, cand string, kind matcher.FeedbackKind) Step {
	return Step{name: from + " says " + string(kind) + " on " + job + "/" + cand, event: true, tick: time.Second,
		do: func(ctx context.Context, e *Env, v matcher.Version) (matcher.Effect, error) {
			return e.Engine.Feedback(ctx, &matcher.Feedback{CandidateID: cand, CompanyID: Company, JobID: job, Feedback: kind, From: from}, v)
		}}
}

// Sweep runs the engine's sweep.
func Sweep() Step {
	return Step{name: "sweep", tick: time.Second,
		do: func(ctx context.Context, e *Env, _ matcher.Version) (matcher.Effect, error) {
			return matcher.Effect{}, e.Engine.Sweep(ctx)
		}}
}

// Advance moves the clock forward by d (and nothing else).
func Advance(d time.Duration) Step {
	return Step{name: "advance " + d.String(), tick: d,
		do: func(context.Context, *Env, matcher.Version) (matcher.Effect, error) { return matcher.Effect{}, nil }}
}

// Again delivers the previous event again, with its version.
func Again() Step { return Step{name: "again", again: true, tick: time.Second} }

// Check does nothing: it carries expectations (Active, Held) on the state
// the steps before it left.
func Check() Step {
	return Step{name: "check",
		do: func(context.Context, *Env, matcher.Version) (matcher.Effect, error) { return matcher.Effect{}, nil }}
}

// TakeLock takes a named lock of the backend, as another replica running
// the same sweep would hold it; ReleaseLock gives it back.
func TakeLock(name string) Step {
	return Step{name: "take lock " + name,
		do: func(ctx context.Context, e *Env, _ matcher.Version) (matcher.Effect, error) {
			unlock, ok, err := e.Backend.Lock(ctx, name, time.Hour)
			if err == nil && !ok {
				err = fmt.Errorf("lock %s is taken", name)
			}
			if err == nil {
				e.unlock[name] = unlock
			}
			return matcher.Effect{}, err
		}}
}

// ReleaseLock releases a lock TakeLock took.
func ReleaseLock(name string) Step {
	return Step{name: "release lock " + name,
		do: func(_ context.Context, e *Env, _ matcher.Version) (matcher.Effect, error) {
			unlock, ok := e.unlock[name]
			if !ok {
				return matcher.Effect{}, fmt.Errorf("lock %s was not taken", name)
			}
			delete(e.unlock, name)
			unlock()
			return matcher.Effect{}, nil
		}}
}
