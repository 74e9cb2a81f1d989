package daemon

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/talentmatch/talentmatch/events"
	"github.com/talentmatch/talentmatch/internal/auth"
	"github.com/talentmatch/talentmatch/matcher"
)

func init() {
	openapi3filter.RegisterBodyDecoder("application/schema+json", openapi3filter.JSONBodyDecoder)
	openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
	openapi3filter.RegisterBodyDecoder("text/event-stream", openapi3filter.PlainBodyDecoder)
}

// loadOpenAPI loads and validates schemas/openapi.yaml (with the JSON
// Schemas it references) and returns it with a router for base.
func loadOpenAPI(t *testing.T, base string) (*openapi3.T, routers.Router) {
	t.Helper()
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = true
	doc, err := loader.LoadFromFile("../../schemas/openapi.yaml")
	if err != nil {
		t.Fatalf("load schemas/openapi.yaml: %v", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("schemas/openapi.yaml is not a valid OpenAPI document: %v", err)
	}
	doc.Servers = openapi3.Servers{{URL: base}}
	for _, item := range doc.Paths.Map() {
		// The operations endpoints name their own server (-http-addr);
		// the router matches every path against base, and the test sends
		// those requests to opsBase.
		item.Servers = nil
	}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return doc, router
}

// TestOpenAPI calls every route of schemas/openapi.yaml on a running matchd,
// with good and bad input, and validates each real response (status,
// headers, body) against the document.
func TestOpenAPI(t *testing.T) {
	h := start(t, func(c *Config) { c.StatsTTL = time.Nanosecond })
	base := "http://" + h.info.APIAddr
	doc, router := loadOpenAPI(t, base)
	operator := h.token(t, auth.Claims{Role: auth.RoleOperator})
	now := time.Now()
	const camp = "oas26"
	h.do(t, events.TypeCampaignOpened, camp, 0, matcher.Campaign{CampaignID: camp, Name: "接口专场", StartsAt: now.Add(-time.Hour), EndsAt: now.Add(time.Hour)})
	h.do(t, events.TypeJobPosted, "glodon", 1, job("glodon", "go-1", []string{"Go", "Kubernetes"}, nil, []string{"software"}, camp))
	h.do(t, events.TypeJobPosted, "glodon", 2, job("glodon", "weld-1", []string{"welding"}, nil, []string{"manufacturing"}, camp))
	h.do(t, events.TypeCandidateRegistered, "c1", 3, cand("c1", []string{"Golang", "k8s"}, []string{"software"}, camp))
	if len(h.matches.Pending()) == 0 {
		t.Fatal("the scenario made no match")
	}

	covered := map[string]bool{}
	check := func(path string, wantStatus int, validRequest bool) []byte {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, base+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		route, params, err := router.FindRoute(req)
		if err != nil {
			t.Errorf("GET %s: no route in schemas/openapi.yaml: %v", path, err)
			return nil
		}
		covered[route.Method+" "+route.Path] = true
		req.Header.Set("Authorization", "Bearer "+operator)
		in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: func(_ context.Context, ai *openapi3filter.AuthenticationInput) error {
				if auth.BearerToken(ai.RequestValidationInput.Request.Header.Get("Authorization")) == "" {
					return errors.New("no bearer token")
				}
				return nil
			}}}
		if validRequest {
			if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
				t.Errorf("GET %s: the request does not fit the document: %v", path, err)
			}
		}
		send := req
		if path == "/healthz" || path == "/readyz" || path == "/metrics" {
			// The operations address, which the document names per path.
			send = req.Clone(req.Context())
			send.URL.Host, send.Host = h.info.HTTPAddr, h.info.HTTPAddr
		}
		resp, err := http.DefaultClient.Do(send)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != wantStatus {
			t.Errorf("GET %s: %d, want %d: %s", path, resp.StatusCode, wantStatus, body)
		}
		err = openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
			RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header, Body: io.NopCloser(bytes.NewReader(body)),
			Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
		})
		if err != nil {
			t.Errorf("GET %s: the response (%d %s) does not fit schemas/openapi.yaml: %v", path, resp.StatusCode, resp.Header.Get("Content-Type"), err)
		}
		return body
	}

	// matchd serves the documents as they are in schemas/.
	for _, name := range []string{"asyncapi.yaml", "openapi.yaml", "talentmatch.match.created.v1.schema.json"} {
		want, err := os.ReadFile("../../schemas/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if got := check("/"+name, 200, true); !bytes.Equal(got, want) {
			t.Errorf("/%s is not schemas/%s", name, name)
		}
	}
	for _, c := range []struct {
		path   string
		status int
		valid  bool
	}{
		{"/api/v1/campaigns", 200, true},
		{"/api/v1/campaigns?limit=1", 200, true},
		{"/api/v1/campaigns?limit=many", 400, false},
		{"/api/v1/campaigns?cursor=nonsense", 400, true},
		{"/api/v1/campaigns/" + camp + "/stats", 200, true},
		{"/api/v1/campaigns/nobody-opened-this/stats", 404, true},
		{"/api/v1/campaigns/bad!id/stats", 400, false},
		{"/api/v1/candidates/c1/matches", 200, true},
		{"/api/v1/candidates/c1/matches?limit=1", 200, true},
		{"/api/v1/candidates/c-unknown/matches", 404, true},
		{"/api/v1/jobs/glodon/go-1/matches", 200, true},
		{"/api/v1/jobs/glodon/weld-1/matches", 200, true},
		{"/api/v1/companies/glodon/matches", 200, true},
		{"/api/v1/companies/glodon/matches?limit=0", 200, true},
		{"/dashboard/", 200, true},
		{"/asyncapi.yaml", 200, true},
		{"/openapi.yaml", 200, true},
		{"/talentmatch.job.posted.v1.schema.json", 200, true},
		{"/cloudevent.schema.json", 200, true},
		{"/healthz", 200, true},
		{"/readyz", 200, true},
		{"/metrics", 200, true},
	} {
		check(c.path, c.status, c.valid)
	}

	t.Run("live feed", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/campaigns/"+camp+"/feed", nil)
		req.Header.Set("Authorization", "Bearer "+operator)
		route, params, err := router.FindRoute(req)
		if err != nil {
			t.Fatal(err)
		}
		covered[route.Method+" "+route.Path] = true
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		r := bufio.NewReader(resp.Body)
		head, err := r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		err = openapi3filter.ValidateResponse(ctx, &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
			Status:                 resp.StatusCode, Header: resp.Header, Body: io.NopCloser(strings.NewReader(head)),
			Options: &openapi3filter.Options{IncludeResponseStatus: true},
		})
		if err != nil {
			t.Errorf("feed response: %v", err)
		}
		// A match and its retraction arrive as FeedEvents.
		h.do(t, events.TypeCandidateRegistered, "c2", 4, cand("c2", []string{"Go", "Kubernetes"}, []string{"software"}, camp))
		h.do(t, events.TypeCandidateWithdrawn, "c2", 5, matcher.CandidateWithdrawn{CandidateID: "c2"})
		schema := doc.Components.Schemas["FeedEvent"].Value
		var kinds []string
		for len(kinds) < 2 {
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("feed: %v after %v", err, kinds)
			}
			data, ok := strings.CutPrefix(strings.TrimSpace(line), "data: ")
			if !ok {
				continue
			}
			var v any
			if err := json.Unmarshal([]byte(data), &v); err != nil {
				t.Fatal(err)
			}
			if err := schema.VisitJSON(v, openapi3.EnableJSONSchema2020()); err != nil {
				t.Errorf("feed event %s does not fit FeedEvent: %v", data, err)
			}
			kinds = append(kinds, v.(map[string]any)["kind"].(string))
		}
		if !slices.Equal(kinds, []string{"created", "retracted"}) {
			t.Errorf("feed kinds %v, want created then retracted", kinds)
		}
	})

	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			if !covered[method+" "+path] {
				t.Errorf("%s %s of schemas/openapi.yaml is not exercised by this test", method, path)
			}
		}
	}
}
