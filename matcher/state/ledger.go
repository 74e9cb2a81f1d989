package state

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/talentmatch/talentmatch/matcher"
)

// The match ledger: one hash per candidate (in the candidate's shard, so
// that a claim can check the candidate's revision atomically) mapping
// "company/job" to an entry "S|gen|campaign|score|payload", and one set per
// job (in the job's shard) of the candidates it has entries with. The score
// field may carry the decision's basis: "score@jobRev.candidateRev".

// JobPairs implements matcher.Ledger.
func (r *Redis) JobPairs(ctx context.Context, ref matcher.JobRef) ([]string, error) {
	cmds, err := r.pipeline(ctx, func(p redis.Pipeliner) { p.SMembers(ctx, r.k.jobPairs(ref.String())) })
	if err != nil {
		return nil, unavailable("read job pairs", err)
	}
	return cmds[0].(*redis.StringSliceCmd).Val(), nil
}

// CandidateEntries implements matcher.Ledger.
func (r *Redis) CandidateEntries(ctx context.Context, id string) (map[matcher.JobRef]matcher.Entry, error) {
	cmds, err := r.pipeline(ctx, func(p redis.Pipeliner) { p.HGetAll(ctx, r.k.ledger(id)) })
	if err != nil {
		return nil, unavailable("read ledger", err)
	}
	m := cmds[0].(*redis.MapStringStringCmd).Val()
	return matcher.ParseLedger(id, m)
}

// Entries implements matcher.Ledger.
func (r *Redis) Entries(ctx context.Context, pairs []matcher.Pair) ([]matcher.Entry, error) {
	cmds, err := r.pipeline(ctx, func(p redis.Pipeliner) {
		for _, pr := range pairs {
			p.HGet(ctx, r.k.ledger(pr.CandidateID), pr.Job.String())
		}
	})
	if err != nil {
		return nil, unavailable("read ledger", err)
	}
	out := make([]matcher.Entry, len(pairs))
	for i, c := range cmds {
		s, err := c.(*redis.StringCmd).Result()
		if err != nil {
			continue // redis.Nil: no entry
		}
		if out[i], err = matcher.ParseEntry(s); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Link implements matcher.Ledger.
func (r *Redis) Link(ctx context.Context, pairs []matcher.Pair) error {
	_, err := r.write(ctx, func(p redis.Pipeliner) {
		for _, pr := range pairs {
			p.SAdd(ctx, r.k.jobPairs(pr.Job.String()), pr.CandidateID)
		}
	})
	if err != nil {
		return unavailable("link pairs", err)
	}
	return nil
}

// Unlink implements matcher.Ledger.
func (r *Redis) Unlink(ctx context.Context, pairs []matcher.Pair) error {
	_, err := r.write(ctx, func(p redis.Pipeliner) {
		for _, pr := range pairs {
			p.SRem(ctx, r.k.jobPairs(pr.Job.String()), pr.CandidateID)
		}
	})
	if err != nil {
		return unavailable("unlink pairs", err)
	}
	return nil
}

// Claim implements matcher.Ledger.
func (r *Redis) Claim(ctx context.Context, claims []matcher.Claim) ([]matcher.ClaimResult, error) {
	payloads := make([]string, len(claims))
	for i, c := range claims {
		b, err := json.Marshal(c.Event)
		if err != nil {
			return nil, err
		}
		payloads[i] = string(b)
	}
	cmds, err := r.write(ctx, func(p redis.Pipeliner) {
		for i, c := range claims {
			kind := "c"
			if c.Event.Kind == matcher.MatchRetracted {
				kind = "r"
			}
			claimScript.EvalSha(ctx, p, []string{r.k.ledger(c.Pair.CandidateID), r.k.candidate(c.Pair.CandidateID)},
				c.Pair.Job.String(), kind, c.Gen, c.CandidateRev, c.Campaign, matcher.ScoreField(c), payloads[i])
		}
	})
	if err != nil {
		return nil, unavailable("claim pairs", err)
	}
	out := make([]matcher.ClaimResult, len(claims))
	for i, c := range cmds {
		switch c.(*redis.Cmd).Val() {
		case "ok":
			out[i] = matcher.ClaimTaken
		case "stale":
			out[i] = matcher.ClaimStaleRev
		case "declined":
			out[i] = matcher.ClaimDeclined
		default:
			out[i] = matcher.ClaimBusy
		}
	}
	return out, nil
}

// Complete implements matcher.Ledger.
func (r *Redis) Complete(ctx context.Context, claims []matcher.Claim) error {
	_, err := r.write(ctx, func(p redis.Pipeliner) {
		for _, c := range claims {
			completeScript.EvalSha(ctx, p, []string{r.k.ledger(c.Pair.CandidateID)}, c.Pair.Job.String(), c.Gen)
		}
	})
	if err != nil {
		return unavailable("complete claims", err)
	}
	return nil
}

// ForgetCandidate implements matcher.Ledger.
func (r *Redis) ForgetCandidate(ctx context.Context, id string, jobs []matcher.JobRef) error {
	cmds, err := r.pipeline(ctx, func(p redis.Pipeliner) { p.SMembers(ctx, r.k.heldOf(id)) })
	if err != nil {
		return unavailable("read held matches", err)
	}
	held := cmds[0].(*redis.StringSliceCmd).Val()
	_, err = r.write(ctx, func(p redis.Pipeliner) {
		for _, h := range held {
			if camp, m, ok := strings.Cut(h, "|"); ok {
				p.ZRem(ctx, r.k.held(camp), m)
				p.HDel(ctx, r.k.held(camp)+":t", m)
			}
		}
		p.Del(ctx, r.k.heldOf(id), r.k.candidateWindow(id))
		p.Del(ctx, r.k.ledger(id))
		for _, ref := range jobs {
			p.SRem(ctx, r.k.jobPairs(ref.String()), id)
		}
	})
	if err != nil {
		return unavailable("forget candidate", err)
	}
	return nil
}

var (
	_ matcher.Store = (*Redis)(nil)
	_ matcher.Index = (*Redis)(nil)
)
