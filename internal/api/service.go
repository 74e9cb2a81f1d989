package api

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/micro"

	"github.com/talentmatch/talentmatch/internal/query"
	"github.com/talentmatch/talentmatch/matcher"
)

// ServiceName and ServiceVersion identify the query service to $SRV.PING,
// $SRV.INFO and $SRV.STATS.
const (
	ServiceName    = "talentmatch"
	ServiceVersion = "1.0.0"
)

// Query subjects. The ids are subject tokens, so that NATS permissions can
// let a company ask about its own jobs only (talent.query.companies.<id>.>
// and talent.query.jobs.<id>.>) and a candidate app about its candidate.
// The request body is optional: {"limit": n, "cursor": "..."} for lists.
const (
	SubjectCampaigns        = "talent.query.campaigns"
	SubjectCampaignStats    = "talent.query.campaigns.*.stats"
	SubjectCandidateMatches = "talent.query.candidates.*.matches"
	SubjectJobMatches       = "talent.query.jobs.*.*.matches"
	SubjectCompanyMatches   = "talent.query.companies.*.matches"
)

// StartService adds the query service to the API's NATS connection. Every
// replica runs it; requests are shared among them (queue group "q"). Stop
// it before draining the connection.
func (a *API) StartService() (micro.Service, error) {
	svc, err := micro.AddService(a.nc, micro.Config{
		Name:        ServiceName,
		Version:     ServiceVersion,
		Description: "talentmatch queries: matches of a candidate, a job or a company; campaign statistics",
	})
	if err != nil {
		return nil, err
	}
	add := func(name, subject string, f func(ctx context.Context, tokens []string, p query.Page) (any, error)) error {
		return svc.AddEndpoint(name, micro.HandlerFunc(func(req micro.Request) { a.serve(req, name, f) }),
			micro.WithEndpointSubject(subject))
	}
	errs := []error{
		add("campaigns", SubjectCampaigns, func(ctx context.Context, _ []string, p query.Page) (any, error) {
			return a.q.Campaigns(ctx, p)
		}),
		add("campaign_stats", SubjectCampaignStats, func(ctx context.Context, t []string, _ query.Page) (any, error) {
			return a.q.CampaignStats(ctx, t[3])
		}),
		add("candidate_matches", SubjectCandidateMatches, func(ctx context.Context, t []string, p query.Page) (any, error) {
			return a.q.CandidateMatches(ctx, t[3], p)
		}),
		add("job_matches", SubjectJobMatches, func(ctx context.Context, t []string, p query.Page) (any, error) {
			return a.q.JobMatches(ctx, matcher.JobRef{CompanyID: t[3], JobID: t[4]}, p)
		}),
		add("company_matches", SubjectCompanyMatches, func(ctx context.Context, t []string, p query.Page) (any, error) {
			return a.q.CompanyMatches(ctx, t[3], p)
		}),
	}
	if err := errors.Join(errs...); err != nil {
		_ = svc.Stop()
		return nil, err
	}
	return svc, nil
}

func (a *API) serve(req micro.Request, endpoint string, f func(context.Context, []string, query.Page) (any, error)) {
	start := time.Now()
	defer func() { a.dur.WithLabelValues(endpoint).Observe(time.Since(start).Seconds()) }()
	var p query.Page
	if b := req.Data(); len(strings.TrimSpace(string(b))) > 0 {
		if err := json.Unmarshal(b, &p); err != nil {
			a.fail(req, query.ErrBadRequest, "request body: want {\"limit\": n, \"cursor\": \"...\"}: "+err.Error())
			return
		}
	}
	tokens := strings.Split(req.Subject(), ".")
	for _, t := range tokens[3:] {
		if t != "stats" && t != "matches" && !validID(t) {
			a.fail(req, query.ErrBadRequest, "id "+strconv.Quote(t)+" must match ^[A-Za-z0-9_-]{1,64}$")
			return
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := f(ctx, tokens, p)
	if err != nil {
		a.fail(req, err, err.Error())
		return
	}
	_ = req.RespondJSON(res)
}

// fail answers with a micro error: Nats-Service-Error-Code 400, 404, 500 or
// 503 and the same JSON body as the HTTP API.
func (a *API) fail(req micro.Request, err error, msg string) {
	code := status(err)
	if code >= 500 {
		a.cfg.Logger.Warn("query failed", "subject", req.Subject(), "error", err)
	}
	b, _ := json.Marshal(Error{Error: msg, Code: code})
	_ = req.Error(strconv.Itoa(code), msg, b)
}
