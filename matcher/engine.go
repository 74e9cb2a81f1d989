package matcher

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Config configures an Engine.
type Config struct {
	// MinScore is the threshold a pair's score must reach to be matched,
	// unless its campaign overrides it. Default 0.45.
	MinScore float64
	// TopK is the most matches one event creates per campaign, unless the
	// campaign overrides it. Default 20.
	TopK int
	// JobHourlyCap is the most new matches one job receives per hour in a
	// campaign, and CandidateDailyCap the most one candidate receives per
	// day, unless the campaign overrides them. Matches past a cap are held
	// and released in score order as room appears. 0 means no cap.
	JobHourlyCap      int
	CandidateDailyCap int
	// Logger receives the engine's logs. Default slog.Default().
	Logger *slog.Logger
	// Now returns the current time. Default time.Now.
	Now func() time.Time
}

// DefaultMinScore and DefaultTopK are the defaults of Config.
const (
	DefaultMinScore = 0.45
	DefaultTopK     = 20
)

func (c *Config) setDefaults() {
	if c.MinScore == 0 {
		c.MinScore = DefaultMinScore
	}
	if c.TopK == 0 {
		c.TopK = DefaultTopK
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Validate reports a configuration that cannot work.
func (c *Config) Validate() error {
	if c.MinScore < 0 || c.MinScore > 1 {
		return fmt.Errorf("min score %v is outside [0, 1]", c.MinScore)
	}
	if c.TopK < 1 {
		return fmt.Errorf("top-k %d is below 1", c.TopK)
	}
	if c.JobHourlyCap < 0 || c.CandidateDailyCap < 0 {
		return fmt.Errorf("caps %d/hour per job and %d/day per candidate: use 0 for no cap", c.JobHourlyCap, c.CandidateDailyCap)
	}
	return nil
}

// Engine applies inbound events: it updates state, decides which pairs are
// matched and announces changes through the match ledger. Every method is
// idempotent for a given event, so an event may be handled again after a
// crash or redelivery. An Engine is safe for concurrent use; events of the
// same entity should still be handled one at a time for efficiency.
type Engine struct {
	cfg    Config
	norm   *Normalizer
	scorer *Scorer
	// The roles of the store each part of the engine uses.
	entities      Entities
	ledger        Ledger
	campaignStore CampaignStore
	locks         Locker
	windows       Windows
	feedback      FeedbackLog
	ranker        Ranker
	pub           Publisher
	log           *slog.Logger

	campMu    sync.Mutex
	campCache map[string]cachedCampaign
}

// NewEngine returns an engine. cfg's zero fields take their defaults.
func NewEngine(cfg Config, n *Normalizer, s *Scorer, st Store, r Ranker, p Publisher) (*Engine, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Engine{cfg: cfg, norm: n, scorer: s, ranker: r, pub: p, log: cfg.Logger, campCache: map[string]cachedCampaign{},
		entities: st, ledger: st, campaignStore: st, locks: st, windows: st, feedback: st}, nil
}

// matchNamespace makes match ids: UUID v5 of "company/job|candidate".
var matchNamespace = uuid.MustParse("6f1d3c55-2f4b-4e2b-9a52-6d1c2a1f7e10")

// MatchID returns the stable id of a job/candidate pair.
func MatchID(p Pair) string {
	return uuid.NewSHA1(matchNamespace, []byte(p.Job.String()+"|"+p.CandidateID)).String()
}

// EventID returns the deterministic id of a match event: the match id, the
// pair's generation and the kind. It is both the CloudEvents id and the
// Nats-Msg-Id, so a republished event is dropped by JetStream.
func EventID(matchID string, gen int64, kind MatchKind) string {
	return fmt.Sprintf("%s.%d.%s", matchID, gen, kind)
}

func (e *Engine) policy(c CampaignState) (float64, int) {
	min, k := e.cfg.MinScore, e.cfg.TopK
	if c.MinScore != nil {
		min = *c.MinScore
	}
	if c.TopK != nil {
		k = *c.TopK
	}
	return min, k
}

// attribute picks the campaign a pair's match belongs to: the first shared
// campaign, in id order, that is live at now. The open pool is always live;
// a campaign not yet opened, not yet started, closed or past its end takes
// no matches.
func attribute(shared []string, camps map[string]CampaignState, now time.Time) string {
	for _, id := range shared {
		if camps[id].Live(now) {
			return id
		}
	}
	return ""
}

// ended reports whether an active entry's campaign has ended, so that its
// match must be retracted.
func ended(en Entry, camps map[string]CampaignState, now time.Time) bool {
	return camps[en.Campaign].Ended(now)
}

// floor is the lowest threshold among the given campaigns.
func (e *Engine) floor(ids []string, camps map[string]CampaignState) float64 {
	f := 1.0
	for _, id := range ids {
		if min, _ := e.policy(camps[id]); min < f {
			f = min
		}
	}
	return f
}

// campaigns returns the state of campaigns. Cached states (at most
// campaignTTL old) serve the first decisions of an event; settle reads them
// fresh, so a campaign closing meanwhile is still honoured. Only live
// campaigns are cached: an event must see a campaign that opened before it
// read, or the campaign's own matching might miss it (see OpenCampaign).
func (e *Engine) campaigns(ctx context.Context, ids []string, fresh bool) (map[string]CampaignState, error) {
	m := map[string]CampaignState{OpenPool: {ID: OpenPool, Known: true, EndsAt: farFuture}}
	var missing []string
	now := e.cfg.Now()
	e.campMu.Lock()
	for _, id := range ids {
		if id == OpenPool {
			continue
		}
		if c, ok := e.campCache[id]; ok && !fresh && now.Sub(c.at) < campaignTTL {
			m[id] = c.state
			continue
		}
		missing = append(missing, id)
	}
	e.campMu.Unlock()
	if len(missing) == 0 {
		return m, nil
	}
	cs, err := e.campaignStore.Campaigns(ctx, missing)
	if err != nil {
		return nil, fmt.Errorf("read campaigns: %w", err)
	}
	e.campMu.Lock()
	if len(e.campCache) > 10000 {
		e.campCache = map[string]cachedCampaign{}
	}
	for id, c := range cs {
		m[id] = c
		if c.Live(now) {
			e.campCache[id] = cachedCampaign{state: c, at: now}
		} else {
			delete(e.campCache, id)
		}
	}
	e.campMu.Unlock()
	return m, nil
}

// forgetCampaign drops a campaign's cached state.
func (e *Engine) forgetCampaign(id string) {
	e.campMu.Lock()
	delete(e.campCache, id)
	e.campMu.Unlock()
}

// farFuture is the open pool's end.
var farFuture = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// campaignTTL bounds how stale a cached campaign state may be.
const campaignTTL = time.Second

type cachedCampaign struct {
	state CampaignState
	at    time.Time
}

// newMatch builds the match data of a pair.
func (e *Engine) newMatch(p Pair, campaign string, j *JobFeatures, r Result, t Trigger) Match {
	m := Match{
		MatchID:     MatchID(p),
		JobID:       p.Job.JobID,
		CompanyID:   p.Job.CompanyID,
		CandidateID: p.CandidateID,
		CampaignID:  campaign,
		Trigger:     t,
	}
	e.scorer.Explain(&m, j, r)
	return m
}

// bareMatch is the data of a retraction when the scores cannot be
// recomputed (the job or the candidate is gone): the last announced score
// and empty explanations.
func bareMatch(p Pair, en Entry, t Trigger) Match {
	return Match{
		MatchID: MatchID(p), JobID: p.Job.JobID, CompanyID: p.Job.CompanyID, CandidateID: p.CandidateID,
		CampaignID: en.Campaign, Score: en.Score,
		MatchedSkills: []string{}, MissingRequiredSkills: []string{}, MatchedIndustries: []string{},
		PartialSkills: []PartialSkill{}, Trigger: t,
	}
}

// plan collects the ledger changes one event makes.
type plan struct {
	creates  []Claim
	retracts []Claim
}

// create plans the match of job j and candidate c, decided on their current
// revisions.
func (e *Engine) create(pl *plan, p Pair, campaign string, m Match, j *JobFeatures, c *CandidateFeatures) {
	gen := e.cfg.Now().UnixMicro()
	ev := &Outbound{ID: EventID(m.MatchID, gen, MatchCreated), Kind: MatchCreated, Time: e.cfg.Now().UTC(), Match: m}
	pl.creates = append(pl.creates, Claim{Pair: p, Event: ev, Gen: gen, CandidateRev: c.Rev, Campaign: campaign, Score: m.Score,
		Basis: Basis{JobRev: j.Rev, CandidateRev: c.Rev}})
}

func (e *Engine) retract(pl *plan, p Pair, en Entry, m Match, candRev int64) {
	m.CampaignID = en.Campaign
	ev := &Outbound{ID: EventID(m.MatchID, en.Gen, MatchRetracted), Kind: MatchRetracted, Time: e.cfg.Now().UTC(), Match: m}
	pl.retracts = append(pl.retracts, Claim{Pair: p, Event: ev, Gen: en.Gen, CandidateRev: candRev, Campaign: en.Campaign, Score: en.Score})
}

// finishPending completes transitions left half-done by any handler (this
// one after a crash, or another replica): their events are published again
// (JetStream drops the copy if the first went out) and the entries move on.
// entries is updated in place.
func (e *Engine) finishPending(ctx context.Context, pairs []Pair, entries []Entry) error {
	var claims []Claim
	var idx []int
	for i, en := range entries {
		if (en.State == EntryCreating || en.State == EntryRetracting) && en.Pending != nil {
			claims = append(claims, Claim{Pair: pairs[i], Event: en.Pending, Gen: en.Gen, Campaign: en.Campaign, Score: en.Score})
			idx = append(idx, i)
		}
	}
	if len(claims) == 0 {
		return nil
	}
	evs := make([]*Outbound, len(claims))
	for i, c := range claims {
		evs[i] = c.Event
	}
	if err := e.pub.Publish(ctx, evs); err != nil {
		return fmt.Errorf("republish pending match events: %w", err)
	}
	if err := e.ledger.Complete(ctx, claims); err != nil {
		return fmt.Errorf("complete pending match events: %w", err)
	}
	var gone []Pair
	for n, i := range idx {
		if entries[i].State == EntryCreating {
			entries[i].State, entries[i].Pending = EntryActive, nil
		} else {
			entries[i] = Entry{}
			gone = append(gone, claims[n].Pair)
		}
	}
	if len(gone) > 0 {
		if err := e.ledger.Unlink(ctx, gone); err != nil {
			return fmt.Errorf("unlink retracted pairs: %w", err)
		}
	}
	return nil
}

// commit claims, publishes and completes a plan. Creates whose claim finds
// the candidate changed are dropped: the candidate's own event handles the
// pair. It returns the creates and retracts that took effect.
func (e *Engine) commit(ctx context.Context, pl *plan) (created, retracted []Claim, err error) {
	if len(pl.creates) == 0 && len(pl.retracts) == 0 {
		return nil, nil, nil
	}
	var reserved []Reservation
	if len(pl.creates) > 0 {
		if pl.creates, reserved, err = e.admit(ctx, pl.creates); err != nil {
			return nil, nil, err
		}
	}
	if len(pl.creates) > 0 {
		links := make([]Pair, len(pl.creates))
		for i, c := range pl.creates {
			links[i] = c.Pair
		}
		if err := e.ledger.Link(ctx, links); err != nil {
			return nil, nil, fmt.Errorf("link pairs: %w", err)
		}
	}
	all := append(append([]Claim{}, pl.creates...), pl.retracts...)
	res, err := e.ledger.Claim(ctx, all)
	if err != nil {
		return nil, nil, fmt.Errorf("claim pairs: %w", err)
	}
	var taken []Claim
	var evs []*Outbound
	var lost []Pair
	for i, r := range res {
		if (r == ClaimStaleRev || r == ClaimDeclined) && i < len(pl.creates) {
			lost = append(lost, all[i].Pair)
		}
		if r != ClaimTaken {
			continue
		}
		taken = append(taken, all[i])
		evs = append(evs, all[i].Event)
		if i < len(pl.creates) {
			created = append(created, all[i])
		} else {
			retracted = append(retracted, all[i])
		}
	}
	if len(lost) > 0 {
		// The candidate changed, withdrew or declined since it was scored;
		// its own event decides. The links of candidates who hold no
		// profile any more are dropped, so that no trace of them is left
		// behind; a changed candidate's link may be its own event's, made
		// for the match that event created, and stays.
		if err := e.unlinkGone(ctx, lost); err != nil {
			return nil, nil, err
		}
	}
	if err := e.settleCaps(ctx, pl.creates, res, reserved); err != nil {
		return nil, nil, err
	}
	if len(taken) == 0 {
		return nil, nil, nil
	}
	if err := e.pub.Publish(ctx, evs); err != nil {
		return nil, nil, fmt.Errorf("publish match events: %w", err)
	}
	if err := e.ledger.Complete(ctx, taken); err != nil {
		return nil, nil, fmt.Errorf("complete match events: %w", err)
	}
	if len(retracted) > 0 {
		gone := make([]Pair, len(retracted))
		for i, c := range retracted {
			gone[i] = c.Pair
		}
		if err := e.ledger.Unlink(ctx, gone); err != nil {
			return nil, nil, fmt.Errorf("unlink retracted pairs: %w", err)
		}
	}
	return created, retracted, nil
}

// unlinkGone removes from their jobs' pair lists the pairs whose candidate
// holds no profile.
func (e *Engine) unlinkGone(ctx context.Context, pairs []Pair) error {
	ids := make([]string, len(pairs))
	for i, p := range pairs {
		ids[i] = p.CandidateID
	}
	cands, err := e.entities.Candidates(ctx, ids)
	if err != nil {
		return fmt.Errorf("read candidates of lost pairs: %w", err)
	}
	var gone []Pair
	for i, c := range cands {
		if c == nil {
			gone = append(gone, pairs[i])
		}
	}
	if len(gone) == 0 {
		return nil
	}
	if err := e.ledger.Unlink(ctx, gone); err != nil {
		return fmt.Errorf("unlink lost pairs: %w", err)
	}
	return nil
}

// Effect reports what handling an event did.
type Effect struct {
	Outcome   Outcome
	Created   int
	Retracted int
}

func (ef *Effect) add(created, retracted []Claim) {
	ef.Created += len(created)
	ef.Retracted += len(retracted)
}
