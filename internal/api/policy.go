package api

import (
	"errors"
	"net/http"

	"github.com/talentmatch/talentmatch/internal/auth"
	"github.com/talentmatch/talentmatch/internal/query"
)

// policy says whether the caller of claims may send request r.
//
//	route                                  operator  organizer/expert  company   candidate_app
//	GET /api/v1/campaigns                  all       theirs (filtered) no        no
//	GET /api/v1/campaigns/{c}/stats, feed  yes       c theirs          no        no
//	GET /api/v1/candidates/{id}/matches    yes       no                no        id theirs
//	GET /api/v1/jobs/{co}/{job}/matches    yes       no                co theirs no
//	GET /api/v1/companies/{co}/matches     yes       no                co theirs no
type policy func(c *auth.Claims, r *http.Request) bool

func anyCampaignRole(c *auth.Claims, _ *http.Request) bool {
	return c.Role == auth.RoleOperator || c.Role == auth.RoleOrganizer || c.Role == auth.RoleExpert
}

func campaignPolicy(c *auth.Claims, r *http.Request) bool {
	return c.Campaign(r.PathValue("campaign_id"))
}

func candidatePolicy(c *auth.Claims, r *http.Request) bool {
	return c.CandidateID(r.PathValue("candidate_id"))
}

func companyPolicy(c *auth.Claims, r *http.Request) bool {
	return c.Company(r.PathValue("company_id"))
}

// visibleCampaigns keeps the campaigns of an organizer's or expert's scope
// in a page of the list (Total then counts what they may see of that page).
func visibleCampaigns(list *query.CampaignList, c *auth.Claims) *query.CampaignList {
	out := *list
	out.Items = nil
	for _, it := range list.Items {
		if c.Campaign(it.CampaignID) {
			out.Items = append(out.Items, it)
		}
	}
	if out.Items == nil {
		out.Items = []query.CampaignSummary{}
	}
	out.Total = len(out.Items)
	return &out
}

// authorize verifies the request's bearer token and applies allow. It
// answers 401 (no or invalid token, with WWW-Authenticate) or 403 (a valid
// token outside its scope) itself and reports false then. The token is
// never logged; the refusal is, at Debug, with the role and subject.
func (a *API) authorize(w http.ResponseWriter, r *http.Request, endpoint string, allow policy) (*auth.Claims, bool) {
	if a.cfg.Auth == nil {
		a.unauthorized(w, "the API has no token verifier configured")
		return nil, false
	}
	claims, err := a.cfg.Auth.Verify(auth.BearerToken(r.Header.Get("Authorization")))
	if err != nil {
		a.cfg.Logger.Debug("request refused", "endpoint", endpoint, "reason", err)
		if errors.Is(err, auth.ErrNoToken) {
			a.unauthorized(w, "a bearer token is required (Authorization: Bearer <token>)")
		} else {
			a.unauthorized(w, err.Error())
		}
		return nil, false
	}
	if !allow(claims, r) {
		a.cfg.Logger.Debug("request refused", "endpoint", endpoint, "reason", "out of scope", "role", claims.Role, "sub", claims.Subject)
		writeJSON(w, http.StatusForbidden, Error{Error: "this token's role and scope do not allow " + endpoint + " for that id", Code: http.StatusForbidden})
		return nil, false
	}
	return claims, true
}

func (a *API) unauthorized(w http.ResponseWriter, msg string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="talentmatch", error="invalid_token"`)
	writeJSON(w, http.StatusUnauthorized, Error{Error: msg, Code: http.StatusUnauthorized})
}
