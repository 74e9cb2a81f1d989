package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nats.go/micro"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"

	"github.com/talentmatch/talentmatch/events"
	"github.com/talentmatch/talentmatch/internal/api"
	"github.com/talentmatch/talentmatch/internal/natsserver"
	"github.com/talentmatch/talentmatch/internal/query"
	"github.com/talentmatch/talentmatch/matcher"
	"github.com/talentmatch/talentmatch/matcher/mirror"
	"github.com/talentmatch/talentmatch/matcher/state"
	"github.com/talentmatch/talentmatch/matcher/taxonomy"
	"github.com/talentmatch/talentmatch/schemas"
)

// app holds the parts of a running matchd, built in order by Run's named
// steps; close undoes what was built, last first.
type app struct {
	cfg      Config
	log      *slog.Logger
	cleanups []func()

	natsURL  string
	nc       *nats.Conn
	js       jetstream.JetStream
	rdb      redis.UniversalClient
	redisURL string
	st       *state.Redis

	reg     *prometheus.Registry
	metrics *events.Metrics
	tax     *taxonomy.Taxonomy
	scorer  *matcher.Scorer
	ranker  matcher.Ranker
	mirror  *mirror.Mirror
	engine  *matcher.Engine
	eraser  *events.Eraser
	cons    *events.Consumer

	follower   *state.Follower
	followStop context.CancelFunc
	followDone chan struct{}
}

func (a *app) onClose(f func()) { a.cleanups = append(a.cleanups, f) }

func (a *app) close() {
	for i := len(a.cleanups) - 1; i >= 0; i-- {
		a.cleanups[i]()
	}
}

// connectNATS starts the embedded server when no URL is configured, then
// connects and checks that the server can run matchd.
func (a *app) connectNATS(ctx context.Context) error {
	a.natsURL = a.cfg.NATSURL
	if a.natsURL == "" {
		store := filepath.Join(a.cfg.DataDir, "nats")
		ns, err := natsserver.Start(natsserver.Options{Port: a.cfg.EmbeddedNATSPort, StoreDir: store})
		if err != nil {
			return err
		}
		a.onClose(func() { ns.Shutdown(); ns.WaitForShutdown() })
		a.natsURL = ns.ClientURL()
		if err := writeURL(a.cfg.DataDir, NATSURLFile, a.natsURL); err != nil {
			return err
		}
		a.onClose(func() { os.Remove(filepath.Join(a.cfg.DataDir, NATSURLFile)) })
		a.log.Info("embedded NATS server with JetStream listening", "url", a.natsURL, "store", store)
	}
	opts, err := natsOptions(a.cfg)
	if err != nil {
		return err
	}
	log := a.log
	a.nc, err = nats.Connect(a.natsURL, append(opts,
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
		return fmt.Errorf("connect to NATS at %s: %w (set NATS_URL, or leave it empty for an embedded server)", redactUserinfo(a.natsURL), err)
	}
	a.onClose(func() { _ = a.nc.Drain() })
	if err := events.CheckServer(ctx, a.nc); err != nil {
		return err
	}
	a.js, err = jetstream.New(a.nc)
	return err
}

// ensureStreams creates or updates the streams.
func (a *app) ensureStreams(ctx context.Context) error {
	return retry(ctx, a.log, "streams", func(ctx context.Context) error {
		return events.EnsureStreams(ctx, a.js, events.StreamConfig{Replicas: a.cfg.StreamReplicas})
	})
}

// connectState connects to Redis and prepares its keyspace.
func (a *app) connectState(ctx context.Context) error {
	rdb, url, stopRedis, err := connectRedis(ctx, a.cfg, a.log)
	if err != nil {
		return err
	}
	a.rdb, a.redisURL = rdb, url
	a.onClose(stopRedis)
	cfg := a.cfg
	if a.st, err = state.New(rdb, state.Config{Prefix: cfg.Prefix, Shards: cfg.Shards, Logger: a.log, Retention: cfg.Retention,
		WaitReplicas: cfg.RedisWaitReplicas, WaitTimeout: cfg.RedisWaitTimeout}); err != nil {
		return err
	}
	if err := a.st.Init(ctx); err != nil {
		return err
	}
	a.onClose(a.st.Close)
	return nil
}

// buildEngine builds the metrics, the scorer, the ranker (the mirror by
// default) and the engine.
func (a *app) buildEngine(context.Context) error {
	a.reg = prometheus.NewRegistry()
	a.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	a.metrics = events.NewMetrics(a.reg)
	a.tax = taxonomy.Default()
	a.scorer = matcher.NewScorer(a.tax, matcher.ScoreConfig{})
	a.ranker = matcher.NewIndexRanker(a.st, a.scorer, 0)
	var store matcher.Store = a.st
	if a.cfg.Ranker == "mirror" {
		a.mirror = mirror.New(a.scorer)
		a.ranker, store = a.mirror, mirror.Store{Store: a.st, Mirror: a.mirror}
	}
	cfg := a.cfg
	var err error
	a.engine, err = matcher.NewEngine(matcher.Config{MinScore: cfg.MinScore, TopK: cfg.TopK, Logger: a.log,
		JobHourlyCap: cfg.JobHourlyCap, CandidateDailyCap: cfg.CandidateDailyCap},
		matcher.NewNormalizer(a.tax), a.scorer, store, a.ranker, events.NewPublisher(a.js, a.metrics))
	return err
}

// buildConsumer creates the durable consumer that feeds the engine, with
// erasure of withdrawn candidates' messages.
func (a *app) buildConsumer(ctx context.Context) error {
	validator, err := schemas.New()
	if err != nil {
		return err
	}
	a.eraser = events.NewEraser(a.js, events.EraserConfig{Logger: a.log})
	cfg := a.cfg
	return retry(ctx, a.log, "consumer", func(ctx context.Context) (err error) {
		a.cons, err = events.NewConsumer(ctx, a.js, events.NewDecoder(validator, events.DecoderConfig{MaxBytes: cfg.MaxEventBytes}),
			events.ErasingHandler{Handler: events.EngineHandler{Engine: a.engine}, Eraser: a.eraser}, a.metrics, events.ConsumerConfig{
				AckWait: cfg.AckWait, MaxAckPending: cfg.MaxAckPending, MaxDeliver: cfg.MaxDeliver, BackOff: cfg.RetryBackoff, Workers: cfg.Workers, Logger: a.log,
			})
		return err
	})
}

// loadMirror loads the mirror from Redis and starts following the change
// logs; the follower runs until stopFollowing, after the consumer stopped.
func (a *app) loadMirror(ctx context.Context) error {
	if a.mirror == nil {
		return nil
	}
	f, err := a.st.NewFollower(ctx, a.mirror)
	if err != nil {
		return err
	}
	a.mirror.SetSync(f.Sync)
	followCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	a.follower, a.followStop, a.followDone = f, stop, make(chan struct{})
	go func() { // exits when followCtx ends
		defer close(a.followDone)
		f.Run(followCtx)
	}()
	a.onClose(a.stopFollowing)
	return nil
}

// stopFollowing stops the follower and waits for it; it is idempotent.
func (a *app) stopFollowing() {
	if a.followStop != nil {
		a.followStop()
		<-a.followDone
	}
}

// serve starts the query service on NATS and the HTTP listeners.
func (a *app) serve(g *group) (*servers, error) {
	tokens, err := verifier(a.cfg, a.log)
	if err != nil {
		return nil, err
	}
	queries := api.New(query.New(a.st, a.scorer, a.ranker, a.tax, query.Config{StatsTTL: a.cfg.StatsTTL}), a.nc,
		api.Config{Logger: a.log, Registerer: a.reg, Auth: tokens})
	var svc micro.Service
	if svc, err = queries.StartService(); err != nil {
		return nil, fmt.Errorf("start the query service: %w", err)
	}
	a.onClose(func() { _ = svc.Stop() })
	return serveHTTP(a.cfg, a.reg, queries, &health{nc: a.nc, rdb: a.rdb, cons: a.cons}, &g.wg, g.errc)
}

// group runs matchd's long-lived parts. Each goroutine it starts exits when
// the run context ends; the first error stops the run.
type group struct {
	wg   sync.WaitGroup
	errc chan error
}

func newGroup() *group { return &group{errc: make(chan error, 8)} }

// run starts fn; an error it returns is reported to wait.
func (g *group) run(fn func() error) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if err := fn(); err != nil {
			select {
			case g.errc <- err:
			default:
			}
		}
	}()
}

// wait blocks until ctx ends (nil) or a part fails (its error).
func (g *group) wait(ctx context.Context, log *slog.Logger) error {
	select {
	case <-ctx.Done():
		log.Info("shutting down: draining in-flight events")
		return nil
	case err := <-g.errc:
		log.Error("stopping", "error", err)
		return err
	}
}

// done waits for every part to return.
func (g *group) done() { g.wg.Wait() }
