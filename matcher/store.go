package matcher

import (
	"context"
	"time"
)

// Version orders changes to one entity: the event's time, then its id.
// An event applies only when its version is newer than the stored one.
type Version struct {
	Time    time.Time
	EventID string
}

// Outcome of applying an event to state.
type Outcome int

// Outcomes of Store operations and of Engine.Handle.
const (
	// Applied: the change is now in state.
	Applied Outcome = iota + 1
	// Current: this very event is already the applied one (a redelivery or
	// republish). Its effects are re-run; they are idempotent.
	Current
	// Stale: a newer change is already applied; the event is ignored.
	Stale
)

// String returns the outcome's metric label.
func (o Outcome) String() string {
	switch o {
	case Applied:
		return "applied"
	case Current:
		return "duplicate"
	case Stale:
		return "stale"
	}
	return "unknown"
}

// CampaignState is what the engine knows of a campaign.
type CampaignState struct {
	ID       string
	Known    bool // a campaign.opened event was applied
	Closed   bool // a campaign.closed event was applied
	StartsAt time.Time
	EndsAt   time.Time
	MinScore *float64
	TopK     *int
	// Caps on new matches (nil: the engine's defaults); see Caps.
	JobHourlyCap      *int
	CandidateDailyCap *int
}

// Live reports whether the campaign takes matches at now: it is known (a
// campaign.opened event was applied), not closed, and now lies in its window.
// The open pool is always live.
func (c CampaignState) Live(now time.Time) bool {
	if c.ID == OpenPool {
		return true
	}
	return c.Known && !c.Closed && !now.Before(c.StartsAt) && now.Before(c.EndsAt)
}

// Ended reports whether the campaign's matches must be retracted at now: it
// was closed, or its window has passed.
func (c CampaignState) Ended(now time.Time) bool {
	if c.ID == OpenPool {
		return false
	}
	return c.Closed || (c.Known && !now.Before(c.EndsAt))
}

// Status names the campaign's state at now: open, scheduled, ended, closed
// or unknown.
func (c CampaignState) Status(now time.Time) string {
	switch {
	case c.ID == OpenPool:
		return "open"
	case !c.Known:
		return "unknown"
	case c.Closed:
		return "closed"
	case now.Before(c.StartsAt):
		return "scheduled"
	case !now.Before(c.EndsAt):
		return "ended"
	}
	return "open"
}

// Pair names a job and a candidate.
type Pair struct {
	Job         JobRef
	CandidateID string
}

// EntryState is the state of a pair in the match ledger.
type EntryState byte

// Ledger states. A pair with no entry is not matched.
const (
	EntryNone       EntryState = 0
	EntryActive     EntryState = 'A' // created and announced
	EntryCreating   EntryState = 'C' // claimed; its created event may or may not be out
	EntryRetracting EntryState = 'X' // claimed; its retracted event may or may not be out
)

// Entry is a pair's ledger entry.
type Entry struct {
	State    EntryState
	Gen      int64 // generation: distinguishes successive matches of a pair
	Campaign string
	Score    float64
	// Pending is the outbound event of a Creating or Retracting entry, so
	// that whoever finds the claim can complete it.
	Pending *Outbound
	// Basis is the revisions of the job and the candidate the match was
	// decided on (zero for entries written before it was recorded).
	Basis Basis
}

// Basis names the versions of both inputs a match was decided on. While
// neither input changes, the match stands on its announced score: handling
// an event again, or rarity weights moving, decides nothing new.
type Basis struct {
	JobRev, CandidateRev int64
}

// Unchanged reports whether the pair's inputs are still those of the
// decision.
func (b Basis) Unchanged(j *JobFeatures, c *CandidateFeatures) bool {
	return b.JobRev != 0 && b.JobRev == j.Rev && b.CandidateRev == c.Rev
}

// Outbound is one match event to publish. ID is deterministic (match id,
// generation, kind), so publishing it twice has effect once.
type Outbound struct {
	ID    string    `json:"id"`
	Kind  MatchKind `json:"kind"`
	Time  time.Time `json:"time"`
	Match Match     `json:"match"`
}

// Claim asks the ledger to move a pair to a pending transition.
type Claim struct {
	Pair Pair
	// Event is the outbound event the transition publishes.
	Event *Outbound
	// Gen is the entry generation: new for a create, the active one for a
	// retract.
	Gen int64
	// CandidateRev, when non-zero, makes the claim fail unless the
	// candidate's stored revision still equals it.
	CandidateRev int64
	Campaign     string
	Score        float64
	// Held marks a create released from the held matches.
	Held bool
	// Basis is the inputs a create was decided on, kept in the entry.
	Basis Basis
}

// ClaimResult says whether a claim was taken.
type ClaimResult int

// Claim results.
const (
	ClaimTaken    ClaimResult = iota + 1
	ClaimBusy                 // the entry is not in the state the claim expects
	ClaimStaleRev             // the candidate changed since it was read
	ClaimDeclined             // the candidate or company declined the pair
)

// Store is the state the engine reads and writes, as the union of the roles
// below; matcher/state implements it on Redis and matcher/matchertest in
// memory. Any number of engines may share one Store. Each part of the engine
// uses only the roles it needs.
type Store interface {
	Entities
	Ledger
	CampaignStore
	Locker
	Windows
	FeedbackLog
}

// Entities stores the two sides of the matching relation, jobs and
// candidates, and keeps them in the retrieval indexes.
type Entities interface {
	// PutJob stores an open job (features non-nil) and indexes it.
	PutJob(ctx context.Context, f *JobFeatures, v Version) (Outcome, error)
	// CloseJob unindexes a job and leaves a tombstone of its version.
	CloseJob(ctx context.Context, ref JobRef, v Version) (Outcome, error)
	// PutCandidate stores and indexes a consenting candidate.
	PutCandidate(ctx context.Context, f *CandidateFeatures, v Version) (Outcome, error)
	// EraseCandidate deletes a candidate's profile and index entries and
	// leaves a tombstone of the version (no profile data).
	EraseCandidate(ctx context.Context, id string, v Version) (Outcome, error)
	// Jobs and Candidates fetch features by id; a missing or inactive
	// entity yields nil at its position.
	Jobs(ctx context.Context, refs []JobRef) ([]*JobFeatures, error)
	Candidates(ctx context.Context, ids []string) ([]*CandidateFeatures, error)
	// JobRevs returns the current revision of each job (0 when gone).
	JobRevs(ctx context.Context, refs []JobRef) ([]int64, error)
}

// Ledger is the match ledger: one entry per matched pair, moved through
// claimed transitions so that each match is announced once.
type Ledger interface {
	// JobPairs lists the candidates with a ledger entry for a job.
	JobPairs(ctx context.Context, ref JobRef) ([]string, error)
	// CandidateEntries returns a candidate's ledger entries by job.
	CandidateEntries(ctx context.Context, id string) (map[JobRef]Entry, error)
	// Entries returns the ledger entry of each pair.
	Entries(ctx context.Context, pairs []Pair) ([]Entry, error)
	// Link records pairs in their job's pair list before they are claimed.
	Link(ctx context.Context, pairs []Pair) error
	// Unlink removes pairs from their job's pair list.
	Unlink(ctx context.Context, pairs []Pair) error
	// Claim takes each claim atomically: a create needs no entry, a retract
	// an active entry of the same generation.
	Claim(ctx context.Context, claims []Claim) ([]ClaimResult, error)
	// Complete ends pending transitions whose events are published: a
	// create becomes active, a retract removes the entry.
	Complete(ctx context.Context, claims []Claim) error
	// ForgetCandidate deletes a withdrawn candidate's ledger (feedback
	// included), their held matches and their place in the given jobs'
	// pair lists.
	ForgetCandidate(ctx context.Context, id string, jobs []JobRef) error
}

// CampaignStore keeps campaigns and how far their lifecycle has been
// carried out.
type CampaignStore interface {
	// PutCampaign stores a campaign; CloseCampaign marks it closed.
	PutCampaign(ctx context.Context, c *Campaign, v Version) (Outcome, error)
	CloseCampaign(ctx context.Context, id string, v Version) (Outcome, error)
	// Campaigns returns the state of each campaign id (unknown ones too).
	Campaigns(ctx context.Context, ids []string) (map[string]CampaignState, error)
	// Campaign returns one campaign with its name, event id and phase.
	Campaign(ctx context.Context, id string) (CampaignInfo, error)
	// CampaignInfos lists every known campaign.
	CampaignInfos(ctx context.Context) ([]CampaignInfo, error)
	// SetCampaignPhase records the phase reached by the campaign's event
	// eventID; it does nothing (and returns false) when a newer campaign
	// event was applied meanwhile.
	SetCampaignPhase(ctx context.Context, id, eventID, phase string) (bool, error)
	// CampaignJobs returns the open jobs that name a campaign.
	CampaignJobs(ctx context.Context, id string) ([]JobRef, error)
}

// Locker takes named locks shared by all replicas.
type Locker interface {
	// Lock takes a named lock for at most ttl; ok is false when another
	// holder has it. unlock releases it.
	Lock(ctx context.Context, name string, ttl time.Duration) (unlock func(), ok bool, err error)
}

// Windows keeps the fair-share windows of recent matches and the matches
// held back by their caps.
type Windows interface {
	// Reserve records new matches in their job's and candidate's windows
	// of recent matches when both have room under the caps; it reports
	// for each whether it was recorded.
	Reserve(ctx context.Context, rs []Reservation) ([]bool, error)
	// Release removes reservations whose match was not created after all.
	Release(ctx context.Context, rs []Reservation) error
	// Hold keeps matches that found no room, by score, until Sweep
	// releases them; Unhold forgets them.
	Hold(ctx context.Context, hs []Held) error
	Unhold(ctx context.Context, hs []Held) error
	// HeldPairs returns up to n held matches of a campaign, best first.
	HeldPairs(ctx context.Context, campaign string, n int) ([]Held, error)
}

// FeedbackLog records what candidates and companies said about pairs.
type FeedbackLog interface {
	// PutFeedback records what a candidate or company said about a pair.
	// It does nothing (Stale) when the candidate holds no profile.
	PutFeedback(ctx context.Context, fb *Feedback, campaign string, at time.Time) (Outcome, error)
}

// Reservation is a new match counted against the caps of its campaign.
type Reservation struct {
	Pair     Pair
	Campaign string
	// Member names the match in the windows (its event id).
	Member string
	At     time.Time
	// JobCap is the most matches the job may receive in JobWindow; 0 means
	// no cap. The same for the candidate.
	JobCap, CandidateCap       int
	JobWindow, CandidateWindow time.Duration
}

// Held is a match held back by a cap.
type Held struct {
	Pair     Pair
	Campaign string
	Score    float64
	Trigger  Trigger
}

// Publisher sends match events and returns once the broker has stored them
// all. Events with an ID seen before have effect once.
type Publisher interface {
	Publish(ctx context.Context, events []*Outbound) error
}
