package daemon

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/redis/go-redis/v9"

	"github.com/talentmatch/talentmatch/events"
	"github.com/talentmatch/talentmatch/internal/redisserver"
	"github.com/talentmatch/talentmatch/matcher"
	"github.com/talentmatch/talentmatch/matcher/state"
)

// Info says where a running daemon can be reached.
type Info struct {
	NATSURL  string
	RedisURL string
	HTTPAddr string // operations: /metrics, /healthz, /readyz
	APIAddr  string // the query API and the dashboard (bearer tokens)
}

// NATSURLFile and RedisURLFile, under the data directory, hold the URLs of
// the embedded NATS server and private Redis while matchd runs, and
// APIURLFile the query API's, so that matchctl finds them.
const (
	NATSURLFile  = "nats.url"
	RedisURLFile = "redis.url"
	APIURLFile   = "api.url"
)

// Start runs matchd in the background, as Run does, and returns once it is
// ready, or Run's error if it failed to start. stop ends it and returns
// Run's error.
func Start(ctx context.Context, cfg Config, log *slog.Logger) (info Info, stop func() error, err error) {
	ctx, cancel := context.WithCancel(ctx)
	ready := make(chan Info, 1)
	done := make(chan error, 1)
	go func() { done <- Run(ctx, cfg, log, func(i Info) { ready <- i }) }()
	select {
	case info := <-ready:
		return info, func() error { cancel(); return <-done }, nil
	case err := <-done:
		cancel()
		return Info{}, nil, err
	}
}

// Run runs matchd until ctx ends, then drains in-flight events and stops.
// ready, when non-nil, is called once the consumer is running.
func Run(ctx context.Context, cfg Config, log *slog.Logger, ready func(Info)) error {
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	a := &app{cfg: cfg, log: log}
	defer a.close()
	if err := a.connectNATS(ctx); err != nil {
		return err
	}
	// In a fresh NATS cluster JetStream may need a few seconds to elect a
	// leader: the setup steps retry, each attempt with its own deadline,
	// until the setup deadline. Loading the mirror reads every profile
	// once (minutes at city scale) and has no deadline but ctx.
	setupCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	for _, step := range []func(context.Context) error{a.ensureStreams, a.connectState, a.buildEngine, a.buildConsumer} {
		if err := step(setupCtx); err != nil {
			return err
		}
	}
	if err := a.loadMirror(ctx); err != nil {
		return err
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	g := newGroup()
	g.run(func() error { return a.cons.Run(runCtx) }) // exits when runCtx ends and in-flight events are done
	g.run(func() error { sweep(runCtx, a.engine, cfg.SweepInterval, log); return nil })
	g.run(func() error { monitor(runCtx, newGauges(a.reg), a.cons, a.nc, a.rdb, a.st, log); return nil })
	if cfg.Retention > 0 {
		g.run(func() error { expire(runCtx, a.st, a.engine, a.eraser, cfg.RetentionCheck, log); return nil })
	}
	web, err := a.serve(g)
	if err != nil {
		return err
	}
	log.Info("matchd running", "nats", a.nc.ConnectedUrlRedacted(), "redis", a.redisURL, "prefix", cfg.Prefix, "http", web.opsAddr, "api", web.apiAddr,
		"ranker", cfg.Ranker, "min_score", cfg.MinScore, "top_k", cfg.TopK, "taxonomy_skills", a.tax.NumSkills())
	if ready != nil {
		ready(Info{NATSURL: a.natsURL, RedisURL: a.redisURL, HTTPAddr: web.opsAddr, APIAddr: web.apiAddr})
	}
	runErr := g.wait(ctx, log)
	stop()
	web.shutdown()
	g.done()
	a.stopFollowing()
	log.Info("matchd stopped")
	return runErr
}

func writeURL(dir, name, url string) error {
	if err := os.WriteFile(filepath.Join(dir, name), []byte(url+"\n"), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

// connectRedis connects to the configured Redis, or to 127.0.0.1:6379, or
// starts a private redis-server.
func connectRedis(ctx context.Context, cfg Config, log *slog.Logger) (redis.UniversalClient, string, func(), error) {
	noop := func() {}
	if cfg.RedisURL != "" && cfg.RedisURL != "embedded" {
		c, err := redisClient(cfg)
		if err != nil {
			return nil, "", noop, err
		}
		if err := c.Ping(ctx).Err(); err != nil {
			c.Close()
			return nil, "", noop, fmt.Errorf("Redis at %s does not answer: %w (check REDIS_URL)", redactUserinfo(cfg.RedisURL), err)
		}
		return c, redactUserinfo(cfg.RedisURL), func() { c.Close() }, nil
	}
	if cfg.RedisURL == "" {
		c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379", DialTimeout: 300 * time.Millisecond, MaxRetries: -1})
		if err := c.Ping(ctx).Err(); err == nil {
			c.Close()
			c = redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
			log.Info("using the Redis answering on 127.0.0.1:6379", "prefix", cfg.Prefix)
			return c, "redis://127.0.0.1:6379", func() { c.Close() }, nil
		}
		c.Close()
	}
	dir := filepath.Join(cfg.DataDir, "redis")
	srv, err := redisserver.Start(ctx, redisserver.Options{Dir: dir, AppendOnly: true})
	if err != nil {
		if errors.Is(err, redisserver.ErrNotInstalled) {
			return nil, "", noop, fmt.Errorf("no Redis answers on 127.0.0.1:6379 and redis-server is not installed to start a private one: "+
				"install it (apt-get install -y redis-server) or set REDIS_URL: %w", err)
		}
		return nil, "", noop, fmt.Errorf("start a private redis-server: %w", err)
	}
	if err := writeURL(cfg.DataDir, RedisURLFile, srv.URL()); err != nil {
		srv.Stop()
		return nil, "", noop, err
	}
	log.Info("started a private redis-server", "url", srv.URL(), "dir", dir)
	c := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	return c, srv.URL(), func() {
		c.Close()
		srv.Stop()
		os.Remove(filepath.Join(cfg.DataDir, RedisURLFile))
	}, nil
}

type health struct {
	nc   *nats.Conn
	rdb  redis.UniversalClient
	cons *events.Consumer
}

func (h *health) live(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, "ok")
}

func (h *health) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	var problems []string
	if !h.nc.IsConnected() {
		problems = append(problems, "nats: not connected")
	}
	if err := h.rdb.Ping(ctx).Err(); err != nil {
		problems = append(problems, "redis: "+err.Error())
	}
	if !h.cons.Running() {
		problems = append(problems, "consumer: not running")
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if len(problems) > 0 {
		w.WriteHeader(http.StatusServiceUnavailable)
		for _, p := range problems {
			fmt.Fprintln(w, p)
		}
		return
	}
	fmt.Fprintln(w, "ready")
}

// natsOptions returns the authentication and TLS options of cfg.
func natsOptions(cfg Config) ([]nats.Option, error) {
	var opts []nats.Option
	if cfg.NATSUser != "" {
		opts = append(opts, nats.UserInfo(cfg.NATSUser, cfg.NATSPassword))
	}
	if cfg.NATSCreds != "" {
		opts = append(opts, nats.UserCredentials(cfg.NATSCreds))
	}
	if cfg.NATSNKey != "" {
		o, err := nats.NkeyOptionFromSeed(cfg.NATSNKey)
		if err != nil {
			return nil, fmt.Errorf("NATS_NKEY: %w", err)
		}
		opts = append(opts, o)
	}
	if cfg.NATSCA != "" {
		opts = append(opts, nats.RootCAs(cfg.NATSCA))
	}
	if cfg.NATSCert != "" || cfg.NATSKey != "" {
		opts = append(opts, nats.ClientCert(cfg.NATSCert, cfg.NATSKey))
	}
	if cfg.NATSInboxPrefix != "" {
		opts = append(opts, nats.CustomInboxPrefix(cfg.NATSInboxPrefix))
	}
	return opts, nil
}

func caPool(file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read CA file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("CA file %s holds no PEM certificate", file)
	}
	return pool, nil
}

// redactErr keeps a URL's password out of an error message.
func redactErr(err error, url string) error {
	msg := err.Error()
	if red := redactUserinfo(url); red != url {
		msg = strings.ReplaceAll(msg, url, red)
	}
	return errors.New(msg)
}

// every calls fn each period until ctx ends, first after one period.
func every(ctx context.Context, period time.Duration, fn func()) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		fn()
	}
}

// monitor samples the gauges that are not updated by events: the
// consumer's lag, and the connections to NATS and Redis; at once, then
// every 5 seconds.
func monitor(ctx context.Context, m *gauges, cons *events.Consumer, nc *nats.Conn, rdb redis.UniversalClient, st *state.Redis, log *slog.Logger) {
	up := func(ok bool) float64 {
		if ok {
			return 1
		}
		return 0
	}
	sample := func() {
		m.natsConnected.Set(up(nc.IsConnected()))
		cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		m.redisUp.Set(up(rdb.Ping(cctx).Err() == nil))
		if info, err := cons.Info(cctx); err == nil {
			m.consumerPending.Set(float64(info.NumPending))
			m.consumerAckPending.Set(float64(info.NumAckPending))
		}
		if n, err := st.HeldTotal(cctx); err == nil {
			m.matchesHeld.Set(float64(n))
		} else if ctx.Err() == nil {
			log.Debug("count held matches", "error", err)
		}
	}
	sample()
	every(ctx, 5*time.Second, sample)
}

// sweep runs the engine's time-driven work: campaign windows opening and
// closing, held matches released.
func sweep(ctx context.Context, e *matcher.Engine, period time.Duration, log *slog.Logger) {
	every(ctx, period, func() {
		if err := e.Sweep(ctx); err != nil && ctx.Err() == nil {
			log.Warn("sweep", "error", err)
		}
	})
}

// expire erases the candidates whose retention ran out, every period: from
// the state, then from the streams.
func expire(ctx context.Context, st *state.Redis, e *matcher.Engine, er *events.Eraser, period time.Duration, log *slog.Logger) {
	every(ctx, period, func() {
		now := time.Now()
		ids, err := st.ExpiredCandidates(ctx, now, 500)
		if err != nil {
			log.Warn("look for expired profiles", "error", err)
			return
		}
		n := 0
		for _, id := range ids {
			if _, err := e.ExpireCandidate(ctx, id, now); err != nil {
				log.Warn("erase expired profile", "candidate_id", id, "error", err)
				continue
			}
			if _, err := er.Erase(ctx, id, 0, matcher.Version{Time: now, EventID: "retention-expiry"}); err != nil {
				log.Warn("erase expired profile from the streams; its messages stay until the streams' max age", "candidate_id", id, "error", err)
			}
			n++
		}
		if n > 0 {
			log.Info("erased profiles past their retention", "count", n)
		}
	})
}

// RedisClient returns a client of a Redis URL in any form REDIS_URL takes
// (redis://, a Redis Cluster as redis-cluster://h1:p1?addr=h2:p2 or
// h1:p1,h2:p2, a Sentinel-managed primary as redis-sentinel://...), with the
// credentials in the URL: for tools, such as matchctl bench, that share
// matchd's Redis.
func RedisClient(url string) (redis.UniversalClient, error) {
	return redisClient(Config{RedisURL: url})
}

// redisClient builds the client of an explicit REDIS_URL: a single server
// (redis:// or rediss://), a cluster (redis-cluster://h1:p1?addr=h2:p2&addr=...,
// or a comma-separated list of host:port), or a Sentinel-managed primary
// (redis-sentinel://h1:p1?master_name=mymaster&addr=h2:p2).
func redisClient(cfg Config) (redis.UniversalClient, error) {
	u := cfg.RedisURL
	auth := func(user, pass *string, tlsc **tls.Config) error {
		if cfg.RedisUsername != "" {
			*user = cfg.RedisUsername
		}
		if cfg.RedisPassword != "" {
			*pass = cfg.RedisPassword
		}
		if cfg.RedisCA != "" {
			if *tlsc == nil {
				return errors.New("REDIS_CA is set but REDIS_URL does not use TLS (rediss)")
			}
			pool, err := caPool(cfg.RedisCA)
			if err != nil {
				return err
			}
			(*tlsc).RootCAs = pool
		}
		return nil
	}
	switch {
	case strings.HasPrefix(u, "redis-cluster://"), strings.HasPrefix(u, "rediss-cluster://"):
		o, err := redis.ParseClusterURL(strings.Replace(u, "-cluster://", "://", 1))
		if err != nil {
			return nil, fmt.Errorf("REDIS_URL: %w", redactErr(err, u))
		}
		if err := auth(&o.Username, &o.Password, &o.TLSConfig); err != nil {
			return nil, err
		}
		return redis.NewClusterClient(o), nil
	case strings.HasPrefix(u, "redis-sentinel://"), strings.HasPrefix(u, "rediss-sentinel://"):
		o, err := redis.ParseFailoverURL(strings.Replace(u, "-sentinel://", "://", 1))
		if err != nil {
			return nil, fmt.Errorf("REDIS_URL: %w", redactErr(err, u))
		}
		if err := auth(&o.Username, &o.Password, &o.TLSConfig); err != nil {
			return nil, err
		}
		return redis.NewFailoverClient(o), nil
	case !strings.Contains(u, "://") && strings.Contains(u, ","):
		o := &redis.ClusterOptions{Addrs: strings.Split(u, ",")}
		if err := auth(&o.Username, &o.Password, &o.TLSConfig); err != nil {
			return nil, err
		}
		return redis.NewClusterClient(o), nil
	}
	o, err := redis.ParseURL(u)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL: %w", redactErr(err, u))
	}
	if err := auth(&o.Username, &o.Password, &o.TLSConfig); err != nil {
		return nil, err
	}
	return redis.NewClient(o), nil
}

// retry runs attempt, each time with its own 10 s deadline, until it succeeds
// or ctx ends; it returns the last error.
func retry(ctx context.Context, log *slog.Logger, what string, attempt func(context.Context) error) error {
	for delay := 200 * time.Millisecond; ; delay = min(2*delay, 2*time.Second) {
		actx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := attempt(actx)
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("set up %s: %w", what, err)
		}
		log.Warn("not ready yet; retrying", "what", what, "error", err)
		select {
		case <-ctx.Done():
			return fmt.Errorf("set up %s: %w", what, err)
		case <-time.After(delay):
		}
	}
}
