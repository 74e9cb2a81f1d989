package matcher

import (
	"log/slog"
	"time"
)

// Degree is an academic degree, ordered none < bachelor < master < phd.
type Degree string

// Degrees of the contract.
const (
	DegreeNone     Degree = "none"
	DegreeBachelor Degree = "bachelor"
	DegreeMaster   Degree = "master"
	DegreePhD      Degree = "phd"
)

// Rank orders degrees; an empty or unknown degree ranks as none.
func (d Degree) Rank() int {
	switch d {
	case DegreeBachelor:
		return 1
	case DegreeMaster:
		return 2
	case DegreePhD:
		return 3
	}
	return 0
}

// Job is a job posting as published on talent.jobs.posted.<company_id>.
type Job struct {
	JobID           string     `json:"job_id"`
	CompanyID       string     `json:"company_id"`
	CompanyName     string     `json:"company_name"`
	Park            string     `json:"park,omitempty"`
	Title           string     `json:"title"`
	RequiredSkills  []string   `json:"required_skills"`
	PreferredSkills []string   `json:"preferred_skills,omitempty"`
	Industries      []string   `json:"industries"`
	Location        string     `json:"location,omitempty"`
	MinDegree       Degree     `json:"min_degree,omitempty"`
	CampaignIDs     []string   `json:"campaign_ids,omitempty"`
	Openings        *int       `json:"openings,omitempty"`
	ExpiresAt       *time.Time `json:"expires_at,omitempty"`

	// Description is optional free text about the role; the matcher reads
	// skills from it (see matcher/extract) and does not store it.
	Description string `json:"description,omitempty"`
}

// JobClosed is the data of talentmatch.job.closed.v1.
type JobClosed struct {
	JobID     string `json:"job_id"`
	CompanyID string `json:"company_id"`
}

// Candidate is a candidate profile as published on
// talent.candidates.registered.<candidate_id>. It holds personal data: log it
// only through its LogValue, which shows the id alone.
type Candidate struct {
	CandidateID    string   `json:"candidate_id"`
	Skills         []string `json:"skills"`
	Industries     []string `json:"industries,omitempty"`
	Locations      []string `json:"locations,omitempty"`
	Degree         Degree   `json:"degree,omitempty"`
	CampaignIDs    []string `json:"campaign_ids,omitempty"`
	ConsentToMatch bool     `json:"consent_to_match"`

	// Summary is optional free text about the candidate's experience; the
	// matcher reads skills from it and keeps nothing else of it.
	Summary string `json:"summary,omitempty"`
}

// LogValue keeps a candidate's profile out of logs.
func (c Candidate) LogValue() slog.Value {
	return slog.GroupValue(slog.String("candidate_id", c.CandidateID))
}

// CandidateWithdrawn is the data of talentmatch.candidate.withdrawn.v1.
type CandidateWithdrawn struct {
	CandidateID string `json:"candidate_id"`
}

// Campaign is a recruitment campaign as published on
// talent.campaigns.opened.<campaign_id>.
type Campaign struct {
	CampaignID string    `json:"campaign_id"`
	Name       string    `json:"name"`
	StartsAt   time.Time `json:"starts_at"`
	EndsAt     time.Time `json:"ends_at"`
	MinScore   *float64  `json:"min_score,omitempty"`
	TopK       *int      `json:"top_k,omitempty"`
	// Fair-share caps on new matches; nil takes the matcher's defaults.
	MaxMatchesPerJobPerHour      *int `json:"max_matches_per_job_per_hour,omitempty"`
	MaxMatchesPerCandidatePerDay *int `json:"max_matches_per_candidate_per_day,omitempty"`
}

// CampaignClosed is the data of talentmatch.campaign.closed.v1.
type CampaignClosed struct {
	CampaignID string `json:"campaign_id"`
}

// FeedbackKind is what a candidate or a company says about a match.
type FeedbackKind string

// Feedback kinds.
const (
	FeedbackInterested FeedbackKind = "interested"
	FeedbackDeclined   FeedbackKind = "declined"
	FeedbackHired      FeedbackKind = "hired"
)

// Feedback is the data of talentmatch.feedback.candidate.v1 (published by
// the candidate's app on talent.feedback.candidate.<candidate_id>) and
// talentmatch.feedback.company.v1 (by the company's HR system on
// talent.feedback.company.<company_id>).
type Feedback struct {
	CandidateID string       `json:"candidate_id"`
	CompanyID   string       `json:"company_id"`
	JobID       string       `json:"job_id"`
	Feedback    FeedbackKind `json:"feedback"`
	// From is who gave it, "candidate" or "company": it comes from the
	// event type, not from the data.
	From string `json:"-"`
}

// Pair returns the job/candidate pair the feedback is about.
func (f *Feedback) Pair() Pair {
	return Pair{Job: JobRef{CompanyID: f.CompanyID, JobID: f.JobID}, CandidateID: f.CandidateID}
}

// OpenPool is the campaign token of jobs and candidates that name no
// campaign; it is also the campaign_id of their match subjects. It is
// reserved: no campaign may be called "open".
const OpenPool = "open"

// Trigger says what caused a match event.
type Trigger string

// Triggers of the contract.
const (
	TriggerJobPosted           Trigger = "job_posted"
	TriggerCandidateRegistered Trigger = "candidate_registered"
	TriggerJobClosed           Trigger = "job_closed"
	TriggerCandidateWithdrawn  Trigger = "candidate_withdrawn"
	TriggerCampaignClosed      Trigger = "campaign_closed"
	TriggerRescored            Trigger = "rescored"
	// TriggerDeclined retracts a match the candidate or the company
	// declined (talentmatch.feedback.*.v1).
	TriggerDeclined Trigger = "declined"
)

// Match is the data of talentmatch.match.created.v1 and
// talentmatch.match.retracted.v1.
type Match struct {
	MatchID               string         `json:"match_id"`
	JobID                 string         `json:"job_id"`
	CompanyID             string         `json:"company_id"`
	CandidateID           string         `json:"candidate_id"`
	CampaignID            string         `json:"campaign_id"`
	Score                 float64        `json:"score"`
	SkillScore            float64        `json:"skill_score"`
	IndustryScore         float64        `json:"industry_score"`
	MatchedSkills         []string       `json:"matched_skills"`
	MissingRequiredSkills []string       `json:"missing_required_skills"`
	MatchedIndustries     []string       `json:"matched_industries"`
	PartialSkills         []PartialSkill `json:"partial_skills"`
	Trigger               Trigger        `json:"trigger"`

	// ExtractedSkills explains the matched skills that were read from the
	// job's description or the candidate's summary rather than listed.
	ExtractedSkills []ExtractedMatch `json:"extracted_skills,omitempty"`
}

// Sources of an extracted skill.
const (
	SourceJobDescription   = "job_description"
	SourceCandidateSummary = "candidate_summary"
)

// ExtractedMatch is a matched skill read from free text: the skill's name,
// the words it was read from, and which text held them.
type ExtractedMatch struct {
	Skill  string   `json:"skill"`
	Span   TextSpan `json:"span"`
	Source string   `json:"source"`
}

// TextSpan is a place in a text: code-point offsets [Start, End) and the
// words found there.
type TextSpan struct {
	Start int    `json:"start"`
	End   int    `json:"end"`
	Text  string `json:"text"`
}

// PartialSkill explains a job skill covered in part by a related skill of
// the candidate.
type PartialSkill struct {
	Skill  string  `json:"skill"`
	Via    string  `json:"via"`
	Credit float64 `json:"credit"`
}

// MatchKind is the kind of a match event.
type MatchKind string

// Match event kinds; they are the third token of the match subjects.
const (
	MatchCreated   MatchKind = "created"
	MatchRetracted MatchKind = "retracted"
)
