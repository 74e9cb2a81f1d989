package events

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/talentmatch/talentmatch/matcher"
)

// ConsumerConfig configures the durable consumer of TALENT_IN.
type ConsumerConfig struct {
	// Durable is the consumer's name, shared by all matcher replicas.
	// Default "matchd".
	Durable string
	// AckWait is how long JetStream waits for an ack before redelivering.
	// Default 30s.
	AckWait time.Duration
	// MaxAckPending bounds the events handed out and not yet acknowledged,
	// across all replicas. Default 1024.
	MaxAckPending int
	// MaxDeliver is how many times an event is attempted before it goes to
	// the dead-letter stream with reason max_deliver. Default 8.
	MaxDeliver int
	// BackOff is the delay before each redelivery of a failed event; the
	// last value repeats. Default 1s, 2s, 5s, 10s, 30s, 60s. The consumer
	// applies it itself (NakWithDelay): a server-side back-off would
	// replace AckWait by its first value, and nats-server 2.9 refuses one
	// with unlimited deliveries.
	BackOff []time.Duration
	// Workers is how many events one replica handles at once. Events of one
	// entity (the subject's last token) are handled in order by one worker.
	// Default 64: events mostly wait on Redis and NATS, and concurrent
	// events share their round trips.
	Workers int
	// HandleTimeout bounds the handling of one event. Default 25s.
	HandleTimeout time.Duration
	// CampaignTimeout bounds the handling of a campaign event, which
	// matches or retracts a whole campaign. Default 10 minutes.
	CampaignTimeout time.Duration
	// Logger receives the consumer's logs. Default slog.Default().
	Logger *slog.Logger
}

func (c *ConsumerConfig) setDefaults() {
	if c.Durable == "" {
		c.Durable = "matchd"
	}
	if c.AckWait == 0 {
		c.AckWait = 30 * time.Second
	}
	if c.MaxAckPending == 0 {
		c.MaxAckPending = 1024
	}
	if c.MaxDeliver == 0 {
		c.MaxDeliver = 8
	}
	if len(c.BackOff) == 0 {
		c.BackOff = []time.Duration{time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 30 * time.Second, time.Minute}
	}
	if c.Workers == 0 {
		c.Workers = 64
	}
	if c.HandleTimeout == 0 {
		c.HandleTimeout = 25 * time.Second
	}
	if c.CampaignTimeout == 0 {
		c.CampaignTimeout = 10 * time.Minute
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Validate reports a configuration that cannot work.
func (c *ConsumerConfig) Validate() error {
	if c.MaxDeliver < 1 {
		return fmt.Errorf("max deliver %d is below 1", c.MaxDeliver)
	}
	if c.Workers < 1 || c.MaxAckPending < 1 {
		return errors.New("workers and max ack pending must be positive")
	}
	return nil
}

// Handler applies one decoded inbound event. An error for which
// matcher.Permanent is true sends the event to the dead-letter stream;
// other errors are retried with back-off.
type Handler interface {
	Handle(ctx context.Context, in *Inbound) (matcher.Effect, error)
}

// Consumer feeds TALENT_IN to a Handler: it pulls from the durable
// consumer, decodes and validates each message, dead-letters what cannot be
// applied, and acknowledges an event only once the handler has returned
// (state written, match events stored by JetStream).
type Consumer struct {
	js   jetstream.JetStream
	cons jetstream.Consumer
	m    *Metrics
	cfg  ConsumerConfig
	log  *slog.Logger

	step Step

	mu      sync.Mutex
	running bool
}

// NewConsumer creates or updates the durable consumer and returns a
// Consumer ready to Run. m may be nil.
func NewConsumer(ctx context.Context, js jetstream.JetStream, dec *Decoder, h Handler, m *Metrics, cfg ConsumerConfig) (*Consumer, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if m == nil {
		m = NewMetrics(nil)
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, StreamIn, jetstream.ConsumerConfig{
		Durable:       cfg.Durable,
		Description:   "talentmatch matcher replicas",
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       cfg.AckWait,
		MaxAckPending: cfg.MaxAckPending,
		// Unlimited at the server: the consumer dead-letters an event
		// itself after MaxDeliver attempts, so none is dropped silently.
		// No server-side BackOff: it would override AckWait (the ack wait
		// in force would be its first value) and 2.9 rejects it with
		// MaxDeliver -1; failed events are delayed by NakWithDelay.
		MaxDeliver:    -1,
		DeliverPolicy: jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return nil, fmt.Errorf("create or update consumer %s: %w", cfg.Durable, err)
	}
	c := &Consumer{js: js, cons: cons, m: m, cfg: cfg, log: cfg.Logger}
	c.step = Chain(Handle(h),
		Measure(m),
		Acknowledge(c.log),
		Retry(Backoff(cfg.BackOff), c.log),
		DeadLetter(js, m, cfg.MaxDeliver, c.log),
		Decode(dec),
		Deadline(cfg.HandleTimeout, cfg.CampaignTimeout),
		// A handler that runs longer than half the ack wait tells the
		// server it is still at work, so that it is not redelivered.
		Heartbeat(cfg.AckWait/2),
		Recover(c.log),
	)
	return c, nil
}

// Info returns the durable consumer's state on the server: pending and
// unacknowledged events.
func (c *Consumer) Info(ctx context.Context) (*jetstream.ConsumerInfo, error) {
	return c.cons.Info(ctx)
}

// Running reports whether Run is pulling messages.
func (c *Consumer) Running() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.running
}

// Run pulls and handles events until ctx is cancelled, then stops pulling,
// finishes the events already received and returns.
func (c *Consumer) Run(ctx context.Context) error {
	it, err := c.cons.Messages(jetstream.PullMaxMessages(c.cfg.Workers * 2))
	if err != nil {
		return fmt.Errorf("pull from %s: %w", c.cfg.Durable, err)
	}
	c.mu.Lock()
	c.running = true
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.running = false
		c.mu.Unlock()
	}()
	stop := context.AfterFunc(ctx, it.Drain)
	defer stop()

	// Work continues past cancellation so that received events finish.
	work := context.WithoutCancel(ctx)
	queues := make([]chan jetstream.Msg, c.cfg.Workers)
	var wg sync.WaitGroup
	for i := range queues {
		queues[i] = make(chan jetstream.Msg, 2)
		wg.Add(1)
		go func(q <-chan jetstream.Msg) { // exits when q is closed
			defer wg.Done()
			for msg := range q {
				c.process(work, msg)
			}
		}(queues[i])
	}
	var runErr error
	for {
		msg, err := it.Next()
		if err != nil {
			if !errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				runErr = fmt.Errorf("pull from %s: %w", c.cfg.Durable, err)
				it.Stop()
			}
			break
		}
		c.m.InFlight.Inc()
		queues[workerOf(msg.Subject(), len(queues))] <- msg
	}
	for _, q := range queues {
		close(q)
	}
	wg.Wait()
	return runErr
}

// workerOf picks the worker of a subject's entity.
func workerOf(subject string, n int) int {
	h := fnv.New32a()
	h.Write([]byte(subject[strings.LastIndexByte(subject, '.')+1:]))
	return int(h.Sum32() % uint32(n))
}

// process runs one message through the stages.
func (c *Consumer) process(ctx context.Context, msg jetstream.Msg) {
	defer c.m.InFlight.Dec()
	d := &Delivery{Msg: msg, Start: time.Now()}
	meta, err := msg.Metadata()
	if err != nil {
		c.log.Error("message without JetStream metadata", "subject", msg.Subject(), "error", err)
		_ = msg.Term()
		return
	}
	d.Meta = meta
	_ = c.step(ctx, d) // every outcome is settled and counted by the stages
}

func knownType(t string) bool {
	for _, l := range typeLabels {
		if l == t {
			return true
		}
	}
	return false
}

// EngineHandler applies inbound events with a matcher.Engine.
type EngineHandler struct {
	Engine *matcher.Engine
}

// Handle implements Handler.
func (h EngineHandler) Handle(ctx context.Context, in *Inbound) (matcher.Effect, error) {
	v := in.Version()
	switch {
	case in.Job != nil:
		return h.Engine.PostJob(ctx, in.Job, v)
	case in.JobClosed != nil:
		return h.Engine.CloseJob(ctx, in.JobClosed, v)
	case in.Candidate != nil:
		return h.Engine.RegisterCandidate(ctx, in.Candidate, v)
	case in.CandidateWithdrawn != nil:
		return h.Engine.WithdrawCandidate(ctx, in.CandidateWithdrawn, v)
	case in.Campaign != nil:
		return h.Engine.OpenCampaign(ctx, in.Campaign, v)
	case in.CampaignClosed != nil:
		return h.Engine.CloseCampaign(ctx, in.CampaignClosed, v)
	case in.Feedback != nil:
		return h.Engine.Feedback(ctx, in.Feedback, v)
	}
	return matcher.Effect{}, fmt.Errorf("event %s carries no data: %w", in.Envelope.ID, matcher.ErrInvalid)
}
