package events

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/talentmatch/talentmatch/matcher"
)

// The consumer handles each inbound message through a chain of stages, one
// concern each, as Watermill's router does with middlewares (outermost
// first): Measure, Acknowledge, Retry, DeadLetter, Decode, Deadline,
// Heartbeat and Recover, around the Handler. Each stage is a function of
// the next one and is tested on its own (stages_test.go).

// Delivery is one inbound message on its way through the stages.
type Delivery struct {
	Msg  jetstream.Msg
	Meta *jetstream.MsgMetadata
	// In is the decoded event, set by Decode.
	In *Inbound
	// Effect is what the handler did.
	Effect matcher.Effect
	// Outcome is the events_total outcome once a stage settled the message
	// (applied, duplicate, stale, dead_lettered, retried); empty while it
	// is not settled.
	Outcome string
	// Start is when the message was received.
	Start time.Time
}

// Type is the event type, or "unknown" before decoding or for a type
// talentmatch does not know.
func (d *Delivery) Type() string {
	if d.In == nil || !knownType(d.In.Envelope.Type) {
		return "unknown"
	}
	return d.In.Envelope.Type
}

// Step handles a delivery.
type Step func(ctx context.Context, d *Delivery) error

// Stage wraps a step with one concern.
type Stage func(next Step) Step

// Chain composes stages around a final step, the first stage outermost.
func Chain(final Step, stages ...Stage) Step {
	for i := len(stages) - 1; i >= 0; i-- {
		final = stages[i](final)
	}
	return final
}

// errSettled tells outer stages that an inner one settled the message
// (acknowledged, terminated or negatively acknowledged it) on its own.
var errSettled = errors.New("message settled")

// Measure counts each settled message in events_total by type and
// outcome, its handling time when applied, applied feedback by kind, and
// redeliveries.
func Measure(m *Metrics) Stage {
	return func(next Step) Step {
		return func(ctx context.Context, d *Delivery) error {
			if d.Meta != nil && d.Meta.NumDelivered > 1 {
				m.Redeliveries.Inc()
			}
			err := next(ctx, d)
			if d.Outcome == "" {
				return err
			}
			typ := d.Type()
			m.EventsTotal.WithLabelValues(typ, d.Outcome).Inc()
			if d.Outcome != OutcomeDeadLettered && d.Outcome != OutcomeRetried {
				m.EventDuration.WithLabelValues(typ).Observe(time.Since(d.Start).Seconds())
				if d.In != nil && d.In.Feedback != nil && d.Effect.Outcome == matcher.Applied {
					m.Feedback.WithLabelValues(string(d.In.Feedback.Feedback)).Inc()
				}
			}
			return err
		}
	}
}

// Acknowledge acks a message its handler applied. A plain ack: were it
// lost, the redelivered event would find its effects done (versions,
// ledger, message ids), so nothing is announced twice; waiting for the
// server's confirmation would cost a round trip per event.
func Acknowledge(log *slog.Logger) Stage {
	return func(next Step) Step {
		return func(ctx context.Context, d *Delivery) error {
			err := next(ctx, d)
			if err != nil {
				return err
			}
			if aerr := d.Msg.Ack(); aerr != nil {
				// Redelivered later; handling is idempotent.
				log.Warn("ack failed; the event will be redelivered", "subject", d.Msg.Subject(), "error", aerr)
				return errSettled
			}
			d.Outcome = d.Effect.Outcome.String()
			if d.In != nil {
				log.Debug("event handled", "type", d.Type(), "event_id", d.In.Envelope.ID, "outcome", d.Outcome,
					"created", d.Effect.Created, "retracted", d.Effect.Retracted, "seconds", time.Since(d.Start).Seconds())
			}
			return nil
		}
	}
}

// Backoff is the delay before each redelivery of a failed event: the
// delivery count's entry, the last repeating.
type Backoff []time.Duration

// Delay returns the delay after the delivered-th attempt failed.
func (b Backoff) Delay(delivered uint64) time.Duration {
	if len(b) == 0 {
		return 0
	}
	i := min(max(int(delivered)-1, 0), len(b)-1)
	return b[i]
}

// Retry negatively acknowledges a message whose handling failed with a
// transient error, so that it is redelivered after the back-off.
func Retry(b Backoff, log *slog.Logger) Stage {
	return func(next Step) Step {
		return func(ctx context.Context, d *Delivery) error {
			err := next(ctx, d)
			if err == nil || errors.Is(err, errSettled) {
				return err
			}
			delay := b.Delay(d.Meta.NumDelivered)
			log.Warn("event failed; retrying", "type", d.Type(), "subject", d.Msg.Subject(), "attempt", d.Meta.NumDelivered,
				"retry_in", delay.String(), "error", err)
			if nerr := d.Msg.NakWithDelay(delay); nerr != nil {
				log.Warn("nak failed; the event will be redelivered after the ack wait", "error", nerr)
			}
			d.Outcome = OutcomeRetried
			return errSettled
		}
	}
}

// DeadLetter sends what cannot be applied to talent.dlq.<reason> with the
// original bytes and headers saying why, and terminates it: a message that
// fails to decode or validate (a RejectError), a permanent handler error
// (matcher.Permanent) and one that failed maxDeliver times. When the dead
// letter cannot be stored the error passes on, so that Retry redelivers the
// message and nothing is lost.
func DeadLetter(js jetstream.JetStream, m *Metrics, maxDeliver int, log *slog.Logger) Stage {
	return func(next Step) Step {
		return func(ctx context.Context, d *Delivery) error {
			err := next(ctx, d)
			if err == nil || errors.Is(err, errSettled) {
				return err
			}
			re, ok := AsReject(err)
			switch {
			case ok:
			case matcher.Permanent(err):
				re = &RejectError{Reason: ReasonInvalid, Msg: err.Error()}
			case d.Meta.NumDelivered >= uint64(maxDeliver):
				re = &RejectError{Reason: ReasonMaxDeliver,
					Msg: fmt.Sprintf("gave up after %d attempts; last error: %v", d.Meta.NumDelivered, err)}
			default:
				return err
			}
			if perr := publishDeadLetter(ctx, js, d, re); perr != nil {
				log.Error("dead letter not stored; the message will be redelivered", "subject", d.Msg.Subject(), "reason", string(re.Reason), "error", perr)
				return perr
			}
			if terr := d.Msg.TermWithReason(string(re.Reason)); terr != nil {
				log.Warn("term failed; the message may be dead-lettered again", "subject", d.Msg.Subject(), "error", terr)
			}
			m.DeadLetters.WithLabelValues(string(re.Reason)).Inc()
			d.Outcome = OutcomeDeadLettered
			log.Info("message dead-lettered", "subject", d.Msg.Subject(), "reason", string(re.Reason), "error", re.Msg)
			return errSettled
		}
	}
}

func publishDeadLetter(ctx context.Context, js jetstream.JetStream, d *Delivery, re *RejectError) error {
	dl := nats.NewMsg(DLQSubject(re.Reason))
	dl.Data = d.Msg.Data()
	dl.Header.Set(HeaderError, re.Msg)
	dl.Header.Set(HeaderOriginalSubject, d.Msg.Subject())
	dl.Header.Set(HeaderOriginalSequence, strconv.FormatUint(d.Meta.Sequence.Stream, 10))
	dl.Header.Set(HeaderDelivered, strconv.FormatUint(d.Meta.NumDelivered, 10))
	dl.Header.Set(HeaderMsgID, "dlq-"+strconv.FormatUint(d.Meta.Sequence.Stream, 10))
	_, err := js.PublishMsg(ctx, dl)
	return err
}

// Decode decodes and validates the message into d.In; what cannot be
// decoded is returned as a RejectError for DeadLetter.
func Decode(dec *Decoder) Stage {
	return func(next Step) Step {
		return func(ctx context.Context, d *Delivery) error {
			in, err := dec.Decode(d.Msg.Subject(), d.Msg.Data())
			if err != nil {
				return err
			}
			if d.Meta != nil {
				in.Sequence = d.Meta.Sequence.Stream
			}
			d.In = in
			return next(ctx, d)
		}
	}
}

// Deadline bounds the handling of one event: campaign events, which match
// or retract a whole campaign, get campaign; the others handle.
func Deadline(handle, campaign time.Duration) Stage {
	return func(next Step) Step {
		return func(ctx context.Context, d *Delivery) error {
			limit := handle
			if t := d.Type(); t == TypeCampaignOpened || t == TypeCampaignClosed {
				limit = campaign
			}
			ctx, cancel := context.WithTimeout(ctx, limit)
			defer cancel()
			return next(ctx, d)
		}
	}
}

// Heartbeat tells the server the event is still being handled every
// interval (half the ack wait), so that it is not redelivered meanwhile.
// Most events finish long before the first beat, so it costs one timer.
func Heartbeat(every time.Duration) Stage {
	return func(next Step) Step {
		return func(ctx context.Context, d *Delivery) error {
			if every <= 0 {
				return next(ctx, d)
			}
			var mu sync.Mutex
			stopped := false
			var t *time.Timer
			mu.Lock() // t is set before the first beat reads it
			t = time.AfterFunc(every, func() {
				mu.Lock()
				defer mu.Unlock()
				if stopped {
					return
				}
				_ = d.Msg.InProgress()
				t.Reset(every)
			})
			mu.Unlock()
			defer func() {
				mu.Lock()
				stopped = true
				mu.Unlock()
				t.Stop()
			}()
			return next(ctx, d)
		}
	}
}

// Recover turns a panic of the handler into a transient error, so that the
// event is retried (and dead-lettered after the last attempt) instead of
// crashing the process.
func Recover(log *slog.Logger) Stage {
	return func(next Step) Step {
		return func(ctx context.Context, d *Delivery) (err error) {
			defer func() {
				if r := recover(); r != nil {
					log.Error("handler panicked", "type", d.Type(), "subject", d.Msg.Subject(), "panic", r)
					err = fmt.Errorf("handler panicked: %v", r)
				}
			}()
			return next(ctx, d)
		}
	}
}

// Handle is the final step: it applies the decoded event with h.
func Handle(h Handler) Step {
	return func(ctx context.Context, d *Delivery) error {
		ef, err := h.Handle(ctx, d.In)
		d.Effect = ef
		return err
	}
}
