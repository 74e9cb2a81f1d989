package auth

import (
	"errors"
	"fmt"
	"regexp"
	"slices"

	"github.com/golang-jwt/jwt/v5"
)

// Role is what a caller is to talentmatch.
type Role string

// The roles a token can carry.
const (
	// RoleOrganizer runs campaigns: their statistics and live feed.
	RoleOrganizer Role = "organizer"
	// RoleExpert reviews the explained matches of the campaigns they are
	// assigned to (human oversight): statistics and live feed, read only.
	RoleExpert Role = "expert"
	// RoleCompany is a park company's HR system: its jobs' matches.
	RoleCompany Role = "company"
	// RoleCandidateApp acts for one candidate: their matches.
	RoleCandidateApp Role = "candidate_app"
	// RoleOperator runs talentmatch: every route.
	RoleOperator Role = "operator"
)

// Roles lists every role, in the order of the documentation.
var Roles = []Role{RoleOrganizer, RoleExpert, RoleCompany, RoleCandidateApp, RoleOperator}

// Claims are the claims of a talentmatch token: the registered claims
// (sub, iss, aud, exp, ...) plus the role and its scope. Campaigns scope an
// organizer and an expert, Companies a company, Candidate a candidate app;
// an operator has no scope.
type Claims struct {
	jwt.RegisteredClaims
	Role      Role     `json:"role"`
	Campaigns []string `json:"campaigns,omitempty"`
	Companies []string `json:"companies,omitempty"`
	Candidate string   `json:"candidate,omitempty"`
}

var idPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// ErrScope means a token's role and scope do not fit together.
var ErrScope = errors.New("token scope does not fit its role")

// Validate checks that the role is known and its scope is well formed; the
// JWT parser calls it after the registered claims.
func (c Claims) Validate() error {
	ids := func(what string, s []string) error {
		if len(s) == 0 {
			return fmt.Errorf("%w: role %s needs %s", ErrScope, c.Role, what)
		}
		for _, id := range s {
			if !idPattern.MatchString(id) {
				return fmt.Errorf("%w: %s id %q must match %s", ErrScope, what, id, idPattern)
			}
		}
		return nil
	}
	none := func(what string, n int) error {
		if n > 0 {
			return fmt.Errorf("%w: role %s takes no %s", ErrScope, c.Role, what)
		}
		return nil
	}
	cand := 0
	if c.Candidate != "" {
		cand = 1
	}
	switch c.Role {
	case RoleOrganizer, RoleExpert:
		return errors.Join(ids("campaigns", c.Campaigns), none("companies", len(c.Companies)), none("candidate", cand))
	case RoleCompany:
		return errors.Join(ids("companies", c.Companies), none("campaigns", len(c.Campaigns)), none("candidate", cand))
	case RoleCandidateApp:
		return errors.Join(ids("candidate", []string{c.Candidate}), none("campaigns", len(c.Campaigns)), none("companies", len(c.Companies)))
	case RoleOperator:
		return errors.Join(none("campaigns", len(c.Campaigns)), none("companies", len(c.Companies)), none("candidate", cand))
	}
	return fmt.Errorf("%w: unknown role %q", ErrScope, c.Role)
}

// Campaign reports whether the caller may see campaign id: an operator, or
// an organizer or expert of it.
func (c *Claims) Campaign(id string) bool {
	return c.Role == RoleOperator || (c.Role == RoleOrganizer || c.Role == RoleExpert) && slices.Contains(c.Campaigns, id)
}

// Company reports whether the caller may see company id's matches: an
// operator, or that company.
func (c *Claims) Company(id string) bool {
	return c.Role == RoleOperator || c.Role == RoleCompany && slices.Contains(c.Companies, id)
}

// CandidateID reports whether the caller may see candidate id's matches: an
// operator, or the app acting for that candidate.
func (c *Claims) CandidateID(id string) bool {
	return c.Role == RoleOperator || c.Role == RoleCandidateApp && c.Candidate == id
}
