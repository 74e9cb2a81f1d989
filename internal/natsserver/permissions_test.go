package natsserver_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/talentmatch/talentmatch/events"
	"github.com/talentmatch/talentmatch/internal/daemon"
	"github.com/talentmatch/talentmatch/internal/testenv"
	"github.com/talentmatch/talentmatch/matcher"
)

var passwords = map[string]string{
	"matchd": "MATCHD_PASSWORD", "company-acme": "ACME_PASSWORD", "candidate-c-0042": "CANDIDATE_PASSWORD",
	"organizer-remain-zgc": "ORGANIZER_PASSWORD", "expert-wang": "EXPERT_PASSWORD", "sys": "SYS_PASSWORD",
}

// startShipped starts a server with deploy/nats/nats-server.conf, on a free
// port and a temporary store.
func startShipped(t *testing.T) *server.Server {
	t.Helper()
	for user, env := range passwords {
		t.Setenv(env, "pw-"+user)
	}
	opts, err := server.ProcessConfigFile("../../deploy/nats/nats-server.conf")
	if err != nil {
		t.Fatalf("the shipped configuration does not load: %v", err)
	}
	opts.Host, opts.Port, opts.HTTPPort = "127.0.0.1", -1, 0
	opts.StoreDir = t.TempDir()
	opts.NoLog, opts.NoSigs = true, true
	s, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("server not ready")
	}
	t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
	return s
}

// party is a connection as one user, with its permission errors.
type party struct {
	nc   *nats.Conn
	js   jetstream.JetStream
	errs chan error
}

func connectAs(t *testing.T, s *server.Server, user string) *party {
	t.Helper()
	p := &party{errs: make(chan error, 16)}
	nc, err := nats.Connect(s.ClientURL(), nats.UserInfo(user, "pw-"+user), nats.CustomInboxPrefix("_INBOX_"+user),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { p.errs <- err }))
	if err != nil {
		t.Fatalf("connect as %s: %v", user, err)
	}
	t.Cleanup(nc.Close)
	p.nc = nc
	p.js, _ = jetstream.New(nc)
	return p
}

// denied waits for the server's permission violation on subject.
func (p *party) denied(t *testing.T, what, subject string) {
	t.Helper()
	select {
	case err := <-p.errs:
		if !strings.Contains(err.Error(), "Permissions Violation for "+what) || !strings.Contains(err.Error(), subject) {
			t.Errorf("%s %s: got %v, want a permissions violation", what, subject, err)
		}
	case <-time.After(5 * time.Second):
		t.Errorf("%s to %s was not denied", what, subject)
	}
}

func TestShippedPermissions(t *testing.T) {
	s := startShipped(t)
	ctx := context.Background()
	matchd := connectAs(t, s, "matchd")
	// The matcher's rights suffice to create its streams.
	if err := events.EnsureStreams(ctx, matchd.js, events.StreamConfig{}); err != nil {
		t.Fatalf("matchd cannot create its streams: %v", err)
	}
	in, err := matchd.js.Stream(ctx, events.StreamIn)
	if err != nil {
		t.Fatal(err)
	}
	stored := func() uint64 {
		info, err := in.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return info.State.LastSeq
	}

	pubs := []struct {
		user, subject string
		allowed       bool
	}{
		{"company-acme", "talent.jobs.posted.acme", true},
		{"company-acme", "talent.jobs.closed.acme", true},
		{"company-acme", "talent.jobs.posted.globex", false},
		{"company-acme", "talent.candidates.registered.c-0042", false},
		{"company-acme", "talent.matches.created.open.acme.c-0042", false},
		{"candidate-c-0042", "talent.candidates.registered.c-0042", true},
		{"candidate-c-0042", "talent.candidates.withdrawn.c-0042", true},
		{"candidate-c-0042", "talent.candidates.registered.c-0043", false},
		{"candidate-c-0042", "talent.jobs.posted.acme", false},
		{"organizer-remain-zgc", "talent.campaigns.opened.remain-zgc", true},
		{"organizer-remain-zgc", "talent.campaigns.opened.other", false},
		{"organizer-remain-zgc", "talent.jobs.posted.acme", false},
		{"matchd", "talent.matches.created.open.acme.c-0042", true},
		{"matchd", "talent.jobs.posted.acme", false},
		{"company-acme", "talent.feedback.company.acme", true},
		{"company-acme", "talent.feedback.company.globex", false},
		{"company-acme", "talent.feedback.candidate.c-0042", false},
		{"candidate-c-0042", "talent.feedback.candidate.c-0042", true},
		{"candidate-c-0042", "talent.feedback.candidate.c-0043", false},
		{"candidate-c-0042", "talent.feedback.company.acme", false},
	}
	for _, tc := range pubs {
		t.Run(fmt.Sprintf("%s publishes %s", tc.user, tc.subject), func(t *testing.T) {
			p := connectAs(t, s, tc.user)
			if tc.allowed && strings.HasPrefix(tc.subject, "talent.matches.") {
				// not a TALENT_IN subject: check with a subscriber of the matcher's own matches stream
				if _, err := p.js.Publish(ctx, tc.subject, []byte("{}")); err != nil {
					t.Fatalf("publish: %v", err)
				}
				return
			}
			before := stored()
			if tc.allowed {
				ack, err := p.js.Publish(ctx, tc.subject, []byte("{}"))
				if err != nil || ack.Sequence != before+1 {
					t.Fatalf("allowed publish: ack %v, err %v", ack, err)
				}
				return
			}
			if err := p.nc.Publish(tc.subject, []byte("{}")); err != nil {
				t.Fatal(err)
			}
			p.denied(t, "Publish", tc.subject)
			if after := stored(); after != before {
				t.Errorf("a denied message was stored (%d → %d)", before, after)
			}
		})
	}

	subs := []struct {
		user, subject string
		allowed       bool
	}{
		{"company-acme", "talent.matches.*.*.acme.*", true},
		{"company-acme", "talent.matches.*.*.globex.*", false},
		{"company-acme", "talent.matches.>", false},
		{"candidate-c-0042", "talent.matches.*.*.*.c-0042", true},
		{"candidate-c-0042", "talent.matches.*.*.*.c-0043", false},
		{"organizer-remain-zgc", "talent.matches.*.remain-zgc.>", true},
		{"organizer-remain-zgc", "talent.matches.*.other.>", false},
	}
	for _, tc := range subs {
		t.Run(fmt.Sprintf("%s reads %s", tc.user, tc.subject), func(t *testing.T) {
			p := connectAs(t, s, tc.user)
			sub, err := p.nc.SubscribeSync(tc.subject)
			if err != nil {
				t.Fatal(err)
			}
			if !tc.allowed {
				p.denied(t, "Subscription", tc.subject)
				return
			}
			if err := p.nc.Flush(); err != nil {
				t.Fatal(err)
			}
			// The matcher publishes a match the subscriber may see.
			subject := map[string]string{
				"talent.matches.*.*.acme.*":     "talent.matches.created.open.acme.c-9",
				"talent.matches.*.*.*.c-0042":   "talent.matches.created.open.globex.c-0042",
				"talent.matches.*.remain-zgc.>": "talent.matches.retracted.remain-zgc.acme.c-1",
			}[tc.subject]
			if err := matchd.nc.Publish(subject, []byte("{}")); err != nil {
				t.Fatal(err)
			}
			if _, err := sub.NextMsg(5 * time.Second); err != nil {
				t.Fatalf("allowed subscriber did not receive %s: %v", subject, err)
			}
		})
	}
}

// TestQueryPermissions: each party may ask the query service only about
// itself; matchd may serve it and answer on the asker's reply subject.
func TestQueryPermissions(t *testing.T) {
	s := startShipped(t)
	matchd := connectAs(t, s, "matchd")
	sub, err := matchd.nc.Subscribe("talent.query.>", func(m *nats.Msg) { _ = m.Respond([]byte(`{"ok":true}`)) })
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	if err := matchd.nc.Flush(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		user, subject string
		allowed       bool
	}{
		{"company-acme", "talent.query.companies.acme.matches", true},
		{"company-acme", "talent.query.jobs.acme.j-1.matches", true},
		{"company-acme", "talent.query.companies.globex.matches", false},
		{"company-acme", "talent.query.jobs.globex.j-1.matches", false},
		{"company-acme", "talent.query.candidates.c-0042.matches", false},
		{"candidate-c-0042", "talent.query.candidates.c-0042.matches", true},
		{"candidate-c-0042", "talent.query.candidates.c-0043.matches", false},
		{"candidate-c-0042", "talent.query.campaigns.remain-zgc.stats", false},
		{"organizer-remain-zgc", "talent.query.campaigns.remain-zgc.stats", true},
		{"organizer-remain-zgc", "talent.query.campaigns.other.stats", false},
	} {
		t.Run(fmt.Sprintf("%s asks %s", tc.user, tc.subject), func(t *testing.T) {
			p := connectAs(t, s, tc.user)
			if tc.allowed {
				if _, err := p.nc.Request(tc.subject, nil, 5*time.Second); err != nil {
					t.Fatalf("allowed query: %v", err)
				}
				return
			}
			if err := p.nc.Publish(tc.subject, nil); err != nil {
				t.Fatal(err)
			}
			p.denied(t, "Publish", tc.subject)
		})
	}
}

// TestMatchdUnderShippedPermissions runs matchd as the restricted matchd
// user and the parties as theirs: a company posts, a candidate registers,
// each receives the match through its own permissions.
func TestMatchdUnderShippedPermissions(t *testing.T) {
	s := startShipped(t)
	rs := testenv.RedisServer(t)
	cfg := daemon.Defaults()
	cfg.NATSURL, cfg.RedisURL, cfg.DataDir, cfg.HTTPAddr, cfg.APIAddr = s.ClientURL(), rs.URL(), t.TempDir(), "-", "-"
	cfg.NATSUser, cfg.NATSPassword, cfg.NATSInboxPrefix = "matchd", "pw-matchd", "_INBOX_matchd"
	_, stop, err := daemon.Start(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("matchd under its permissions: %v", err)
	}
	defer stop()

	acme := connectAs(t, s, "company-acme")
	cand := connectAs(t, s, "candidate-c-0042")
	acmeSub, _ := acme.nc.SubscribeSync("talent.matches.*.*.acme.*")
	candSub, _ := cand.nc.SubscribeSync("talent.matches.*.*.*.c-0042")
	acme.nc.Flush()
	cand.nc.Flush()
	publish := func(p *party, typ, id string, data any) {
		msg, err := events.InboundMsg(typ, id, typ+id, "/test", time.Now(), data)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.js.PublishMsg(context.Background(), msg); err != nil {
			t.Fatalf("publish %s: %v", msg.Subject, err)
		}
	}
	publish(acme, events.TypeJobPosted, "acme", matcher.Job{JobID: "j1", CompanyID: "acme", CompanyName: "Acme", Title: "Go dev",
		RequiredSkills: []string{"Go", "Kubernetes"}, Industries: []string{"software"}})
	publish(cand, events.TypeCandidateRegistered, "c-0042", matcher.Candidate{CandidateID: "c-0042", Skills: []string{"golang", "k8s"}, ConsentToMatch: true})
	for name, sub := range map[string]*nats.Subscription{"company": acmeSub, "candidate": candSub} {
		m, err := sub.NextMsg(10 * time.Second)
		if err != nil {
			t.Fatalf("%s received no match: %v", name, err)
		}
		if m.Subject != "talent.matches.created.open.acme.c-0042" {
			t.Errorf("%s received %s", name, m.Subject)
		}
	}
}
