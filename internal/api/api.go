// Package api serves the query API: over HTTP/JSON on matchd's HTTP
// address (with the organizers' dashboard and a live feed of a campaign's
// matches as server-sent events) and as a NATS micro service. Both give
// the JSON of internal/query.
package api

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/talentmatch/talentmatch/events"
	"github.com/talentmatch/talentmatch/internal/auth"
	"github.com/talentmatch/talentmatch/internal/query"
	"github.com/talentmatch/talentmatch/matcher"
)

//go:embed dashboard
var dashboardFS embed.FS

// Config configures the API.
type Config struct {
	// MaxFeeds bounds the live feeds open at once. Default 500.
	MaxFeeds int
	// Logger receives the API's logs. Default slog.Default().
	Logger *slog.Logger
	// Registerer receives the query duration metric when non-nil.
	Registerer prometheus.Registerer
	// Auth verifies the bearer token of every HTTP request. Required: when
	// nil, every request is refused (401).
	Auth Authenticator
}

// Authenticator verifies a bearer token (an *auth.Verifier).
type Authenticator interface {
	Verify(token string) (*auth.Claims, error)
}

// API answers queries over HTTP and NATS.
type API struct {
	q     *query.Service
	nc    *nats.Conn
	cfg   Config
	feeds atomic.Int64
	dur   *prometheus.HistogramVec
}

// New returns an API over q; nc carries the live feeds (and the micro
// service, see Serve).
func New(q *query.Service, nc *nats.Conn, cfg Config) *API {
	if cfg.MaxFeeds == 0 {
		cfg.MaxFeeds = 500
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	a := &API{q: q, nc: nc, cfg: cfg, dur: prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: "talentmatch", Name: "query_duration_seconds",
		Help:    "Time to answer a query, by endpoint (HTTP and NATS alike).",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"endpoint"})}
	for _, e := range []string{"campaigns", "campaign_stats", "candidate_matches", "job_matches", "company_matches"} {
		a.dur.WithLabelValues(e)
	}
	if cfg.Registerer != nil {
		cfg.Registerer.MustRegister(a.dur)
	}
	return a
}

// Routes registers the API and the dashboard on mux. Every API route asks
// for a bearer token and allows the roles and scopes of policy.go; the
// dashboard's static files carry no data and are served to anyone (the
// page asks for a token and sends it with each of its requests).
func (a *API) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/campaigns", a.http("campaigns", anyCampaignRole, func(r *http.Request, c *auth.Claims, p query.Page) (any, error) {
		list, err := a.q.Campaigns(r.Context(), p)
		if err != nil || c.Role == auth.RoleOperator {
			return list, err
		}
		return visibleCampaigns(list, c), nil
	}))
	mux.HandleFunc("GET /api/v1/campaigns/{campaign_id}/stats", a.http("campaign_stats", campaignPolicy, func(r *http.Request, _ *auth.Claims, _ query.Page) (any, error) {
		return a.q.CampaignStats(r.Context(), r.PathValue("campaign_id"))
	}))
	mux.HandleFunc("GET /api/v1/candidates/{candidate_id}/matches", a.http("candidate_matches", candidatePolicy, func(r *http.Request, _ *auth.Claims, p query.Page) (any, error) {
		return a.q.CandidateMatches(r.Context(), r.PathValue("candidate_id"), p)
	}))
	mux.HandleFunc("GET /api/v1/jobs/{company_id}/{job_id}/matches", a.http("job_matches", companyPolicy, func(r *http.Request, _ *auth.Claims, p query.Page) (any, error) {
		return a.q.JobMatches(r.Context(), matcher.JobRef{CompanyID: r.PathValue("company_id"), JobID: r.PathValue("job_id")}, p)
	}))
	mux.HandleFunc("GET /api/v1/companies/{company_id}/matches", a.http("company_matches", companyPolicy, func(r *http.Request, _ *auth.Claims, p query.Page) (any, error) {
		return a.q.CompanyMatches(r.Context(), r.PathValue("company_id"), p)
	}))
	mux.HandleFunc("GET /api/v1/campaigns/{campaign_id}/feed", a.feed)
	sub, _ := fs.Sub(dashboardFS, "dashboard")
	mux.Handle("GET /dashboard/", http.StripPrefix("/dashboard/", http.FileServerFS(sub)))
	mux.Handle("GET /{$}", http.RedirectHandler("/dashboard/", http.StatusFound))
	contractRoutes(mux)
}

// Error is the JSON body of a failed query.
type Error struct {
	Error string `json:"error"`
	Code  int    `json:"code"`
}

func (a *API) http(endpoint string, allow policy, f func(*http.Request, *auth.Claims, query.Page) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		defer func() { a.dur.WithLabelValues(endpoint).Observe(time.Since(start).Seconds()) }()
		claims, ok := a.authorize(w, r, endpoint, allow)
		if !ok {
			return
		}
		var p query.Page
		var err error
		if v := r.URL.Query().Get("limit"); v != "" {
			if p.Limit, err = strconv.Atoi(v); err != nil {
				writeJSON(w, http.StatusBadRequest, Error{Error: fmt.Sprintf("limit %q is not a number", v), Code: http.StatusBadRequest})
				return
			}
		}
		p.Cursor = r.URL.Query().Get("cursor")
		for _, id := range []string{"campaign_id", "candidate_id", "company_id", "job_id"} {
			if v := r.PathValue(id); v != "" && !validID(v) {
				writeJSON(w, http.StatusBadRequest, Error{Error: fmt.Sprintf("%s %q must match ^[A-Za-z0-9_-]{1,64}$", id, v), Code: http.StatusBadRequest})
				return
			}
		}
		res, err := f(r, claims, p)
		if err != nil {
			code := status(err)
			if code == http.StatusInternalServerError {
				a.cfg.Logger.Warn("query failed", "endpoint", endpoint, "error", err)
			}
			writeJSON(w, code, Error{Error: err.Error(), Code: code})
			return
		}
		writeJSON(w, http.StatusOK, res)
	}
}

func status(err error) int {
	switch {
	case errors.Is(err, query.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, query.ErrBadRequest):
		return http.StatusBadRequest
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func validID(s string) bool {
	if len(s) < 1 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// FeedEvent is one message of a campaign's live feed.
type FeedEvent struct {
	Kind  string        `json:"kind"` // created or retracted
	Time  time.Time     `json:"time"`
	Match matcher.Match `json:"match"`
}

// feed streams a campaign's match events as server-sent events ("event:
// match", data a FeedEvent) from the moment of the request, with a comment
// every 15 seconds to keep proxies from closing the connection.
func (a *API) feed(w http.ResponseWriter, r *http.Request) {
	if _, ok := a.authorize(w, r, "feed", campaignPolicy); !ok {
		return
	}
	id := r.PathValue("campaign_id")
	if !validID(id) {
		writeJSON(w, http.StatusBadRequest, Error{Error: "campaign_id must match ^[A-Za-z0-9_-]{1,64}$", Code: http.StatusBadRequest})
		return
	}
	fl, ok := w.(http.Flusher)
	if !ok || a.nc == nil {
		writeJSON(w, http.StatusNotImplemented, Error{Error: "live feed unavailable", Code: http.StatusNotImplemented})
		return
	}
	if a.feeds.Add(1) > int64(a.cfg.MaxFeeds) {
		a.feeds.Add(-1)
		writeJSON(w, http.StatusServiceUnavailable, Error{Error: "too many live feeds open; try again later", Code: http.StatusServiceUnavailable})
		return
	}
	defer a.feeds.Add(-1)
	msgs := make(chan *nats.Msg, 256)
	sub, err := a.nc.ChanSubscribe("talent.matches.*."+id+".>", msgs)
	if err != nil {
		writeJSON(w, http.StatusServiceUnavailable, Error{Error: "subscribe: " + err.Error(), Code: http.StatusServiceUnavailable})
		return
	}
	defer sub.Unsubscribe()
	_ = sub.SetPendingLimits(4096, 16<<20)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 2000\n: live\n\n")
	fl.Flush()
	ping := time.NewTicker(15 * time.Second)
	defer ping.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-ping.C:
			fmt.Fprint(w, ": ping\n\n")
		case m := <-msgs:
			env, match, err := events.DecodeMatch(m.Data)
			if err != nil {
				continue
			}
			kind := "created"
			if env.Type == events.TypeMatchRetracted {
				kind = "retracted"
			}
			b, _ := json.Marshal(FeedEvent{Kind: kind, Time: env.Time, Match: match})
			fmt.Fprintf(w, "id: %s\nevent: match\ndata: %s\n\n", strings.ReplaceAll(env.ID, "\n", ""), b)
		}
		fl.Flush()
	}
}
