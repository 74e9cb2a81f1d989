package matchertest

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"testing"
	"time"

	"github.com/talentmatch/talentmatch/matcher"
	"github.com/talentmatch/talentmatch/matcher/taxonomy"
)

// Backend is what an engine under test runs on: a store that is also the
// ranker's index. Store and matcher/state's Redis both are one.
type Backend interface {
	matcher.Store
	matcher.Index
	// HeldTotal returns how many matches are held over all campaigns.
	HeldTotal(ctx context.Context) (int64, error)
}

// NewBackend returns a fresh, empty backend for one scenario whose clock is
// clock. It may register cleanups with t.
type NewBackend func(t *testing.T, clock *Clock) Backend

// Start is the time a scenario's clock starts at.
var Start = time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)

// Company is the company of the jobs of the scenarios unless they name
// another.
const Company = "acme"

// Env is an engine over a backend, with its clock and publisher, that a
// test drives step by step. It keeps track of the jobs and candidates it
// has seen so that it can check the whole ledger after each step.
type Env struct {
	Clock   *Clock
	Backend Backend
	Pub     *Publisher
	Engine  *matcher.Engine

	hooks  *hooked
	unlock map[string]func()
	seq    int
	jobs   map[matcher.JobRef]bool
	cands  map[string]bool
}

// NewEnv returns an engine over b with cfg (its Now is set to clock's; its
// Logger, when nil, discards) and the default taxonomy and scoring, wired
// by opts.Wire or else with an IndexRanker over b that reads document
// frequencies afresh for every event, so that scores do not depend on
// timing.
func NewEnv(t testing.TB, b Backend, clock *Clock, cfg matcher.Config, opts Options) *Env {
	t.Helper()
	tax := taxonomy.Default()
	scorer := matcher.NewScorer(tax, matcher.ScoreConfig{})
	cfg.Now = clock.Now
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	pub := NewPublisher()
	var store matcher.Store = b
	var ranker matcher.Ranker = matcher.NewIndexRanker(b, scorer, time.Nanosecond)
	if opts.Wire != nil {
		store, ranker = opts.Wire(t, b, scorer)
	}
	h := &hooked{Store: store}
	e, err := matcher.NewEngine(cfg, matcher.NewNormalizer(tax), scorer, h, ranker, pub)
	if err != nil {
		t.Fatal(err)
	}
	return &Env{Clock: clock, Backend: b, Pub: pub, Engine: e, hooks: h, unlock: map[string]func(){}, jobs: map[matcher.JobRef]bool{}, cands: map[string]bool{}}
}

// version returns the version of the env's next event: the clock's time,
// back by back, and a fresh event id.
func (e *Env) version(back time.Duration) matcher.Version {
	e.seq++
	return matcher.Version{Time: e.Clock.Now().Add(-back), EventID: fmt.Sprintf("ev-%04d", e.seq)}
}

// Event formats a match event as the scenarios expect them:
// "<kind> <job>/<candidate> <campaign> <trigger>", the job's company
// shown only when it is not Company.
func Event(ob *matcher.Outbound) string {
	m := ob.Match
	job := m.JobID
	if m.CompanyID != Company {
		job = m.CompanyID + ":" + m.JobID
	}
	return fmt.Sprintf("%s %s/%s %s %s", ob.Kind, job, m.CandidateID, m.CampaignID, m.Trigger)
}

// pairName formats a pair as Event does.
func pairName(p matcher.Pair) string {
	job := p.Job.JobID
	if p.Job.CompanyID != Company {
		job = p.Job.CompanyID + ":" + p.Job.JobID
	}
	return job + "/" + p.CandidateID
}

// live replays every event published so far: the matches announced and
// not retracted, by pair. It reports an event that does not follow from
// the ones before (a create of a live pair, a retraction of a pair not
// live or of another generation).
func (e *Env) live() (map[matcher.Pair]*matcher.Outbound, []string) {
	out := map[matcher.Pair]*matcher.Outbound{}
	var bad []string
	for _, ob := range e.Pub.Events() {
		m := ob.Match
		p := matcher.Pair{Job: matcher.JobRef{CompanyID: m.CompanyID, JobID: m.JobID}, CandidateID: m.CandidateID}
		switch ob.Kind {
		case matcher.MatchCreated:
			if prev, ok := out[p]; ok {
				bad = append(bad, fmt.Sprintf("%s created again while live since %s", pairName(p), prev.ID))
			}
			out[p] = ob
		case matcher.MatchRetracted:
			prev, ok := out[p]
			if !ok {
				bad = append(bad, fmt.Sprintf("%s retracted while not live", pairName(p)))
				continue
			}
			if want := generationOf(prev.ID, matcher.MatchCreated); generationOf(ob.ID, matcher.MatchRetracted) != want {
				bad = append(bad, fmt.Sprintf("%s retracted as %s, live as %s", pairName(p), ob.ID, prev.ID))
			}
			if m.CampaignID != prev.Match.CampaignID {
				bad = append(bad, fmt.Sprintf("%s retracted in campaign %s, created in %s", pairName(p), m.CampaignID, prev.Match.CampaignID))
			}
			delete(out, p)
		}
	}
	return out, bad
}

// generationOf returns the "match.gen" part of an event id.
func generationOf(id string, kind matcher.MatchKind) string {
	suffix := "." + string(kind)
	if len(id) > len(suffix) && id[len(id)-len(suffix):] == suffix {
		return id[:len(id)-len(suffix)]
	}
	return id
}

// CheckLedger reports where the ledger disagrees with the events published:
// every announced match must be an active entry of its generation, campaign
// and score, no other entry may exist, none may be left pending, each entry
// must be in its job's pair list (or the job's close would miss it), and
// no pair list may name a candidate who holds no profile.
func (e *Env) CheckLedger(ctx context.Context) []string {
	live, bad := e.live()
	entries := map[matcher.Pair]matcher.Entry{}
	for id := range e.cands {
		m, err := e.Backend.CandidateEntries(ctx, id)
		if err != nil {
			return append(bad, err.Error())
		}
		for ref, en := range m {
			entries[matcher.Pair{Job: ref, CandidateID: id}] = en
		}
	}
	for p, ob := range live {
		en, ok := entries[p]
		switch {
		case !ok:
			bad = append(bad, fmt.Sprintf("%s announced but has no ledger entry", pairName(p)))
		case en.State != matcher.EntryActive:
			bad = append(bad, fmt.Sprintf("%s announced but its entry is %q", pairName(p), en.State))
		case matcher.EventID(ob.Match.MatchID, en.Gen, matcher.MatchCreated) != ob.ID:
			bad = append(bad, fmt.Sprintf("%s announced as %s but its entry has generation %d", pairName(p), ob.ID, en.Gen))
		case en.Campaign != ob.Match.CampaignID:
			bad = append(bad, fmt.Sprintf("%s announced in %s but its entry is in %s", pairName(p), ob.Match.CampaignID, en.Campaign))
		case en.Score != ob.Match.Score:
			bad = append(bad, fmt.Sprintf("%s announced with score %v but its entry has %v", pairName(p), ob.Match.Score, en.Score))
		}
	}
	for p, en := range entries {
		if _, ok := live[p]; !ok {
			bad = append(bad, fmt.Sprintf("%s has a ledger entry %q but no live match", pairName(p), en.State))
		}
	}
	for ref := range e.jobs {
		ids, err := e.Backend.JobPairs(ctx, ref)
		if err != nil {
			return append(bad, err.Error())
		}
		linked := map[string]bool{}
		var unclaimed []string
		for _, id := range ids {
			linked[id] = true
			if _, ok := entries[matcher.Pair{Job: ref, CandidateID: id}]; !ok {
				unclaimed = append(unclaimed, id)
			}
		}
		// A pair linked without an entry (a claim that lost a race) is
		// tolerated, but never for a candidate who holds no profile: no
		// trace of them may be left.
		if len(unclaimed) > 0 {
			cands, err := e.Backend.Candidates(ctx, unclaimed)
			if err != nil {
				return append(bad, err.Error())
			}
			for i, id := range unclaimed {
				if cands[i] == nil {
					bad = append(bad, fmt.Sprintf("%s is in the job's pair list, but the candidate holds no profile", pairName(matcher.Pair{Job: ref, CandidateID: id})))
				}
			}
		}
		for p := range entries {
			if p.Job == ref && !linked[p.CandidateID] {
				bad = append(bad, fmt.Sprintf("%s has an entry but is not in the job's pair list", pairName(p)))
			}
		}
	}
	sort.Strings(bad)
	return bad
}

// pending reports whether any ledger entry is in a pending transition.
func (e *Env) pending(ctx context.Context) (bool, error) {
	for id := range e.cands {
		m, err := e.Backend.CandidateEntries(ctx, id)
		if err != nil {
			return false, err
		}
		for _, en := range m {
			if en.State == matcher.EntryCreating || en.State == matcher.EntryRetracting {
				return true, nil
			}
		}
	}
	return false, nil
}

// Active returns the active ledger entries as "<job>/<candidate> <campaign>",
// sorted.
func (e *Env) Active(ctx context.Context) ([]string, error) {
	var out []string
	for id := range e.cands {
		m, err := e.Backend.CandidateEntries(ctx, id)
		if err != nil {
			return nil, err
		}
		for ref, en := range m {
			if en.State == matcher.EntryActive {
				out = append(out, pairName(matcher.Pair{Job: ref, CandidateID: id})+" "+en.Campaign)
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

// Held returns the held matches of the open pool and every known campaign
// as "<job>/<candidate> <campaign> <trigger>", best first per campaign.
func (e *Env) Held(ctx context.Context) ([]string, error) {
	infos, err := e.Backend.CampaignInfos(ctx)
	if err != nil {
		return nil, err
	}
	ids := []string{matcher.OpenPool}
	for _, ci := range infos {
		ids = append(ids, ci.ID)
	}
	out := []string{}
	for _, id := range ids {
		hs, err := e.Backend.HeldPairs(ctx, id, 0)
		if err != nil {
			return nil, err
		}
		for _, h := range hs {
			out = append(out, fmt.Sprintf("%s %s %s", pairName(h.Pair), h.Campaign, h.Trigger))
		}
	}
	return out, nil
}
