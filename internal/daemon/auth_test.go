package daemon

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/talentmatch/talentmatch/events"
	"github.com/talentmatch/talentmatch/internal/auth"
	"github.com/talentmatch/talentmatch/internal/query"
	"github.com/talentmatch/talentmatch/matcher"
)

// token mints a token for c with the development key of the harness's data
// directory, valid for an hour.
func (h *harness) token(t *testing.T, c auth.Claims) string {
	t.Helper()
	key, _, err := auth.DevKey(h.dataDir)
	if err != nil {
		t.Fatal(err)
	}
	if c.Subject == "" {
		c.Subject = "test-" + string(c.Role)
	}
	tok, err := auth.Mint(key, c, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// apiGet sends GET path to the query API with token as bearer ("" sends
// none).
func (h *harness) apiGet(t *testing.T, path, token string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "http://"+h.info.APIAddr+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// TestAPIAuthorization tries every route of the query API with every role,
// in and out of scope, and with no, expired, forged and malformed tokens;
// it checks that the operations address serves no query and the API
// address no metrics, and that no token reaches the logs.
func TestAPIAuthorization(t *testing.T) {
	var logs lockedBuffer
	h := startLogged(t, nil, &logs)
	now := time.Now()
	h.do(t, events.TypeCampaignOpened, "camp-a", 0, matcher.Campaign{CampaignID: "camp-a", Name: "A", StartsAt: now.Add(-time.Hour), EndsAt: now.Add(time.Hour)})
	h.do(t, events.TypeCampaignOpened, "camp-b", 1, matcher.Campaign{CampaignID: "camp-b", Name: "B", StartsAt: now.Add(-time.Hour), EndsAt: now.Add(time.Hour)})
	h.do(t, events.TypeJobPosted, "acme", 2, job("acme", "j1", []string{"Go"}, nil, []string{"software"}, "camp-a"))
	h.do(t, events.TypeCandidateRegistered, "c1", 3, cand("c1", []string{"Go"}, []string{"software"}, "camp-a"))

	tokens := map[string]string{
		"operator":           h.token(t, auth.Claims{Role: auth.RoleOperator}),
		"organizer camp-a":   h.token(t, auth.Claims{Role: auth.RoleOrganizer, Campaigns: []string{"camp-a"}}),
		"organizer camp-b":   h.token(t, auth.Claims{Role: auth.RoleOrganizer, Campaigns: []string{"camp-b"}}),
		"expert camp-a":      h.token(t, auth.Claims{Role: auth.RoleExpert, Campaigns: []string{"camp-a"}}),
		"company acme":       h.token(t, auth.Claims{Role: auth.RoleCompany, Companies: []string{"acme"}}),
		"company globex":     h.token(t, auth.Claims{Role: auth.RoleCompany, Companies: []string{"globex"}}),
		"candidate_app c1":   h.token(t, auth.Claims{Role: auth.RoleCandidateApp, Candidate: "c1"}),
		"candidate_app c2":   h.token(t, auth.Claims{Role: auth.RoleCandidateApp, Candidate: "c2"}),
		"none":               "",
		"expired":            h.signed(t, nil, auth.Claims{Role: auth.RoleOperator, RegisteredClaims: jwt.RegisteredClaims{Audience: jwt.ClaimStrings{"talentmatch"}, ExpiresAt: jwt.NewNumericDate(now.Add(-2 * time.Minute))}}),
		"forged key":         h.signed(t, otherKey(t), auth.Claims{Role: auth.RoleOperator, RegisteredClaims: jwt.RegisteredClaims{Audience: jwt.ClaimStrings{"talentmatch"}, ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour))}}),
		"tampered payload":   tamper(t, h.token(t, auth.Claims{Role: auth.RoleCandidateApp, Candidate: "c2"})),
		"alg none":           unsigned(t),
		"wrong audience":     h.signed(t, nil, auth.Claims{Role: auth.RoleOperator, RegisteredClaims: jwt.RegisteredClaims{Audience: jwt.ClaimStrings{"other-service"}, ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour))}}),
		"no expiry":          h.signed(t, nil, auth.Claims{Role: auth.RoleOperator, RegisteredClaims: jwt.RegisteredClaims{Audience: jwt.ClaimStrings{"talentmatch"}}}),
		"unknown role":       h.signed(t, nil, auth.Claims{Role: "admin", RegisteredClaims: jwt.RegisteredClaims{Audience: jwt.ClaimStrings{"talentmatch"}, ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour))}}),
		"role without scope": h.signed(t, nil, auth.Claims{Role: auth.RoleCompany, RegisteredClaims: jwt.RegisteredClaims{Audience: jwt.ClaimStrings{"talentmatch"}, ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour))}}),
		"garbage":            "not.a.jwt",
	}
	invalid := []string{"none", "expired", "forged key", "tampered payload", "alg none", "wrong audience", "no expiry", "unknown role", "role without scope", "garbage"}

	routes := []struct {
		path    string
		allowed []string // callers answered 200; other valid tokens get 403
	}{
		{"/api/v1/campaigns", []string{"operator", "organizer camp-a", "organizer camp-b", "expert camp-a"}},
		{"/api/v1/campaigns/camp-a/stats", []string{"operator", "organizer camp-a", "expert camp-a"}},
		{"/api/v1/campaigns/camp-a/feed", []string{"operator", "organizer camp-a", "expert camp-a"}},
		{"/api/v1/candidates/c1/matches", []string{"operator", "candidate_app c1"}},
		{"/api/v1/jobs/acme/j1/matches", []string{"operator", "company acme"}},
		{"/api/v1/companies/acme/matches", []string{"operator", "company acme"}},
	}
	for _, rt := range routes {
		for who, tok := range tokens {
			want := http.StatusForbidden
			for _, a := range rt.allowed {
				if a == who {
					want = http.StatusOK
				}
			}
			for _, bad := range invalid {
				if bad == who {
					want = http.StatusUnauthorized
				}
			}
			t.Run(rt.path+" as "+who, func(t *testing.T) {
				resp := h.apiGet(t, rt.path, tok)
				defer resp.Body.Close()
				if resp.StatusCode != want {
					b, _ := io.ReadAll(resp.Body)
					t.Fatalf("status %d (%s), want %d", resp.StatusCode, b, want)
				}
				if want == http.StatusUnauthorized && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("401 without a Bearer challenge: %q", resp.Header.Get("WWW-Authenticate"))
				}
				if want != http.StatusOK || strings.HasSuffix(rt.path, "/feed") {
					return
				}
				if rt.path == "/api/v1/campaigns" {
					var list query.CampaignList
					if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
						t.Fatal(err)
					}
					for _, c := range list.Items {
						if who != "operator" && !strings.HasSuffix(who, c.CampaignID) {
							t.Errorf("%s sees campaign %s", who, c.CampaignID)
						}
					}
					if who == "operator" && len(list.Items) != 2 {
						t.Errorf("the operator sees %d campaigns, want 2", len(list.Items))
					}
				}
			})
		}
	}

	t.Run("the operations address serves no query", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, "http://"+h.info.HTTPAddr+"/api/v1/campaigns", nil)
		req.Header.Set("Authorization", "Bearer "+tokens["operator"])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET /api/v1/campaigns on the operations address: %d, want 404", resp.StatusCode)
		}
		resp = h.apiGet(t, "/metrics", tokens["operator"])
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET /metrics on the API address: %d, want 404", resp.StatusCode)
		}
	})

	t.Run("no token in the logs", func(t *testing.T) {
		if !strings.Contains(logs.String(), "request refused") {
			t.Fatal("the refusals were not logged at Debug: the check would prove nothing")
		}
		for who, tok := range tokens {
			if tok == "" {
				continue
			}
			sig := tok[strings.LastIndexByte(tok, '.')+1:]
			if strings.Contains(logs.String(), tok) || (len(sig) > 8 && strings.Contains(logs.String(), sig)) {
				t.Errorf("the %s token appears in the logs", who)
			}
		}
	})
}

func otherKey(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// signed signs c as it is (no defaults) with key, or with the harness's
// development key when key is nil.
func (h *harness) signed(t *testing.T, key ed25519.PrivateKey, c auth.Claims) string {
	t.Helper()
	if key == nil {
		var err error
		if key, _, err = auth.DevKey(h.dataDir); err != nil {
			t.Fatal(err)
		}
	}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodEdDSA, c).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// tamper rewrites a token's payload to an operator's, keeping its
// signature.
func tamper(t *testing.T, tok string) string {
	t.Helper()
	parts := strings.Split(tok, ".")
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	m["role"] = "operator"
	delete(m, "candidate")
	b, _ = json.Marshal(m)
	parts[1] = base64.RawURLEncoding.EncodeToString(b)
	return strings.Join(parts, ".")
}

// unsigned is an operator token with alg "none".
func unsigned(t *testing.T) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(jwt.SigningMethodNone, auth.Claims{Role: auth.RoleOperator, RegisteredClaims: jwt.RegisteredClaims{
		Audience: jwt.ClaimStrings{"talentmatch"}, ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour))}}).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
