package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/talentmatch/talentmatch/matcher"
)

// Eraser removes a candidate's messages from the streams once their
// erasure (withdrawal, consent_to_match false, retention expiry) has been
// applied to the state:
//
//   - TALENT_IN: their registrations and withdrawals
//     (talent.candidates.*.<id>) up to the erasing event and not newer than
//     it, deleted; their feedback (talent.feedback.candidate.<id>) up to it,
//     purged by subject; the companies' feedback that names them
//     (talent.feedback.company.*, found by reading candidate_id), deleted;
//   - TALENT_MATCHES: every match event on talent.matches.*.*.*.<id>,
//     purged by subject, retractions included;
//   - TALENT_DLQ: their dead letters, found by the Talent-Original-Subject
//     header (one of their subjects) or, for company feedback, by the
//     candidate_id of the original bytes, deleted.
//
// Messages found by reading are deleted with SecureDeleteMsg, which
// overwrites them on disk. It is safe for concurrent use.
type Eraser struct {
	js       jetstream.JetStream
	consumer string
	log      *slog.Logger
}

// EraserConfig configures an Eraser.
type EraserConfig struct {
	// Consumer is the durable consumer of TALENT_IN whose acknowledged
	// events an expiry may purge. Default "matchd".
	Consumer string
	// Logger receives a line per erasure. Default slog.Default().
	Logger *slog.Logger
}

// NewEraser returns an Eraser of js's streams.
func NewEraser(js jetstream.JetStream, cfg EraserConfig) *Eraser {
	if cfg.Consumer == "" {
		cfg.Consumer = "matchd"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Eraser{js: js, consumer: cfg.Consumer, log: cfg.Logger}
}

// Erased counts the messages an erasure removed, per stream.
type Erased struct {
	Inbound, Matches, DeadLetters uint64
}

// candidateSubjects are the inbound subjects that carry candidate id.
func candidateSubjects(id string) []string {
	return []string{"talent.candidates.registered." + id, "talent.candidates.withdrawn." + id, "talent.feedback.candidate." + id}
}

// Erase removes candidate id's messages. v is the version of the erasure
// (the erasing event's, or the expiry's) and upTo the TALENT_IN sequence of
// the erasing event: their registrations and withdrawals up to it are
// deleted unless newer than v (an out-of-order registration that will win
// stays), their feedback up to it purged. upTo 0 (an expiry, which no event
// caused) stops at what the consumer has acknowledged.
func (e *Eraser) Erase(ctx context.Context, id string, upTo uint64, v matcher.Version) (Erased, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Minute)
		defer cancel()
	}
	var n Erased
	if upTo == 0 {
		c, err := e.js.Consumer(ctx, StreamIn, e.consumer)
		if err != nil {
			return n, fmt.Errorf("erase %s: consumer %s: %w", id, e.consumer, err)
		}
		info, err := c.Info(ctx)
		if err != nil {
			return n, fmt.Errorf("erase %s: consumer %s: %w", id, e.consumer, err)
		}
		upTo = info.AckFloor.Stream
	}
	var err error
	if upTo > 0 { // 0: the consumer acknowledged nothing yet; nothing inbound may go
		if n.Inbound, err = e.eraseInbound(ctx, id, upTo, v); err != nil {
			return n, fmt.Errorf("erase %s: %w", id, err)
		}
	}
	if n.Matches, err = e.purge(ctx, StreamMatches, "talent.matches.*.*.*."+id, 0); err != nil {
		return n, fmt.Errorf("erase %s: purge its matches: %w", id, err)
	}
	if n.DeadLetters, err = e.eraseDeadLetters(ctx, id); err != nil {
		return n, fmt.Errorf("erase %s: dead letters: %w", id, err)
	}
	e.log.Debug("candidate erased from the streams", "candidate_id", id, "inbound", n.Inbound, "matches", n.Matches, "dead_letters", n.DeadLetters)
	return n, nil
}

// eraseInbound is the part of Erase on TALENT_IN, up to sequence upTo.
func (e *Eraser) eraseInbound(ctx context.Context, id string, upTo uint64, v matcher.Version) (uint64, error) {
	in, err := e.js.Stream(ctx, StreamIn)
	if err != nil {
		return 0, err
	}
	regs, err := e.deleteWhere(ctx, in, "talent.candidates.*."+id, upTo, func(m storedMsg) bool { return !newer(m.Data(), v) })
	if err != nil {
		return 0, fmt.Errorf("its registrations: %w", err)
	}
	fb, err := e.purge(ctx, StreamIn, "talent.feedback.candidate."+id, upTo)
	if err != nil {
		return regs, fmt.Errorf("its feedback: %w", err)
	}
	co, err := e.deleteWhere(ctx, in, "talent.feedback.company.>", upTo, func(m storedMsg) bool { return namesCandidate(m.Data(), id) })
	if err != nil {
		return regs + fb, fmt.Errorf("company feedback: %w", err)
	}
	return regs + fb + co, nil
}

// eraseDeadLetters deletes the candidate's dead letters: those of their
// subjects (Talent-Original-Subject) and the companies' feedback naming
// them.
func (e *Eraser) eraseDeadLetters(ctx context.Context, id string) (uint64, error) {
	dlq, err := e.js.Stream(ctx, StreamDLQ)
	if err != nil {
		return 0, err
	}
	own := map[string]bool{}
	for _, s := range candidateSubjects(id) {
		own[s] = true
	}
	return e.deleteWhere(ctx, dlq, "talent.dlq.>", 0, func(m storedMsg) bool {
		orig := m.Headers().Get(HeaderOriginalSubject)
		return own[orig] || strings.HasPrefix(orig, "talent.feedback.company.") && namesCandidate(m.Data(), id)
	})
}

// purge removes the messages of stream on subject (a filter) with a
// sequence up to upTo (0: all) in one request, and returns how many the
// server purged. (jetstream.Stream.Purge does not return the count.)
func (e *Eraser) purge(ctx context.Context, stream, subject string, upTo uint64) (uint64, error) {
	req := map[string]any{"filter": subject}
	if upTo > 0 {
		req["seq"] = upTo + 1 // purge below this sequence
	}
	b, _ := json.Marshal(req)
	prefix := e.js.Options().APIPrefix
	if prefix == "" {
		prefix = jetstream.DefaultAPIPrefix
	}
	msg, err := e.js.Conn().RequestWithContext(ctx, prefix+"STREAM.PURGE."+stream, b)
	if err != nil {
		return 0, err
	}
	var resp struct {
		Success bool   `json:"success"`
		Purged  uint64 `json:"purged"`
		Error   *struct {
			Code        int    `json:"code"`
			Description string `json:"description"`
		} `json:"error"`
	}
	if err := json.Unmarshal(msg.Data, &resp); err != nil {
		return 0, fmt.Errorf("purge %s: %w", stream, err)
	}
	if resp.Error != nil || !resp.Success {
		if resp.Error == nil {
			return 0, fmt.Errorf("purge %s: not done", stream)
		}
		return 0, fmt.Errorf("purge %s: %s (%d)", stream, resp.Error.Description, resp.Error.Code)
	}
	return resp.Purged, nil
}

// count is the number of messages on subject (a filter).
func count(ctx context.Context, s jetstream.Stream, subject string) (uint64, error) {
	info, err := s.Info(ctx, jetstream.WithSubjectFilter(subject))
	if err != nil {
		return 0, err
	}
	var n uint64
	for _, c := range info.State.Subjects {
		n += c
	}
	return n, nil
}

// deleteWhere reads the messages on filter (up to sequence upTo, 0: all)
// and securely deletes those for which match is true.
func (e *Eraser) deleteWhere(ctx context.Context, s jetstream.Stream, filter string, upTo uint64, match func(storedMsg) bool) (uint64, error) {
	pending, err := count(ctx, s, filter)
	if err != nil || pending == 0 {
		return 0, err
	}
	var doomed []uint64
	if pending <= directReadLimit {
		doomed, err = readDirect(ctx, s, filter, upTo, match)
	} else {
		doomed, err = readOrdered(ctx, s, filter, upTo, match)
	}
	if err != nil {
		return 0, err
	}
	var n uint64
	for _, seq := range doomed {
		if err := s.SecureDeleteMsg(ctx, seq); err != nil && !alreadyGone(err) {
			return n, fmt.Errorf("delete message %d: %w", seq, err)
		}
		n++
	}
	return n, nil
}

// directReadLimit is the most messages on a filter that deleteWhere reads
// one by one (a get of the next message on the subject each); more are
// read through an ordered consumer, which costs a consumer per call but
// reads in batches. Most withdrawals find a handful.
const directReadLimit = 64

// readDirect returns the sequences up to upTo of the messages on filter
// that match, reading them with one get each: no consumer is created, so
// nothing lingers or stalls around a server restart.
func readDirect(ctx context.Context, s jetstream.Stream, filter string, upTo uint64, match func(storedMsg) bool) ([]uint64, error) {
	var doomed []uint64
	for seq := uint64(1); ; {
		m, err := s.GetMsg(ctx, seq, jetstream.WithGetMsgSubject(filter))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			return doomed, nil
		}
		if err != nil {
			return nil, err
		}
		if upTo > 0 && m.Sequence > upTo {
			return doomed, nil
		}
		if match(rawMsg{m}) {
			doomed = append(doomed, m.Sequence)
		}
		seq = m.Sequence + 1
	}
}

// storedMsg is what a match function reads of a stored message; a
// jetstream.Msg is one, and so is rawMsg.
type storedMsg interface {
	Data() []byte
	Headers() nats.Header
}

// rawMsg shows a message read by a get as a storedMsg.
type rawMsg struct{ m *jetstream.RawStreamMsg }

func (r rawMsg) Data() []byte         { return r.m.Data }
func (r rawMsg) Headers() nats.Header { return r.m.Header }

// readOrdered is readDirect through an ordered consumer, in batches.
func readOrdered(ctx context.Context, s jetstream.Stream, filter string, upTo uint64, match func(storedMsg) bool) ([]uint64, error) {
	oc, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{FilterSubjects: []string{filter}, DeliverPolicy: jetstream.DeliverAllPolicy})
	if err != nil {
		return nil, err
	}
	var doomed []uint64
	for done := false; !done; {
		batch, err := oc.Fetch(256, jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			return nil, err
		}
		got := 0
		for m := range batch.Messages() {
			got++
			meta, err := m.Metadata()
			if err != nil {
				return nil, err
			}
			if upTo > 0 && meta.Sequence.Stream > upTo {
				done = true
				continue
			}
			if match(m) {
				doomed = append(doomed, meta.Sequence.Stream)
			}
			if meta.NumPending == 0 {
				done = true
			}
		}
		if err := batch.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) {
			return nil, err
		}
		if got == 0 {
			done = true
		}
	}
	return doomed, nil
}

// alreadyGone reports whether deleting a message failed because it is no
// longer there: another replica, or an earlier attempt, erased it first.
// nats.go reports that as ErrMsgDeleteUnsuccessful with the server's
// reason only as text, not as a wrapped APIError, hence the text match: a
// single server says "no message found" (err_code 10057), a clustered
// stream "sequence not found" (10043).
func alreadyGone(err error) bool {
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return true
	}
	if !errors.Is(err, jetstream.ErrMsgDeleteUnsuccessful) {
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "err_code=10057") || strings.Contains(msg, "err_code=10043")
}

// newer reports whether an inbound event's version is newer than v (the
// engine's order: time, then event id). Bytes that do not decode are not.
func newer(b []byte, v matcher.Version) bool {
	var env Envelope
	if json.Unmarshal(b, &env) != nil {
		return false
	}
	return env.Time.After(v.Time) || env.Time.Equal(v.Time) && env.ID > v.EventID
}

// namesCandidate reports whether a CloudEvent's data names candidate id.
func namesCandidate(b []byte, id string) bool {
	var ev struct {
		Data struct {
			CandidateID string `json:"candidate_id"`
		} `json:"data"`
	}
	return json.Unmarshal(b, &ev) == nil && ev.Data.CandidateID == id
}

// ErasingHandler applies events with Handler and then, for an event that
// erased a candidate (a withdrawal, or a registration without
// consent_to_match, applied now or before), removes the candidate's
// messages from the streams with Eraser. A failure to erase is returned,
// so that the event is retried (applying it again is idempotent).
type ErasingHandler struct {
	Handler Handler
	Eraser  *Eraser
}

// Handle implements Handler.
func (h ErasingHandler) Handle(ctx context.Context, in *Inbound) (matcher.Effect, error) {
	ef, err := h.Handler.Handle(ctx, in)
	if err != nil || ef.Outcome == matcher.Stale {
		return ef, err
	}
	var id string
	switch {
	case in.CandidateWithdrawn != nil:
		id = in.CandidateWithdrawn.CandidateID
	case in.Candidate != nil && !in.Candidate.ConsentToMatch:
		id = in.Candidate.CandidateID
	default:
		return ef, nil
	}
	if _, err := h.Eraser.Erase(ctx, id, in.Sequence, in.Version()); err != nil {
		return ef, err
	}
	return ef, nil
}
