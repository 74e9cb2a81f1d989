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
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"

	"github.com/talentmatch/talentmatch/events"
	"github.com/talentmatch/talentmatch/internal/api"
	"github.com/talentmatch/talentmatch/internal/natsserver"
	"github.com/talentmatch/talentmatch/internal/query"
	"github.com/talentmatch/talentmatch/internal/redisserver"
	"github.com/talentmatch/talentmatch/matcher"
	"github.com/talentmatch/talentmatch/matcher/mirror"
	"github.com/talentmatch/talentmatch/matcher/state"
	"github.com/talentmatch/talentmatch/matcher/taxonomy"
	"github.com/talentmatch/talentmatch/schemas"
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
	var cleanups []func()
	defer func() {
		for i := len(cleanups) - 1; i >= 0; i-- {
			cleanups[i]()
		}
	}()

	natsURL := cfg.NATSURL
	if natsURL == "" {
		ns, err := natsserver.Start(natsserver.Options{Port: cfg.EmbeddedNATSPort, StoreDir: filepath.Join(cfg.DataDir, "nats")})
		if err != nil {
			return err
		}
		cleanups = append(cleanups, func() { ns.Shutdown(); ns.WaitForShutdown() })
		natsURL = ns.ClientURL()
		if err := writeURL(cfg.DataDir, NATSURLFile, natsURL); err != nil {
			return err
		}
		cleanups = append(cleanups, func() { os.Remove(filepath.Join(cfg.DataDir, NATSURLFile)) })
		log.Info("embedded NATS server with JetStream listening", "url", natsURL, "store", filepath.Join(cfg.DataDir, "nats"))
	}
	opts, err := natsOptions(cfg)
	if err != nil {
		return err
	}
	nc, err := nats.Connect(natsURL, append(opts,
		nats.Name("matchd"),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(500*time.Millisecond),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("disconnected from NATS", "error", err)
			}
		}),
		nats.ReconnectHandler(func(c *nats.Conn) { log.Info("reconnected to NATS", "url", c.ConnectedUrlRedacted()) }),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { log.Warn("NATS error", "error", err) }),
	)...)
	if err != nil {
		return fmt.Errorf("connect to NATS at %s: %w (set NATS_URL, or leave it empty for an embedded server)", redactUserinfo(natsURL), err)
	}
	cleanups = append(cleanups, func() { _ = nc.Drain() })
	if err := events.CheckServer(ctx, nc); err != nil {
		return err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	setupCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	// In a fresh NATS cluster JetStream may need a few seconds to elect a
	// leader, and a request sent before that can hang: each attempt gets its
	// own deadline and is retried until the setup deadline.
	if err := retry(setupCtx, log, "streams", func(ctx context.Context) error {
		return events.EnsureStreams(ctx, js, events.StreamConfig{Replicas: cfg.StreamReplicas})
	}); err != nil {
		return err
	}

	rdb, redisURL, stopRedis, err := connectRedis(setupCtx, cfg, log)
	if err != nil {
		return err
	}
	cleanups = append(cleanups, stopRedis)
	st, err := state.New(rdb, state.Config{Prefix: cfg.Prefix, Shards: cfg.Shards, Logger: log, Retention: cfg.Retention,
		WaitReplicas: cfg.RedisWaitReplicas, WaitTimeout: cfg.RedisWaitTimeout})
	if err != nil {
		return err
	}
	if err := st.Init(setupCtx); err != nil {
		return err
	}
	cleanups = append(cleanups, st.Close)

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := events.NewMetrics(reg)
	tax := taxonomy.Default()
	scorer := matcher.NewScorer(tax, matcher.ScoreConfig{})
	var ranker matcher.Ranker = matcher.NewIndexRanker(st, scorer, 0)
	var store matcher.Store = st
	var m *mirror.Mirror
	if cfg.Ranker == "mirror" {
		m = mirror.New(scorer)
		ranker, store = m, mirror.Store{Store: st, Mirror: m}
	}
	engine, err := matcher.NewEngine(matcher.Config{MinScore: cfg.MinScore, TopK: cfg.TopK, Logger: log,
		JobHourlyCap: cfg.JobHourlyCap, CandidateDailyCap: cfg.CandidateDailyCap},
		matcher.NewNormalizer(tax), scorer, store, ranker, events.NewPublisher(js, metrics))
	if err != nil {
		return err
	}
	validator, err := schemas.New()
	if err != nil {
		return err
	}
	eraser := events.NewEraser(js, events.EraserConfig{Logger: log})
	var cons *events.Consumer
	if err := retry(setupCtx, log, "consumer", func(ctx context.Context) (err error) {
		cons, err = events.NewConsumer(ctx, js, events.NewDecoder(validator, events.DecoderConfig{MaxBytes: cfg.MaxEventBytes}),
			events.ErasingHandler{Handler: events.EngineHandler{Engine: engine}, Eraser: eraser}, metrics, events.ConsumerConfig{
				AckWait: cfg.AckWait, MaxAckPending: cfg.MaxAckPending, MaxDeliver: cfg.MaxDeliver, BackOff: cfg.RetryBackoff, Workers: cfg.Workers, Logger: log,
			})
		return err
	}); err != nil {
		return err
	}

	var follower *state.Follower
	if m != nil {
		// Loading the mirror reads every profile once: minutes at city scale.
		if follower, err = st.NewFollower(ctx, m); err != nil {
			return err
		}
		m.SetSync(follower.Sync)
	}

	var wg sync.WaitGroup
	errc := make(chan error, 2)
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	followCtx, stopFollow := context.WithCancel(context.WithoutCancel(ctx))
	defer stopFollow()
	var followDone chan struct{}
	if follower != nil {
		followDone = make(chan struct{})
		go func() { // exits when followCtx ends, after the consumer stopped
			defer close(followDone)
			follower.Run(followCtx)
		}()
	}
	wg.Add(1)
	go func() { // exits when runCtx ends and in-flight events are done
		defer wg.Done()
		if err := cons.Run(runCtx); err != nil {
			errc <- err
		}
	}()
	wg.Add(1)
	go func() { // exits when runCtx ends
		defer wg.Done()
		sweep(runCtx, engine, cfg.SweepInterval, log)
	}()
	wg.Add(1)
	go func() { // exits when runCtx ends
		defer wg.Done()
		monitor(runCtx, metrics, cons, nc, rdb, st, log)
	}()
	tokens, err := verifier(cfg, log)
	if err != nil {
		return err
	}
	queries := api.New(query.New(st, scorer, ranker, tax, query.Config{StatsTTL: cfg.StatsTTL}), nc, api.Config{Logger: log, Registerer: reg, Auth: tokens})
	svc, err := queries.StartService()
	if err != nil {
		return fmt.Errorf("start the query service: %w", err)
	}
	defer func() { _ = svc.Stop() }()
	if cfg.Retention > 0 {
		wg.Add(1)
		go func() { // exits when runCtx ends
			defer wg.Done()
			expire(runCtx, st, engine, eraser, cfg.RetentionCheck, log)
		}()
	}
	web, err := serveHTTP(cfg, reg, queries, &health{nc: nc, rdb: rdb, cons: cons}, &wg, errc)
	if err != nil {
		return err
	}
	log.Info("matchd running", "nats", nc.ConnectedUrlRedacted(), "redis", redisURL, "prefix", cfg.Prefix, "http", web.opsAddr, "api", web.apiAddr, "ranker", cfg.Ranker,
		"min_score", cfg.MinScore, "top_k", cfg.TopK, "taxonomy_skills", tax.NumSkills())
	if ready != nil {
		ready(Info{NATSURL: natsURL, RedisURL: redisURL, HTTPAddr: web.opsAddr, APIAddr: web.apiAddr})
	}
	var runErr error
	select {
	case <-ctx.Done():
		log.Info("shutting down: draining in-flight events")
	case runErr = <-errc:
		log.Error("stopping", "error", runErr)
	}
	stop()
	web.shutdown()
	wg.Wait()
	stopFollow()
	if followDone != nil {
		<-followDone
	}
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
func monitor(ctx context.Context, m *events.Metrics, cons *events.Consumer, nc *nats.Conn, rdb redis.UniversalClient, st *state.Redis, log *slog.Logger) {
	up := func(ok bool) float64 {
		if ok {
			return 1
		}
		return 0
	}
	sample := func() {
		m.NATSConnected.Set(up(nc.IsConnected()))
		cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		m.RedisUp.Set(up(rdb.Ping(cctx).Err() == nil))
		if info, err := cons.Info(cctx); err == nil {
			m.ConsumerPending.Set(float64(info.NumPending))
			m.ConsumerAckPending.Set(float64(info.NumAckPending))
		}
		if n, err := st.HeldTotal(cctx); err == nil {
			m.MatchesHeld.Set(float64(n))
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
