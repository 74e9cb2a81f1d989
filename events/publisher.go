package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/talentmatch/talentmatch/matcher"
)

// Source is the CloudEvents source of the events talentmatch publishes.
const Source = "/talentmatch/matcher"

// Publisher publishes match events to TALENT_MATCHES. It implements
// matcher.Publisher and is safe for concurrent use.
type Publisher struct {
	js jetstream.JetStream
	m  *Metrics
}

// NewPublisher returns a publisher; m may be nil.
func NewPublisher(js jetstream.JetStream, m *Metrics) *Publisher { return &Publisher{js: js, m: m} }

// MatchMsg returns the NATS message of a match event: a CloudEvent on its
// match subject with Nats-Msg-Id set to the event id.
func MatchMsg(ev *matcher.Outbound) (*nats.Msg, error) {
	typ := TypeMatchCreated
	if ev.Kind == matcher.MatchRetracted {
		typ = TypeMatchRetracted
	}
	m := ev.Match
	body, err := Encode(ev.ID, Source, typ, ev.Time, m)
	if err != nil {
		return nil, err
	}
	msg := nats.NewMsg(MatchSubject(string(ev.Kind), m.CampaignID, m.CompanyID, m.CandidateID))
	msg.Header.Set(HeaderMsgID, ev.ID)
	msg.Header.Set(HeaderContentType, ContentType)
	msg.Data = body
	return msg, nil
}

// Publish publishes events and returns when JetStream has stored them all
// (or dropped them as duplicates of an earlier publish).
func (p *Publisher) Publish(ctx context.Context, evs []*matcher.Outbound) error {
	futures := make([]jetstream.PubAckFuture, 0, len(evs))
	for _, ev := range evs {
		msg, err := MatchMsg(ev)
		if err != nil {
			return err
		}
		f, err := p.js.PublishMsgAsync(msg)
		if err != nil {
			return fmt.Errorf("publish %s: %w", msg.Subject, err)
		}
		futures = append(futures, f)
	}
	for i, f := range futures {
		select {
		case ack := <-f.Ok():
			if p.m != nil && !ack.Duplicate {
				p.m.MatchesPublished.WithLabelValues(string(evs[i].Kind)).Inc()
			}
		case err := <-f.Err():
			if !inProcess(err) {
				return fmt.Errorf("publish %s: %w", f.Msg().Subject, err)
			}
			ack, err := p.republish(ctx, f.Msg())
			if err != nil {
				return fmt.Errorf("publish %s: %w", f.Msg().Subject, err)
			}
			if p.m != nil && !ack.Duplicate {
				p.m.MatchesPublished.WithLabelValues(string(evs[i].Kind)).Inc()
			}
		case <-ctx.Done():
			return fmt.Errorf("publish match events: %w", ctx.Err())
		}
	}
	return nil
}

// errCodeMsgIDInProcess is JetStream's answer, in a cluster, to a publish
// whose Nats-Msg-Id another publish is storing at that moment (two events
// republishing the same pending match).
const errCodeMsgIDInProcess jetstream.ErrorCode = 10158

func inProcess(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == errCodeMsgIDInProcess
}

// republish publishes msg again once the publish in process with its id
// has been decided: stored (the answer is then a duplicate ack) or failed
// (this one stores it).
func (p *Publisher) republish(ctx context.Context, msg *nats.Msg) (*jetstream.PubAck, error) {
	for wait := 5 * time.Millisecond; ; wait *= 2 {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait): // JetStream gives no signal when the other publish is decided
		}
		ack, err := p.js.PublishMsg(ctx, msg)
		if err == nil || !inProcess(err) || wait > 2*time.Second {
			return ack, err
		}
	}
}

// InboundMsg returns the NATS message of an inbound event: a CloudEvent of
// type typ about entity id, on its subject, with Nats-Msg-Id set to eventID.
func InboundMsg(typ, id, eventID, source string, t time.Time, data any) (*nats.Msg, error) {
	subject := InboundSubject(typ, id)
	if subject == "" {
		return nil, fmt.Errorf("%s is not an inbound event type", typ)
	}
	body, err := Encode(eventID, source, typ, t, data)
	if err != nil {
		return nil, err
	}
	msg := nats.NewMsg(subject)
	msg.Header.Set(HeaderMsgID, eventID)
	msg.Header.Set(HeaderContentType, ContentType)
	msg.Data = body
	return msg, nil
}

// DecodeMatch decodes a match event published by talentmatch.
func DecodeMatch(data []byte) (Envelope, matcher.Match, error) {
	var env Envelope
	var m matcher.Match
	if err := json.Unmarshal(data, &env); err != nil {
		return env, m, fmt.Errorf("decode match event: %w", err)
	}
	if err := json.Unmarshal(env.Data, &m); err != nil {
		return env, m, fmt.Errorf("decode match data: %w", err)
	}
	return env, m, nil
}
