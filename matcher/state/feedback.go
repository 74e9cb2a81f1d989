package state

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/talentmatch/talentmatch/matcher"
)

// feedbackField is the ledger field of a kind of feedback on a job.
func feedbackField(kind matcher.FeedbackKind, job string) string {
	switch kind {
	case matcher.FeedbackDeclined:
		return "!d:" + job
	case matcher.FeedbackHired:
		return "!h:" + job
	}
	return "!i:" + job
}

// PutFeedback implements matcher.FeedbackLog. Each kind of feedback is recorded
// once per pair; the first one stands.
func (r *Redis) PutFeedback(ctx context.Context, fb *matcher.Feedback, campaign string, at time.Time) (matcher.Outcome, error) {
	p := fb.Pair()
	value := campaign + "|" + fb.From + "|" + strconv.FormatInt(at.UnixMilli(), 10)
	cmds, err := r.write(ctx, func(pl redis.Pipeliner) {
		feedbackScript.EvalSha(ctx, pl, []string{r.k.ledger(p.CandidateID), r.k.candidate(p.CandidateID)},
			feedbackField(fb.Feedback, p.Job.String()), value)
	})
	if err != nil {
		return 0, unavailable("record feedback", err)
	}
	switch v, _ := cmds[0].(*redis.Cmd).Int(); v {
	case 1:
		return matcher.Applied, nil
	case 2:
		return matcher.Current, nil
	case 0:
		return matcher.Stale, nil
	default:
		return 0, fmt.Errorf("record feedback: unexpected reply %d", v)
	}
}
