package state

import (
	"context"
	"sort"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/talentmatch/talentmatch/matcher"
)

// CampaignJobs implements matcher.CampaignStore.
func (r *Redis) CampaignJobs(ctx context.Context, id string) ([]matcher.JobRef, error) {
	cmds, err := r.pipeline(ctx, func(p redis.Pipeliner) {
		for sh := 0; sh < r.cfg.Shards; sh++ {
			p.SMembers(ctx, r.k.campaignMembers(sh, "j", id))
		}
	})
	if err != nil {
		return nil, unavailable("read campaign jobs", err)
	}
	var out []matcher.JobRef
	for _, c := range cmds {
		for _, s := range c.(*redis.StringSliceCmd).Val() {
			if ref, ok := matcher.ParseJobRef(s); ok {
				out = append(out, ref)
			}
		}
	}
	return out, nil
}

// PutCampaign implements matcher.CampaignStore.
func (r *Redis) PutCampaign(ctx context.Context, c *matcher.Campaign, v matcher.Version) (matcher.Outcome, error) {
	min, topk := "", ""
	if c.MinScore != nil {
		min = strconv.FormatFloat(*c.MinScore, 'f', -1, 64)
	}
	if c.TopK != nil {
		topk = strconv.Itoa(*c.TopK)
	}
	return r.campaignChange(ctx, c.CampaignID, v, "o",
		"name", c.Name, "starts", c.StartsAt.UTC().Format(time.RFC3339Nano), "ends", c.EndsAt.UTC().Format(time.RFC3339Nano),
		"min", min, "topk", topk, "capj", optInt(c.MaxMatchesPerJobPerHour), "capc", optInt(c.MaxMatchesPerCandidatePerDay))
}

func optInt(p *int) string {
	if p == nil {
		return ""
	}
	return strconv.Itoa(*p)
}

// CloseCampaign implements matcher.CampaignStore.
func (r *Redis) CloseCampaign(ctx context.Context, id string, v matcher.Version) (matcher.Outcome, error) {
	return r.campaignChange(ctx, id, v, "c")
}

func (r *Redis) campaignChange(ctx context.Context, id string, v matcher.Version, status string, fields ...any) (matcher.Outcome, error) {
	args := append([]any{versionTime(v.Time), v.EventID, status}, fields...)
	cmds, err := r.write(ctx, func(p redis.Pipeliner) {
		campaignScript.EvalSha(ctx, p, []string{r.k.campaign(id)}, args...)
		p.SAdd(ctx, r.k.campaigns(), id)
	})
	if err != nil {
		return 0, unavailable("apply campaign change", err)
	}
	res, _ := cmds[0].(*redis.Cmd).Text()
	switch res {
	case "applied":
		return matcher.Applied, nil
	case "current":
		return matcher.Current, nil
	}
	return matcher.Stale, nil
}

// Campaigns implements matcher.CampaignStore.
func (r *Redis) Campaigns(ctx context.Context, ids []string) (map[string]matcher.CampaignState, error) {
	cmds, err := r.pipeline(ctx, func(p redis.Pipeliner) {
		for _, id := range ids {
			p.HMGet(ctx, r.k.campaign(id), campaignFields...)
		}
	})
	if err != nil {
		return nil, unavailable("read campaigns", err)
	}
	out := make(map[string]matcher.CampaignState, len(ids))
	for i, c := range cmds {
		out[ids[i]] = parseCampaign(ids[i], c.(*redis.SliceCmd).Val()).CampaignState
	}
	return out, nil
}

// campaignFields are the fields parseCampaign reads, in order.
var campaignFields = []string{"st", "min", "topk", "starts", "ends", "capj", "capc", "name", "act", "e"}

// parseCampaign reads a campaign record's campaignFields.
func parseCampaign(id string, v []any) matcher.CampaignInfo {
	str := func(i int) string { s, _ := v[i].(string); return s }
	optInt := func(s string) *int {
		if k, err := strconv.Atoi(s); err == nil && s != "" {
			return &k
		}
		return nil
	}
	cs := matcher.CampaignState{ID: id}
	if st := str(0); st != "" {
		cs.Known, cs.Closed = true, st == "c"
	}
	if s := str(1); s != "" {
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			cs.MinScore = &f
		}
	}
	cs.TopK = optInt(str(2))
	cs.StartsAt, _ = time.Parse(time.RFC3339Nano, str(3))
	cs.EndsAt, _ = time.Parse(time.RFC3339Nano, str(4))
	if cs.Known && cs.EndsAt.IsZero() {
		cs.EndsAt = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC) // written before windows were kept
	}
	cs.JobHourlyCap, cs.CandidateDailyCap = optInt(str(5)), optInt(str(6))
	return matcher.CampaignInfo{CampaignState: cs, Name: str(7), Phase: str(8), EventID: str(9)}
}

// Campaign implements matcher.CampaignStore.
func (r *Redis) Campaign(ctx context.Context, id string) (matcher.CampaignInfo, error) {
	cmds, err := r.pipeline(ctx, func(p redis.Pipeliner) { p.HMGet(ctx, r.k.campaign(id), campaignFields...) })
	if err != nil {
		return matcher.CampaignInfo{}, unavailable("read campaign", err)
	}
	return parseCampaign(id, cmds[0].(*redis.SliceCmd).Val()), nil
}

// CampaignInfos implements matcher.CampaignStore.
func (r *Redis) CampaignInfos(ctx context.Context) ([]matcher.CampaignInfo, error) {
	cmds, err := r.pipeline(ctx, func(p redis.Pipeliner) { p.SMembers(ctx, r.k.campaigns()) })
	if err != nil {
		return nil, unavailable("list campaigns", err)
	}
	ids := cmds[0].(*redis.StringSliceCmd).Val()
	sort.Strings(ids)
	if len(ids) == 0 {
		return nil, nil
	}
	cmds, err = r.pipeline(ctx, func(p redis.Pipeliner) {
		for _, id := range ids {
			p.HMGet(ctx, r.k.campaign(id), campaignFields...)
		}
	})
	if err != nil {
		return nil, unavailable("read campaigns", err)
	}
	out := make([]matcher.CampaignInfo, 0, len(ids))
	for i, c := range cmds {
		if ci := parseCampaign(ids[i], c.(*redis.SliceCmd).Val()); ci.Known {
			out = append(out, ci)
		}
	}
	return out, nil
}

// SetCampaignPhase implements matcher.CampaignStore.
func (r *Redis) SetCampaignPhase(ctx context.Context, id, eventID, phase string) (bool, error) {
	cmds, err := r.write(ctx, func(p redis.Pipeliner) {
		phaseScript.EvalSha(ctx, p, []string{r.k.campaign(id)}, eventID, phase)
	})
	if err != nil {
		return false, unavailable("set campaign phase", err)
	}
	n, _ := cmds[0].(*redis.Cmd).Int()
	return n == 1, nil
}
