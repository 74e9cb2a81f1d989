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
	Closed   bool
	MinScore *float64
	TopK     *int
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
}

// ClaimResult says whether a claim was taken.
type ClaimResult int

// Claim results.
const (
	ClaimTaken    ClaimResult = iota + 1
	ClaimBusy                 // the entry is not in the state the claim expects
	ClaimStaleRev             // the candidate changed since it was read
)

// Store is the state the engine reads and writes. matcher/state implements
// it on Redis; any number of engines may share one Store.
type Store interface {
	// PutJob stores an open job (features non-nil) and indexes it.
	PutJob(ctx context.Context, f *JobFeatures, v Version) (Outcome, error)
	// CloseJob unindexes a job and leaves a tombstone of its version.
	CloseJob(ctx context.Context, ref JobRef, v Version) (Outcome, error)
	// PutCandidate stores and indexes a consenting candidate.
	PutCandidate(ctx context.Context, f *CandidateFeatures, v Version) (Outcome, error)
	// EraseCandidate deletes a candidate's profile and index entries and
	// leaves a tombstone of the version (no profile data).
	EraseCandidate(ctx context.Context, id string, v Version) (Outcome, error)
	// PutCampaign stores a campaign; CloseCampaign marks it closed.
	PutCampaign(ctx context.Context, c *Campaign, v Version) (Outcome, error)
	CloseCampaign(ctx context.Context, id string, v Version) (Outcome, error)
	// Campaigns returns the state of each campaign id (unknown ones too).
	Campaigns(ctx context.Context, ids []string) (map[string]CampaignState, error)
	// CampaignJobs returns the open jobs that name a campaign.
	CampaignJobs(ctx context.Context, id string) ([]JobRef, error)

	// Jobs and Candidates fetch features by id; a missing or inactive
	// entity yields nil at its position.
	Jobs(ctx context.Context, refs []JobRef) ([]*JobFeatures, error)
	Candidates(ctx context.Context, ids []string) ([]*CandidateFeatures, error)
	// JobRevs returns the current revision of each job (0 when gone).
	JobRevs(ctx context.Context, refs []JobRef) ([]int64, error)

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
	// ForgetCandidate deletes a withdrawn candidate's ledger and their
	// place in the given jobs' pair lists.
	ForgetCandidate(ctx context.Context, id string, jobs []JobRef) error
}

// Publisher sends match events and returns once the broker has stored them
// all. Events with an ID seen before have effect once.
type Publisher interface {
	Publish(ctx context.Context, events []*Outbound) error
}
