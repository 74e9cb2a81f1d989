package matchertest

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/talentmatch/talentmatch/matcher"
)

// The match ledger, as in matcher/state: one hash per candidate mapping
// "company/job" to "S|gen|campaign|score|payload" (and "!"-fields for
// feedback and first matches), and one set per job of the candidates it
// has entries with.

// JobPairs implements matcher.Ledger.
func (s *Store) JobPairs(_ context.Context, ref matcher.JobRef) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ks.smembers(jobPairsKey(ref.String())), nil
}

// CandidateEntries implements matcher.Ledger.
func (s *Store) CandidateEntries(_ context.Context, id string) (map[matcher.JobRef]matcher.Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.ks.hashes[ledgerKey(id)]
	return matcher.ParseLedger(id, m)
}

// Entries implements matcher.Ledger.
func (s *Store) Entries(_ context.Context, pairs []matcher.Pair) ([]matcher.Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]matcher.Entry, len(pairs))
	for i, p := range pairs {
		v, ok := s.ks.hget(ledgerKey(p.CandidateID), p.Job.String())
		if !ok {
			continue
		}
		en, err := matcher.ParseEntry(v)
		if err != nil {
			return nil, err
		}
		out[i] = en
	}
	return out, nil
}

// Link implements matcher.Ledger.
func (s *Store) Link(_ context.Context, pairs []matcher.Pair) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range pairs {
		s.ks.sadd(jobPairsKey(p.Job.String()), p.CandidateID)
	}
	return nil
}

// Unlink implements matcher.Ledger.
func (s *Store) Unlink(_ context.Context, pairs []matcher.Pair) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range pairs {
		s.ks.srem(jobPairsKey(p.Job.String()), p.CandidateID)
	}
	return nil
}

// Claim implements matcher.Ledger, as matcher/state's claimScript: each
// claim is taken or refused on its own, in order.
func (s *Store) Claim(_ context.Context, claims []matcher.Claim) ([]matcher.ClaimResult, error) {
	payloads := make([]string, len(claims))
	for i, c := range claims {
		b, err := json.Marshal(c.Event)
		if err != nil {
			return nil, err
		}
		payloads[i] = string(b)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]matcher.ClaimResult, len(claims))
	for i, c := range claims {
		out[i] = s.claim(c, payloads[i])
	}
	return out, nil
}

func (s *Store) claim(c matcher.Claim, payload string) matcher.ClaimResult {
	lk, job := ledgerKey(c.Pair.CandidateID), c.Pair.Job.String()
	if c.CandidateRev != 0 {
		if r, ok := s.ks.hget(candidateKey(c.Pair.CandidateID), "r"); !ok || r != itoa(c.CandidateRev) {
			return matcher.ClaimStaleRev
		}
	}
	cur, has := s.ks.hget(lk, job)
	tail := "|" + itoa(c.Gen) + "|" + c.Campaign + "|" + matcher.ScoreField(c) + "|" + payload
	if c.Event.Kind != matcher.MatchRetracted {
		if has {
			return matcher.ClaimBusy
		}
		if _, declined := s.ks.hget(lk, "!d:"+job); declined {
			return matcher.ClaimDeclined
		}
		s.ks.hset(lk, job, "C"+tail)
		return matcher.ClaimTaken
	}
	if !has {
		return matcher.ClaimBusy
	}
	st, gen, ok := entryHead(cur)
	if !ok || st != "A" || gen != itoa(c.Gen) {
		return matcher.ClaimBusy
	}
	s.ks.hset(lk, job, "X"+tail)
	return matcher.ClaimTaken
}

// entryHead splits an entry's state letter and generation, as the Lua
// pattern '^(%a)|(%d+)|' does.
func entryHead(s string) (st, gen string, ok bool) {
	parts := strings.SplitN(s, "|", 3)
	if len(parts) < 3 || len(parts[0]) != 1 || parts[1] == "" {
		return "", "", false
	}
	ch := parts[0][0]
	if !(ch >= 'A' && ch <= 'Z' || ch >= 'a' && ch <= 'z') {
		return "", "", false
	}
	for _, d := range parts[1] {
		if d < '0' || d > '9' {
			return "", "", false
		}
	}
	return parts[0], parts[1], true
}

// Complete implements matcher.Ledger, as matcher/state's completeScript.
func (s *Store) Complete(_ context.Context, claims []matcher.Claim) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range claims {
		lk, job := ledgerKey(c.Pair.CandidateID), c.Pair.Job.String()
		cur, ok := s.ks.hget(lk, job)
		if !ok {
			continue
		}
		parts := strings.SplitN(cur, "|", 5)
		st, gen, ok := entryHead(cur)
		if !ok || len(parts) < 5 || gen != itoa(c.Gen) {
			continue
		}
		switch st {
		case "C":
			camp, score := parts[2], parts[3]
			s.ks.hset(lk, job, "A|"+gen+"|"+camp+"|"+score+"|")
			s.ks.hsetnx(lk, "!f:"+camp, gen)
		case "X":
			s.ks.hdel(lk, job)
		}
	}
	return nil
}

// ForgetCandidate implements matcher.Ledger.
func (s *Store) ForgetCandidate(_ context.Context, id string, jobs []matcher.JobRef) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, h := range s.ks.smembers(heldOfKey(id)) {
		if camp, m, ok := strings.Cut(h, "|"); ok {
			s.ks.zrem(heldKey(camp), m)
			s.ks.hdel(heldKey(camp)+":t", m)
		}
	}
	s.ks.del(heldOfKey(id), candidateWindowKey(id))
	s.ks.del(ledgerKey(id))
	for _, ref := range jobs {
		s.ks.srem(jobPairsKey(ref.String()), id)
	}
	return nil
}

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

// PutFeedback implements matcher.FeedbackLog. Each kind of feedback is
// recorded once per pair; the first one stands (a repeat is Current).
// Nothing is recorded (Stale) for a candidate who holds no profile.
func (s *Store) PutFeedback(_ context.Context, fb *matcher.Feedback, campaign string, at time.Time) (matcher.Outcome, error) {
	p := fb.Pair()
	value := campaign + "|" + fb.From + "|" + strconv.FormatInt(at.UnixMilli(), 10)
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.ks.exists(candidateKey(p.CandidateID)) {
		return matcher.Stale, nil
	}
	if !s.ks.hsetnx(ledgerKey(p.CandidateID), feedbackField(fb.Feedback, p.Job.String()), value) {
		return matcher.Current, nil
	}
	return matcher.Applied, nil
}
