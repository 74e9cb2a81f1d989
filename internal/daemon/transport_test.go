package daemon

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"

	"github.com/talentmatch/talentmatch/events"
	"github.com/talentmatch/talentmatch/internal/natsauth"
	"github.com/talentmatch/talentmatch/internal/redisserver"
	"github.com/talentmatch/talentmatch/internal/testenv"
)

// runWith starts matchd with cfg (addresses on free ports, a temporary
// data directory) and its logs at Debug in a buffer; it returns the daemon's
// info, the buffer, and a func that stops it and returns its /metrics.
func runWith(t *testing.T, cfg Config) (Info, *lockedBuffer, func() string) {
	t.Helper()
	cfg.DataDir, cfg.HTTPAddr, cfg.APIAddr, cfg.Shards = t.TempDir(), "127.0.0.1:0", "127.0.0.1:0", 4
	logs := &lockedBuffer{}
	info, stop, err := Start(context.Background(), cfg, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatalf("matchd did not start: %v", err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = stop()
		}
	})
	return info, logs, func() string {
		resp, err := http.Get("http://" + info.HTTPAddr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		stopped = true
		if err := stop(); err != nil {
			t.Errorf("matchd stopped with %v", err)
		}
		return string(b)
	}
}

// noLeak fails when any secret appears in the texts.
func noLeak(t *testing.T, where string, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("a secret (%.6s...) appears in %s", s, where)
		}
	}
}

// matchOnce publishes a job and a matching candidate and waits until
// matchd has handled both and published the match.
func matchOnce(t *testing.T, js jetstream.JetStream) {
	t.Helper()
	at := time.Now().Add(-time.Minute)
	testenv.Publish(t, js, events.TypeJobPosted, "acme", at, job("acme", "j1", []string{"Go", "Kubernetes"}, nil, []string{"software"}))
	seq := testenv.Publish(t, js, events.TypeCandidateRegistered, "c1", at, cand("c1", []string{"Go", "Kubernetes"}, []string{"software"}))
	testenv.WaitProcessed(t, js, "matchd", seq)
	w := testenv.Watch(t, js, events.StreamMatches)
	if got := w.Next(t, 1, 10*time.Second); len(got) != 1 || got[0].Match.CandidateID != "c1" {
		t.Fatalf("matches %+v, want one for c1", got)
	}
}

// TestNATSMutualTLSAndNKey: matchd reaches a NATS server that requires a
// client certificate signed by its CA and an NKey user; without the
// certificate, or trusting another CA, it fails with a clear error that
// holds no secret; the seed appears in no log and not in /metrics.
func TestNATSMutualTLSAndNKey(t *testing.T) {
	certs := testenv.TLSCerts(t)
	user, _ := nkeys.CreateUser()
	pub, _ := user.PublicKey()
	seed, _ := user.Seed()
	seedFile := filepath.Join(t.TempDir(), "matchd.nk")
	if err := os.WriteFile(seedFile, seed, 0o600); err != nil {
		t.Fatal(err)
	}
	tlsc, err := server.GenTLSConfig(&server.TLSConfigOpts{CertFile: certs.ServerCert, KeyFile: certs.ServerKey, CaFile: certs.CA, Verify: true})
	if err != nil {
		t.Fatal(err)
	}
	s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(),
		TLS: true, TLSVerify: true, TLSConfig: tlsc, Nkeys: []*server.NkeyUser{{Nkey: pub}}, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats not ready")
	}
	t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
	url := "tls://" + s.Addr().String()

	rs := testenv.RedisServer(t)
	cfg := Defaults()
	cfg.NATSURL, cfg.RedisURL = url, rs.URL()
	cfg.NATSNKey, cfg.NATSCA, cfg.NATSCert, cfg.NATSKey = seedFile, certs.CA, certs.ClientCert, certs.ClientKey
	t.Run("refused without the client certificate", func(t *testing.T) {
		bad := cfg
		bad.NATSCert, bad.NATSKey = "", ""
		bad.DataDir, bad.HTTPAddr, bad.APIAddr = t.TempDir(), "-", "-"
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		err := Run(ctx, bad, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
		if err == nil || !strings.Contains(err.Error(), "connect to NATS") {
			t.Fatalf("got %v, want a NATS connection error", err)
		}
		noLeak(t, "the error", err.Error(), string(seed))
	})
	t.Run("refused trusting another CA", func(t *testing.T) {
		bad := cfg
		bad.NATSCA = testenv.TLSCerts(t).CA
		bad.DataDir, bad.HTTPAddr, bad.APIAddr = t.TempDir(), "-", "-"
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		err := Run(ctx, bad, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
		if err == nil || !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("got %v, want a certificate error", err)
		}
		noLeak(t, "the error", err.Error(), string(seed))
	})

	_, logs, stop := runWith(t, cfg)
	nc, err := nats.Connect(url, nats.RootCAs(certs.CA), nats.ClientCert(certs.ClientCert, certs.ClientKey), nats.Nkey(pub, user.Sign))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, _ := jetstream.New(nc)
	matchOnce(t, js)
	metrics := stop()
	if !strings.Contains(logs.String(), "matchd running") {
		t.Fatal("the logs were not captured")
	}
	noLeak(t, "the logs or /metrics", logs.String()+metrics, string(seed))
}

// TestNATSCredentialsOperatorMode: matchd runs with the credentials matchctl
// accounts init issues, on a server in operator/JWT mode (the shipped
// nats-server-jwt.conf); a company and a candidate app with their own
// credentials publish, and the company reads its match through its durable
// consumer and asks the query service for it. No credential reaches a log.
func TestNATSCredentialsOperatorMode(t *testing.T) {
	dir := t.TempDir()
	secrets := filepath.Join(dir, "secrets")
	if err := natsauth.Init(secrets); err != nil {
		t.Fatal(err)
	}
	conf, err := os.ReadFile("../../deploy/nats/nats-server-jwt.conf")
	if err != nil {
		t.Fatal(err)
	}
	confPath := filepath.Join(dir, "nats-server.conf")
	if err := os.WriteFile(confPath, conf, 0o600); err != nil {
		t.Fatal(err)
	}
	opts, err := server.ProcessConfigFile(confPath)
	if err != nil {
		t.Fatal(err)
	}
	opts.Host, opts.Port, opts.HTTPPort, opts.StoreDir, opts.NoLog, opts.NoSigs = "127.0.0.1", -1, 0, filepath.Join(dir, "js"), true, true
	s, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats not ready")
	}
	t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
	acc, err := natsauth.Load(secrets)
	if err != nil {
		t.Fatal(err)
	}
	matchdCreds := filepath.Join(secrets, natsauth.CredsDir, "matchd.creds")
	credsText, _ := os.ReadFile(matchdCreds)

	rs := testenv.RedisServer(t)
	cfg := Defaults()
	cfg.NATSURL, cfg.RedisURL, cfg.NATSCreds, cfg.NATSInboxPrefix = s.ClientURL(), rs.URL(), matchdCreds, "_INBOX_matchd"
	_, logs, stop := runWith(t, cfg)

	as := func(p natsauth.Party) (*nats.Conn, jetstream.JetStream) {
		path, err := acc.WriteCreds(p, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		nc, err := nats.Connect(s.ClientURL(), nats.UserCredentials(path), nats.CustomInboxPrefix(p.InboxPrefix()))
		if err != nil {
			t.Fatalf("connect as %s: %v", p.Name(), err)
		}
		t.Cleanup(nc.Close)
		js, _ := jetstream.New(nc)
		return nc, js
	}
	acme := natsauth.Party{Role: natsauth.RoleCompany, ID: "acme"}
	company, cjs := as(acme)
	_, app := as(natsauth.Party{Role: natsauth.RoleCandidateApp, ID: "c1"})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cons, err := cjs.CreateOrUpdateConsumer(ctx, events.StreamMatches, jetstream.ConsumerConfig{
		Durable: acme.Name(), FilterSubject: acme.MatchFilter(), AckPolicy: jetstream.AckExplicitPolicy})
	if err != nil {
		t.Fatalf("the company creates its consumer: %v", err)
	}
	at := time.Now().Add(-time.Minute)
	testenv.Publish(t, cjs, events.TypeJobPosted, "acme", at, job("acme", "j1", []string{"Go", "Kubernetes"}, nil, []string{"software"}))
	testenv.Publish(t, app, events.TypeCandidateRegistered, "c1", at, cand("c1", []string{"Go", "Kubernetes"}, []string{"software"}))
	msg, err := cons.Next(jetstream.FetchMaxWait(20 * time.Second))
	if err != nil {
		t.Fatalf("the company's match did not arrive: %v", err)
	}
	if !strings.HasSuffix(msg.Subject(), ".acme.c1") {
		t.Errorf("match subject %s", msg.Subject())
	}
	_ = msg.Ack()
	resp, err := company.Request("talent.query.companies.acme.matches", nil, 10*time.Second)
	if err != nil || !strings.Contains(string(resp.Data), `"c1"`) {
		t.Fatalf("the company's query: %v %s", err, resp.Data)
	}
	metrics := stop()
	var jwtPart, seedPart string
	for _, line := range strings.Split(string(credsText), "\n") {
		switch {
		case strings.HasPrefix(line, "eyJ"):
			jwtPart = line
		case strings.HasPrefix(line, "SU"):
			seedPart = line
		}
	}
	if jwtPart == "" || seedPart == "" {
		t.Fatalf("matchd.creds holds no JWT or seed:\n%s", credsText)
	}
	noLeak(t, "the logs or /metrics", logs.String()+metrics, jwtPart, seedPart)
}

// TestRedisACLUserAndTLS: matchd reaches Redis over TLS (rediss://, the CA
// of REDIS_CA) as an ACL user whose rights are the documented ones (its key
// prefix, no administration), the default user being off; a wrong
// password, or plain TCP to the TLS port, fails with an error that holds no
// secret; the password appears in no log and not in /metrics.
func TestRedisACLUserAndTLS(t *testing.T) {
	certs := testenv.TLSCerts(t)
	const password = "tm-ACL-pass-7f3a91"
	tlsPort, err := redisserver.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	acl := filepath.Join(t.TempDir(), "users.acl")
	if err := os.WriteFile(acl, []byte("user default off\nuser matchd on >"+password+" "+RedisACLRules+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	testenv.RedisServer(t, func(o *redisserver.Options) {
		o.Args = []string{"--tls-port", fmt.Sprint(tlsPort), "--tls-cert-file", certs.ServerCert, "--tls-key-file", certs.ServerKey,
			"--tls-ca-cert-file", certs.CA, "--tls-auth-clients", "no", "--aclfile", acl}
	})
	ns := testenv.NATSServer(t)
	tlsURL := fmt.Sprintf("rediss://127.0.0.1:%d/0", tlsPort)
	cfg := Defaults()
	cfg.NATSURL, cfg.RedisURL, cfg.RedisUsername, cfg.RedisPassword, cfg.RedisCA = ns.ClientURL(), tlsURL, "matchd", password, certs.CA

	for _, tc := range []struct {
		name string
		mod  func(*Config)
		want string
	}{
		{"wrong password", func(c *Config) { c.RedisPassword = "not-" + password }, "WRONGPASS"},
		{"plain TCP to the TLS port", func(c *Config) { c.RedisURL, c.RedisCA = strings.Replace(tlsURL, "rediss://", "redis://", 1), "" }, "does not answer"},
		{"another CA", func(c *Config) { c.RedisCA = testenv.TLSCerts(t).CA }, "certificate"},
		{"password in the URL, wrong", func(c *Config) {
			c.RedisURL, c.RedisPassword = "rediss://matchd:url-"+password+"@127.0.0.1:"+fmt.Sprint(tlsPort), ""
		}, "WRONGPASS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := cfg
			tc.mod(&bad)
			bad.DataDir, bad.HTTPAddr, bad.APIAddr = t.TempDir(), "-", "-"
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			err := Run(ctx, bad, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error with %q", err, tc.want)
			}
			noLeak(t, "the error", err.Error(), password, "url-"+password)
		})
	}

	_, logs, stop := runWith(t, cfg)
	_, js := testenv.Connect(t, ns.ClientURL())
	matchOnce(t, js)
	metrics := stop()
	if !strings.Contains(logs.String(), "matchd running") {
		t.Fatal("the logs were not captured")
	}
	noLeak(t, "the logs or /metrics", logs.String()+metrics, password)
}

// TestRedisACLExampleMatches: the shipped ACL example grants exactly
// RedisACLRules, the rules the transport test proves sufficient.
func TestRedisACLExampleMatches(t *testing.T) {
	b, err := os.ReadFile("../../deploy/redis/users.acl.example")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "user matchd on #<sha256-of-the-password> "+RedisACLRules+"\n") {
		t.Errorf("deploy/redis/users.acl.example does not grant matchd exactly RedisACLRules:\n%s", RedisACLRules)
	}
}
