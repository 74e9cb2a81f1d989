package natsauth

import (
	"errors"
	"fmt"
	"regexp"

	"github.com/nats-io/jwt/v2"

	"github.com/talentmatch/talentmatch/events"
)

// Role is a kind of NATS party.
type Role string

// The roles credentials are issued for.
const (
	RoleMatchd       Role = "matchd"
	RoleCompany      Role = "company"
	RoleCandidateApp Role = "candidate"
	RoleOrganizer    Role = "organizer"
	RoleExpert       Role = "expert"
)

// Party is who credentials are for. ID is the company id, the candidate id
// or the campaign id (organizer); an expert has their own ID and the
// Campaign they review. matchd has no ID.
type Party struct {
	Role     Role
	ID       string
	Campaign string
}

var idPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// ErrParty means a party is not well formed.
var ErrParty = errors.New("bad party")

// Validate checks the role and ids.
func (p Party) Validate() error {
	switch p.Role {
	case RoleMatchd:
		if p.ID != "" || p.Campaign != "" {
			return fmt.Errorf("%w: matchd takes no id", ErrParty)
		}
		return nil
	case RoleCompany, RoleCandidateApp, RoleOrganizer:
		if p.Campaign != "" {
			return fmt.Errorf("%w: a %s takes no campaign besides its id", ErrParty, p.Role)
		}
	case RoleExpert:
		if !idPattern.MatchString(p.Campaign) {
			return fmt.Errorf("%w: an expert needs the campaign they review (%s)", ErrParty, idPattern)
		}
	default:
		return fmt.Errorf("%w: unknown role %q (want company, candidate, organizer, expert or matchd)", ErrParty, p.Role)
	}
	if !idPattern.MatchString(p.ID) {
		return fmt.Errorf("%w: id %q must match %s", ErrParty, p.ID, idPattern)
	}
	return nil
}

// Name is the party's user name: "matchd" or "<role>-<id>". It is also the
// party's inbox prefix ("_INBOX_" + Name, nats.CustomInboxPrefix) and the
// name of its durable consumer on TALENT_MATCHES.
func (p Party) Name() string {
	if p.Role == RoleMatchd {
		return "matchd"
	}
	return string(p.Role) + "-" + p.ID
}

// InboxPrefix is the prefix the party's client must give its reply
// subjects.
func (p Party) InboxPrefix() string { return "_INBOX_" + p.Name() }

// MatchFilter is the subject filter of the party's own match events, ""
// for matchd.
func (p Party) MatchFilter() string {
	switch p.Role {
	case RoleCompany:
		return "talent.matches.*.*." + p.ID + ".*"
	case RoleCandidateApp:
		return "talent.matches.*.*.*." + p.ID
	case RoleOrganizer:
		return "talent.matches.*." + p.ID + ".>"
	case RoleExpert:
		return "talent.matches.*." + p.Campaign + ".>"
	}
	return ""
}

// Permissions are the party's publish and subscribe permissions: those of
// deploy/nats/nats-server.conf, plus its durable consumer on
// TALENT_MATCHES filtered to MatchFilter.
func (p Party) Permissions() jwt.Permissions {
	var perm jwt.Permissions
	inbox := p.InboxPrefix() + ".>"
	switch p.Role {
	case RoleMatchd:
		perm.Pub.Allow.Add("$JS.API.>", "$JS.ACK."+events.StreamIn+".>", "$JS.FC.>", "talent.matches.>", "talent.dlq.>")
		perm.Sub.Allow.Add(inbox, "talent.query.>", "$SRV.>", "talent.matches.>")
		perm.Resp = &jwt.ResponsePermission{MaxMsgs: 1}
		return perm
	case RoleCompany:
		perm.Pub.Allow.Add("talent.jobs.posted."+p.ID, "talent.jobs.closed."+p.ID, "talent.feedback.company."+p.ID,
			"talent.query.companies."+p.ID+".>", "talent.query.jobs."+p.ID+".>")
	case RoleCandidateApp:
		perm.Pub.Allow.Add("talent.candidates.registered."+p.ID, "talent.candidates.withdrawn."+p.ID,
			"talent.feedback.candidate."+p.ID, "talent.query.candidates."+p.ID+".>")
	case RoleOrganizer:
		perm.Pub.Allow.Add("talent.campaigns.opened."+p.ID, "talent.campaigns.closed."+p.ID,
			"talent.query.campaigns."+p.ID+".>", "$SRV.PING.talentmatch", "$SRV.INFO.talentmatch")
	case RoleExpert:
		perm.Pub.Allow.Add("talent.query.campaigns."+p.Campaign+".>", "$SRV.PING.talentmatch", "$SRV.INFO.talentmatch")
	}
	perm.Pub.Allow.Add(ConsumerSubjects(p)...)
	perm.Sub.Allow.Add(p.MatchFilter(), inbox)
	return perm
}

// ConsumerSubjects are the JetStream API subjects of the party's durable
// consumer: create it with its own filter only (the server checks that the
// filter in the subject is the one of the request), read its info, fetch
// from it, acknowledge and delete it. No other consumer, no stream read.
func ConsumerSubjects(p Party) []string {
	s, name := events.StreamMatches, p.Name()
	return []string{
		"$JS.API.CONSUMER.CREATE." + s + "." + name + "." + p.MatchFilter(),
		"$JS.API.CONSUMER.INFO." + s + "." + name,
		"$JS.API.CONSUMER.MSG.NEXT." + s + "." + name,
		"$JS.API.CONSUMER.DELETE." + s + "." + name,
		"$JS.ACK." + s + "." + name + ".>",
	}
}
