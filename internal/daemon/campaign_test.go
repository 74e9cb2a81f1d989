package daemon

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/talentmatch/talentmatch/internal/auth"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/talentmatch/talentmatch/events"
	"github.com/talentmatch/talentmatch/internal/query"
	"github.com/talentmatch/talentmatch/internal/testenv"
	"github.com/talentmatch/talentmatch/matcher"
)

// TestCampaignLifecycle: a campaign's window and state decide when its
// members are matched and when their matches are retracted.
func TestCampaignLifecycle(t *testing.T) {
	h := start(t, func(c *Config) { c.SweepInterval = 100 * time.Millisecond })
	goJob := func(id, camp string) matcher.Job {
		return job("glodon", id, []string{"Go", "Kubernetes"}, nil, []string{"software"}, camp)
	}
	goCand := func(id, camp string) matcher.Candidate { return cand(id, []string{"Golang", "k8s"}, nil, camp) }

	t.Run("unknown campaign: kept, matched once it opens", func(t *testing.T) {
		h.do(t, events.TypeJobPosted, "glodon", 1, goJob("j-later", "later"))
		h.do(t, events.TypeCandidateRegistered, "c-later", 2, goCand("c-later", "later"))
		h.expect(t)
		now := time.Now()
		h.do(t, events.TypeCampaignOpened, "later", 3, matcher.Campaign{CampaignID: "later", Name: "后开专场", StartsAt: now.Add(-time.Minute), EndsAt: now.Add(time.Hour)})
		h.expect(t, "created job_posted talent.matches.created.later.glodon.c-later")
		// Re-applying the same event changes nothing.
		h.do(t, events.TypeCandidateRegistered, "c-later", 4, goCand("c-later", "later"))
		h.expect(t)
	})

	t.Run("scheduled campaign: matched when its window opens", func(t *testing.T) {
		now := time.Now()
		h.do(t, events.TypeCampaignOpened, "soon", 5, matcher.Campaign{CampaignID: "soon", Name: "即将开始", StartsAt: now.Add(3 * time.Second), EndsAt: now.Add(time.Hour)})
		h.do(t, events.TypeJobPosted, "glodon", 6, goJob("j-soon", "soon"))
		h.do(t, events.TypeCandidateRegistered, "c-soon", 7, goCand("c-soon", "soon"))
		h.expect(t)
		got := h.matches.Next(t, 1, 15*time.Second)
		if got[0].Subject != "talent.matches.created.soon.glodon.c-soon" || got[0].Envelope.Time.Before(now.Add(3*time.Second)) {
			t.Fatalf("got %s at %s, want the match created when the window opened at %s", got[0].Subject, got[0].Envelope.Time, now.Add(3*time.Second))
		}
	})

	t.Run("window ends: matches retracted", func(t *testing.T) {
		now := time.Now()
		h.do(t, events.TypeCampaignOpened, "short", 8, matcher.Campaign{CampaignID: "short", Name: "短期", StartsAt: now.Add(-time.Minute), EndsAt: now.Add(2 * time.Second)})
		h.do(t, events.TypeJobPosted, "glodon", 9, goJob("j-short", "short"))
		h.do(t, events.TypeCandidateRegistered, "c-short", 10, goCand("c-short", "short"))
		h.expect(t, "created candidate_registered talent.matches.created.short.glodon.c-short")
		got := h.matches.Next(t, 1, 15*time.Second)
		if got[0].Subject != "talent.matches.retracted.short.glodon.c-short" || got[0].Match.Trigger != matcher.TriggerCampaignClosed {
			t.Fatalf("got %s (%s), want the match retracted with trigger campaign_closed", got[0].Subject, got[0].Match.Trigger)
		}
		// After its end the campaign takes no new matches.
		h.do(t, events.TypeCandidateRegistered, "c-short2", 11, goCand("c-short2", "short"))
		h.expect(t)
	})

	t.Run("close retracts", func(t *testing.T) {
		h.do(t, events.TypeCampaignClosed, "later", 12, matcher.CampaignClosed{CampaignID: "later"})
		h.expect(t, "retracted campaign_closed talent.matches.retracted.later.glodon.c-later")
	})
}

// TestFeedback: a declined pair is retracted and never proposed again;
// hires and interest reach the campaign's statistics.
func TestFeedback(t *testing.T) {
	h := start(t, nil)
	now := time.Now()
	const camp = "fb"
	h.do(t, events.TypeCampaignOpened, camp, 0, matcher.Campaign{CampaignID: camp, Name: "反馈", StartsAt: now.Add(-time.Hour), EndsAt: now.Add(time.Hour)})
	h.do(t, events.TypeJobPosted, "glodon", 1, job("glodon", "go-1", []string{"Go", "Kubernetes"}, nil, []string{"software"}, camp))
	h.do(t, events.TypeJobPosted, "pingcap", 2, job("pingcap", "db-1", []string{"Go", "distributed systems"}, nil, []string{"software"}, camp))
	h.do(t, events.TypeCandidateRegistered, "c1", 3, cand("c1", []string{"Golang", "k8s", "distributed systems"}, []string{"software"}, camp))
	h.expect(t, "created candidate_registered talent.matches.created.fb.glodon.c1", "created candidate_registered talent.matches.created.fb.pingcap.c1")

	fb := func(_, kind, company, jobID string) matcher.Feedback {
		return matcher.Feedback{CandidateID: "c1", CompanyID: company, JobID: jobID, Feedback: matcher.FeedbackKind(kind)}
	}
	h.do(t, events.TypeFeedbackCandidate, "c1", 4, fb("candidate", "declined", "glodon", "go-1"))
	got := h.expect(t, "retracted declined talent.matches.retracted.fb.glodon.c1")
	if got[0].Match.CandidateID != "c1" {
		t.Fatalf("retraction %+v", got[0].Match)
	}
	// Neither a new profile nor a new posting proposes the pair again.
	h.do(t, events.TypeCandidateRegistered, "c1", 5, cand("c1", []string{"Go", "Kubernetes", "distributed systems", "Docker"}, []string{"software"}, camp))
	h.do(t, events.TypeJobPosted, "glodon", 6, job("glodon", "go-1", []string{"Go", "Kubernetes"}, []string{"Docker"}, []string{"software"}, camp))
	h.expect(t)

	h.do(t, events.TypeFeedbackCandidate, "c1", 7, fb("candidate", "interested", "pingcap", "db-1"))
	h.do(t, events.TypeFeedbackCompany, "pingcap", 8, fb("company", "hired", "pingcap", "db-1"))
	h.expect(t)
	var st query.CampaignStats
	h.getJSON(t, "/api/v1/campaigns/fb/stats", http.StatusOK, &st)
	if st.Hires != 1 || st.Interested != 1 || st.Declined != 1 || st.Matches != 1 {
		t.Errorf("stats hires %d interested %d declined %d matches %d, want 1 1 1 1", st.Hires, st.Interested, st.Declined, st.Matches)
	}

	// Feedback about someone without a profile leaves nothing behind.
	h.do(t, events.TypeFeedbackCandidate, "ghost", 9, matcher.Feedback{CandidateID: "ghost", CompanyID: "glodon", JobID: "go-1", Feedback: matcher.FeedbackDeclined})
	keys, err := h.rdb.Keys(context.Background(), "*ghost*").Result()
	if err != nil || len(keys) != 0 {
		t.Errorf("keys about a candidate without a profile: %v (%v)", keys, err)
	}
	// A company cannot speak for another.
	h.do(t, events.TypeFeedbackCompany, "glodon", 13, fb("company", "hired", "pingcap", "db-1"))
	dl := h.dlq.Next(t, 1, 10*time.Second)
	if !strings.Contains(dl[0].OriginalSubject, "talent.feedback.company.glodon") || !strings.Contains(dl[0].Error, "company_id") {
		t.Errorf("dead letter %q on %s, want unauthorized", dl[0].Error, dl[0].OriginalSubject)
	}
}

// TestFairShare: on a skewed campaign, where one popular job suits every
// candidate, the caps bound the new matches per job and per candidate; the
// rest are held and released, best first, once there is room.
func TestFairShare(t *testing.T) {
	h := start(t, func(c *Config) { c.SweepInterval = 100 * time.Millisecond; c.StatsTTL = time.Nanosecond })
	now := time.Now()
	const camp = "skew"
	three, two := 3, 2
	h.do(t, events.TypeCampaignOpened, camp, 0, matcher.Campaign{CampaignID: camp, Name: "热门专场", StartsAt: now.Add(-time.Hour), EndsAt: now.Add(time.Hour),
		MaxMatchesPerJobPerHour: &three, MaxMatchesPerCandidatePerDay: &two})
	// The popular job and four smaller ones, each suiting some candidates.
	h.do(t, events.TypeJobPosted, "bigco", 1, job("bigco", "hot", []string{"Go"}, []string{"Kubernetes", "Docker", "gRPC"}, []string{"software"}, camp))
	for i, sk := range []string{"Kubernetes", "Docker", "gRPC", "Redis"} {
		h.do(t, events.TypeJobPosted, "small", 2+i, job("small", fmt.Sprintf("s%d", i), []string{"Go", sk}, nil, []string{"software"}, camp))
	}
	// Eight candidates, all with Go; later ones hold more of the popular
	// job's preferred skills, so they score higher for it.
	extra := []string{"Kubernetes", "Docker", "gRPC", "Redis"}
	for i := 0; i < 8; i++ {
		skills := append([]string{"Go"}, extra[:i%5]...)
		h.do(t, events.TypeCandidateRegistered, fmt.Sprintf("c%d", i), 10+i, cand(fmt.Sprintf("c%d", i), skills, []string{"software"}, camp))
	}
	created := func(rs []testenv.Received) (perJob, perCand map[string]int) {
		perJob, perCand = map[string]int{}, map[string]int{}
		for _, r := range rs {
			if r.Envelope.Type == events.TypeMatchCreated {
				perJob[r.Match.CompanyID+"/"+r.Match.JobID]++
				perCand[r.Match.CandidateID]++
			}
		}
		return perJob, perCand
	}
	first := h.matches.Pending()
	perJob, perCand := created(first)
	for j, n := range perJob {
		if n > 3 {
			t.Errorf("job %s received %d new matches within the hour, cap 3", j, n)
		}
	}
	for c, n := range perCand {
		if n > 2 {
			t.Errorf("candidate %s received %d new matches within the day, cap 2", c, n)
		}
	}
	var st query.CampaignStats
	h.getJSON(t, "/api/v1/campaigns/skew/stats", http.StatusOK, &st)
	if st.Held == 0 || st.Matches != len(first) {
		t.Fatalf("held %d matches %d (events %d): want matches held back and the rest announced", st.Held, st.Matches, len(first))
	}
	if perJob["bigco/hot"] != 3 {
		t.Errorf("the popular job received %d matches, want its cap of 3", perJob["bigco/hot"])
	}

	// Room for one more match per job appears (the organizer raises the
	// job cap to 4 and lifts the candidate cap): each job's best held
	// candidate gets it.
	reopen := func(n, jobCap, candCap int) []testenv.Received {
		t.Helper()
		before := st.Matches
		h.do(t, events.TypeCampaignOpened, camp, n, matcher.Campaign{CampaignID: camp, Name: "热门专场", StartsAt: now.Add(-time.Hour), EndsAt: now.Add(time.Hour),
			MaxMatchesPerJobPerHour: &jobCap, MaxMatchesPerCandidatePerDay: &candCap})
		h.getJSON(t, "/api/v1/campaigns/skew/stats", http.StatusOK, &st)
		got := h.matches.Next(t, st.Matches-before, 20*time.Second)
		for _, r := range got {
			if r.Envelope.Type != events.TypeMatchCreated {
				t.Fatalf("released %s", r.Subject)
			}
		}
		return got
	}
	hotScores := func(rs []testenv.Received) []float64 {
		var out []float64
		for _, r := range rs {
			if r.Match.JobID == "hot" {
				out = append(out, r.Match.Score)
			}
		}
		return out
	}
	second := reopen(30, 4, 100)
	perJob, _ = created(second)
	if len(second) == 0 || perJob["bigco/hot"] != 1 {
		t.Fatalf("raising the job cap by one released %v", perJob)
	}
	// All room: everything held is released, and none of it scores above
	// what the popular job's one free place went to.
	third := reopen(31, 100, 100)
	for _, s := range hotScores(third) {
		if s > hotScores(second)[0] {
			t.Errorf("the popular job's free place went to a match scoring %.3f while one scoring %.3f was held", hotScores(second)[0], s)
		}
	}
	if st.Held != 0 || st.Matches != len(first)+len(second)+len(third) {
		t.Errorf("after release: held %d, matches %d, want 0 and %d", st.Held, st.Matches, len(first)+len(second)+len(third))
	}
}

func (h *harness) getJSON(t *testing.T, path string, want int, v any) {
	t.Helper()
	resp := h.apiGet(t, path, h.token(t, auth.Claims{Role: auth.RoleOperator}))
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("GET %s: %d %s, want %d", path, resp.StatusCode, b, want)
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("GET %s: %v: %s", path, err, b)
		}
	}
}
