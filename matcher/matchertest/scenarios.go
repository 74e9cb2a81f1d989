package matchertest

import (
	"time"

	"github.com/talentmatch/talentmatch/matcher"
)

// Shorthands of the table. Skills and industries are free text resolved by
// the default taxonomy. With no industries, a candidate holding every
// required skill of a job scores 0.8 and one holding half of them about
// 0.4 (below the default threshold); a shared industry lifts a full match
// to 1.0.

func job(id string, required ...string) *matcher.Job {
	return &matcher.Job{JobID: id, CompanyID: Company, CompanyName: "Acme", Title: id, RequiredSkills: required}
}

func jobIn(campaigns []string, id string, required ...string) *matcher.Job {
	j := job(id, required...)
	j.CampaignIDs = campaigns
	return j
}

func jobWith(j *matcher.Job, f func(*matcher.Job)) *matcher.Job { f(j); return j }

func cand(id string, skills ...string) *matcher.Candidate {
	return &matcher.Candidate{CandidateID: id, Skills: skills, ConsentToMatch: true}
}

func candIn(campaigns []string, id string, skills ...string) *matcher.Candidate {
	c := cand(id, skills...)
	c.CampaignIDs = campaigns
	return c
}

func candWith(c *matcher.Candidate, f func(*matcher.Candidate)) *matcher.Candidate { f(c); return c }

// industry sets the industries of a job or a candidate.
func industry(j *matcher.Job) { j.Industries = []string{"manufacturing"} }

func candIndustry(c *matcher.Candidate) { c.Industries = []string{"manufacturing"} }

func in(ids ...string) []string { return ids }

// campaign returns a campaign whose window runs from Start+from to Start+to.
func campaign(id string, from, to time.Duration) *matcher.Campaign {
	return &matcher.Campaign{CampaignID: id, Name: id, StartsAt: Start.Add(from), EndsAt: Start.Add(to)}
}

func campaignWith(c *matcher.Campaign, f func(*matcher.Campaign)) *matcher.Campaign { f(c); return c }

func ptr[T any](v T) *T { return &v }

const (
	applied = matcher.Applied
	current = matcher.Current
	stale   = matcher.Stale
	day     = 24 * time.Hour
)

// Scenarios returns the engine's behavioural table. Each scenario starts
// from empty state with the clock at Start.
func Scenarios() []Scenario {
	var all []Scenario
	for _, part := range [][]Scenario{lifecycleScenarios(), campaignScenarios(), feedbackScenarios(), fairShareScenarios(), raceScenarios(), recoveryScenarios()} {
		all = append(all, part...)
	}
	return all
}

func lifecycleScenarios() []Scenario {
	goK8s := []string{"Go", "Kubernetes"}
	return []Scenario{{
		Name: "a posted job matches the candidates above the threshold",
		Steps: []Step{
			Register(cand("c1", goK8s...)).Outcome(applied),
			Register(cand("c2", "Go")),
			Register(cand("c3", "Java")),
			Post(job("j1", goK8s...)).Outcome(applied).
				Want("created j1/c1 open job_posted").Active("j1/c1 open"),
			Again().Outcome(current),
			Post(job("j1", goK8s...)).Older(time.Hour).Outcome(stale),
		},
	}, {
		Name: "a registered candidate matches the open jobs",
		Steps: []Step{
			Post(job("j1", goK8s...)),
			Post(job("j2", "Java")),
			Register(cand("c1", goK8s...)).Want("created j1/c1 open candidate_registered"),
			Again().Outcome(current),
			Register(cand("c1", goK8s...)).Older(time.Hour).Outcome(stale),
		},
	}, {
		Name: "invalid events are refused",
		Steps: []Step{
			Post(job("j1")).Fails(matcher.ErrInvalid),
			Register(cand("c1")).Fails(matcher.ErrInvalid),
			Register(cand("c1", goK8s...)),
			Post(job("j1", goK8s...)).Want("created j1/c1 open job_posted"),
		},
	}, {
		Name: "updates rescore: a match that no longer qualifies is retracted",
		Steps: []Step{
			Post(job("j1", goK8s...)),
			Register(cand("c1", goK8s...)).Want("created j1/c1 open candidate_registered"),
			Register(cand("c1", "Go")).Outcome(applied).Want("retracted j1/c1 open rescored").Active(),
			Register(cand("c1", goK8s...)).Want("created j1/c1 open candidate_registered"),
			Post(job("j1", "Go", "Java")).Want("retracted j1/c1 open rescored"),
			Post(job("j1", goK8s...)).Want("created j1/c1 open job_posted"),
			Post(jobWith(job("j1", goK8s...), func(j *matcher.Job) { j.PreferredSkills = []string{"Docker"} })).Active("j1/c1 open"),
		},
	}, {
		Name:   "top-K bounds the matches one event creates, best first, ties by id",
		Config: matcher.Config{TopK: 2},
		Steps: []Step{
			Register(candWith(cand("c3", goK8s...), candIndustry)),
			Register(cand("c1", goK8s...)),
			Register(cand("c2", goK8s...)),
			Post(jobWith(job("j1", goK8s...), industry)).Want("created j1/c1 open job_posted", "created j1/c3 open job_posted"),
			// Top-K is per event: a later candidate is still matched, and a
			// repost keeps the matches beyond the top K that still qualify.
			Register(cand("c4", goK8s...)).Want("created j1/c4 open candidate_registered"),
			Post(jobWith(job("j1", goK8s...), industry)).Active("j1/c1 open", "j1/c3 open", "j1/c4 open"),
		},
	}, {
		Name: "closing a job retracts its matches; a closed job matches no one",
		Steps: []Step{
			Register(cand("c1", goK8s...)),
			Register(cand("c2", goK8s...)),
			Post(job("j1", goK8s...)).Want("created j1/c1 open job_posted", "created j1/c2 open job_posted"),
			Post(job("j2", goK8s...)).Want("created j2/c1 open job_posted", "created j2/c2 open job_posted"),
			CloseJob("j1").Outcome(applied).Want("retracted j1/c1 open job_closed", "retracted j1/c2 open job_closed"),
			Again().Outcome(current),
			CloseJob("j1").Outcome(applied),
			Post(job("j1", goK8s...)).Older(time.Hour).Outcome(stale),
			Register(cand("c3", goK8s...)).Want("created j2/c3 open candidate_registered"),
			Post(job("j1", goK8s...)).Outcome(applied).
				Want("created j1/c1 open job_posted", "created j1/c2 open job_posted", "created j1/c3 open job_posted"),
		},
	}, {
		Name: "closing a job never opened leaves a tombstone that refuses older postings",
		Steps: []Step{
			CloseJob("j1").Outcome(applied),
			Register(cand("c1", goK8s...)),
			Post(job("j1", goK8s...)).Older(time.Hour).Outcome(stale),
			Post(job("j1", goK8s...)).Outcome(applied).Want("created j1/c1 open job_posted"),
		},
	}, {
		Name: "jobs of two companies with one id are kept apart",
		Steps: []Step{
			Post(job("j1", goK8s...)),
			Post(jobWith(job("j1", goK8s...), func(j *matcher.Job) { j.CompanyID = "beta" })),
			Register(cand("c1", goK8s...)).Want("created j1/c1 open candidate_registered", "created beta:j1/c1 open candidate_registered"),
			CloseJobOf("beta", "j1").Want("retracted beta:j1/c1 open job_closed"),
			Check().Active("j1/c1 open"),
		},
	}, {
		Name: "a withdrawal retracts the candidate's matches and leaves a tombstone",
		Steps: []Step{
			Post(job("j1", goK8s...)),
			Post(job("j2", "Go")),
			Register(cand("c1", goK8s...)).Want("created j1/c1 open candidate_registered", "created j2/c1 open candidate_registered"),
			Withdraw("c1").Outcome(applied).Want("retracted j1/c1 open candidate_withdrawn", "retracted j2/c1 open candidate_withdrawn"),
			Again().Outcome(current),
			Register(cand("c1", goK8s...)).Older(time.Hour).Outcome(stale),
			Post(job("j1", goK8s...)),
			Register(cand("c1", goK8s...)).Outcome(applied).
				Want("created j1/c1 open candidate_registered", "created j2/c1 open candidate_registered"),
		},
	}, {
		Name: "a registration without consent erases the candidate",
		Steps: []Step{
			Post(job("j1", goK8s...)),
			Register(cand("c1", goK8s...)).Want("created j1/c1 open candidate_registered"),
			Register(candWith(cand("c1", goK8s...), func(c *matcher.Candidate) { c.ConsentToMatch = false })).
				Outcome(applied).Want("retracted j1/c1 open candidate_withdrawn"),
			Post(job("j1", goK8s...)),
		},
	}, {
		Name: "a candidate whose retention ran out is erased like a withdrawal",
		Steps: []Step{
			Post(job("j1", goK8s...)),
			Register(cand("c1", goK8s...)).Want("created j1/c1 open candidate_registered"),
			Expire("c1").Outcome(applied).Want("retracted j1/c1 open candidate_withdrawn"),
			Feedback("company", "j1", "c1", matcher.FeedbackInterested).Outcome(stale),
		},
	}, {
		Name: "a job posted already expired matches no one until reposted without expiry",
		Steps: []Step{
			Register(cand("c1", goK8s...)),
			Post(jobWith(job("j1", goK8s...), func(j *matcher.Job) { j.ExpiresAt = ptr(Start.Add(-time.Hour)) })).Outcome(applied),
			Register(cand("c2", goK8s...)),
			Post(job("j1", goK8s...)).Want("created j1/c1 open job_posted", "created j1/c2 open job_posted"),
		},
	}, {
		Name: "eligibility: location and degree filter, and updates re-decide",
		Steps: []Step{
			Register(candWith(cand("c1", goK8s...), func(c *matcher.Candidate) { c.Locations, c.Degree = []string{"Shanghai"}, matcher.DegreeMaster })),
			Register(candWith(cand("c2", goK8s...), func(c *matcher.Candidate) { c.Locations, c.Degree = []string{"Beijing"}, matcher.DegreeBachelor })),
			Register(candWith(cand("c3", goK8s...), func(c *matcher.Candidate) { c.Locations, c.Degree = []string{"北京"}, matcher.DegreeMaster })),
			Post(jobWith(job("j1", goK8s...), func(j *matcher.Job) { j.Location, j.MinDegree = "Beijing", matcher.DegreeMaster })).
				Want("created j1/c3 open job_posted"),
			Register(candWith(cand("c2", goK8s...), func(c *matcher.Candidate) { c.Locations, c.Degree = []string{"Beijing"}, matcher.DegreePhD })).
				Want("created j1/c2 open candidate_registered"),
			Post(jobWith(job("j1", goK8s...), func(j *matcher.Job) { j.Location, j.MinDegree = "Shanghai", matcher.DegreeMaster })).
				Want("created j1/c1 open job_posted", "retracted j1/c2 open rescored", "retracted j1/c3 open rescored"),
		},
	}}
}

func campaignScenarios() []Scenario {
	goK8s := []string{"Go", "Kubernetes"}
	spring := in("spring")
	return []Scenario{{
		Name: "a scheduled campaign matches at its start and retracts at its end",
		Steps: []Step{
			OpenCampaign(campaign("spring", time.Hour, 3*time.Hour)).Outcome(applied),
			Post(jobIn(spring, "j1", goK8s...)),
			Register(candIn(spring, "c1", goK8s...)),
			Sweep(),
			Advance(time.Hour),
			Sweep().Want("created j1/c1 spring job_posted").Active("j1/c1 spring"),
			Sweep(),
			Register(candIn(spring, "c2", goK8s...)).Want("created j1/c2 spring candidate_registered"),
			Advance(2 * time.Hour),
			Sweep().Want("retracted j1/c1 spring campaign_closed", "retracted j1/c2 spring campaign_closed").Active(),
			Sweep(),
			Register(candIn(spring, "c3", goK8s...)),
			Post(jobIn(spring, "j1", goK8s...)),
		},
	}, {
		Name: "an ended campaign's matches are retracted by the next event, before any sweep",
		Steps: []Step{
			OpenCampaign(campaign("spring", 0, time.Hour)),
			Post(jobIn(spring, "j1", goK8s...)),
			Register(candIn(spring, "c1", goK8s...)).Want("created j1/c1 spring candidate_registered"),
			Advance(time.Hour),
			Post(jobIn(spring, "j1", goK8s...)).Want("retracted j1/c1 spring campaign_closed"),
			Sweep(),
		},
	}, {
		Name: "a campaign update that ends its window earlier retracts at the new end",
		Steps: []Step{
			OpenCampaign(campaign("spring", 0, day)),
			Post(jobIn(spring, "j1", goK8s...)),
			Register(candIn(spring, "c1", goK8s...)).Want("created j1/c1 spring candidate_registered"),
			OpenCampaign(campaign("spring", 0, time.Hour)).Outcome(applied).Active("j1/c1 spring"),
			Advance(time.Hour),
			Sweep().Want("retracted j1/c1 spring campaign_closed"),
		},
	}, {
		Name: "a sweep leaves a campaign another replica is advancing to it",
		Steps: []Step{
			OpenCampaign(campaign("spring", time.Hour, day)),
			Post(jobIn(spring, "j1", goK8s...)),
			Register(candIn(spring, "c1", goK8s...)),
			Advance(time.Hour),
			TakeLock("campaign:spring"),
			Sweep(),
			ReleaseLock("campaign:spring"),
			Sweep().Want("created j1/c1 spring job_posted"),
		},
	}, {
		Name: "a campaign opened after its jobs and candidates matches them at once",
		Steps: []Step{
			Post(jobIn(spring, "j1", goK8s...)),
			Register(candIn(spring, "c1", goK8s...)),
			OpenCampaign(campaign("spring", 0, day)).Outcome(applied).Want("created j1/c1 spring job_posted"),
			Again().Outcome(current),
			Sweep(),
		},
	}, {
		Name: "an opened campaign whose window has passed takes no matches",
		Steps: []Step{
			Post(jobIn(spring, "j1", goK8s...)),
			Register(candIn(spring, "c1", goK8s...)),
			OpenCampaign(campaign("spring", -2*time.Hour, -time.Hour)).Outcome(applied),
			Sweep(),
			Register(candIn(spring, "c2", goK8s...)),
		},
	}, {
		Name: "closing a campaign retracts its matches only; reopening it matches again",
		Steps: []Step{
			OpenCampaign(campaign("spring", 0, day)),
			OpenCampaign(campaign("autumn", 0, day)),
			Post(jobIn(in("autumn"), "j1", goK8s...)),
			Post(jobIn(spring, "j2", goK8s...)),
			Post(job("j3", goK8s...)),
			Register(candIn(in("autumn", "spring"), "c1", goK8s...)).
				Want("created j1/c1 autumn candidate_registered", "created j2/c1 spring candidate_registered"),
			Register(cand("c2", goK8s...)).Want("created j3/c2 open candidate_registered"),
			CloseCampaign("spring").Outcome(applied).Want("retracted j2/c1 spring campaign_closed"),
			Again().Outcome(current),
			Register(candIn(in("autumn", "spring"), "c1", goK8s...)).Active("j1/c1 autumn", "j3/c2 open"),
			CloseCampaign("spring").Older(time.Hour).Outcome(stale),
			OpenCampaign(campaign("spring", 0, day)).Outcome(applied).Want("created j2/c1 spring job_posted"),
		},
	}, {
		Name: "a pair of two live campaigns belongs to the first by id",
		Steps: []Step{
			OpenCampaign(campaign("a", 0, day)),
			OpenCampaign(campaign("b", 0, day)),
			Post(jobIn(in("b", "a"), "j1", goK8s...)),
			Register(candIn(in("a", "b"), "c1", goK8s...)).Want("created j1/c1 a candidate_registered"),
			// Closing a retracts the match; it moves to b with the next
			// event about the job or the candidate, not at once.
			CloseCampaign("a").Want("retracted j1/c1 a campaign_closed"),
			Register(candIn(in("a", "b"), "c1", goK8s...)).Want("created j1/c1 b candidate_registered"),
		},
	}, {
		Name: "a job of a campaign never opened, or closed before it opened, matches no one",
		Steps: []Step{
			Post(jobIn(spring, "j1", goK8s...)),
			Register(candIn(spring, "c1", goK8s...)),
			Sweep(),
			CloseCampaign("spring").Outcome(applied),
			Sweep(),
			Register(candIn(spring, "c2", goK8s...)),
			OpenCampaign(campaign("spring", 0, day)).Older(time.Hour).Outcome(stale),
		},
	}, {
		Name: "a campaign's threshold and top-K override the engine's",
		Steps: []Step{
			OpenCampaign(campaignWith(campaign("strict", 0, day), func(c *matcher.Campaign) { c.MinScore = ptr(0.9) })),
			OpenCampaign(campaignWith(campaign("one", 0, day), func(c *matcher.Campaign) { c.TopK = ptr(1) })),
			Register(candIn(in("one", "strict"), "c1", goK8s...)),
			Register(candWith(candIn(in("one", "strict"), "c2", goK8s...), candIndustry)),
			Register(candIn(in("one", "strict"), "c3", goK8s...)),
			Post(jobWith(jobIn(in("strict"), "j1", goK8s...), industry)).Want("created j1/c2 strict job_posted"),
			Post(jobIn(in("one"), "j2", goK8s...)).Want("created j2/c1 one job_posted"),
		},
	}}
}

func feedbackScenarios() []Scenario {
	goK8s := []string{"Go", "Kubernetes"}
	return []Scenario{{
		Name: "a declined pair is retracted and never proposed again",
		Steps: []Step{
			Post(job("j1", goK8s...)),
			Register(cand("c1", goK8s...)).Want("created j1/c1 open candidate_registered"),
			Feedback("candidate", "j1", "c1", matcher.FeedbackDeclined).Outcome(applied).Want("retracted j1/c1 open declined"),
			Again().Outcome(current),
			Feedback("company", "j1", "c1", matcher.FeedbackDeclined).Outcome(current),
			Post(job("j1", goK8s...)),
			Register(cand("c1", goK8s...)),
			Register(cand("c2", goK8s...)).Want("created j1/c2 open candidate_registered"),
			Feedback("company", "j1", "c2", matcher.FeedbackInterested).Outcome(applied),
			Feedback("company", "j1", "c2", matcher.FeedbackHired).Outcome(applied),
			Feedback("candidate", "j1", "c2", matcher.FeedbackInterested).Outcome(current),
			Check().Active("j1/c2 open"),
		},
	}, {
		Name: "a pair declined before it was matched is never proposed",
		Steps: []Step{
			Post(job("j1", "Java")),
			Register(cand("c1", goK8s...)),
			Feedback("company", "j1", "c1", matcher.FeedbackDeclined).Outcome(applied),
			Post(job("j1", goK8s...)),
			Register(cand("c2", goK8s...)).Want("created j1/c2 open candidate_registered"),
		},
	}, {
		Name: "feedback about a candidate without a profile is ignored",
		Steps: []Step{
			Post(job("j1", goK8s...)),
			Feedback("company", "j1", "c9", matcher.FeedbackDeclined).Outcome(stale),
			Register(cand("c9", goK8s...)).Want("created j1/c9 open candidate_registered"),
		},
	}, {
		Name: "a withdrawal erases the candidate's feedback with the rest",
		Steps: []Step{
			Post(job("j1", goK8s...)),
			Register(cand("c1", goK8s...)).Want("created j1/c1 open candidate_registered"),
			Feedback("candidate", "j1", "c1", matcher.FeedbackDeclined).Want("retracted j1/c1 open declined"),
			Withdraw("c1"),
			Register(cand("c1", goK8s...)).Want("created j1/c1 open candidate_registered"),
		},
	}}
}

func fairShareScenarios() []Scenario {
	goK8s := []string{"Go", "Kubernetes"}
	return []Scenario{{
		Name:   "a job's hourly cap holds the rest, released best first as the window slides",
		Config: matcher.Config{JobHourlyCap: 1},
		Steps: []Step{
			Register(candWith(cand("c1", goK8s...), candIndustry)),
			Register(cand("c2", goK8s...)),
			Register(cand("c3", "Go", "Kubernetes", "Docker")),
			Post(jobWith(job("j1", goK8s...), industry)).Want("created j1/c1 open job_posted").
				Held("j1/c3 open job_posted", "j1/c2 open job_posted"),
			Sweep(),
			Advance(58 * time.Minute),
			Sweep(),
			Advance(2 * time.Minute),
			Sweep().Want("created j1/c3 open job_posted").Held("j1/c2 open job_posted"),
			Sweep(),
			Advance(time.Hour),
			Sweep().Want("created j1/c2 open job_posted").Held(),
		},
	}, {
		Name:   "a candidate's daily cap holds the rest until the day has passed",
		Config: matcher.Config{CandidateDailyCap: 1},
		Steps: []Step{
			Post(jobWith(job("j1", goK8s...), industry)),
			Post(job("j2", goK8s...)),
			Register(candWith(cand("c1", goK8s...), candIndustry)).Want("created j1/c1 open candidate_registered").
				Held("j2/c1 open candidate_registered"),
			Advance(23 * time.Hour),
			Sweep(),
			Advance(time.Hour),
			Sweep().Want("created j2/c1 open candidate_registered").Held(),
		},
	}, {
		Name:   "held matches whose job closed or candidate withdrew are dropped",
		Config: matcher.Config{JobHourlyCap: 1},
		Steps: []Step{
			Register(candWith(cand("c1", goK8s...), candIndustry)),
			Register(cand("c2", goK8s...)),
			Post(jobWith(job("j1", goK8s...), industry)).Want("created j1/c1 open job_posted").Held("j1/c2 open job_posted"),
			Post(jobWith(job("j2", goK8s...), industry)).Want("created j2/c1 open job_posted").Held("j2/c2 open job_posted", "j1/c2 open job_posted"),
			CloseJob("j1").Want("retracted j1/c1 open job_closed"),
			Withdraw("c2").Held(),
			Advance(time.Hour),
			Sweep().Held(),
		},
	}, {
		Name:   "a held match whose job closed is dropped at release",
		Config: matcher.Config{JobHourlyCap: 1},
		Steps: []Step{
			Register(candWith(cand("c1", goK8s...), candIndustry)),
			Register(cand("c2", goK8s...)),
			Post(jobWith(job("j1", goK8s...), industry)).Want("created j1/c1 open job_posted").Held("j1/c2 open job_posted"),
			CloseJob("j1").Want("retracted j1/c1 open job_closed").Held("j1/c2 open job_posted"),
			Advance(time.Hour),
			Sweep().Held(),
		},
	}, {
		Name:   "a held match declined meanwhile is never created",
		Config: matcher.Config{JobHourlyCap: 1},
		Steps: []Step{
			Register(candWith(cand("c1", goK8s...), candIndustry)),
			Register(cand("c2", goK8s...)),
			Post(jobWith(job("j1", goK8s...), industry)).Want("created j1/c1 open job_posted").Held("j1/c2 open job_posted"),
			Feedback("candidate", "j1", "c2", matcher.FeedbackDeclined).Outcome(applied),
			Advance(time.Hour),
			Sweep().Held(),
			Post(jobWith(job("j1", goK8s...), industry)),
		},
	}, {
		Name: "a campaign's candidate cap holds a candidate's further matches in it, not elsewhere",
		Steps: []Step{
			OpenCampaign(campaignWith(campaign("spring", 0, 3*day), func(c *matcher.Campaign) { c.MaxMatchesPerCandidatePerDay = ptr(1) })),
			Post(jobWith(jobIn(in("spring"), "j1", goK8s...), industry)),
			Post(jobIn(in("spring"), "j2", goK8s...)),
			OpenCampaign(campaign("autumn", 0, 3*day)),
			Post(jobIn(in("autumn"), "j3", goK8s...)),
			Post(jobIn(in("autumn"), "j4", goK8s...)),
			Register(candWith(candIn(in("autumn", "spring"), "c1", goK8s...), candIndustry)).
				Want("created j1/c1 spring candidate_registered", "created j3/c1 autumn candidate_registered", "created j4/c1 autumn candidate_registered").
				Held("j2/c1 spring candidate_registered"),
			Advance(day),
			Sweep().Want("created j2/c1 spring candidate_registered").Held(),
		},
	}, {
		Name: "a campaign's caps override the engine's and its held matches go with it",
		Steps: []Step{
			OpenCampaign(campaignWith(campaign("spring", 0, 2*time.Hour), func(c *matcher.Campaign) { c.MaxMatchesPerJobPerHour = ptr(1) })),
			Register(candWith(candIn(in("spring"), "c1", goK8s...), candIndustry)),
			Register(candIn(in("spring"), "c2", goK8s...)),
			Register(cand("c3", goK8s...)),
			Register(cand("c4", goK8s...)),
			Post(jobWith(jobIn(in("spring"), "j1", goK8s...), industry)).Want("created j1/c1 spring job_posted").Held("j1/c2 spring job_posted"),
			Post(job("j2", goK8s...)).Want("created j2/c3 open job_posted", "created j2/c4 open job_posted"),
			Advance(2 * time.Hour),
			Sweep().Want("retracted j1/c1 spring campaign_closed").Held(),
		},
	}, {
		Name:   "a released match is re-decided: one no longer qualifying is dropped",
		Config: matcher.Config{JobHourlyCap: 1},
		Steps: []Step{
			Register(candWith(cand("c1", goK8s...), candIndustry)),
			Register(cand("c2", goK8s...)),
			Post(jobWith(job("j1", goK8s...), industry)).Want("created j1/c1 open job_posted").Held("j1/c2 open job_posted"),
			Register(cand("c2", "Go")).Held("j1/c2 open job_posted"),
			Advance(time.Hour),
			Sweep().Held(),
		},
	}}
}

// raceScenarios interleave two events as two replicas would, to exercise
// the engine's settling of decisions made on state another event changed.
func raceScenarios() []Scenario {
	goK8s := []string{"Go", "Kubernetes"}
	return []Scenario{{
		Name: "a job closed while a candidate's match is claimed is retracted by settling",
		Steps: []Step{
			Post(job("j1", goK8s...)),
			Register(cand("c1", goK8s...)).During("Claim", CloseJob("j1")).
				Want("created j1/c1 open candidate_registered", "retracted j1/c1 open job_closed").Active(),
		},
	}, {
		Name: "a job changed while a candidate's match is claimed is rescored by settling",
		Steps: []Step{
			Post(job("j1", goK8s...)),
			Register(cand("c1", goK8s...)).During("Claim", Post(job("j1", "Go", "Java"))).
				Want("created j1/c1 open candidate_registered", "retracted j1/c1 open rescored").Active(),
		},
	}, {
		Name: "a campaign closed while a match is claimed is retracted by settling",
		Steps: []Step{
			OpenCampaign(campaign("spring", 0, day)),
			Post(jobIn(in("spring"), "j1", goK8s...)),
			Register(candIn(in("spring"), "c1", goK8s...)).During("Claim", CloseCampaign("spring")).
				Want("created j1/c1 spring candidate_registered", "retracted j1/c1 spring campaign_closed").Active(),
		},
	}, {
		Name: "a campaign that ends while a match is claimed has it retracted by settling",
		Steps: []Step{
			OpenCampaign(campaign("spring", 0, time.Hour)),
			Post(jobIn(in("spring"), "j1", goK8s...)),
			Register(candIn(in("spring"), "c1", goK8s...)).During("Claim", Advance(time.Hour)).
				Want("created j1/c1 spring candidate_registered", "retracted j1/c1 spring campaign_closed").Active(),
		},
	}, {
		Name: "a candidate changed while a job's match is claimed: the candidate's event decides",
		// The job's claim finds the candidate's revision changed; the link
		// the candidate's own event made for the match it created stays,
		// so the job's close retracts that match.
		Steps: []Step{
			Register(cand("c1", goK8s...)),
			Post(job("j1", goK8s...)).During("Claim", Register(cand("c1", goK8s...))).
				Want("created j1/c1 open candidate_registered").Active("j1/c1 open"),
			CloseJob("j1").Want("retracted j1/c1 open job_closed"),
		},
	}, {
		Name: "a candidate withdrawn while a job's match is claimed leaves no trace",
		Steps: []Step{
			Register(cand("c1", goK8s...)),
			Post(job("j1", goK8s...)).During("Claim", Withdraw("c1")).Active(),
		},
	}, {
		Name: "a job updated while a candidate's match is claimed: one of the two creates it",
		Steps: []Step{
			Post(job("j1", goK8s...)),
			Register(cand("c1", goK8s...)).During("Claim", Post(jobWith(job("j1", goK8s...), func(j *matcher.Job) { j.Title = "Go developer" }))).
				Want("created j1/c1 open job_posted").Active("j1/c1 open"),
		},
	}, {
		Name: "a pair declined while its match is claimed is never created",
		Steps: []Step{
			Register(cand("c1", goK8s...)),
			Register(cand("c2", goK8s...)),
			Post(job("j1", goK8s...)).During("Claim", Feedback("company", "j1", "c1", matcher.FeedbackDeclined)).
				Want("created j1/c2 open job_posted"),
			Post(job("j1", goK8s...)).Active("j1/c2 open"),
		},
	}, {
		Name: "a job closed while a candidate's match is linked is retracted by settling",
		Steps: []Step{
			Post(job("j1", goK8s...)),
			Register(cand("c1", goK8s...)).During("Link", CloseJob("j1")).
				Want("created j1/c1 open candidate_registered", "retracted j1/c1 open job_closed").Active(),
		},
	}}
}

// recoveryScenarios lose the publishing of match events, as a broker
// outage or a crash between claim and publish would: the claimed ledger
// entries are completed, their events published once, by the redelivery
// or by the next event that touches the pair.
func recoveryScenarios() []Scenario {
	goK8s := []string{"Go", "Kubernetes"}
	return []Scenario{{
		Name: "a create whose publish failed is announced by the redelivery",
		Steps: []Step{
			Post(job("j1", goK8s...)),
			Register(cand("c1", goK8s...)).PublishFails(),
			Again().Outcome(current).Want("created j1/c1 open candidate_registered").Active("j1/c1 open"),
		},
	}, {
		Name: "a create whose publish failed is announced by the next event of its job",
		Steps: []Step{
			Register(cand("c1", goK8s...)),
			Register(cand("c2", goK8s...)),
			Post(job("j1", goK8s...)).PublishFails(),
			Post(jobWith(job("j1", goK8s...), func(j *matcher.Job) { j.Title = "Go developer" })).
				Want("created j1/c1 open job_posted", "created j1/c2 open job_posted"),
		},
	}, {
		Name: "a retraction whose publish failed is completed by the redelivery",
		Steps: []Step{
			Register(cand("c1", goK8s...)),
			Post(job("j1", goK8s...)).Want("created j1/c1 open job_posted"),
			CloseJob("j1").PublishFails(),
			Again().Outcome(current).Want("retracted j1/c1 open job_closed").Active(),
		},
	}, {
		Name: "a withdrawal whose publish failed is completed by the redelivery",
		Steps: []Step{
			Post(job("j1", goK8s...)),
			Register(cand("c1", goK8s...)).Want("created j1/c1 open candidate_registered"),
			Withdraw("c1").PublishFails(),
			Again().Outcome(current).Want("retracted j1/c1 open candidate_withdrawn"),
			Post(job("j1", goK8s...)),
		},
	}, {
		Name: "a decline whose publish failed is completed by the redelivery",
		Steps: []Step{
			Post(job("j1", goK8s...)),
			Register(cand("c1", goK8s...)).Want("created j1/c1 open candidate_registered"),
			Feedback("candidate", "j1", "c1", matcher.FeedbackDeclined).PublishFails(),
			Again().Outcome(current).Want("retracted j1/c1 open declined"),
		},
	}}
}
