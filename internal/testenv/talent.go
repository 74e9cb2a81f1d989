package testenv

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/talentmatch/talentmatch/events"
	"github.com/talentmatch/talentmatch/matcher"
)

// Publish publishes an inbound event of type typ about entity id with a new
// event id and returns the stream sequence it got.
func Publish(t testing.TB, js jetstream.JetStream, typ, id string, at time.Time, data any) uint64 {
	t.Helper()
	return PublishID(t, js, typ, id, uuid.NewString(), at, data)
}

// PublishID is Publish with a given event id.
func PublishID(t testing.TB, js jetstream.JetStream, typ, id, eventID string, at time.Time, data any) uint64 {
	t.Helper()
	msg, err := events.InboundMsg(typ, id, eventID, "/test", at, data)
	if err != nil {
		t.Fatal(err)
	}
	return PublishMsg(t, js, msg)
}

// PublishMsg publishes a prepared message and returns its stream sequence.
func PublishMsg(t testing.TB, js jetstream.JetStream, msg *nats.Msg) uint64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ack, err := js.PublishMsg(ctx, msg)
	if err != nil {
		t.Fatalf("publish %s: %v", msg.Subject, err)
	}
	return ack.Sequence
}

// WaitProcessed waits until the durable consumer has acknowledged (or
// terminated) every message up to stream sequence seq.
func WaitProcessed(t testing.TB, js jetstream.JetStream, durable string, seq uint64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for delay := 5 * time.Millisecond; ; delay = min(delay*2, 100*time.Millisecond) {
		c, err := js.Consumer(ctx, events.StreamIn, durable)
		if err == nil {
			info, err := c.Info(ctx)
			if err == nil && info.AckFloor.Stream >= seq && info.NumAckPending == 0 {
				return
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("consumer %s did not process up to sequence %d in time", durable, seq)
		case <-time.After(delay):
		}
	}
}

// Received is a match event or dead letter as a subscriber sees it.
type Received struct {
	Subject  string
	Envelope events.Envelope
	Match    matcher.Match
	MsgID    string
	// Dead letters: the reason sentence, original subject and bytes.
	Error           string
	OriginalSubject string
	Data            []byte
}

// Watcher receives every event of a stream, from its start, in order.
type Watcher struct {
	ch chan Received
	cc jetstream.ConsumeContext
}

// Watch starts an ordered consumer on stream (TALENT_MATCHES or TALENT_DLQ).
func Watch(t testing.TB, js jetstream.JetStream, stream string) *Watcher {
	t.Helper()
	ctx := context.Background()
	c, err := js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatalf("watch %s: %v", stream, err)
	}
	w := &Watcher{ch: make(chan Received, 100000)}
	w.cc, err = c.Consume(func(m jetstream.Msg) {
		r := Received{Subject: m.Subject(), MsgID: m.Headers().Get(events.HeaderMsgID)}
		if stream == events.StreamMatches {
			r.Envelope, r.Match, _ = events.DecodeMatch(m.Data())
		} else {
			r.Data = append([]byte(nil), m.Data()...)
			r.Error = m.Headers().Get(events.HeaderError)
			r.OriginalSubject = m.Headers().Get(events.HeaderOriginalSubject)
		}
		w.ch <- r
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.cc.Stop)
	return w
}

// Next returns the next n events, failing the test if they do not arrive
// within timeout.
func (w *Watcher) Next(t testing.TB, n int, timeout time.Duration) []Received {
	t.Helper()
	out := make([]Received, 0, n)
	deadline := time.After(timeout)
	for len(out) < n {
		select {
		case r := <-w.ch:
			out = append(out, r)
		case <-deadline:
			t.Fatalf("got %d events, want %d: %+v", len(out), n, out)
		}
	}
	return out
}

// Pending returns the events received and not yet taken, without waiting.
func (w *Watcher) Pending() []Received {
	var out []Received
	for {
		select {
		case r := <-w.ch:
			out = append(out, r)
		default:
			return out
		}
	}
}
