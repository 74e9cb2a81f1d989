package matchertest

import (
	"context"
	"strings"
	"time"

	"github.com/talentmatch/talentmatch/matcher"
)

// Fair share, as matcher/state keeps it: a window of recent matches per
// campaign and job, one per candidate for all campaigns (its members are
// "campaign|event id"), and per campaign the held matches by score with
// their triggers.

// reserveIn counts a new match in a window when it has room, as
// matcher/state's windowScript: members older than the window are pruned
// first, a member already counted is counted again for free, and only
// members starting with prefix count against the cap.
func (s *Store) reserveIn(key string, at time.Time, win time.Duration, limit int, member, prefix string) bool {
	now := float64(at.UnixMilli())
	s.ks.zremUpTo(key, now-float64(win.Milliseconds()))
	if _, ok := s.ks.zsets[key][member]; ok {
		return true
	}
	n := 0
	for m := range s.ks.zsets[key] {
		if strings.HasPrefix(m, prefix) {
			n++
		}
	}
	if n >= limit {
		return false
	}
	s.ks.zadd(key, member, now)
	return true
}

// Reserve implements matcher.Windows: the job's window first, then the
// candidate's for those the job's took; a match the candidate's window
// refuses gives its job's place back.
func (s *Store) Reserve(_ context.Context, rs []matcher.Reservation) ([]bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ok := make([]bool, len(rs))
	for i, x := range rs {
		if x.JobCap <= 0 {
			ok[i] = true
			continue
		}
		ok[i] = s.reserveIn(jobWindowKey(x.Campaign, x.Pair.Job.String()), x.At, x.JobWindow, x.JobCap, x.Member, "")
	}
	jobOK := append([]bool(nil), ok...)
	for i, x := range rs {
		if !ok[i] || x.CandidateCap <= 0 {
			continue
		}
		ok[i] = s.reserveIn(candidateWindowKey(x.Pair.CandidateID), x.At, x.CandidateWindow, x.CandidateCap, x.Campaign+"|"+x.Member, x.Campaign+"|")
	}
	for i, x := range rs {
		if jobOK[i] && !ok[i] && x.JobCap > 0 {
			s.ks.zrem(jobWindowKey(x.Campaign, x.Pair.Job.String()), x.Member)
		}
	}
	return ok, nil
}

// Release implements matcher.Windows.
func (s *Store) Release(_ context.Context, rs []matcher.Reservation) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, x := range rs {
		if x.JobCap > 0 {
			s.ks.zrem(jobWindowKey(x.Campaign, x.Pair.Job.String()), x.Member)
		}
		if x.CandidateCap > 0 {
			s.ks.zrem(candidateWindowKey(x.Pair.CandidateID), x.Campaign+"|"+x.Member)
		}
	}
	return nil
}

// heldMember is a held match's member in its campaign's held set.
func heldMember(p matcher.Pair) string { return p.Job.String() + "|" + p.CandidateID }

// Hold implements matcher.Windows.
func (s *Store) Hold(_ context.Context, hs []matcher.Held) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, h := range hs {
		m := heldMember(h.Pair)
		s.ks.zadd(heldKey(h.Campaign), m, h.Score)
		s.ks.hset(heldKey(h.Campaign)+":t", m, string(h.Trigger))
		s.ks.sadd(heldOfKey(h.Pair.CandidateID), h.Campaign+"|"+m)
	}
	return nil
}

// Unhold implements matcher.Windows.
func (s *Store) Unhold(_ context.Context, hs []matcher.Held) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, h := range hs {
		m := heldMember(h.Pair)
		s.ks.zrem(heldKey(h.Campaign), m)
		s.ks.hdel(heldKey(h.Campaign)+":t", m)
		s.ks.srem(heldOfKey(h.Pair.CandidateID), h.Campaign+"|"+m)
	}
	return nil
}

// HeldPairs implements matcher.Windows: best score first, ties by
// descending "company/job|candidate" (ZREVRANGE's order). As with Redis, n
// of 0 returns them all.
func (s *Store) HeldPairs(_ context.Context, campaign string, n int) ([]matcher.Held, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	zs := s.ks.zrevrange(heldKey(campaign), 0, n-1)
	if len(zs) == 0 {
		return nil, nil
	}
	out := make([]matcher.Held, 0, len(zs))
	for _, z := range zs {
		job, cand, ok := strings.Cut(z.member, "|")
		ref, ok2 := matcher.ParseJobRef(job)
		if !ok || !ok2 {
			continue
		}
		t, _ := s.ks.hget(heldKey(campaign)+":t", z.member)
		if t == "" {
			t = string(matcher.TriggerRescored)
		}
		out = append(out, matcher.Held{Pair: matcher.Pair{Job: ref, CandidateID: cand}, Campaign: campaign, Score: z.score, Trigger: matcher.Trigger(t)})
	}
	return out, nil
}

// HeldTotal returns how many matches are held over all campaigns and the
// open pool.
func (s *Store) HeldTotal(ctx context.Context) (int64, error) {
	infos, err := s.CampaignInfos(ctx)
	if err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := int64(len(s.ks.zsets[heldKey(matcher.OpenPool)]))
	for _, ci := range infos {
		n += int64(len(s.ks.zsets[heldKey(ci.ID)]))
	}
	return n, nil
}
