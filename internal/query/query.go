// Package query answers questions about matches and campaigns from the
// state in Redis: the matches of a candidate, a job or a company, and a
// campaign's statistics. internal/api serves it over HTTP and as a NATS
// micro service; both give the same JSON.
package query

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/talentmatch/talentmatch/matcher"
	"github.com/talentmatch/talentmatch/matcher/state"
	"github.com/talentmatch/talentmatch/matcher/taxonomy"
)

// Errors of queries; the API maps them to status codes.
var (
	// ErrNotFound: the campaign, candidate or job is unknown.
	ErrNotFound = errors.New("not found")
	// ErrBadRequest: an argument is malformed.
	ErrBadRequest = errors.New("bad request")
)

// Weigher gives rarity weights of skill tokens (the engine's ranker).
type Weigher interface {
	Weights(ctx context.Context, tokens []string) (matcher.Weights, error)
}

// Config configures a Service.
type Config struct {
	// StatsTTL is how long a campaign's statistics are reused. Default 2s.
	StatsTTL time.Duration
	// Now returns the current time. Default time.Now.
	Now func() time.Time
}

// Service answers queries. It is safe for concurrent use.
type Service struct {
	st     *state.Redis
	scorer *matcher.Scorer
	w      Weigher
	tax    *taxonomy.Taxonomy
	cfg    Config

	mu    sync.Mutex
	stats map[string]*statsEntry
}

type statsEntry struct {
	done chan struct{} // closed when s and err are set
	at   time.Time
	s    *CampaignStats
	err  error
}

// New returns a Service.
func New(st *state.Redis, scorer *matcher.Scorer, w Weigher, tax *taxonomy.Taxonomy, cfg Config) *Service {
	if cfg.StatsTTL == 0 {
		cfg.StatsTTL = 2 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{st: st, scorer: scorer, w: w, tax: tax, cfg: cfg, stats: map[string]*statsEntry{}}
}

// Page selects a page of a list: at most Limit items (default 20, at most
// 200) after the position Cursor (from the previous page's NextCursor).
type Page struct {
	Limit  int    `json:"limit,omitempty"`
	Cursor string `json:"cursor,omitempty"`
}

// DefaultLimit and MaxLimit bound a page.
const (
	DefaultLimit = 20
	MaxLimit     = 200
)

func (p Page) bounds(n int) (lo, hi int, next string, err error) {
	limit := p.Limit
	if limit == 0 {
		limit = DefaultLimit
	}
	if limit < 1 || limit > MaxLimit {
		return 0, 0, "", fmt.Errorf("%w: limit %d is outside 1..%d", ErrBadRequest, p.Limit, MaxLimit)
	}
	if p.Cursor != "" {
		b, err := base64.RawURLEncoding.DecodeString(p.Cursor)
		if err == nil {
			lo, err = strconv.Atoi(string(b))
		}
		if err != nil || lo < 0 {
			return 0, 0, "", fmt.Errorf("%w: cursor %q is not one this API returned", ErrBadRequest, p.Cursor)
		}
	}
	lo = min(lo, n)
	hi = min(lo+limit, n)
	if hi < n {
		next = base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(hi)))
	}
	return lo, hi, next, nil
}

// MatchView is an active match as queries show it: the fields of the
// contract's match data (but trigger), scored and explained against current
// state, with the score announced when it was created, the job's title and
// the creation time.
type MatchView struct {
	MatchID               string                 `json:"match_id"`
	JobID                 string                 `json:"job_id"`
	CompanyID             string                 `json:"company_id"`
	CandidateID           string                 `json:"candidate_id"`
	CampaignID            string                 `json:"campaign_id"`
	Score                 float64                `json:"score"`
	SkillScore            float64                `json:"skill_score"`
	IndustryScore         float64                `json:"industry_score"`
	MatchedSkills         []string               `json:"matched_skills"`
	MissingRequiredSkills []string               `json:"missing_required_skills"`
	MatchedIndustries     []string               `json:"matched_industries"`
	PartialSkills         []matcher.PartialSkill `json:"partial_skills"`
	AnnouncedScore        float64                `json:"announced_score"`
	JobTitle              string                 `json:"job_title,omitempty"`
	CreatedAt             time.Time              `json:"created_at"`
}

// MatchList is a page of matches, best score first.
type MatchList struct {
	Items      []MatchView `json:"items"`
	Total      int         `json:"total"`
	NextCursor string      `json:"next_cursor"`
}

// CandidateMatches lists a candidate's active matches.
func (s *Service) CandidateMatches(ctx context.Context, id string, p Page) (*MatchList, error) {
	cands, err := s.st.Candidates(ctx, []string{id})
	if err != nil {
		return nil, err
	}
	if cands[0] == nil {
		return nil, fmt.Errorf("%w: candidate %s holds no profile", ErrNotFound, id)
	}
	entries, err := s.st.CandidateEntries(ctx, id)
	if err != nil {
		return nil, err
	}
	var pairs []matcher.Pair
	var ens []matcher.Entry
	for ref, en := range entries {
		if en.State == matcher.EntryActive || en.State == matcher.EntryRetracting {
			pairs = append(pairs, matcher.Pair{Job: ref, CandidateID: id})
			ens = append(ens, en)
		}
	}
	return s.list(ctx, pairs, ens, p)
}

// JobMatches lists a job's active matches.
func (s *Service) JobMatches(ctx context.Context, ref matcher.JobRef, p Page) (*MatchList, error) {
	jobs, err := s.st.Jobs(ctx, []matcher.JobRef{ref})
	if err != nil {
		return nil, err
	}
	if jobs[0] == nil {
		ids, err := s.st.JobPairs(ctx, ref)
		if err != nil {
			return nil, err
		}
		if len(ids) == 0 {
			return nil, fmt.Errorf("%w: job %s is not open", ErrNotFound, ref)
		}
	}
	pairs, ens, err := s.jobPairs(ctx, []matcher.JobRef{ref})
	if err != nil {
		return nil, err
	}
	return s.list(ctx, pairs, ens, p)
}

// CompanyMatches lists the active matches of all of a company's jobs.
func (s *Service) CompanyMatches(ctx context.Context, company string, p Page) (*MatchList, error) {
	refs, err := s.st.CompanyJobs(ctx, company)
	if err != nil {
		return nil, err
	}
	if len(refs) == 0 {
		return nil, fmt.Errorf("%w: company %s has posted no job", ErrNotFound, company)
	}
	pairs, ens, err := s.jobPairs(ctx, refs)
	if err != nil {
		return nil, err
	}
	return s.list(ctx, pairs, ens, p)
}

func (s *Service) jobPairs(ctx context.Context, refs []matcher.JobRef) ([]matcher.Pair, []matcher.Entry, error) {
	var all []matcher.Pair
	for _, ref := range refs {
		ids, err := s.st.JobPairs(ctx, ref)
		if err != nil {
			return nil, nil, err
		}
		for _, id := range ids {
			all = append(all, matcher.Pair{Job: ref, CandidateID: id})
		}
	}
	entries, err := s.st.Entries(ctx, all)
	if err != nil {
		return nil, nil, err
	}
	var pairs []matcher.Pair
	var ens []matcher.Entry
	for i, en := range entries {
		if en.State == matcher.EntryActive || en.State == matcher.EntryRetracting {
			pairs = append(pairs, all[i])
			ens = append(ens, en)
		}
	}
	return pairs, ens, nil
}

// list sorts active pairs by their announced score (then match id) and
// explains one page of them against current state.
func (s *Service) list(ctx context.Context, pairs []matcher.Pair, ens []matcher.Entry, p Page) (*MatchList, error) {
	idx := make([]int, len(pairs))
	ids := make([]string, len(pairs))
	for i := range idx {
		idx[i] = i
		ids[i] = matcher.MatchID(pairs[i])
	}
	sort.Slice(idx, func(a, b int) bool {
		x, y := idx[a], idx[b]
		if ens[x].Score != ens[y].Score {
			return ens[x].Score > ens[y].Score
		}
		return ids[x] < ids[y]
	})
	lo, hi, next, err := p.bounds(len(idx))
	if err != nil {
		return nil, err
	}
	page := idx[lo:hi]
	refs := make([]matcher.JobRef, len(page))
	cids := make([]string, len(page))
	for n, i := range page {
		refs[n], cids[n] = pairs[i].Job, pairs[i].CandidateID
	}
	jobs, err := s.st.Jobs(ctx, refs)
	if err != nil {
		return nil, err
	}
	cands, err := s.st.Candidates(ctx, cids)
	if err != nil {
		return nil, err
	}
	out := &MatchList{Items: make([]MatchView, 0, len(page)), Total: len(idx), NextCursor: next}
	for n, i := range page {
		en, pr := ens[i], pairs[i]
		m := matcher.Match{MatchID: ids[i], JobID: pr.Job.JobID, CompanyID: pr.Job.CompanyID, CandidateID: pr.CandidateID,
			CampaignID: en.Campaign, Score: en.Score, MatchedSkills: []string{}, MissingRequiredSkills: []string{},
			MatchedIndustries: []string{}, PartialSkills: []matcher.PartialSkill{}}
		title := ""
		if j, c := jobs[n], cands[n]; j != nil && c != nil {
			w, err := s.w.Weights(ctx, j.Skills())
			if err != nil {
				return nil, err
			}
			s.scorer.Explain(&m, j, s.scorer.ScoreExplained(j, c, w))
			title = j.Title
		}
		out.Items = append(out.Items, MatchView{MatchID: m.MatchID, JobID: m.JobID, CompanyID: m.CompanyID, CandidateID: m.CandidateID,
			CampaignID: m.CampaignID, Score: m.Score, SkillScore: m.SkillScore, IndustryScore: m.IndustryScore,
			MatchedSkills: m.MatchedSkills, MissingRequiredSkills: m.MissingRequiredSkills, MatchedIndustries: m.MatchedIndustries,
			PartialSkills: m.PartialSkills, AnnouncedScore: en.Score, JobTitle: title, CreatedAt: time.UnixMicro(en.Gen).UTC()})
	}
	return out, nil
}
