// Package eval measures match quality: it ranks jobs for candidates through
// the real normalisation, Redis index and scoring, compares the rankings
// with relevance judgements (TREC qrels), and does the same for a plain
// baseline. It also generates benchmark sets from the taxonomy. matchctl's
// eval and eval-gen commands are thin wrappers around it.
package eval

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Qrels are relevance judgements: candidate id → job id → relevance (> 0).
type Qrels map[string]map[string]int

// ReadQrels reads TREC qrels lines "candidate_id 0 job_id relevance".
// Relevance 0 lines are kept out; '#' starts a comment.
func ReadQrels(r io.Reader) (Qrels, error) {
	q := Qrels{}
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 4 {
			return nil, fmt.Errorf("qrels line %d: want 4 fields \"candidate_id 0 job_id relevance\", got %d", n, len(f))
		}
		rel, err := strconv.Atoi(f[3])
		if err != nil {
			return nil, fmt.Errorf("qrels line %d: relevance %q is not an integer", n, f[3])
		}
		if rel <= 0 {
			continue
		}
		if q[f[0]] == nil {
			q[f[0]] = map[string]int{}
		}
		q[f[0]][f[2]] = rel
	}
	return q, sc.Err()
}

// Metrics are the mean quality figures over all judged candidates.
type Metrics struct {
	Recall1  float64 `json:"recall_at_1"`
	Recall10 float64 `json:"recall_at_10"`
	MRR      float64 `json:"mrr"`
	NDCG10   float64 `json:"ndcg_at_10"`
}

// Evaluate scores rankings (candidate id → job ids, best first) against
// the judgements. Candidates without a ranking count as ranking nothing.
func Evaluate(q Qrels, rankings map[string][]string) Metrics {
	var m Metrics
	if len(q) == 0 {
		return m
	}
	for cand, rels := range q {
		ranked := rankings[cand]
		var hit1, hit10 int
		rr := 0.0
		dcg := 0.0
		for i, job := range ranked {
			rel, ok := rels[job]
			if !ok {
				continue
			}
			if i < 1 {
				hit1++
			}
			if i < 10 {
				hit10++
				dcg += (math.Pow(2, float64(rel)) - 1) / math.Log2(float64(i)+2)
			}
			if rr == 0 {
				rr = 1 / float64(i+1)
			}
		}
		m.Recall1 += float64(hit1) / float64(len(rels))
		m.Recall10 += float64(hit10) / float64(len(rels))
		m.MRR += rr
		if idcg := idealDCG(rels, 10); idcg > 0 {
			m.NDCG10 += dcg / idcg
		}
	}
	n := float64(len(q))
	m.Recall1 /= n
	m.Recall10 /= n
	m.MRR /= n
	m.NDCG10 /= n
	return m
}

func idealDCG(rels map[string]int, k int) float64 {
	gains := make([]int, 0, len(rels))
	for _, r := range rels {
		gains = append(gains, r)
	}
	// sort descending (few elements)
	for i := 1; i < len(gains); i++ {
		for j := i; j > 0 && gains[j] > gains[j-1]; j-- {
			gains[j], gains[j-1] = gains[j-1], gains[j]
		}
	}
	d := 0.0
	for i, g := range gains {
		if i >= k {
			break
		}
		d += (math.Pow(2, float64(g)) - 1) / math.Log2(float64(i)+2)
	}
	return d
}
