package state

import (
	"context"
	"sort"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/talentmatch/talentmatch/matcher"
)

// Jobs implements matcher.Store and matcher.Index.
func (r *Redis) Jobs(ctx context.Context, refs []matcher.JobRef) ([]*matcher.JobFeatures, error) {
	cmds, err := r.pipeline(ctx, func(p redis.Pipeliner) {
		for _, ref := range refs {
			p.HMGet(ctx, r.k.job(ref.String()), "r", "st", "f")
		}
	})
	if err != nil {
		return nil, unavailable("read jobs", err)
	}
	out := make([]*matcher.JobFeatures, len(refs))
	for i, c := range cmds {
		v := c.(*redis.SliceCmd).Val()
		st, _ := v[1].(string)
		f, _ := v[2].(string)
		if st != "o" || f == "" {
			continue
		}
		jf, err := decodeJob(f)
		if err != nil {
			r.corrupt(refs[i].String(), err)
			continue
		}
		rev, _ := v[0].(string)
		jf.Rev, _ = strconv.ParseInt(rev, 10, 64)
		out[i] = jf
	}
	return out, nil
}

// Candidates implements matcher.Store and matcher.Index.
func (r *Redis) Candidates(ctx context.Context, ids []string) ([]*matcher.CandidateFeatures, error) {
	cmds, err := r.pipeline(ctx, func(p redis.Pipeliner) {
		for _, id := range ids {
			p.HMGet(ctx, r.k.candidate(id), "r", "st", "f")
		}
	})
	if err != nil {
		return nil, unavailable("read candidates", err)
	}
	out := make([]*matcher.CandidateFeatures, len(ids))
	for i, c := range cmds {
		v := c.(*redis.SliceCmd).Val()
		st, _ := v[1].(string)
		f, _ := v[2].(string)
		if st != "o" || f == "" {
			continue
		}
		cf, err := decodeCandidate(f)
		if err != nil {
			r.corrupt(ids[i], err)
			continue
		}
		rev, _ := v[0].(string)
		cf.Rev, _ = strconv.ParseInt(rev, 10, 64)
		out[i] = cf
	}
	return out, nil
}

// JobRevs implements matcher.Store.
func (r *Redis) JobRevs(ctx context.Context, refs []matcher.JobRef) ([]int64, error) {
	cmds, err := r.pipeline(ctx, func(p redis.Pipeliner) {
		for _, ref := range refs {
			p.HGet(ctx, r.k.job(ref.String()), "r")
		}
	})
	if err != nil {
		return nil, unavailable("read job revisions", err)
	}
	out := make([]int64, len(refs))
	for i, c := range cmds {
		out[i], _ = strconv.ParseInt(c.(*redis.StringCmd).Val(), 10, 64)
	}
	return out, nil
}

// union runs SUNION of the index keys of every shard, one command per
// shard, and merges the results.
func (r *Redis) union(ctx context.Context, key func(shard int, tok string) string, tokens []string) ([]string, error) {
	if len(tokens) == 0 {
		return nil, nil
	}
	cmds, err := r.pipeline(ctx, func(p redis.Pipeliner) {
		for sh := 0; sh < r.cfg.Shards; sh++ {
			ks := make([]string, len(tokens))
			for i, t := range tokens {
				ks[i] = key(sh, t)
			}
			p.SUnion(ctx, ks...)
		}
	})
	if err != nil {
		return nil, unavailable("read index", err)
	}
	var out []string
	for _, c := range cmds {
		out = append(out, c.(*redis.StringSliceCmd).Val()...)
	}
	return out, nil
}

// JobsWithAny implements matcher.Index.
func (r *Redis) JobsWithAny(ctx context.Context, campaign string, tokens []string) ([]string, error) {
	return r.union(ctx, func(sh int, t string) string { return r.k.skillIndex(sh, "j", campaign, t) }, tokens)
}

// CandidatesWithAny implements matcher.Index.
func (r *Redis) CandidatesWithAny(ctx context.Context, campaign string, tokens []string) ([]string, error) {
	return r.union(ctx, func(sh int, t string) string { return r.k.skillIndex(sh, "c", campaign, t) }, tokens)
}

// DocFreq implements matcher.Index: per token, the number of active jobs
// and candidates holding it, summed over shards, and the number of active
// jobs and candidates.
func (r *Redis) DocFreq(ctx context.Context, tokens []string) ([]int64, int64, error) {
	var counts, dfs []*redis.SliceCmd
	_, err := r.pipeline(ctx, func(p redis.Pipeliner) {
		counts, dfs = counts[:0], dfs[:0]
		for sh := 0; sh < r.cfg.Shards; sh++ {
			counts = append(counts, p.HMGet(ctx, r.k.counts(sh), "j", "c"))
			if len(tokens) > 0 {
				dfs = append(dfs, p.HMGet(ctx, r.k.df(sh), tokens...))
			}
		}
	})
	if err != nil {
		return nil, 0, unavailable("read frequencies", err)
	}
	df := make([]int64, len(tokens))
	for _, c := range dfs {
		for i, x := range c.Val() {
			df[i] += toInt(x)
		}
	}
	var n int64
	for _, c := range counts {
		for _, x := range c.Val() {
			n += toInt(x)
		}
	}
	return df, n, nil
}

func toInt(x any) int64 {
	s, _ := x.(string)
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

// CampaignJobs implements matcher.Store.
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

// PutCampaign implements matcher.Store.
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

// CloseCampaign implements matcher.Store.
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

// Campaigns implements matcher.Store.
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

// Campaign implements matcher.Store.
func (r *Redis) Campaign(ctx context.Context, id string) (matcher.CampaignInfo, error) {
	cmds, err := r.pipeline(ctx, func(p redis.Pipeliner) { p.HMGet(ctx, r.k.campaign(id), campaignFields...) })
	if err != nil {
		return matcher.CampaignInfo{}, unavailable("read campaign", err)
	}
	return parseCampaign(id, cmds[0].(*redis.SliceCmd).Val()), nil
}

// Lock implements matcher.Store.
func (r *Redis) Lock(ctx context.Context, name string, ttl time.Duration) (func(), bool, error) {
	key, token := r.k.in(0, "lock", name), uuid.NewString()
	ok, err := r.rdb.SetNX(ctx, key, token, ttl).Result()
	if err != nil {
		return func() {}, false, unavailable("take lock", err)
	}
	if !ok {
		return func() {}, false, nil
	}
	return func() {
		// Release only our own lock (it may have expired and been retaken).
		_ = unlockScript.Run(context.WithoutCancel(ctx), r.rdb, []string{key}, token).Err()
	}, true, nil
}

// CampaignInfos implements matcher.Store.
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

// SetCampaignPhase implements matcher.Store.
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

// StoredVersion returns the id of the event last applied to a job (kind
// 'j', id "company/job") or candidate ('c'), and its status: "open" or
// "closed" for a job, "registered" or "withdrawn" for a candidate, "" when
// nothing is held. It serves audits and the fault suite.
func (r *Redis) StoredVersion(ctx context.Context, kind byte, id string) (eventID, status string, err error) {
	cmds, err := r.pipeline(ctx, func(p redis.Pipeliner) {
		if kind == 'j' {
			p.HMGet(ctx, r.k.job(id), "e", "st")
		} else {
			p.HMGet(ctx, r.k.candidate(id), "e", "st")
			p.HMGet(ctx, r.k.tombstone(id), "e", "st")
		}
	})
	if err != nil {
		return "", "", unavailable("read version", err)
	}
	v := cmds[0].(*redis.SliceCmd).Val()
	e, _ := v[0].(string)
	st, _ := v[1].(string)
	switch {
	case kind == 'j' && st == "o":
		return e, "open", nil
	case kind == 'j' && st == "c":
		return e, "closed", nil
	case kind == 'c' && e != "":
		return e, "registered", nil
	case kind == 'c':
		t := cmds[1].(*redis.SliceCmd).Val()
		if te, _ := t[0].(string); te != "" {
			return te, "withdrawn", nil
		}
	}
	return "", "", nil
}
