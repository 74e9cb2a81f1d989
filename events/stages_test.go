package events

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/talentmatch/talentmatch/internal/natsserver"
	"github.com/talentmatch/talentmatch/matcher"
)

// recordedMsg is a JetStream message as a stage sees it, recording how the
// stage settled it. It stands for our stages' view of a message, not for
// JetStream's behaviour, which the consumer's tests against a real server
// cover.
type recordedMsg struct {
	subject string
	data    []byte
	mu      sync.Mutex
	calls   []string
	ackErr  error
}

func (m *recordedMsg) record(s string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls = append(m.calls, s)
}

func (m *recordedMsg) settled() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.calls...)
}

func (m *recordedMsg) Metadata() (*jetstream.MsgMetadata, error) {
	return &jetstream.MsgMetadata{}, nil
}
func (m *recordedMsg) Data() []byte                       { return m.data }
func (m *recordedMsg) Headers() nats.Header               { return nats.Header{} }
func (m *recordedMsg) Subject() string                    { return m.subject }
func (m *recordedMsg) Reply() string                      { return "" }
func (m *recordedMsg) Ack() error                         { m.record("ack"); return m.ackErr }
func (m *recordedMsg) DoubleAck(context.Context) error    { m.record("ack"); return m.ackErr }
func (m *recordedMsg) Nak() error                         { m.record("nak"); return nil }
func (m *recordedMsg) NakWithDelay(d time.Duration) error { m.record("nak " + d.String()); return nil }
func (m *recordedMsg) InProgress() error                  { m.record("in_progress"); return nil }
func (m *recordedMsg) Term() error                        { m.record("term"); return nil }
func (m *recordedMsg) TermWithReason(r string) error      { m.record("term " + r); return nil }

func delivery(delivered uint64) (*Delivery, *recordedMsg) {
	msg := &recordedMsg{subject: "talent.jobs.posted.acme"}
	return &Delivery{Msg: msg, Meta: &jetstream.MsgMetadata{NumDelivered: delivered}, Start: time.Now()}, msg
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func fails(err error) Step { return func(context.Context, *Delivery) error { return err } }

func applies(o matcher.Outcome) Step {
	return func(_ context.Context, d *Delivery) error { d.Effect.Outcome = o; return nil }
}

func TestAcknowledge(t *testing.T) {
	tests := []struct {
		name        string
		next        Step
		ackErr      error
		wantCalls   []string
		wantOutcome string
		wantErr     error
	}{
		{"applied is acked", applies(matcher.Applied), nil, []string{"ack"}, OutcomeApplied, nil},
		{"duplicate is acked", applies(matcher.Current), nil, []string{"ack"}, OutcomeDuplicate, nil},
		{"failure is not acked", fails(errors.New("boom")), nil, nil, "", nil},
		{"lost ack settles without outcome", applies(matcher.Applied), errors.New("timeout"), []string{"ack"}, "", errSettled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, msg := delivery(1)
			msg.ackErr = tt.ackErr
			err := Acknowledge(quiet)(tt.next)(context.Background(), d)
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error %v, want %v", err, tt.wantErr)
			}
			if got := msg.settled(); fmt.Sprint(got) != fmt.Sprint(tt.wantCalls) {
				t.Errorf("calls %v, want %v", got, tt.wantCalls)
			}
			if d.Outcome != tt.wantOutcome {
				t.Errorf("outcome %q, want %q", d.Outcome, tt.wantOutcome)
			}
		})
	}
}

func TestRetry(t *testing.T) {
	b := Backoff{time.Second, 5 * time.Second}
	tests := []struct {
		name      string
		delivered uint64
		next      Step
		wantCalls []string
	}{
		{"first failure waits the first delay", 1, fails(errors.New("redis down")), []string{"nak 1s"}},
		{"later failures repeat the last delay", 7, fails(errors.New("redis down")), []string{"nak 5s"}},
		{"success passes", 1, applies(matcher.Applied), nil},
		{"settled by an inner stage passes", 1, fails(errSettled), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, msg := delivery(tt.delivered)
			_ = Retry(b, quiet)(tt.next)(context.Background(), d)
			if got := msg.settled(); fmt.Sprint(got) != fmt.Sprint(tt.wantCalls) {
				t.Errorf("calls %v, want %v", got, tt.wantCalls)
			}
		})
	}
}

func TestRecover(t *testing.T) {
	d, _ := delivery(1)
	err := Recover(quiet)(func(context.Context, *Delivery) error { panic("nil map") })(context.Background(), d)
	if err == nil || !strings.Contains(err.Error(), "nil map") {
		t.Fatalf("error %v, want the panic as an error", err)
	}
	if matcher.Permanent(err) {
		t.Error("a panic must be retried, not dead-lettered at once")
	}
}

func TestHeartbeat(t *testing.T) {
	d, msg := delivery(1)
	release := make(chan struct{})
	beat := make(chan struct{}, 1)
	go func() {
		for len(msg.settled()) < 2 {
			time.Sleep(time.Millisecond)
		}
		beat <- struct{}{}
	}()
	go func() { <-beat; close(release) }()
	err := Heartbeat(5*time.Millisecond)(func(context.Context, *Delivery) error {
		<-release // a slow handler: at least two beats
		return nil
	})(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	n := len(msg.settled())
	for _, c := range msg.settled() {
		if c != "in_progress" {
			t.Errorf("heartbeat sent %q", c)
		}
	}
	time.Sleep(20 * time.Millisecond)
	if after := len(msg.settled()); after != n {
		t.Errorf("%d beats after the handler returned", after-n)
	}
}

func TestDeadline(t *testing.T) {
	tests := []struct {
		typ  string
		want time.Duration
	}{
		{TypeJobPosted, time.Second},
		{TypeCampaignOpened, time.Hour},
		{TypeCampaignClosed, time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.typ, func(t *testing.T) {
			d, _ := delivery(1)
			d.In = &Inbound{Envelope: Envelope{Type: tt.typ}}
			_ = Deadline(time.Second, time.Hour)(func(ctx context.Context, _ *Delivery) error {
				dl, ok := ctx.Deadline()
				if left := time.Until(dl); !ok || left > tt.want || left < tt.want-time.Minute/2 {
					t.Errorf("deadline in %v, want about %v", left, tt.want)
				}
				return nil
			})(context.Background(), d)
		})
	}
}

func TestMeasure(t *testing.T) {
	m := NewMetrics(nil)
	d, _ := delivery(3)
	d.In = &Inbound{Envelope: Envelope{Type: TypeFeedbackCompany}, Feedback: &matcher.Feedback{Feedback: matcher.FeedbackHired}}
	_ = Measure(m)(func(_ context.Context, d *Delivery) error {
		d.Effect.Outcome, d.Outcome = matcher.Applied, OutcomeApplied
		return nil
	})(context.Background(), d)
	if got := testutil.ToFloat64(m.EventsTotal.WithLabelValues(TypeFeedbackCompany, OutcomeApplied)); got != 1 {
		t.Errorf("events_total applied %v, want 1", got)
	}
	if got := testutil.ToFloat64(m.Feedback.WithLabelValues("hired")); got != 1 {
		t.Errorf("feedback_total hired %v, want 1", got)
	}
	if got := testutil.ToFloat64(m.Redeliveries); got != 1 {
		t.Errorf("redeliveries_total %v, want 1", got)
	}
	d2, _ := delivery(1)
	_ = Measure(m)(fails(errors.New("x")))(context.Background(), d2) // not settled: not counted
	if got := testutil.ToFloat64(m.EventsTotal.WithLabelValues("unknown", OutcomeRetried)); got != 0 {
		t.Errorf("an unsettled message was counted: %v", got)
	}
}

func TestChainOrder(t *testing.T) {
	var got []string
	stage := func(name string) Stage {
		return func(next Step) Step {
			return func(ctx context.Context, d *Delivery) error {
				got = append(got, name)
				return next(ctx, d)
			}
		}
	}
	_ = Chain(func(context.Context, *Delivery) error { got = append(got, "final"); return nil }, stage("a"), stage("b"))(context.Background(), &Delivery{})
	if fmt.Sprint(got) != "[a b final]" {
		t.Errorf("order %v, want [a b final]", got)
	}
}

// TestDeadLetter runs the stage against a real JetStream: what it sends to
// the dead-letter stream is read back with its headers.
func TestDeadLetter(t *testing.T) {
	js, ctx := streams(t)
	tests := []struct {
		name       string
		delivered  uint64
		err        error
		wantReason Reason // "" : passed on for a retry
	}{
		{"reject", 1, reject(ReasonMalformed, "not JSON"), ReasonMalformed},
		{"permanent", 1, fmt.Errorf("no skill: %w", matcher.ErrInvalid), ReasonInvalid},
		{"last attempt", 8, errors.New("redis down"), ReasonMaxDeliver},
		{"transient", 2, errors.New("redis down"), ""},
		{"success", 1, nil, ""},
	}
	m := NewMetrics(nil)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, msg := delivery(tt.delivered)
			d.Meta.Sequence.Stream = uint64(100 + i)
			msg.data = []byte("payload " + tt.name)
			err := DeadLetter(js, m, 8, quiet)(fails(tt.err))(ctx, d)
			if tt.wantReason == "" {
				if !errors.Is(err, tt.err) && !(err == nil && tt.err == nil) {
					t.Errorf("error %v, want %v passed on", err, tt.err)
				}
				if len(msg.settled()) != 0 {
					t.Errorf("settled %v, want untouched", msg.settled())
				}
				return
			}
			if !errors.Is(err, errSettled) || d.Outcome != OutcomeDeadLettered {
				t.Fatalf("error %v outcome %q, want settled as dead letter", err, d.Outcome)
			}
			if got := msg.settled(); fmt.Sprint(got) != fmt.Sprint([]string{"term " + string(tt.wantReason)}) {
				t.Errorf("calls %v, want term", got)
			}
			s, _ := js.Stream(ctx, StreamDLQ)
			raw, err := s.GetLastMsgForSubject(ctx, DLQSubject(tt.wantReason))
			if err != nil {
				t.Fatal(err)
			}
			if string(raw.Data) != "payload "+tt.name || raw.Header.Get(HeaderOriginalSubject) != msg.subject || raw.Header.Get(HeaderError) == "" {
				t.Errorf("dead letter %q headers %v", raw.Data, raw.Header)
			}
		})
	}
}

func TestDecodeStage(t *testing.T) {
	d, msg := delivery(1)
	msg.data = []byte("{not json")
	reached := false
	err := Decode(NewDecoder(nil, DecoderConfig{}))(func(context.Context, *Delivery) error { reached = true; return nil })(context.Background(), d)
	if re, ok := AsReject(err); !ok || re.Reason != ReasonMalformed {
		t.Fatalf("error %v, want a malformed reject", err)
	}
	if reached || d.In != nil {
		t.Error("an undecodable message reached the handler")
	}
}

// streams starts an embedded JetStream server with talentmatch's streams
// for a test of this package (internal/testenv imports events, so it
// cannot serve here) and returns it with a context bounded for the test.
func streams(t *testing.T) (jetstream.JetStream, context.Context) {
	t.Helper()
	srv, err := natsserver.Start(natsserver.Options{Port: -1, StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	nc, err := nats.Connect(srv.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	if err := EnsureStreams(ctx, js, StreamConfig{}); err != nil {
		t.Fatal(err)
	}
	return js, ctx
}
