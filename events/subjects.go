package events

import "strings"

// Streams of the contract.
const (
	StreamIn      = "TALENT_IN"
	StreamMatches = "TALENT_MATCHES"
	StreamDLQ     = "TALENT_DLQ"
)

// Subject filters of the streams.
var (
	SubjectsIn      = []string{"talent.jobs.>", "talent.candidates.>", "talent.campaigns.>", "talent.feedback.>"}
	SubjectsMatches = []string{"talent.matches.>"}
	SubjectsDLQ     = []string{"talent.dlq.>"}
)

// Event types of the contract.
const (
	TypeJobPosted           = "talentmatch.job.posted.v1"
	TypeJobClosed           = "talentmatch.job.closed.v1"
	TypeCandidateRegistered = "talentmatch.candidate.registered.v1"
	TypeCandidateWithdrawn  = "talentmatch.candidate.withdrawn.v1"
	TypeCampaignOpened      = "talentmatch.campaign.opened.v1"
	TypeCampaignClosed      = "talentmatch.campaign.closed.v1"
	TypeFeedbackCandidate   = "talentmatch.feedback.candidate.v1"
	TypeFeedbackCompany     = "talentmatch.feedback.company.v1"
	TypeMatchCreated        = "talentmatch.match.created.v1"
	TypeMatchRetracted      = "talentmatch.match.retracted.v1"
)

// ContentType is the content type of every talentmatch message.
const ContentType = "application/cloudevents+json"

// Headers talentmatch sets.
const (
	HeaderMsgID            = "Nats-Msg-Id"
	HeaderContentType      = "Content-Type"
	HeaderError            = "Talent-Error"
	HeaderOriginalSubject  = "Talent-Original-Subject"
	HeaderOriginalSequence = "Talent-Original-Sequence"
	HeaderDelivered        = "Talent-Delivered"
)

// route is one inbound subject family: talent.<entity>.<action>.<id>.
type route struct {
	prefix  string // "talent.jobs.posted"
	typ     string
	idField string // the data field the subject's id must equal
}

var routes = []route{
	{"talent.jobs.posted", TypeJobPosted, "company_id"},
	{"talent.jobs.closed", TypeJobClosed, "company_id"},
	{"talent.candidates.registered", TypeCandidateRegistered, "candidate_id"},
	{"talent.candidates.withdrawn", TypeCandidateWithdrawn, "candidate_id"},
	{"talent.campaigns.opened", TypeCampaignOpened, "campaign_id"},
	{"talent.campaigns.closed", TypeCampaignClosed, "campaign_id"},
	{"talent.feedback.candidate", TypeFeedbackCandidate, "candidate_id"},
	{"talent.feedback.company", TypeFeedbackCompany, "company_id"},
}

// InboundSubject returns the subject an event of type typ about id is
// published on, or "" for a type that is not inbound.
func InboundSubject(typ, id string) string {
	for _, r := range routes {
		if r.typ == typ {
			return r.prefix + "." + id
		}
	}
	return ""
}

// splitInbound returns the route and the id token of an inbound subject.
func splitInbound(subject string) (route, string, bool) {
	i := strings.LastIndexByte(subject, '.')
	if i < 0 {
		return route{}, "", false
	}
	for _, r := range routes {
		if subject[:i] == r.prefix {
			return r, subject[i+1:], true
		}
	}
	return route{}, "", false
}

// MatchSubject returns talent.matches.<kind>.<campaign>.<company>.<candidate>.
func MatchSubject(kind, campaign, company, candidate string) string {
	return "talent.matches." + kind + "." + campaign + "." + company + "." + candidate
}

// DLQSubject returns talent.dlq.<reason>.
func DLQSubject(r Reason) string { return "talent.dlq." + string(r) }
