package matchertest

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/talentmatch/talentmatch/matcher"
)

// StoreCase is one case of the store's own table: calls of the role
// interfaces and what they must return. It documents the semantics the
// engine relies on, including those that surprise.
type StoreCase struct {
	Name string
	Run  func(c *StoreCheck)
}

// StoreCheck is what a StoreCase runs against: a fresh backend, its clock
// and helpers that fail the test with the call that went wrong.
type StoreCheck struct {
	T     testing.TB
	Ctx   context.Context
	B     Backend
	Clock *Clock
}

// Eq fails the test when got differs from want.
func (c *StoreCheck) Eq(what string, got, want any) {
	c.T.Helper()
	if !reflect.DeepEqual(got, want) {
		c.T.Errorf("%s: got %v, want %v", what, got, want)
	}
}

// OK fails the test at once on an error.
func (c *StoreCheck) OK(err error) {
	c.T.Helper()
	if err != nil {
		c.T.Fatal(err)
	}
}

// RunStore runs StoreCases against fresh backends from newBackend, so that
// Store and matcher/state's Redis are held to one description.
func RunStore(t *testing.T, newBackend NewBackend) {
	for _, sc := range StoreCases() {
		t.Run(sc.Name, func(t *testing.T) {
			clock := NewClock(Start)
			sc.Run(&StoreCheck{T: t, Ctx: context.Background(), B: newBackend(t, clock), Clock: clock})
		})
	}
}

func at(sec int, id string) matcher.Version {
	return matcher.Version{Time: Start.Add(time.Duration(sec) * time.Second), EventID: id}
}

func jobF(id string, campaigns []string, skills ...string) *matcher.JobFeatures {
	return &matcher.JobFeatures{CompanyID: Company, JobID: id, Required: skills, Campaigns: campaigns}
}

func candF(id string, campaigns []string, skills ...string) *matcher.CandidateFeatures {
	return &matcher.CandidateFeatures{CandidateID: id, Skills: skills, Campaigns: campaigns}
}

func ref(id string) matcher.JobRef { return matcher.JobRef{CompanyID: Company, JobID: id} }

func pair(job, cand string) matcher.Pair { return matcher.Pair{Job: ref(job), CandidateID: cand} }

func createClaim(job, cand string, gen, rev int64, campaign string, score float64) matcher.Claim {
	p := pair(job, cand)
	ev := &matcher.Outbound{ID: matcher.EventID(matcher.MatchID(p), gen, matcher.MatchCreated), Kind: matcher.MatchCreated,
		Time: Start.UTC(), Match: matcher.Match{MatchID: matcher.MatchID(p), JobID: job, CompanyID: Company, CandidateID: cand, CampaignID: campaign, Score: score}}
	return matcher.Claim{Pair: p, Event: ev, Gen: gen, CandidateRev: rev, Campaign: campaign, Score: score}
}

func retractClaim(job, cand string, gen int64, campaign string) matcher.Claim {
	c := createClaim(job, cand, gen, 0, campaign, 0)
	c.Event.Kind = matcher.MatchRetracted
	c.Event.ID = matcher.EventID(c.Event.Match.MatchID, gen, matcher.MatchRetracted)
	return c
}

func sorted(s []string) []string {
	s = append([]string{}, s...)
	sort.Strings(s)
	return s
}

func refStrings(refs []matcher.JobRef) []string {
	out := []string{}
	for _, r := range refs {
		out = append(out, r.String())
	}
	sort.Strings(out)
	return out
}

// StoreCases returns the store's table.
func StoreCases() []StoreCase {
	open := []string{matcher.OpenPool}
	return []StoreCase{{
		Name: "versions order by time then event id, for every kind of entity",
		Run: func(c *StoreCheck) {
			for _, step := range []struct {
				v    matcher.Version
				want matcher.Outcome
			}{
				{at(10, "b"), matcher.Applied}, {at(10, "b"), matcher.Current}, {at(5, "z"), matcher.Stale},
				{at(10, "a"), matcher.Stale}, {at(10, "c"), matcher.Applied}, {at(11, "a"), matcher.Applied},
			} {
				out, err := c.B.PutJob(c.Ctx, jobF("j1", open, "go"), step.v)
				c.OK(err)
				c.Eq(fmt.Sprintf("PutJob at %v", step.v), out, step.want)
				out, err = c.B.PutCandidate(c.Ctx, candF("c1", open, "go"), step.v)
				c.OK(err)
				c.Eq(fmt.Sprintf("PutCandidate at %v", step.v), out, step.want)
				out, err = c.B.PutCampaign(c.Ctx, &matcher.Campaign{CampaignID: "spring"}, step.v)
				c.OK(err)
				c.Eq(fmt.Sprintf("PutCampaign at %v", step.v), out, step.want)
			}
			out, err := c.B.CloseJob(c.Ctx, ref("j1"), at(11, "a"))
			c.OK(err)
			c.Eq("CloseJob with the put's version", out, matcher.Current)
			out, err = c.B.EraseCandidate(c.Ctx, "c1", at(10, "z"))
			c.OK(err)
			c.Eq("older erase", out, matcher.Stale)
		},
	}, {
		Name: "revisions count every applied change, across close and erase",
		Run: func(c *StoreCheck) {
			j := jobF("j1", open, "go")
			_, err := c.B.PutJob(c.Ctx, j, at(1, "a"))
			c.OK(err)
			c.Eq("first put's revision", j.Rev, int64(1))
			_, err = c.B.CloseJob(c.Ctx, ref("j1"), at(2, "a"))
			c.OK(err)
			jobs, err := c.B.Jobs(c.Ctx, []matcher.JobRef{ref("j1"), ref("nope")})
			c.OK(err)
			c.Eq("closed and unknown jobs", jobs, []*matcher.JobFeatures{nil, nil})
			// Surprising: a closed job reports its close's revision, not 0
			// (matcher.Entities says "0 when gone"); settle relies only on
			// revisions changing.
			revs, err := c.B.JobRevs(c.Ctx, []matcher.JobRef{ref("j1"), ref("nope")})
			c.OK(err)
			c.Eq("revisions of a closed and an unknown job", revs, []int64{2, 0})
			j = jobF("j1", open, "go")
			_, err = c.B.PutJob(c.Ctx, j, at(3, "a"))
			c.OK(err)
			c.Eq("reopened job's revision", j.Rev, int64(3))
			jobs, err = c.B.Jobs(c.Ctx, []matcher.JobRef{ref("j1")})
			c.OK(err)
			c.Eq("reopened job", jobs[0] != nil && jobs[0].Rev == 3, true)

			out, err := c.B.EraseCandidate(c.Ctx, "c1", at(1, "a"))
			c.OK(err)
			c.Eq("erasing a candidate never registered", out, matcher.Applied)
			f := candF("c1", open, "go")
			out, err = c.B.PutCandidate(c.Ctx, f, at(0, "z"))
			c.OK(err)
			c.Eq("registration older than the tombstone", out, matcher.Stale)
			out, err = c.B.PutCandidate(c.Ctx, f, at(2, "a"))
			c.OK(err)
			c.Eq("registration after the tombstone", out, matcher.Applied)
			c.Eq("its revision", f.Rev, int64(2))
			cands, err := c.B.Candidates(c.Ctx, []string{"c1", "c2"})
			c.OK(err)
			c.Eq("stored candidate", cands[0] != nil && cands[0].Rev == 2 && cands[1] == nil, true)
		},
	}, {
		Name: "indexes follow updates, closes and erasures; frequencies count both sides",
		Run: func(c *StoreCheck) {
			j := jobF("j1", []string{"a", "b"}, "go")
			j.Preferred = []string{"docker"}
			_, err := c.B.PutJob(c.Ctx, j, at(1, "a"))
			c.OK(err)
			_, err = c.B.PutCandidate(c.Ctx, candF("c1", []string{"a"}, "go", "rust"), at(1, "a"))
			c.OK(err)
			ids, err := c.B.JobsWithAny(c.Ctx, "b", []string{"docker"})
			c.OK(err)
			c.Eq("jobs of b with docker (preferred)", ids, []string{"acme/j1"})
			ids, err = c.B.CandidatesWithAny(c.Ctx, "a", []string{"rust", "java"})
			c.OK(err)
			c.Eq("candidates of a with rust or java", ids, []string{"c1"})
			ids, err = c.B.CandidatesWithAny(c.Ctx, "b", []string{"rust"})
			c.OK(err)
			c.Eq("candidates of b", len(ids), 0)
			df, n, err := c.B.DocFreq(c.Ctx, []string{"go", "docker", "rust", "java"})
			c.OK(err)
			c.Eq("frequencies", df, []int64{2, 1, 1, 0})
			c.Eq("active entities", n, int64(2))
			refs, err := c.B.CampaignJobs(c.Ctx, "b")
			c.OK(err)
			c.Eq("jobs of campaign b", refStrings(refs), []string{"acme/j1"})

			_, err = c.B.PutJob(c.Ctx, jobF("j1", []string{"a"}, "java"), at(2, "a"))
			c.OK(err)
			ids, err = c.B.JobsWithAny(c.Ctx, "b", []string{"go", "docker", "java"})
			c.OK(err)
			c.Eq("jobs of b after the update", len(ids), 0)
			ids, err = c.B.JobsWithAny(c.Ctx, "a", []string{"java"})
			c.OK(err)
			c.Eq("jobs of a with java", ids, []string{"acme/j1"})
			df, _, err = c.B.DocFreq(c.Ctx, []string{"go", "docker", "java"})
			c.OK(err)
			c.Eq("frequencies after the update", df, []int64{1, 0, 1})

			_, err = c.B.CloseJob(c.Ctx, ref("j1"), at(3, "a"))
			c.OK(err)
			_, err = c.B.EraseCandidate(c.Ctx, "c1", at(3, "a"))
			c.OK(err)
			df, n, err = c.B.DocFreq(c.Ctx, []string{"go", "java"})
			c.OK(err)
			c.Eq("frequencies after close and erase", df, []int64{0, 0})
			c.Eq("active entities after close and erase", n, int64(0))
			ids, err = c.B.JobsWithAny(c.Ctx, "a", []string{"java"})
			c.OK(err)
			c.Eq("jobs after the close", len(ids), 0)
			refs, err = c.B.CampaignJobs(c.Ctx, "a")
			c.OK(err)
			c.Eq("campaign jobs after the close", len(refs), 0)
		},
	}, {
		Name: "claims: a create needs no entry, a retract the active entry of its generation",
		Run: func(c *StoreCheck) {
			f := candF("c1", open, "go")
			_, err := c.B.PutCandidate(c.Ctx, f, at(1, "a"))
			c.OK(err)
			claim := func(cl matcher.Claim) matcher.ClaimResult {
				c.T.Helper()
				res, err := c.B.Claim(c.Ctx, []matcher.Claim{cl})
				c.OK(err)
				return res[0]
			}
			entry := func() matcher.Entry {
				c.T.Helper()
				en, err := c.B.Entries(c.Ctx, []matcher.Pair{pair("j1", "c1")})
				c.OK(err)
				return en[0]
			}
			create := createClaim("j1", "c1", 100, f.Rev, "open", 0.81234)
			c.Eq("create at a stale revision", claim(createClaim("j1", "c1", 100, f.Rev+1, "open", 0.8)), matcher.ClaimStaleRev)
			c.Eq("create", claim(create), matcher.ClaimTaken)
			en := entry()
			c.Eq("claimed entry", [3]any{en.State, en.Gen, en.Campaign}, [3]any{matcher.EntryCreating, int64(100), "open"})
			// The ledger keeps scores to 4 decimals.
			c.Eq("claimed entry's score", en.Score, 0.8123)
			c.Eq("claimed entry's pending event", en.Pending != nil && en.Pending.ID == create.Event.ID, true)
			c.Eq("create again", claim(createClaim("j1", "c1", 101, 0, "open", 0.8)), matcher.ClaimBusy)
			c.Eq("create again at a stale revision (revision is checked first)", claim(createClaim("j1", "c1", 101, f.Rev+1, "open", 0.8)), matcher.ClaimStaleRev)
			c.Eq("retract of a pending create", claim(retractClaim("j1", "c1", 100, "open")), matcher.ClaimBusy)
			c.OK(c.B.Complete(c.Ctx, []matcher.Claim{create}))
			c.OK(c.B.Complete(c.Ctx, []matcher.Claim{create}))
			en = entry()
			c.Eq("completed entry", [3]any{en.State, en.Gen, en.Pending == nil}, [3]any{matcher.EntryActive, int64(100), true})
			c.Eq("retract of another generation", claim(retractClaim("j1", "c1", 99, "open")), matcher.ClaimBusy)
			retract := retractClaim("j1", "c1", 100, "open")
			c.Eq("retract", claim(retract), matcher.ClaimTaken)
			c.Eq("retracting entry", entry().State, matcher.EntryRetracting)
			c.OK(c.B.Complete(c.Ctx, []matcher.Claim{createClaim("j1", "c1", 99, 0, "open", 0)}))
			c.Eq("entry after completing another generation", entry().State, matcher.EntryRetracting)
			c.OK(c.B.Complete(c.Ctx, []matcher.Claim{retract}))
			c.Eq("entry after the retraction", entry(), matcher.Entry{})
			c.Eq("retract of no entry", claim(retract), matcher.ClaimBusy)
			_, err = c.B.EraseCandidate(c.Ctx, "c1", at(2, "a"))
			c.OK(err)
			c.Eq("create for an erased candidate", claim(createClaim("j1", "c1", 102, f.Rev, "open", 0.8)), matcher.ClaimStaleRev)
		},
	}, {
		Name: "a declined pair refuses creates but not retractions; feedback is kept once per kind",
		Run: func(c *StoreCheck) {
			fb := func(kind matcher.FeedbackKind, from, cand string) matcher.Outcome {
				c.T.Helper()
				out, err := c.B.PutFeedback(c.Ctx, &matcher.Feedback{CandidateID: cand, CompanyID: Company, JobID: "j1", Feedback: kind, From: from}, "open", Start)
				c.OK(err)
				return out
			}
			c.Eq("feedback on a candidate without profile", fb(matcher.FeedbackDeclined, "company", "c1"), matcher.Stale)
			_, err := c.B.PutCandidate(c.Ctx, candF("c1", open, "go"), at(1, "a"))
			c.OK(err)
			create := createClaim("j1", "c1", 100, 0, "open", 0.8)
			res, err := c.B.Claim(c.Ctx, []matcher.Claim{create})
			c.OK(err)
			c.OK(c.B.Complete(c.Ctx, []matcher.Claim{create}))
			c.Eq("create", res[0], matcher.ClaimTaken)
			c.Eq("decline", fb(matcher.FeedbackDeclined, "candidate", "c1"), matcher.Applied)
			c.Eq("decline by the other side", fb(matcher.FeedbackDeclined, "company", "c1"), matcher.Current)
			c.Eq("interest", fb(matcher.FeedbackInterested, "company", "c1"), matcher.Applied)
			c.Eq("hire", fb(matcher.FeedbackHired, "company", "c1"), matcher.Applied)
			entries, err := c.B.CandidateEntries(c.Ctx, "c1")
			c.OK(err)
			c.Eq("entries (feedback is not an entry)", len(entries), 1)
			res, err = c.B.Claim(c.Ctx, []matcher.Claim{createClaim("j1", "c1", 101, 0, "open", 0.8), retractClaim("j1", "c1", 100, "open")})
			c.OK(err)
			// An existing entry makes a create busy before the decline is
			// looked at.
			c.Eq("create while active, and retract", res, []matcher.ClaimResult{matcher.ClaimBusy, matcher.ClaimTaken})
			c.OK(c.B.Complete(c.Ctx, []matcher.Claim{retractClaim("j1", "c1", 100, "open")}))
			res, err = c.B.Claim(c.Ctx, []matcher.Claim{createClaim("j1", "c1", 102, 0, "open", 0.8)})
			c.OK(err)
			c.Eq("create of the declined pair", res[0], matcher.ClaimDeclined)

			c.OK(c.B.ForgetCandidate(c.Ctx, "c1", nil))
			res, err = c.B.Claim(c.Ctx, []matcher.Claim{createClaim("j1", "c1", 103, 0, "open", 0.8)})
			c.OK(err)
			c.Eq("create after the candidate was forgotten (feedback with them)", res[0], matcher.ClaimTaken)
		},
	}, {
		Name: "pair lists: link, unlink, and forgetting a candidate in the given jobs",
		Run: func(c *StoreCheck) {
			c.OK(c.B.Link(c.Ctx, []matcher.Pair{pair("j1", "c1"), pair("j1", "c2"), pair("j2", "c1"), pair("j3", "c1")}))
			ids, err := c.B.JobPairs(c.Ctx, ref("j1"))
			c.OK(err)
			c.Eq("pairs of j1", sorted(ids), []string{"c1", "c2"})
			c.OK(c.B.Unlink(c.Ctx, []matcher.Pair{pair("j1", "c2"), pair("j9", "c9")}))
			c.OK(c.B.ForgetCandidate(c.Ctx, "c1", []matcher.JobRef{ref("j1"), ref("j2")}))
			for job, want := range map[string][]string{"j1": {}, "j2": {}, "j3": {"c1"}} {
				ids, err := c.B.JobPairs(c.Ctx, ref(job))
				c.OK(err)
				c.Eq("pairs of "+job, sorted(ids), want)
			}
		},
	}, {
		Name: "windows: caps per job and campaign, per candidate and campaign, sliding",
		Run: func(c *StoreCheck) {
			res := func(job, cand, campaign, member string, at time.Time, jobCap, candCap int) matcher.Reservation {
				return matcher.Reservation{Pair: pair(job, cand), Campaign: campaign, Member: member, At: at,
					JobCap: jobCap, CandidateCap: candCap, JobWindow: time.Hour, CandidateWindow: 24 * time.Hour}
			}
			reserve := func(rs ...matcher.Reservation) []bool {
				c.T.Helper()
				ok, err := c.B.Reserve(c.Ctx, rs)
				c.OK(err)
				return ok
			}
			t0 := Start
			c.Eq("two under a job cap of one", reserve(res("j1", "c1", "a", "m1", t0, 1, 0), res("j1", "c2", "a", "m2", t0, 1, 0)), []bool{true, false})
			c.Eq("the same member again", reserve(res("j1", "c1", "a", "m1", t0.Add(time.Minute), 1, 0)), []bool{true})
			c.Eq("the job in another campaign", reserve(res("j1", "c2", "b", "m3", t0, 1, 0)), []bool{true})
			c.Eq("no caps", reserve(res("j1", "c3", "a", "m4", t0, 0, 0)), []bool{true})
			// A member at t leaves the window at exactly t + window.
			c.Eq("just before the window slides", reserve(res("j1", "c2", "a", "m5", t0.Add(time.Hour-time.Millisecond), 1, 0)), []bool{false})
			c.Eq("as the window slides", reserve(res("j1", "c2", "a", "m5", t0.Add(time.Hour), 1, 0)), []bool{true})

			// The candidate's window counts each campaign apart; a refusal
			// gives the job's place back.
			c.Eq("candidate cap of one in campaign a", reserve(res("j2", "c9", "a", "n1", t0, 0, 1), res("j3", "c9", "a", "n2", t0, 5, 1)), []bool{true, false})
			c.Eq("the job's place was given back", reserve(res("j3", "c8", "a", "n3", t0, 1, 0)), []bool{true})
			c.Eq("candidate in campaign b", reserve(res("j2", "c9", "b", "n4", t0, 0, 1)), []bool{true})
			c.OK(c.B.Release(c.Ctx, []matcher.Reservation{res("j2", "c9", "a", "n1", t0, 0, 1)}))
			c.Eq("after the release", reserve(res("j4", "c9", "a", "n5", t0, 0, 1)), []bool{true})
			c.OK(c.B.ForgetCandidate(c.Ctx, "c9", nil))
			c.Eq("after forgetting the candidate", reserve(res("j5", "c9", "a", "n6", t0, 0, 1)), []bool{true})
		},
	}, {
		Name: "held matches: best first, ties by descending pair, trigger kept",
		Run: func(c *StoreCheck) {
			hs := []matcher.Held{
				{Pair: pair("j1", "c1"), Campaign: "a", Score: 0.5, Trigger: matcher.TriggerJobPosted},
				{Pair: pair("j1", "c2"), Campaign: "a", Score: 0.9, Trigger: matcher.TriggerCandidateRegistered},
				{Pair: pair("j1", "c3"), Campaign: "a", Score: 0.5, Trigger: matcher.TriggerJobPosted},
				{Pair: pair("j2", "c1"), Campaign: "b", Score: 0.7, Trigger: matcher.TriggerJobPosted},
			}
			c.OK(c.B.Hold(c.Ctx, hs))
			got, err := c.B.HeldPairs(c.Ctx, "a", 2)
			c.OK(err)
			c.Eq("best two of a", got, []matcher.Held{hs[1], hs[2]})
			got, err = c.B.HeldPairs(c.Ctx, "a", 0)
			c.OK(err)
			c.Eq("all of a (n = 0)", got, []matcher.Held{hs[1], hs[2], hs[0]})
			n, err := c.B.HeldTotal(c.Ctx)
			c.OK(err)
			c.Eq("held total before campaigns are known", n, int64(0))
			_, err = c.B.PutCampaign(c.Ctx, &matcher.Campaign{CampaignID: "a", EndsAt: Start.Add(time.Hour)}, at(1, "a"))
			c.OK(err)
			n, err = c.B.HeldTotal(c.Ctx)
			c.OK(err)
			c.Eq("held total of the known campaigns", n, int64(3))
			c.OK(c.B.Unhold(c.Ctx, []matcher.Held{{Pair: pair("j1", "c2"), Campaign: "a"}}))
			c.OK(c.B.ForgetCandidate(c.Ctx, "c1", nil))
			got, err = c.B.HeldPairs(c.Ctx, "a", 10)
			c.OK(err)
			c.Eq("a after unhold and forgetting c1", got, []matcher.Held{hs[2]})
			got, err = c.B.HeldPairs(c.Ctx, "b", 10)
			c.OK(err)
			c.Eq("b after forgetting c1", len(got), 0)
		},
	}, {
		Name: "campaigns: state, closing keeps the window, phases follow the event",
		Run: func(c *StoreCheck) {
			min, k, capj := 0.7, 3, 2
			camp := &matcher.Campaign{CampaignID: "spring", Name: "Spring", StartsAt: Start, EndsAt: Start.Add(time.Hour), MinScore: &min, TopK: &k, MaxMatchesPerJobPerHour: &capj}
			_, err := c.B.PutCampaign(c.Ctx, camp, at(1, "e1"))
			c.OK(err)
			ci, err := c.B.Campaign(c.Ctx, "spring")
			c.OK(err)
			c.Eq("stored campaign", [6]any{ci.Known, ci.Closed, ci.Name, ci.EventID, ci.Phase, ci.Status(Start)}, [6]any{true, false, "Spring", "e1", "", "open"})
			c.Eq("window and overrides", [5]any{ci.StartsAt.Equal(Start), ci.EndsAt.Equal(Start.Add(time.Hour)), *ci.MinScore, *ci.TopK, *ci.JobHourlyCap}, [5]any{true, true, 0.7, 3, 2})
			c.Eq("no candidate cap", ci.CandidateDailyCap == nil, true)
			ok, err := c.B.SetCampaignPhase(c.Ctx, "spring", "e0", matcher.PhaseMatched)
			c.OK(err)
			c.Eq("phase for another event", ok, false)
			ok, err = c.B.SetCampaignPhase(c.Ctx, "spring", "e1", matcher.PhaseMatched)
			c.OK(err)
			c.Eq("phase for its event", ok, true)
			_, err = c.B.CloseCampaign(c.Ctx, "spring", at(2, "e2"))
			c.OK(err)
			ci, err = c.B.Campaign(c.Ctx, "spring")
			c.OK(err)
			c.Eq("closed campaign", [5]any{ci.Closed, ci.EventID, ci.Phase, ci.EndsAt.Equal(Start.Add(time.Hour)), *ci.TopK}, [5]any{true, "e2", "", true, 3})
			_, err = c.B.CloseCampaign(c.Ctx, "winter", at(2, "e3"))
			c.OK(err)
			cs, err := c.B.Campaigns(c.Ctx, []string{"winter", "autumn"})
			c.OK(err)
			w := cs["winter"]
			c.Eq("a campaign closed before it opened", [4]any{w.Known, w.Closed, w.EndsAt.Year(), w.Status(Start)}, [4]any{true, true, 9999, "closed"})
			c.Eq("an unknown campaign", cs["autumn"], matcher.CampaignState{ID: "autumn"})
			infos, err := c.B.CampaignInfos(c.Ctx)
			c.OK(err)
			var ids []string
			for _, ci := range infos {
				ids = append(ids, ci.ID)
			}
			c.Eq("known campaigns", ids, []string{"spring", "winter"})
			out, err := c.B.PutCampaign(c.Ctx, &matcher.Campaign{CampaignID: "spring", StartsAt: Start, EndsAt: Start.Add(day)}, at(3, "e4"))
			c.OK(err)
			c.Eq("reopening", out, matcher.Applied)
			ci, err = c.B.Campaign(c.Ctx, "spring")
			c.OK(err)
			c.Eq("reopened campaign drops the overrides it no longer names", [3]any{ci.Closed, ci.TopK == nil, ci.MinScore == nil}, [3]any{false, true, true})
		},
	}, {
		Name: "locks are exclusive until released",
		Run: func(c *StoreCheck) {
			unlock, ok, err := c.B.Lock(c.Ctx, "x", time.Minute)
			c.OK(err)
			c.Eq("first lock", ok, true)
			_, ok, err = c.B.Lock(c.Ctx, "x", time.Minute)
			c.OK(err)
			c.Eq("second lock", ok, false)
			_, ok, err = c.B.Lock(c.Ctx, "y", time.Minute)
			c.OK(err)
			c.Eq("another lock", ok, true)
			unlock()
			_, ok, err = c.B.Lock(c.Ctx, "x", time.Minute)
			c.OK(err)
			c.Eq("lock after release", ok, true)
		},
	}}
}
