package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/talentmatch/talentmatch/internal/daemon"
	"github.com/talentmatch/talentmatch/internal/query"
	"github.com/talentmatch/talentmatch/internal/testenv"
)

// chromium returns the headless browser the dashboard test drives. It is
// a dependency of the test suite (.ci/run installs Debian's chromium), not
// an optional extra: without it the test fails and says so.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("no chromium on PATH: install it (apt-get install -y chromium fonts-noto-cjk); .ci/run does")
	return ""
}

// TestDashboard drives the organizers' dashboard in headless Chromium while
// the demo campaign plays, and checks that the figures on the page equal
// the query API's. With TALENTMATCH_SCREENSHOT set it saves a screenshot
// there (docs/dashboard.png is made this way).
func TestDashboard(t *testing.T) {
	browser := chromium(t)
	rs := testenv.RedisServer(t)
	ns := testenv.NATSServer(t)
	cfg := daemon.Defaults()
	cfg.NATSURL, cfg.RedisURL, cfg.DataDir, cfg.HTTPAddr, cfg.APIAddr = ns.ClientURL(), rs.URL(), t.TempDir(), "127.0.0.1:0", "127.0.0.1:0"
	cfg.StatsTTL = 500 * time.Millisecond
	info, stop, err := daemon.Start(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	base := "http://" + info.APIAddr
	// The API asks for a bearer token: the test is the operator, the page an
	// organizer of the campaign, as matchctl dashboard would make them.
	operator := tokenFlags{dataDir: cfg.DataDir, role: "operator", ttl: time.Hour}
	if apiToken, err = operator.mint(); err != nil {
		t.Fatal(err)
	}

	// The demo plays in the background, slowly enough to be watched.
	demo := make(chan error, 1)
	go func() {
		demo <- runDemo(context.Background(), []string{"--nats", ns.ClientURL(), "--rate", "60", "--keep", "--quiet"})
	}()
	var camp string
	for deadline := time.Now().Add(30 * time.Second); camp == ""; {
		var list query.CampaignList
		if getJSON(base+"/api/v1/campaigns", &list) == nil && len(list.Items) > 0 {
			camp = list.Items[0].CampaignID
		} else if time.Now().After(deadline) {
			t.Fatal("the demo campaign did not appear in /api/v1/campaigns")
		} else {
			time.Sleep(100 * time.Millisecond) // polling an HTTP API: there is no event to await
		}
	}

	actx, acancel := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browser), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("lang", "zh-CN"))...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()
	bctx, tcancel := context.WithTimeout(bctx, 2*time.Minute)
	defer tcancel()

	organizer := tokenFlags{dataDir: cfg.DataDir, role: "organizer", campaigns: listFlag{camp}, ttl: time.Hour}
	orgToken, err := organizer.mint()
	if err != nil {
		t.Fatal(err)
	}
	url := dashboardURL(base, camp, "zh", orgToken)
	if err := chromedp.Do(bctx,
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.CSS(`main[data-ready="1"]`)),
		// The live feed shows matches while the campaign plays.
		chromedp.WaitVisible(chromedp.CSS(`[data-match-id]`)),
	); err != nil {
		t.Fatalf("dashboard at %s: %v", url, err)
	}
	lang, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.documentElement.lang`))
	if err != nil {
		t.Fatal(err)
	}
	if lang != "zh" && lang != "zh-CN" {
		t.Errorf("page language %q, want Chinese", lang)
	}
	if err := <-demo; err != nil {
		t.Fatalf("demo: %v", err)
	}

	// Once the campaign is quiet, the page shows what the API says: compare
	// a page and an API answer computed at the same moment.
	const readPage = `(() => {
	  const o = {computed_at: document.querySelector('main').getAttribute('data-computed-at') || ''};
	  document.querySelectorAll('[data-stat]').forEach(e => { o[e.dataset.stat] = e.dataset.value !== undefined ? e.dataset.value : e.textContent.trim(); });
	  o.industries = {};
	  document.querySelectorAll('[data-industry]').forEach(e => { o.industries[e.dataset.industry] = e.dataset.matches; });
	  return o;
	})()`
	var page struct {
		ComputedAt string            `json:"computed_at"`
		Industries map[string]string `json:"industries"`
	}
	var fields map[string]any
	var api query.CampaignStats
	matched := false
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline) && !matched; {
		if err := getJSON(base+"/api/v1/campaigns/"+camp+"/stats", &api); err != nil {
			t.Fatal(err)
		}
		fields, err = chromedp.Run(bctx, chromedp.Evaluate[map[string]any](readPage))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(fields)
		_ = json.Unmarshal(b, &page)
		at, err := time.Parse(time.RFC3339Nano, page.ComputedAt)
		matched = err == nil && at.Equal(api.ComputedAt)
		if !matched {
			time.Sleep(200 * time.Millisecond) // the page polls every 2 s; wait for it to catch up
		}
	}
	if !matched {
		t.Fatalf("the page never showed the figures the API computed at %s (page: %v)", api.ComputedAt, fields["computed_at"])
	}
	want := map[string]int{"registrations": api.Registrations, "jobs": api.Jobs, "matches": api.Matches,
		"matched_candidates": api.MatchedCandidates, "held": int(api.Held), "hires": api.Hires,
		"roles_without_match_total": api.RolesWithoutMatchTotal}
	for k, v := range want {
		if got := fmt.Sprint(fields[k]); got != strconv.Itoa(v) {
			t.Errorf("page shows %s = %s, the API %d", k, got, v)
		}
	}
	if share, _ := strconv.ParseFloat(fmt.Sprint(fields["matched_share"]), 64); share != api.MatchedShare {
		t.Errorf("page shows matched share %v, the API %v", share, api.MatchedShare)
	}
	if api.Registrations < 200 || api.Matches == 0 {
		t.Errorf("the demo campaign has %d registrations and %d matches", api.Registrations, api.Matches)
	}
	for _, ind := range api.ByIndustry {
		if got, ok := page.Industries[ind.Industry]; ok && got != strconv.Itoa(ind.Matches) {
			t.Errorf("industry %s: page %s matches, API %d", ind.Industry, got, ind.Matches)
		}
	}
	if len(page.Industries) == 0 {
		t.Error("the page shows no industry")
	}

	// The language toggle switches to English without a reload.
	if err := chromedp.Do(bctx, chromedp.Click(chromedp.CSS(`button[data-lang="en"]`))); err != nil {
		t.Fatal(err)
	}
	if lang, err = chromedp.Run(bctx, chromedp.Evaluate[string](`document.documentElement.lang`)); err != nil {
		t.Fatal(err)
	}
	if lang != "en" {
		t.Errorf("after the toggle the page language is %q", lang)
	}
	// The token left the address bar at once.
	href, err := chromedp.Run(bctx, chromedp.Evaluate[string](`location.href`))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(href, "token") {
		t.Errorf("the address bar still holds the token: %s", href)
	}
	// Without a token, or with one for another campaign, the page asks for
	// one instead of showing data (each in a new tab: its own sessionStorage).
	other := tokenFlags{dataDir: cfg.DataDir, role: "organizer", campaigns: listFlag{"another-campaign"}, ttl: time.Hour}
	otherToken, err := other.mint()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, url, msg string }{
		{"no token", fmt.Sprintf("%s/dashboard/?campaign=%s&lang=en", base, camp), "auth_sub"},
		{"another campaign's token", dashboardURL(base, camp, "en", otherToken), "auth_denied"},
		{"a forged token", dashboardURL(base, camp, "en", orgToken[:len(orgToken)-4]+"AAAA"), "auth_invalid"},
	} {
		tctx, tcancel := chromedp.NewContext(bctx)
		if err := chromedp.Do(tctx, chromedp.Navigate(tc.url), chromedp.WaitVisible(chromedp.CSS(`#auth`))); err != nil {
			tcancel()
			t.Fatalf("%s: the page did not ask for a token: %v", tc.name, err)
		}
		msg, err := chromedp.Run(tctx, chromedp.Evaluate[string](`document.querySelector('#auth-msg').dataset.i18n + '|' + document.querySelector('#dash').hidden`))
		if err != nil || msg != tc.msg+"|true" {
			t.Errorf("%s: page says %q (%v), want %s with no data shown", tc.name, msg, err, tc.msg)
		}
		if path := os.Getenv("TALENTMATCH_SCREENSHOT_AUTH"); path != "" && tc.name == "no token" {
			if png, err := chromedp.Run(tctx, chromedp.CaptureScreenshot()); err == nil {
				_ = os.WriteFile(path, png, 0o644)
			}
		}
		tcancel()
	}

	if path := os.Getenv("TALENTMATCH_SCREENSHOT"); path != "" {
		if err := chromedp.Do(bctx, chromedp.Click(chromedp.CSS(`button[data-lang="zh"]`)),
			chromedp.Sleep(300*time.Millisecond)); err != nil { // let the re-render finish before the shot
			t.Fatal(err)
		}
		png, err := chromedp.Run(bctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// apiToken is the bearer token getJSON sends.
var apiToken string

func getJSON(url string, v any) error {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+apiToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}
