package matchertest

import (
	"context"
	"strconv"
	"time"

	"github.com/talentmatch/talentmatch/matcher"
)

// CampaignJobs implements matcher.CampaignStore.
func (s *Store) CampaignJobs(_ context.Context, id string) ([]matcher.JobRef, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []matcher.JobRef
	for _, m := range s.ks.smembers(campaignMembersKey("j", id)) {
		if ref, ok := matcher.ParseJobRef(m); ok {
			out = append(out, ref)
		}
	}
	return out, nil
}

// PutCampaign implements matcher.CampaignStore.
func (s *Store) PutCampaign(_ context.Context, c *matcher.Campaign, v matcher.Version) (matcher.Outcome, error) {
	min, topk := "", ""
	if c.MinScore != nil {
		min = strconv.FormatFloat(*c.MinScore, 'f', -1, 64)
	}
	if c.TopK != nil {
		topk = strconv.Itoa(*c.TopK)
	}
	return s.campaignChange(c.CampaignID, v, "o",
		"name", c.Name, "starts", c.StartsAt.UTC().Format(time.RFC3339Nano), "ends", c.EndsAt.UTC().Format(time.RFC3339Nano),
		"min", min, "topk", topk, "capj", optInt(c.MaxMatchesPerJobPerHour), "capc", optInt(c.MaxMatchesPerCandidatePerDay))
}

func optInt(p *int) string {
	if p == nil {
		return ""
	}
	return strconv.Itoa(*p)
}

// CloseCampaign implements matcher.CampaignStore. The campaign keeps its
// window and overrides; closing one never opened records it as known and
// closed.
func (s *Store) CloseCampaign(_ context.Context, id string, v matcher.Version) (matcher.Outcome, error) {
	return s.campaignChange(id, v, "c")
}

// campaignChange mirrors matcher/state's campaignScript.
func (s *Store) campaignChange(id string, v matcher.Version, status string, fields ...string) (matcher.Outcome, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.ks.sadd(campaignsKey, id) // Redis adds the id whatever the outcome
	k := campaignKey(id)
	t, e := versionTime(v.Time), v.EventID
	if ct, ok := s.ks.hget(k, "t"); ok {
		ce, _ := s.ks.hget(k, "e")
		if t == ct && e == ce {
			return matcher.Current, nil
		}
		if t < ct || (t == ct && e < ce) {
			return matcher.Stale, nil
		}
	}
	s.ks.hset(k, "t", t, "e", e, "st", status)
	s.ks.hdel(k, "act")
	for i := 0; i+1 < len(fields); i += 2 {
		if fields[i+1] == "" {
			s.ks.hdel(k, fields[i])
		} else {
			s.ks.hset(k, fields[i], fields[i+1])
		}
	}
	return matcher.Applied, nil
}

// parseCampaign reads a campaign record as matcher/state does.
func (s *Store) parseCampaign(id string) matcher.CampaignInfo {
	k := campaignKey(id)
	str := func(f string) string { v, _ := s.ks.hget(k, f); return v }
	optInt := func(v string) *int {
		if n, err := strconv.Atoi(v); err == nil && v != "" {
			return &n
		}
		return nil
	}
	cs := matcher.CampaignState{ID: id}
	if st := str("st"); st != "" {
		cs.Known, cs.Closed = true, st == "c"
	}
	if v := str("min"); v != "" {
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			cs.MinScore = &f
		}
	}
	cs.TopK = optInt(str("topk"))
	cs.StartsAt, _ = time.Parse(time.RFC3339Nano, str("starts"))
	cs.EndsAt, _ = time.Parse(time.RFC3339Nano, str("ends"))
	if cs.Known && cs.EndsAt.IsZero() {
		cs.EndsAt = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	cs.JobHourlyCap, cs.CandidateDailyCap = optInt(str("capj")), optInt(str("capc"))
	return matcher.CampaignInfo{CampaignState: cs, Name: str("name"), Phase: str("act"), EventID: str("e")}
}

// Campaigns implements matcher.CampaignStore.
func (s *Store) Campaigns(_ context.Context, ids []string) (map[string]matcher.CampaignState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]matcher.CampaignState, len(ids))
	for _, id := range ids {
		out[id] = s.parseCampaign(id).CampaignState
	}
	return out, nil
}

// Campaign implements matcher.CampaignStore.
func (s *Store) Campaign(_ context.Context, id string) (matcher.CampaignInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.parseCampaign(id), nil
}

// CampaignInfos implements matcher.CampaignStore: every known campaign, by
// id.
func (s *Store) CampaignInfos(_ context.Context) ([]matcher.CampaignInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []matcher.CampaignInfo
	for _, id := range s.ks.smembers(campaignsKey) {
		if ci := s.parseCampaign(id); ci.Known {
			out = append(out, ci)
		}
	}
	return out, nil
}

// SetCampaignPhase implements matcher.CampaignStore.
func (s *Store) SetCampaignPhase(_ context.Context, id, eventID, phase string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.ks.hget(campaignKey(id), "e"); !ok || e != eventID {
		return false, nil
	}
	s.ks.hset(campaignKey(id), "act", phase)
	return true, nil
}
