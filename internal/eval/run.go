package eval

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/talentmatch/talentmatch/matcher"
	"github.com/talentmatch/talentmatch/matcher/state"
	"github.com/talentmatch/talentmatch/matcher/taxonomy"
)

// Report is the outcome of one evaluation.
type Report struct {
	Jobs       int     `json:"jobs"`
	Candidates int     `json:"candidates"`
	Judged     int     `json:"judged_candidates"`
	Matcher    Metrics `json:"talentmatch"`
	Baseline   Metrics `json:"baseline_exact_jaccard"`
	// MatchedShare is the share of judged candidates whose relevant job
	// scores at least the default threshold, i.e. would be announced.
	MatchedShare float64 `json:"matched_share"`
	Seconds      float64 `json:"seconds"`
}

// Run loads jobs and candidates into Redis (under a fresh prefix, removed
// afterwards) through the real normalisation and state code, ranks every
// job for each judged candidate with the matcher's index ranker and scoring,
// and ranks the same jobs by exact-string Jaccard of the raw skill lists.
func Run(ctx context.Context, rdb redis.UniversalClient, jobs []matcher.Job, cands []matcher.Candidate, q Qrels) (Report, error) {
	start := time.Now()
	prefix := fmt.Sprintf("tmeval%d", time.Now().UnixNano())
	st, err := state.New(rdb, state.Config{Prefix: prefix, Shards: 4})
	if err != nil {
		return Report{}, err
	}
	if err := st.Init(ctx); err != nil {
		return Report{}, err
	}
	defer cleanup(context.WithoutCancel(ctx), rdb, prefix)

	tax := taxonomy.Default()
	norm := matcher.NewNormalizer(tax)
	scorer := matcher.NewScorer(tax, matcher.ScoreConfig{})
	ranker := matcher.NewIndexRanker(st, scorer, time.Hour)
	v := matcher.Version{Time: time.Now(), EventID: "eval"}
	for i := range jobs {
		j := jobs[i]
		j.CampaignIDs, j.Location, j.MinDegree, j.ExpiresAt = nil, "", "", nil
		if _, err := st.PutJob(ctx, norm.Job(&j), v); err != nil {
			return Report{}, err
		}
	}
	feats := make(map[string]*matcher.CandidateFeatures, len(cands))
	for i := range cands {
		c := cands[i]
		c.CampaignIDs, c.Locations, c.Degree = nil, nil, matcher.DegreePhD
		f := norm.Candidate(&c)
		if _, err := st.PutCandidate(ctx, f, v); err != nil {
			return Report{}, err
		}
		feats[c.CandidateID] = f
	}
	rep := Report{Jobs: len(jobs), Candidates: len(cands), Judged: len(q)}
	ours := map[string][]string{}
	matched := 0
	for id := range q {
		f, ok := feats[id]
		if !ok {
			continue
		}
		ranked, err := ranker.RankJobs(ctx, f, matcher.Selection{})
		if err != nil {
			return Report{}, err
		}
		list := make([]string, len(ranked))
		for i, r := range ranked {
			list[i] = r.Job.JobID
			if q[id][r.Job.JobID] > 0 && r.Result.Score >= matcher.DefaultMinScore {
				matched++
			}
		}
		ours[id] = list
	}
	rep.Matcher = Evaluate(q, ours)
	rep.Baseline = Evaluate(q, Baseline(jobs, cands))
	if rep.Judged > 0 {
		rep.MatchedShare = float64(matched) / float64(rep.Judged)
	}
	rep.Seconds = time.Since(start).Seconds()
	return rep, nil
}

// Baseline ranks jobs for each candidate by the Jaccard similarity of the
// exact skill strings (required and preferred), ties by job id; jobs sharing
// no string are not ranked.
func Baseline(jobs []matcher.Job, cands []matcher.Candidate) map[string][]string {
	jobSets := make([]map[string]bool, len(jobs))
	for i, j := range jobs {
		s := map[string]bool{}
		for _, k := range append(append([]string{}, j.RequiredSkills...), j.PreferredSkills...) {
			s[k] = true
		}
		jobSets[i] = s
	}
	out := make(map[string][]string, len(cands))
	type scored struct {
		id string
		j  float64
	}
	for _, c := range cands {
		cs := map[string]bool{}
		for _, k := range c.Skills {
			cs[k] = true
		}
		var list []scored
		for i, js := range jobSets {
			inter := 0
			for k := range cs {
				if js[k] {
					inter++
				}
			}
			if inter == 0 {
				continue
			}
			list = append(list, scored{jobs[i].JobID, float64(inter) / float64(len(cs)+len(js)-inter)})
		}
		sort.Slice(list, func(a, b int) bool {
			if list[a].j != list[b].j {
				return list[a].j > list[b].j
			}
			return list[a].id < list[b].id
		})
		ids := make([]string, len(list))
		for i, s := range list {
			ids[i] = s.id
		}
		out[c.CandidateID] = ids
	}
	return out
}

func cleanup(ctx context.Context, rdb redis.UniversalClient, prefix string) {
	var cursor uint64
	for {
		keys, next, err := rdb.Scan(ctx, cursor, prefix+":*", 1000).Result()
		if err != nil {
			return
		}
		for _, k := range keys {
			rdb.Del(ctx, k)
		}
		if cursor = next; cursor == 0 {
			return
		}
	}
}

// Table formats a report for a person.
func (r Report) Table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d jobs, %d candidates, %d judged (%.1fs)\n\n", r.Jobs, r.Candidates, r.Judged, r.Seconds)
	fmt.Fprintf(&b, "%-26s %9s %10s %7s %8s\n", "ranker", "recall@1", "recall@10", "MRR", "nDCG@10")
	row := func(name string, m Metrics) {
		fmt.Fprintf(&b, "%-26s %9.3f %10.3f %7.3f %8.3f\n", name, m.Recall1, m.Recall10, m.MRR, m.NDCG10)
	}
	row("talentmatch", r.Matcher)
	row("baseline (exact Jaccard)", r.Baseline)
	fmt.Fprintf(&b, "\nrelevant job scored ≥ %.2f (would be announced) for %.1f%% of candidates\n", matcher.DefaultMinScore, 100*r.MatchedShare)
	return b.String()
}
