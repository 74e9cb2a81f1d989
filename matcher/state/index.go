package state

import (
	"context"
	"strconv"

	"github.com/redis/go-redis/v9"
)

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
