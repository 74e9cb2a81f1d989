package events

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
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

func (c *ConsumerConfig) backoff(delivered uint64) time.Duration {
	i := int(delivered) - 1
	if i < 0 {
		i = 0
	}
	if i >= len(c.BackOff) {
		i = len(c.BackOff) - 1
	}
	return c.BackOff[i]
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
	dec  *Decoder
	h    Handler
	m    *Metrics
	cfg  ConsumerConfig
	log  *slog.Logger

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
	return &Consumer{js: js, cons: cons, dec: dec, h: h, m: m, cfg: cfg, log: cfg.Logger}, nil
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

func (c *Consumer) process(ctx context.Context, msg jetstream.Msg) {
	defer c.m.InFlight.Dec()
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, c.cfg.HandleTimeout)
	defer cancel()
	meta, err := msg.Metadata()
	if err != nil {
		c.log.Error("message without JetStream metadata", "subject", msg.Subject(), "error", err)
		_ = msg.Term()
		return
	}
	in, err := c.dec.Decode(msg.Subject(), msg.Data())
	if err != nil {
		re, _ := AsReject(err)
		c.deadLetter(ctx, msg, meta, re, "unknown")
		return
	}
	in.Sequence = meta.Sequence.Stream
	typ := in.Envelope.Type
	if typ == TypeCampaignOpened || typ == TypeCampaignClosed {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), c.cfg.CampaignTimeout)
		defer cancel()
	}
	// A handler that runs longer than half the ack wait tells the server
	// it is still at work, so that the event is not redelivered meanwhile.
	stopBeat := heartbeat(msg, c.cfg.AckWait/2)
	ef, err := c.handle(ctx, in)
	stopBeat()
	switch {
	case err == nil:
		// A plain ack: were it lost, the redelivered event would find its
		// effects done (versions, ledger, message ids), so nothing is
		// announced twice; waiting for the server's confirmation would
		// cost a round trip per event.
		if aerr := msg.Ack(); aerr != nil {
			// Redelivered later; handling is idempotent.
			c.log.Warn("ack failed; the event will be redelivered", "subject", msg.Subject(), "event_id", in.Envelope.ID, "error", aerr)
			return
		}
		c.m.EventsTotal.WithLabelValues(typ, ef.Outcome.String()).Inc()
		if in.Feedback != nil && ef.Outcome == matcher.Applied {
			c.m.Feedback.WithLabelValues(string(in.Feedback.Feedback)).Inc()
		}
		c.m.EventDuration.WithLabelValues(typ).Observe(time.Since(start).Seconds())
		c.log.Debug("event handled", "type", typ, "event_id", in.Envelope.ID, "outcome", ef.Outcome.String(),
			"created", ef.Created, "retracted", ef.Retracted, "seconds", time.Since(start).Seconds())
	case matcher.Permanent(err):
		c.deadLetter(ctx, msg, meta, &RejectError{Reason: ReasonInvalid, Msg: err.Error()}, typ)
	case meta.NumDelivered >= uint64(c.cfg.MaxDeliver):
		c.deadLetter(ctx, msg, meta, &RejectError{Reason: ReasonMaxDeliver,
			Msg: fmt.Sprintf("gave up after %d attempts; last error: %v", meta.NumDelivered, err)}, typ)
	default:
		delay := c.cfg.backoff(meta.NumDelivered)
		c.log.Warn("event failed; retrying", "type", typ, "event_id", in.Envelope.ID, "attempt", meta.NumDelivered,
			"retry_in", delay.String(), "error", err)
		c.m.EventsTotal.WithLabelValues(typ, OutcomeRetried).Inc()
		if nerr := msg.NakWithDelay(delay); nerr != nil {
			c.log.Warn("nak failed; the event will be redelivered after the ack wait", "error", nerr)
		}
	}
}

// heartbeat calls msg.InProgress every interval until stopped. Most
// events finish long before the first beat, so it costs one timer.
func heartbeat(msg jetstream.Msg, every time.Duration) (stop func()) {
	if every <= 0 {
		return func() {}
	}
	var mu sync.Mutex
	stopped := false
	var t *time.Timer
	mu.Lock() // t is set before the first beat reads it
	defer mu.Unlock()
	t = time.AfterFunc(every, func() {
		mu.Lock()
		defer mu.Unlock()
		if stopped {
			return
		}
		_ = msg.InProgress()
		t.Reset(every)
	})
	return func() {
		mu.Lock()
		stopped = true
		mu.Unlock()
		t.Stop()
	}
}

// handle calls the handler, turning a panic into a retryable error.
func (c *Consumer) handle(ctx context.Context, in *Inbound) (ef matcher.Effect, err error) {
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("handler panicked", "type", in.Envelope.Type, "event_id", in.Envelope.ID, "panic", r)
			err = fmt.Errorf("handler panicked: %v", r)
		}
	}()
	return c.h.Handle(ctx, in)
}

// deadLetter publishes the original message to talent.dlq.<reason> and
// terminates it. If the dead letter cannot be stored the message is
// redelivered instead, so nothing is lost.
func (c *Consumer) deadLetter(ctx context.Context, msg jetstream.Msg, meta *jetstream.MsgMetadata, re *RejectError, typ string) {
	dl := nats.NewMsg(DLQSubject(re.Reason))
	dl.Data = msg.Data()
	dl.Header.Set(HeaderError, re.Msg)
	dl.Header.Set(HeaderOriginalSubject, msg.Subject())
	dl.Header.Set(HeaderOriginalSequence, strconv.FormatUint(meta.Sequence.Stream, 10))
	dl.Header.Set(HeaderDelivered, strconv.FormatUint(meta.NumDelivered, 10))
	dl.Header.Set(HeaderMsgID, "dlq-"+strconv.FormatUint(meta.Sequence.Stream, 10))
	if _, err := c.js.PublishMsg(ctx, dl); err != nil {
		c.log.Error("dead letter not stored; the message will be redelivered", "subject", msg.Subject(), "reason", string(re.Reason), "error", err)
		_ = msg.NakWithDelay(c.cfg.backoff(meta.NumDelivered))
		return
	}
	if err := msg.TermWithReason(string(re.Reason)); err != nil {
		c.log.Warn("term failed; the message may be dead-lettered again", "subject", msg.Subject(), "error", err)
	}
	c.m.DeadLetters.WithLabelValues(string(re.Reason)).Inc()
	if !knownType(typ) {
		typ = "unknown"
	}
	c.m.EventsTotal.WithLabelValues(typ, OutcomeDeadLettered).Inc()
	c.log.Info("message dead-lettered", "subject", msg.Subject(), "reason", string(re.Reason), "error", re.Msg)
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
