package natsauth_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/talentmatch/talentmatch/events"
	"github.com/talentmatch/talentmatch/internal/natsauth"
)

// startJWT starts nats-server with deploy/nats/nats-server-jwt.conf and an
// accounts directory made by Init, on a free port and a temporary store.
func startJWT(t *testing.T) (*server.Server, *natsauth.Account) {
	t.Helper()
	dir := t.TempDir()
	if err := natsauth.Init(filepath.Join(dir, "secrets")); err != nil {
		t.Fatal(err)
	}
	if err := natsauth.Init(filepath.Join(dir, "secrets")); !errors.Is(err, natsauth.ErrExists) {
		t.Fatalf("a second Init: got %v, want ErrExists", err)
	}
	conf, err := os.ReadFile("../../deploy/nats/nats-server-jwt.conf")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "nats-server.conf")
	if err := os.WriteFile(path, conf, 0o600); err != nil {
		t.Fatal(err)
	}
	opts, err := server.ProcessConfigFile(path)
	if err != nil {
		t.Fatalf("the shipped JWT configuration does not load: %v", err)
	}
	opts.Host, opts.Port, opts.HTTPPort = "127.0.0.1", -1, 0
	opts.StoreDir = filepath.Join(dir, "js")
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
	acc, err := natsauth.Load(filepath.Join(dir, "secrets"))
	if err != nil {
		t.Fatal(err)
	}
	return s, acc
}

type party struct {
	p    natsauth.Party
	nc   *nats.Conn
	js   jetstream.JetStream
	errs chan error
}

func connectAs(t *testing.T, s *server.Server, acc *natsauth.Account, p natsauth.Party) *party {
	t.Helper()
	creds, err := acc.Creds(p, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), p.Name()+".creds")
	if err := os.WriteFile(file, creds, 0o600); err != nil {
		t.Fatal(err)
	}
	c := &party{p: p, errs: make(chan error, 64)}
	c.nc, err = nats.Connect(s.ClientURL(), nats.UserCredentials(file), nats.CustomInboxPrefix(p.InboxPrefix()),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { c.errs <- err }))
	if err != nil {
		t.Fatalf("connect as %s: %v", p.Name(), err)
	}
	t.Cleanup(c.nc.Close)
	c.js, _ = jetstream.New(c.nc)
	return c
}

// denied waits for the server's permission violation naming subject.
func (c *party) denied(t *testing.T, what, subject string) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case err := <-c.errs:
			if strings.Contains(err.Error(), "Permissions Violation for "+what) && strings.Contains(err.Error(), subject) {
				return
			}
		case <-deadline:
			t.Errorf("%s %s by %s was not denied", what, subject, c.p.Name())
			return
		}
	}
}

var (
	matchd    = natsauth.Party{Role: natsauth.RoleMatchd}
	acme      = natsauth.Party{Role: natsauth.RoleCompany, ID: "acme"}
	globex    = natsauth.Party{Role: natsauth.RoleCompany, ID: "globex"}
	cand42    = natsauth.Party{Role: natsauth.RoleCandidateApp, ID: "c-0042"}
	organizer = natsauth.Party{Role: natsauth.RoleOrganizer, ID: "remain-zgc"}
	expert    = natsauth.Party{Role: natsauth.RoleExpert, ID: "wang", Campaign: "remain-zgc"}
)

// matches published by matchd: campaign, company, candidate.
var published = [][3]string{
	{"remain-zgc", "acme", "c-0042"}, {"remain-zgc", "globex", "c-0043"}, {"open", "acme", "c-0043"},
	{"other", "globex", "c-0042"}, {"remain-zgc", "acme", "c-0044"},
}

func matchSubject(m [3]string) string {
	return "talent.matches.created." + m[0] + "." + m[1] + "." + m[2]
}

func TestJWTPermissions(t *testing.T) {
	s, acc := startJWT(t)
	ctx := context.Background()
	md := connectAs(t, s, acc, matchd)
	if err := events.EnsureStreams(ctx, md.js, events.StreamConfig{}); err != nil {
		t.Fatalf("matchd cannot create its streams: %v", err)
	}
	publish := func(ms ...[3]string) {
		t.Helper()
		for _, m := range ms {
			if _, err := md.js.Publish(ctx, matchSubject(m), []byte(`{}`)); err != nil {
				t.Fatalf("matchd publishes %s: %v", matchSubject(m), err)
			}
		}
	}
	publish(published...)

	t.Run("publish", func(t *testing.T) {
		in, err := md.js.Stream(ctx, events.StreamIn)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			who     natsauth.Party
			subject string
			allowed bool
		}{
			{acme, "talent.jobs.posted.acme", true},
			{acme, "talent.jobs.closed.acme", true},
			{acme, "talent.feedback.company.acme", true},
			{acme, "talent.jobs.posted.globex", false},
			{acme, "talent.candidates.registered.c-0042", false},
			{acme, "talent.matches.created.open.acme.c-0042", false},
			{cand42, "talent.candidates.registered.c-0042", true},
			{cand42, "talent.candidates.withdrawn.c-0042", true},
			{cand42, "talent.feedback.candidate.c-0042", true},
			{cand42, "talent.candidates.registered.c-0043", false},
			{cand42, "talent.jobs.posted.acme", false},
			{organizer, "talent.campaigns.opened.remain-zgc", true},
			{organizer, "talent.campaigns.closed.remain-zgc", true},
			{organizer, "talent.campaigns.opened.other", false},
			{expert, "talent.campaigns.opened.remain-zgc", false},
			{expert, "talent.jobs.posted.acme", false},
			{matchd, "talent.jobs.posted.acme", false},
		} {
			t.Run(tc.who.Name()+" "+tc.subject, func(t *testing.T) {
				c := connectAs(t, s, acc, tc.who)
				if tc.allowed {
					info, _ := in.Info(ctx)
					ack, err := c.js.Publish(ctx, tc.subject, []byte(`{}`))
					if err != nil || ack.Sequence != info.State.LastSeq+1 {
						t.Fatalf("allowed publish: ack %v, err %v", ack, err)
					}
					return
				}
				if err := c.nc.Publish(tc.subject, []byte(`{}`)); err != nil {
					t.Fatal(err)
				}
				c.denied(t, "Publish", tc.subject)
			})
		}
	})

	t.Run("queries through NATS identities", func(t *testing.T) {
		sub, err := md.nc.Subscribe("talent.query.>", func(m *nats.Msg) { _ = m.Respond([]byte(`{"items":[]}`)) })
		if err != nil {
			t.Fatal(err)
		}
		defer sub.Unsubscribe()
		if err := md.nc.Flush(); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			who     natsauth.Party
			subject string
			allowed bool
		}{
			{acme, "talent.query.companies.acme.matches", true},
			{acme, "talent.query.jobs.acme.j1.matches", true},
			{acme, "talent.query.companies.globex.matches", false},
			{acme, "talent.query.candidates.c-0042.matches", false},
			{acme, "talent.query.campaigns", false},
			{cand42, "talent.query.candidates.c-0042.matches", true},
			{cand42, "talent.query.candidates.c-0043.matches", false},
			{organizer, "talent.query.campaigns.remain-zgc.stats", true},
			{organizer, "talent.query.campaigns.other.stats", false},
			{organizer, "talent.query.companies.acme.matches", false},
			{expert, "talent.query.campaigns.remain-zgc.stats", true},
			{expert, "talent.query.campaigns.other.stats", false},
		} {
			t.Run(tc.who.Name()+" "+tc.subject, func(t *testing.T) {
				c := connectAs(t, s, acc, tc.who)
				if tc.allowed {
					if _, err := c.nc.Request(tc.subject, nil, 5*time.Second); err != nil {
						t.Fatalf("allowed query: %v", err)
					}
					return
				}
				if err := c.nc.PublishRequest(tc.subject, c.nc.NewRespInbox(), nil); err != nil {
					t.Fatal(err)
				}
				c.denied(t, "Publish", tc.subject)
			})
		}
	})

	t.Run("each reads its own matches through JetStream", func(t *testing.T) {
		for _, tc := range []struct {
			who  natsauth.Party
			want []string
		}{
			{acme, []string{matchSubject(published[0]), matchSubject(published[2]), matchSubject(published[4])}},
			{globex, []string{matchSubject(published[1]), matchSubject(published[3])}},
			{cand42, []string{matchSubject(published[0]), matchSubject(published[3])}},
			{organizer, []string{matchSubject(published[0]), matchSubject(published[1]), matchSubject(published[4])}},
			{expert, []string{matchSubject(published[0]), matchSubject(published[1]), matchSubject(published[4])}},
		} {
			t.Run(tc.who.Name(), func(t *testing.T) {
				c := connectAs(t, s, acc, tc.who)
				cons := durable(t, c)
				if got := fetch(t, cons, len(tc.want)+1); strings.Join(got, " ") != strings.Join(tc.want, " ") {
					t.Errorf("read %v, want %v", got, tc.want)
				}
			})
		}
	})

	t.Run("an offline party catches up", func(t *testing.T) {
		c := connectAs(t, s, acc, acme)
		cons := durable(t, c) // created above: acked up to the last acme match
		if got := fetch(t, cons, 1); len(got) != 0 {
			t.Fatalf("nothing new yet, read %v", got)
		}
		c.nc.Close()
		later := [][3]string{{"open", "acme", "c-0050"}, {"open", "globex", "c-0051"}, {"remain-zgc", "acme", "c-0052"}}
		publish(later...) // while acme is offline
		c = connectAs(t, s, acc, acme)
		cons, err := c.js.Consumer(ctx, events.StreamMatches, acme.Name())
		if err != nil {
			t.Fatalf("acme finds its durable consumer: %v", err)
		}
		want := []string{matchSubject(later[0]), matchSubject(later[2])}
		if got := fetch(t, cons, 3); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("after an offline spell read %v, want %v", got, want)
		}
	})

	t.Run("nobody reads another's", func(t *testing.T) {
		c := connectAs(t, s, acc, acme)
		globexFilter := natsauth.Party{Role: natsauth.RoleCompany, ID: "globex"}.MatchFilter()
		for _, tc := range []struct {
			name, subject string
			body          any
		}{
			{"own name, another's filter", "$JS.API.CONSUMER.CREATE.TALENT_MATCHES.company-acme." + globexFilter,
				map[string]any{"stream_name": "TALENT_MATCHES", "config": map[string]any{"durable_name": "company-acme", "filter_subject": globexFilter, "ack_policy": "explicit"}}},
			{"own name, every match", "$JS.API.CONSUMER.CREATE.TALENT_MATCHES.company-acme.talent.matches.>",
				map[string]any{"stream_name": "TALENT_MATCHES", "config": map[string]any{"durable_name": "company-acme", "filter_subject": "talent.matches.>", "ack_policy": "explicit"}}},
			{"own name, no filter", "$JS.API.CONSUMER.CREATE.TALENT_MATCHES.company-acme",
				map[string]any{"stream_name": "TALENT_MATCHES", "config": map[string]any{"durable_name": "company-acme", "ack_policy": "explicit"}}},
			{"another's consumer", "$JS.API.CONSUMER.CREATE.TALENT_MATCHES.company-globex." + acme.MatchFilter(),
				map[string]any{"stream_name": "TALENT_MATCHES", "config": map[string]any{"durable_name": "company-globex", "filter_subject": acme.MatchFilter(), "ack_policy": "explicit"}}},
			{"fetch from another's consumer", "$JS.API.CONSUMER.MSG.NEXT.TALENT_MATCHES.company-globex", map[string]any{"batch": 10}},
			{"another's consumer info", "$JS.API.CONSUMER.INFO.TALENT_MATCHES.company-globex", nil},
			{"read the stream directly", "$JS.API.DIRECT.GET.TALENT_MATCHES", map[string]any{"seq": 1}},
			{"read a stream message", "$JS.API.STREAM.MSG.GET.TALENT_MATCHES", map[string]any{"seq": 1}},
			{"stream info", "$JS.API.STREAM.INFO.TALENT_MATCHES", nil},
			{"the inbound stream", "$JS.API.CONSUMER.CREATE.TALENT_IN.company-acme.talent.jobs.>", nil},
			{"purge", "$JS.API.STREAM.PURGE.TALENT_MATCHES", nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				b, _ := json.Marshal(tc.body)
				if err := c.nc.PublishRequest(tc.subject, c.nc.NewRespInbox(), b); err != nil {
					t.Fatal(err)
				}
				c.denied(t, "Publish", tc.subject)
			})
		}
		for _, subject := range []string{"talent.matches.created.open.globex.c-0043", "talent.matches.>", "talent.dlq.>", "_INBOX_company-globex.>"} {
			if _, err := c.nc.SubscribeSync(subject); err != nil {
				t.Fatal(err)
			}
			c.denied(t, "Subscription", subject)
		}
	})
}

// durable creates or binds the party's durable consumer on its own filter.
func durable(t *testing.T, c *party) jetstream.Consumer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cons, err := c.js.CreateOrUpdateConsumer(ctx, events.StreamMatches, jetstream.ConsumerConfig{
		Durable: c.p.Name(), FilterSubject: c.p.MatchFilter(), AckPolicy: jetstream.AckExplicitPolicy, DeliverPolicy: jetstream.DeliverAllPolicy,
	})
	if err != nil {
		t.Fatalf("%s creates its durable consumer: %v", c.p.Name(), err)
	}
	return cons
}

// fetch reads up to n messages (all that are there), acknowledging each.
func fetch(t *testing.T, cons jetstream.Consumer, n int) []string {
	t.Helper()
	batch, err := cons.Fetch(n, jetstream.FetchMaxWait(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for m := range batch.Messages() {
		got = append(got, m.Subject())
		if err := m.DoubleAck(context.Background()); err != nil {
			t.Fatalf("ack: %v", err)
		}
	}
	if err := batch.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) {
		t.Fatal(err)
	}
	return got
}
