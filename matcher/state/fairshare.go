package state

import (
	"context"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/talentmatch/talentmatch/matcher"
)

// Reserve implements matcher.Windows: a match is counted in its job's window
// (in the job's shard) and then in its candidate's (in theirs); a match the
// candidate's window refuses gives its job's place back. A crash between
// the two leaves a place taken for at most the window's length.
func (r *Redis) Reserve(ctx context.Context, rs []matcher.Reservation) ([]bool, error) {
	ok := make([]bool, len(rs))
	type window struct {
		key    func(matcher.Reservation) string
		member func(matcher.Reservation) string
		prefix func(matcher.Reservation) string
		cap    func(matcher.Reservation) int
		win    func(matcher.Reservation) time.Duration
	}
	jobW := window{
		key:    func(x matcher.Reservation) string { return r.k.jobWindow(x.Campaign, x.Pair.Job.String()) },
		member: func(x matcher.Reservation) string { return x.Member },
		prefix: func(matcher.Reservation) string { return "" },
		cap:    func(x matcher.Reservation) int { return x.JobCap },
		win:    func(x matcher.Reservation) time.Duration { return x.JobWindow },
	}
	candW := window{
		key:    func(x matcher.Reservation) string { return r.k.candidateWindow(x.Pair.CandidateID) },
		member: func(x matcher.Reservation) string { return x.Campaign + "|" + x.Member },
		prefix: func(x matcher.Reservation) string { return x.Campaign + "|" },
		cap:    func(x matcher.Reservation) int { return x.CandidateCap },
		win:    func(x matcher.Reservation) time.Duration { return x.CandidateWindow },
	}
	run := func(which string, idx []int, w window) error {
		var todo []int
		for _, i := range idx {
			if w.cap(rs[i]) <= 0 {
				ok[i] = true
				continue
			}
			todo = append(todo, i)
		}
		if len(todo) == 0 {
			return nil
		}
		cmds, err := r.write(ctx, func(p redis.Pipeliner) {
			for _, i := range todo {
				x := rs[i]
				windowScript.EvalSha(ctx, p, []string{w.key(x)}, x.At.UnixMilli(), w.win(x).Milliseconds(), w.cap(x), w.member(x), w.prefix(x))
			}
		})
		if err != nil {
			return unavailable("reserve "+which+" room", err)
		}
		for n, i := range todo {
			v, _ := cmds[n].(*redis.Cmd).Int()
			ok[i] = v == 1
		}
		return nil
	}
	all := make([]int, len(rs))
	for i := range rs {
		all[i] = i
	}
	if err := run("job", all, jobW); err != nil {
		return nil, err
	}
	var second []int
	for i := range rs {
		if ok[i] {
			second = append(second, i)
		}
	}
	jobOK := append([]bool(nil), ok...)
	if err := run("candidate", second, candW); err != nil {
		return nil, err
	}
	var giveBack []matcher.Reservation
	for i := range rs {
		if jobOK[i] && !ok[i] && rs[i].JobCap > 0 {
			giveBack = append(giveBack, rs[i])
		}
	}
	if len(giveBack) > 0 {
		_, err := r.write(ctx, func(p redis.Pipeliner) {
			for _, x := range giveBack {
				p.ZRem(ctx, r.k.jobWindow(x.Campaign, x.Pair.Job.String()), x.Member)
			}
		})
		if err != nil {
			return nil, unavailable("give back job room", err)
		}
	}
	return ok, nil
}

// Release implements matcher.Windows.
func (r *Redis) Release(ctx context.Context, rs []matcher.Reservation) error {
	_, err := r.write(ctx, func(p redis.Pipeliner) {
		for _, x := range rs {
			if x.JobCap > 0 {
				p.ZRem(ctx, r.k.jobWindow(x.Campaign, x.Pair.Job.String()), x.Member)
			}
			if x.CandidateCap > 0 {
				p.ZRem(ctx, r.k.candidateWindow(x.Pair.CandidateID), x.Campaign+"|"+x.Member)
			}
		}
	})
	if err != nil {
		return unavailable("release room", err)
	}
	return nil
}

// heldMember is a held match's member in its campaign's held set:
// "company/job|candidate".
func heldMember(p matcher.Pair) string { return p.Job.String() + "|" + p.CandidateID }

// Hold implements matcher.Windows. The trigger is kept beside the score in
// a hash of the same shard as the held set.
func (r *Redis) Hold(ctx context.Context, hs []matcher.Held) error {
	_, err := r.write(ctx, func(p redis.Pipeliner) {
		for _, h := range hs {
			m := heldMember(h.Pair)
			p.ZAdd(ctx, r.k.held(h.Campaign), redis.Z{Score: h.Score, Member: m})
			p.HSet(ctx, r.k.held(h.Campaign)+":t", m, string(h.Trigger))
			p.SAdd(ctx, r.k.heldOf(h.Pair.CandidateID), h.Campaign+"|"+m)
		}
	})
	if err != nil {
		return unavailable("hold matches", err)
	}
	return nil
}

// Unhold implements matcher.Windows.
func (r *Redis) Unhold(ctx context.Context, hs []matcher.Held) error {
	_, err := r.write(ctx, func(p redis.Pipeliner) {
		for _, h := range hs {
			m := heldMember(h.Pair)
			p.ZRem(ctx, r.k.held(h.Campaign), m)
			p.HDel(ctx, r.k.held(h.Campaign)+":t", m)
			p.SRem(ctx, r.k.heldOf(h.Pair.CandidateID), h.Campaign+"|"+m)
		}
	})
	if err != nil {
		return unavailable("unhold matches", err)
	}
	return nil
}

// HeldPairs implements matcher.Windows.
func (r *Redis) HeldPairs(ctx context.Context, campaign string, n int) ([]matcher.Held, error) {
	cmds, err := r.pipeline(ctx, func(p redis.Pipeliner) {
		p.ZRevRangeWithScores(ctx, r.k.held(campaign), 0, int64(n-1))
	})
	if err != nil {
		return nil, unavailable("read held matches", err)
	}
	zs := cmds[0].(*redis.ZSliceCmd).Val()
	if len(zs) == 0 {
		return nil, nil
	}
	members := make([]string, len(zs))
	for i, z := range zs {
		members[i], _ = z.Member.(string)
	}
	cmds, err = r.pipeline(ctx, func(p redis.Pipeliner) { p.HMGet(ctx, r.k.held(campaign)+":t", members...) })
	if err != nil {
		return nil, unavailable("read held matches", err)
	}
	trig := cmds[0].(*redis.SliceCmd).Val()
	out := make([]matcher.Held, 0, len(zs))
	for i, m := range members {
		job, cand, ok := strings.Cut(m, "|")
		ref, ok2 := matcher.ParseJobRef(job)
		if !ok || !ok2 {
			continue
		}
		t, _ := trig[i].(string)
		if t == "" {
			t = string(matcher.TriggerRescored)
		}
		out = append(out, matcher.Held{Pair: matcher.Pair{Job: ref, CandidateID: cand}, Campaign: campaign, Score: zs[i].Score, Trigger: matcher.Trigger(t)})
	}
	return out, nil
}

// HeldTotal returns how many matches are held over all campaigns and the
// open pool.
func (r *Redis) HeldTotal(ctx context.Context) (int64, error) {
	infos, err := r.CampaignInfos(ctx)
	if err != nil {
		return 0, err
	}
	cmds, err := r.pipeline(ctx, func(p redis.Pipeliner) {
		p.ZCard(ctx, r.k.held(matcher.OpenPool))
		for _, ci := range infos {
			p.ZCard(ctx, r.k.held(ci.ID))
		}
	})
	if err != nil {
		return 0, unavailable("count held matches", err)
	}
	var n int64
	for _, c := range cmds {
		n += c.(*redis.IntCmd).Val()
	}
	return n, nil
}
