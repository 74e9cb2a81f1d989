package bench

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/talentmatch/talentmatch/matcher"
	"github.com/talentmatch/talentmatch/matcher/state"
)

// Baseline measures the obvious Redis design for ranking jobs for a
// candidate: a weighted ZUNIONSTORE of the job sets of the candidate's
// skills (one per shard, weights from the live document frequencies), then
// the top 20 by score. It is only the retrieval step of a matcher built that
// way, run at full concurrency: an upper bound for such a matcher.
type Baseline struct {
	QueriesPerSecond float64 `json:"queries_per_second"`
	JobsPerQuery     float64 `json:"distinct_jobs_per_query"`
	Queries          int     `json:"queries"`
}

// MeasureBaseline runs ZUNIONSTORE queries for generated candidates for d.
func MeasureBaseline(ctx context.Context, rdb redis.UniversalClient, st *state.Redis, scorer *matcher.Scorer, w *Workload, shards int, d time.Duration, workers int) (Baseline, error) {
	var q, postings atomic.Int64
	var firstErr error
	var once sync.Once
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	start := time.Now()
	for g := 0; g < workers; g++ {
		wg.Add(1)
		go func(g int) { // exits at the deadline
			defer wg.Done()
			for i := g; time.Now().Before(deadline); i += workers {
				toks := w.CandidateTokens(0xba5e, i)
				df, n, err := st.DocFreq(ctx, toks)
				if err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				weights := make([]float64, len(toks))
				for k := range toks {
					weights[k] = scorer.Weight(df[k], n)
				}
				cmds, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
					for sh := 0; sh < shards; sh++ {
						keys := make([]string, len(toks))
						for k, t := range toks {
							keys[k] = st.JobSkillKey(sh, Campaign, t)
						}
						dst := st.ShardKey(sh, fmt.Sprintf("zu:%d", g))
						p.ZUnionStore(ctx, dst, &redis.ZStore{Keys: keys, Weights: weights, Aggregate: "SUM"})
						p.ZRevRangeWithScores(ctx, dst, 0, 19)
						p.Del(ctx, dst)
					}
					return nil
				})
				if err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				for k := 0; k < len(cmds); k += 3 {
					postings.Add(cmds[k].(*redis.IntCmd).Val())
				}
				q.Add(1)
			}
		}(g)
	}
	wg.Wait()
	el := time.Since(start)
	b := Baseline{Queries: int(q.Load()), QueriesPerSecond: float64(q.Load()) / el.Seconds()}
	if q.Load() > 0 {
		b.JobsPerQuery = float64(postings.Load()) / float64(q.Load())
	}
	return b, firstErr
}
