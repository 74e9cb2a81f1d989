package query

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/talentmatch/talentmatch/matcher"
)

// CampaignStats is what an organizer sees of a campaign.
type CampaignStats struct {
	CampaignID string     `json:"campaign_id"`
	Name       string     `json:"name"`
	Status     string     `json:"status"` // open, scheduled, ended, closed
	StartsAt   *time.Time `json:"starts_at,omitempty"`
	EndsAt     *time.Time `json:"ends_at,omitempty"`
	// Registrations: candidates registered in the campaign (with consent,
	// not withdrawn). Jobs: its open jobs.
	Registrations int `json:"registrations"`
	Jobs          int `json:"jobs"`
	// Matches: active matches attributed to the campaign;
	// MatchedCandidates: registrations with at least one of them.
	Matches           int     `json:"matches"`
	MatchedCandidates int     `json:"matched_candidates"`
	MatchedShare      float64 `json:"matched_share"`
	// Held: matches waiting for room under the fair-share caps.
	Held int64 `json:"held"`
	// Feedback recorded on the campaign's matches.
	Interested int `json:"interested"`
	Declined   int `json:"declined"`
	Hires      int `json:"hires"`
	// MedianSecondsToFirstMatch: over matched registrations, the median
	// time from registration to their first match in the campaign; null
	// when nobody is matched yet.
	MedianSecondsToFirstMatch *float64        `json:"median_seconds_to_first_match"`
	ByIndustry                []IndustryStats `json:"by_industry"`
	// RolesWithoutMatch: open jobs with no active match (at most 50 listed).
	RolesWithoutMatch      []Role        `json:"roles_without_match"`
	RolesWithoutMatchTotal int           `json:"roles_without_match_total"`
	MatchesOverTime        []MinuteCount `json:"matches_over_time"`
	ComputedAt             time.Time     `json:"computed_at"`
}

// IndustryStats counts a campaign's members by industry. A job with two
// industries counts in both, and so do its matches.
type IndustryStats struct {
	Industry   string `json:"industry"`
	Name       string `json:"name"`
	NameZh     string `json:"name_zh"`
	Candidates int    `json:"candidates"`
	Jobs       int    `json:"jobs"`
	Matches    int    `json:"matches"`
}

// Role is an open job.
type Role struct {
	CompanyID string `json:"company_id"`
	JobID     string `json:"job_id"`
	Title     string `json:"title"`
}

// MinuteCount counts the creation times of active matches in one minute.
type MinuteCount struct {
	T       time.Time `json:"t"`
	Created int       `json:"created"`
}

// maxRolesListed bounds RolesWithoutMatch.
const maxRolesListed = 50

// CampaignStats returns a campaign's statistics ("open" is the open pool).
// They are computed from a scan of its members, reused for StatsTTL, and
// computed once at a time per campaign however many ask.
func (s *Service) CampaignStats(ctx context.Context, id string) (*CampaignStats, error) {
	s.mu.Lock()
	e, ok := s.stats[id]
	if ok {
		select {
		case <-e.done:
			if s.cfg.Now().Sub(e.at) >= s.cfg.StatsTTL || e.err != nil {
				ok = false
			}
		default: // being computed: wait for it
		}
	}
	if !ok {
		if len(s.stats) > 1000 {
			s.stats = map[string]*statsEntry{}
		}
		e = &statsEntry{done: make(chan struct{})}
		s.stats[id] = e
		s.mu.Unlock()
		e.s, e.err = s.computeStats(context.WithoutCancel(ctx), id)
		e.at = s.cfg.Now()
		close(e.done)
	} else {
		s.mu.Unlock()
	}
	select {
	case <-e.done:
		return e.s, e.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (s *Service) computeStats(ctx context.Context, id string) (*CampaignStats, error) {
	d, err := s.st.ScanCampaign(ctx, id)
	if err != nil {
		return nil, err
	}
	if !d.Info.Known {
		return nil, fmt.Errorf("%w: campaign %s was never opened", ErrNotFound, id)
	}
	now := s.cfg.Now()
	st := &CampaignStats{CampaignID: id, Name: d.Info.Name, Status: d.Info.Status(now), Registrations: len(d.Candidates),
		Jobs: len(d.Jobs), ByIndustry: []IndustryStats{}, RolesWithoutMatch: []Role{},
		MatchesOverTime: []MinuteCount{}, ComputedAt: now.UTC()}
	if id != matcher.OpenPool {
		a, b := d.Info.StartsAt.UTC(), d.Info.EndsAt.UTC()
		st.StartsAt, st.EndsAt = &a, &b
	}
	inds := map[string]*IndustryStats{}
	ind := func(tok string) *IndustryStats {
		x, ok := inds[tok]
		if !ok {
			x = &IndustryStats{Industry: tok}
			x.Name, x.NameZh = s.industryNames(tok)
			inds[tok] = x
		}
		return x
	}
	jobs := map[matcher.JobRef]*matcher.JobFeatures{}
	for _, j := range d.Jobs {
		if j == nil {
			continue
		}
		jobs[j.Ref()] = j
		for _, t := range j.Industries {
			ind(t).Jobs++
		}
	}
	st.Jobs = len(jobs)
	matchedJobs := map[matcher.JobRef]bool{}
	minutes := map[time.Time]int{}
	var waits []float64
	for _, c := range d.Candidates {
		for _, t := range c.Features.Industries {
			ind(t).Candidates++
		}
		n := 0
		for ref, en := range c.Entries {
			if en.Campaign != id || (en.State != matcher.EntryActive && en.State != matcher.EntryRetracting) {
				continue
			}
			n++
			matchedJobs[ref] = true
			minutes[time.UnixMicro(en.Gen).UTC().Truncate(time.Minute)]++
			if j := jobs[ref]; j != nil {
				for _, t := range j.Industries {
					ind(t).Matches++
				}
			}
		}
		st.Matches += n
		if n > 0 {
			st.MatchedCandidates++
		}
		if first, ok := c.FirstMatch[id]; ok && !c.Since.IsZero() {
			waits = append(waits, max(0, first.Sub(c.Since).Seconds()))
		}
		for _, m := range c.Marks {
			if m.Campaign != id {
				continue
			}
			switch m.Kind {
			case matcher.FeedbackInterested:
				st.Interested++
			case matcher.FeedbackDeclined:
				st.Declined++
			case matcher.FeedbackHired:
				st.Hires++
			}
		}
	}
	active := map[matcher.Pair]bool{}
	for _, c := range d.Candidates {
		for ref, en := range c.Entries {
			if en.State != matcher.EntryNone {
				active[matcher.Pair{Job: ref, CandidateID: c.Features.CandidateID}] = true
			}
		}
	}
	for _, p := range d.Held {
		if !active[p] {
			st.Held++
		}
	}
	if st.Registrations > 0 {
		st.MatchedShare = float64(st.MatchedCandidates) / float64(st.Registrations)
	}
	if len(waits) > 0 {
		sort.Float64s(waits)
		m := waits[len(waits)/2]
		if len(waits)%2 == 0 {
			m = (waits[len(waits)/2-1] + waits[len(waits)/2]) / 2
		}
		st.MedianSecondsToFirstMatch = &m
	}
	for _, j := range d.Jobs {
		if j != nil && !matchedJobs[j.Ref()] {
			st.RolesWithoutMatchTotal++
			if len(st.RolesWithoutMatch) < maxRolesListed {
				st.RolesWithoutMatch = append(st.RolesWithoutMatch, Role{CompanyID: j.CompanyID, JobID: j.JobID, Title: j.Title})
			}
		}
	}
	for _, x := range inds {
		st.ByIndustry = append(st.ByIndustry, *x)
	}
	sort.Slice(st.ByIndustry, func(a, b int) bool {
		x, y := st.ByIndustry[a], st.ByIndustry[b]
		if x.Matches != y.Matches {
			return x.Matches > y.Matches
		}
		if x.Candidates+x.Jobs != y.Candidates+y.Jobs {
			return x.Candidates+x.Jobs > y.Candidates+y.Jobs
		}
		return x.Industry < y.Industry
	})
	for t, n := range minutes {
		st.MatchesOverTime = append(st.MatchesOverTime, MinuteCount{T: t, Created: n})
	}
	sort.Slice(st.MatchesOverTime, func(a, b int) bool { return st.MatchesOverTime[a].T.Before(st.MatchesOverTime[b].T) })
	return st, nil
}

// industryNames returns the English and Chinese display names of an
// industry token.
func (s *Service) industryNames(tok string) (en, zh string) {
	if i, ok := s.tax.IndustryByID(tok); ok {
		in := s.tax.IndustryAt(i)
		en = in.Label
		for _, l := range in.Labels {
			if hasHan(l) {
				zh = l
				break
			}
		}
		return en, zh
	}
	en = strings.TrimPrefix(tok, "x:")
	if hasHan(en) {
		zh = en
	}
	return en, zh
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// Campaigns lists the known campaigns (most recently starting first).
func (s *Service) Campaigns(ctx context.Context, p Page) (*CampaignList, error) {
	infos, err := s.st.CampaignInfos(ctx)
	if err != nil {
		return nil, err
	}
	sort.SliceStable(infos, func(a, b int) bool { return infos[a].StartsAt.After(infos[b].StartsAt) })
	lo, hi, next, err := p.bounds(len(infos))
	if err != nil {
		return nil, err
	}
	now := s.cfg.Now()
	out := &CampaignList{Items: []CampaignSummary{}, Total: len(infos), NextCursor: next}
	for _, ci := range infos[lo:hi] {
		out.Items = append(out.Items, CampaignSummary{CampaignID: ci.ID, Name: ci.Name, Status: ci.Status(now),
			StartsAt: ci.StartsAt.UTC(), EndsAt: ci.EndsAt.UTC()})
	}
	return out, nil
}

// CampaignSummary names a campaign in a list.
type CampaignSummary struct {
	CampaignID string    `json:"campaign_id"`
	Name       string    `json:"name"`
	Status     string    `json:"status"`
	StartsAt   time.Time `json:"starts_at"`
	EndsAt     time.Time `json:"ends_at"`
}

// CampaignList is a page of campaigns.
type CampaignList struct {
	Items      []CampaignSummary `json:"items"`
	Total      int               `json:"total"`
	NextCursor string            `json:"next_cursor"`
}
