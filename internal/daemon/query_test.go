package daemon

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/micro"

	"github.com/talentmatch/talentmatch/events"
	"github.com/talentmatch/talentmatch/internal/api"
	"github.com/talentmatch/talentmatch/internal/auth"
	"github.com/talentmatch/talentmatch/internal/query"
	"github.com/talentmatch/talentmatch/matcher"
)

// TestQueries: the HTTP API and the NATS micro service answer the same
// queries from Redis state, paginated.
func TestQueries(t *testing.T) {
	h := start(t, func(c *Config) { c.StatsTTL = time.Nanosecond })
	now := time.Now()
	const camp = "q26"
	h.do(t, events.TypeCampaignOpened, camp, 0, matcher.Campaign{CampaignID: camp, Name: "查询专场", StartsAt: now.Add(-time.Hour), EndsAt: now.Add(time.Hour)})
	h.do(t, events.TypeJobPosted, "glodon", 1, job("glodon", "go-1", []string{"Go", "Kubernetes"}, nil, []string{"software"}, camp))
	h.do(t, events.TypeJobPosted, "glodon", 2, job("glodon", "go-2", []string{"Go"}, []string{"gRPC"}, []string{"software"}, camp))
	h.do(t, events.TypeJobPosted, "glodon", 3, job("glodon", "weld-1", []string{"welding"}, nil, []string{"manufacturing"}, camp))
	h.do(t, events.TypeCandidateRegistered, "c1", 4, cand("c1", []string{"Golang", "k8s", "gRPC"}, []string{"software"}, camp))
	h.do(t, events.TypeCandidateRegistered, "c2", 5, cand("c2", []string{"Go"}, []string{"software"}, camp))
	h.do(t, events.TypeCandidateRegistered, "c3", 6, cand("c3", []string{"cooking"}, nil, camp))
	created := map[string]float64{}
	for _, r := range h.matches.Pending() {
		created[r.Match.MatchID] = r.Match.Score
	}
	if len(created) < 3 {
		t.Fatalf("scenario made %d matches, want at least 3", len(created))
	}

	t.Run("candidate matches, paginated", func(t *testing.T) {
		var p1, p2 query.MatchList
		h.getJSON(t, "/api/v1/candidates/c1/matches?limit=1", http.StatusOK, &p1)
		if p1.Total != 2 || len(p1.Items) != 1 || p1.NextCursor == "" {
			t.Fatalf("page 1: total %d, %d items, cursor %q", p1.Total, len(p1.Items), p1.NextCursor)
		}
		h.getJSON(t, "/api/v1/candidates/c1/matches?limit=1&cursor="+p1.NextCursor, http.StatusOK, &p2)
		if len(p2.Items) != 1 || p2.NextCursor != "" || p2.Items[0].MatchID == p1.Items[0].MatchID {
			t.Fatalf("page 2: %+v", p2)
		}
		if p1.Items[0].Score < p2.Items[0].Score {
			t.Errorf("pages not best first: %v then %v", p1.Items[0].Score, p2.Items[0].Score)
		}
		for _, it := range append(p1.Items, p2.Items...) {
			if s, ok := created[it.MatchID]; !ok || s != it.AnnouncedScore {
				t.Errorf("match %s (announced %v) is not one published (%v)", it.MatchID, it.AnnouncedScore, s)
			}
			if it.JobTitle == "" || len(it.MatchedSkills) == 0 || it.CreatedAt.IsZero() {
				t.Errorf("match %+v lacks its explanation", it)
			}
		}
	})

	t.Run("job and company matches", func(t *testing.T) {
		var j, c query.MatchList
		h.getJSON(t, "/api/v1/jobs/glodon/go-2/matches", http.StatusOK, &j)
		h.getJSON(t, "/api/v1/companies/glodon/matches?limit=200", http.StatusOK, &c)
		if j.Total != 2 || c.Total != len(created) {
			t.Errorf("job go-2 has %d matches (want 2), company %d (want %d)", j.Total, c.Total, len(created))
		}
	})

	t.Run("campaign statistics", func(t *testing.T) {
		var st query.CampaignStats
		h.getJSON(t, "/api/v1/campaigns/q26/stats", http.StatusOK, &st)
		if st.Registrations != 3 || st.Jobs != 3 || st.Matches != len(created) || st.MatchedCandidates != 2 {
			t.Errorf("stats %+v", st)
		}
		if st.MatchedShare < 0.66 || st.MatchedShare > 0.67 || st.RolesWithoutMatchTotal != 1 || st.RolesWithoutMatch[0].JobID != "weld-1" {
			t.Errorf("share %v, roles without match %+v", st.MatchedShare, st.RolesWithoutMatch)
		}
		if st.MedianSecondsToFirstMatch == nil || st.Status != "open" || len(st.ByIndustry) == 0 || len(st.MatchesOverTime) == 0 {
			t.Errorf("median %v status %s industries %v over time %v", st.MedianSecondsToFirstMatch, st.Status, st.ByIndustry, st.MatchesOverTime)
		}
		var list query.CampaignList
		h.getJSON(t, "/api/v1/campaigns", http.StatusOK, &list)
		if list.Total != 1 || list.Items[0].CampaignID != camp || list.Items[0].Name != "查询专场" {
			t.Errorf("campaigns %+v", list)
		}
	})

	t.Run("errors", func(t *testing.T) {
		var e api.Error
		h.getJSON(t, "/api/v1/candidates/nobody/matches", http.StatusNotFound, &e)
		h.getJSON(t, "/api/v1/campaigns/never/stats", http.StatusNotFound, &e)
		h.getJSON(t, "/api/v1/candidates/c1/matches?limit=1000", http.StatusBadRequest, &e)
		h.getJSON(t, "/api/v1/candidates/c1/matches?cursor=zz!", http.StatusBadRequest, &e)
		if !strings.Contains(e.Error, "cursor") {
			t.Errorf("error %q does not name the cursor", e.Error)
		}
	})

	t.Run("NATS micro service", func(t *testing.T) {
		ping, err := h.nc.Request("$SRV.PING.talentmatch", nil, 5*time.Second)
		if err != nil {
			t.Fatalf("$SRV.PING: %v", err)
		}
		var p micro.Ping
		if err := json.Unmarshal(ping.Data, &p); err != nil || p.Name != api.ServiceName {
			t.Fatalf("ping %s: %v", ping.Data, err)
		}
		msg, err := h.nc.Request("$SRV.INFO.talentmatch", nil, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		var info micro.Info
		if err := json.Unmarshal(msg.Data, &info); err != nil || len(info.Endpoints) != 5 {
			t.Fatalf("info %s: %v", msg.Data, err)
		}
		for _, tc := range []struct{ subject, path string }{
			{"talent.query.candidates.c1.matches", "/api/v1/candidates/c1/matches"},
			{"talent.query.jobs.glodon.go-1.matches", "/api/v1/jobs/glodon/go-1/matches"},
			{"talent.query.companies.glodon.matches", "/api/v1/companies/glodon/matches"},
			{"talent.query.campaigns.q26.stats", "/api/v1/campaigns/q26/stats"},
			{"talent.query.campaigns", "/api/v1/campaigns"},
		} {
			resp, err := h.nc.Request(tc.subject, []byte(`{"limit":50}`), 5*time.Second)
			if err != nil {
				t.Fatalf("%s: %v", tc.subject, err)
			}
			if code := resp.Header.Get(micro.ErrorCodeHeader); code != "" {
				t.Fatalf("%s: error %s %s", tc.subject, code, resp.Data)
			}
			var viaNATS, viaHTTP map[string]any
			if err := json.Unmarshal(resp.Data, &viaNATS); err != nil {
				t.Fatal(err)
			}
			h.getJSON(t, tc.path+"?limit=50", http.StatusOK, &viaHTTP)
			delete(viaNATS, "computed_at")
			delete(viaHTTP, "computed_at")
			a, _ := json.Marshal(viaNATS)
			b, _ := json.Marshal(viaHTTP)
			if string(a) != string(b) {
				t.Errorf("%s and %s differ:\n%s\n%s", tc.subject, tc.path, a, b)
			}
		}
		resp, err := h.nc.Request("talent.query.candidates.nobody.matches", nil, 5*time.Second)
		if err != nil || resp.Header.Get(micro.ErrorCodeHeader) != "404" {
			t.Errorf("unknown candidate over NATS: %v %v", err, resp.Header)
		}
	})

	t.Run("live feed", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+h.info.APIAddr+"/api/v1/campaigns/q26/feed", nil)
		req.Header.Set("Authorization", "Bearer "+h.token(t, auth.Claims{Role: auth.RoleOrganizer, Campaigns: []string{camp}}))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
			t.Fatalf("content type %q", ct)
		}
		r := bufio.NewReader(resp.Body)
		if line, _ := r.ReadString('\n'); !strings.HasPrefix(line, "retry:") {
			t.Fatalf("first line %q", line)
		}
		h.do(t, events.TypeCandidateRegistered, "c4", 7, cand("c4", []string{"Go", "Kubernetes"}, nil, camp))
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("feed ended: %v", err)
			}
			if data, ok := strings.CutPrefix(line, "data: "); ok {
				var ev api.FeedEvent
				if err := json.Unmarshal([]byte(data), &ev); err != nil {
					t.Fatal(err)
				}
				if ev.Kind != "created" || ev.Match.CandidateID != "c4" || ev.Match.CampaignID != camp {
					t.Fatalf("feed event %+v", ev)
				}
				return
			}
		}
	})

	t.Run("dashboard is served", func(t *testing.T) {
		for _, p := range []string{"/dashboard/", "/dashboard/app.js", "/dashboard/style.css"} {
			resp, err := http.Get("http://" + h.info.APIAddr + p)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("GET %s: %d", p, resp.StatusCode)
			}
		}
	})
}
