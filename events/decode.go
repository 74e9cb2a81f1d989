package events

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/talentmatch/talentmatch/matcher"
	"github.com/talentmatch/talentmatch/schemas"
)

// Envelope is a CloudEvents 1.0 event in structured JSON mode.
type Envelope struct {
	SpecVersion     string          `json:"specversion"`
	ID              string          `json:"id"`
	Source          string          `json:"source"`
	Type            string          `json:"type"`
	Time            time.Time       `json:"time"`
	DataContentType string          `json:"datacontenttype,omitempty"`
	Subject         string          `json:"subject,omitempty"`
	Data            json.RawMessage `json:"data"`
}

// Inbound is a decoded, validated inbound event. Exactly one of the data
// pointers is set, according to Envelope.Type.
type Inbound struct {
	Envelope Envelope
	// Subject is the NATS subject the event arrived on; EntityID is its
	// last token.
	Subject  string
	EntityID string
	// Sequence is the event's TALENT_IN stream sequence (0 when it did not
	// come from the stream).
	Sequence uint64

	Job                *matcher.Job
	JobClosed          *matcher.JobClosed
	Candidate          *matcher.Candidate
	CandidateWithdrawn *matcher.CandidateWithdrawn
	Campaign           *matcher.Campaign
	CampaignClosed     *matcher.CampaignClosed
	Feedback           *matcher.Feedback
}

// Version returns the ordering version of the event.
func (in *Inbound) Version() matcher.Version {
	return matcher.Version{Time: in.Envelope.Time, EventID: in.Envelope.ID}
}

// DecoderConfig configures a Decoder.
type DecoderConfig struct {
	// MaxBytes is the largest message accepted. Default 64 KiB.
	MaxBytes int
	// MaxClockSkew is how far in the future an event's time may be.
	// Default 5 minutes.
	MaxClockSkew time.Duration
	// Now returns the current time. Default time.Now.
	Now func() time.Time
}

// DefaultMaxBytes is the default message size limit.
const DefaultMaxBytes = 64 << 10

// Decoder turns inbound NATS messages into events, or into a RejectError
// saying why not. It is safe for concurrent use.
type Decoder struct {
	cfg DecoderConfig
	v   *schemas.Validator
}

// NewDecoder returns a decoder validating against v.
func NewDecoder(v *schemas.Validator, cfg DecoderConfig) *Decoder {
	if cfg.MaxBytes == 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	if cfg.MaxClockSkew == 0 {
		cfg.MaxClockSkew = 5 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Decoder{cfg: cfg, v: v}
}

// protected are attributes of a candidate talentmatch never accepts; they
// get a clearer message than "additional property".
var protected = []string{"gender", "sex", "age", "birth_date", "date_of_birth", "birthday", "ethnicity", "race",
	"marital_status", "nationality", "religion", "name", "full_name", "email", "phone", "photo", "address"}

// earliest is the earliest event time accepted.
var earliest = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// Decode decodes and validates a message that arrived on subject. Errors
// are *RejectError.
func (d *Decoder) Decode(subject string, data []byte) (*Inbound, error) {
	if len(data) > d.cfg.MaxBytes {
		return nil, reject(ReasonTooLarge, "message is %d bytes; talentmatch accepts at most %d bytes per event", len(data), d.cfg.MaxBytes)
	}
	if !utf8.Valid(data) {
		return nil, reject(ReasonMalformed, "message is not valid UTF-8 text; send JSON encoded as UTF-8")
	}
	doc, err := schemas.Decode(data)
	if err != nil {
		return nil, reject(ReasonMalformed, "message is not JSON: %v", err)
	}
	obj, ok := doc.(map[string]any)
	if !ok {
		return nil, reject(ReasonMalformed, "message is JSON but not a CloudEvent: expected an object with specversion, id, source, type, time and data")
	}
	typ, _ := obj["type"].(string)
	r, id, ok := splitInbound(subject)
	if !d.v.Known(typ) || typ == TypeMatchCreated || typ == TypeMatchRetracted {
		if err := d.v.ValidateEnvelope(doc); err != nil {
			return nil, reject(ReasonMalformed, "message is not a CloudEvents 1.0 event in structured JSON mode: %v", err)
		}
		return nil, reject(ReasonUnknownType, "event type %q is not one talentmatch accepts; inbound types are %s", typ, strings.Join(inboundTypes(), ", "))
	}
	if !ok || r.typ != typ {
		want := InboundSubject(typ, "<"+idFieldOf(typ)+">")
		return nil, reject(ReasonUnauthorized, "event type %s may only be published on %s, not on %s", typ, want, subject)
	}
	dataObj, _ := obj["data"].(map[string]any)
	if bad := protectedFields(dataObj); typ == TypeCandidateRegistered && len(bad) > 0 {
		return nil, reject(ReasonInvalid, "data holds %s: talentmatch accepts no names, contacts or protected attributes; remove the field%s", strings.Join(bad, ", "), plural(len(bad)))
	}
	// One validation against the type's schema, which includes the
	// envelope's: a problem outside data means the envelope is broken.
	if err := d.v.Validate(typ, doc); err != nil {
		if !inData(err) {
			return nil, reject(ReasonMalformed, "message is not a CloudEvents 1.0 event in structured JSON mode: %v", err)
		}
		msg := err.Error()
		if camp, _ := dataObj["campaign_id"].(string); camp == matcher.OpenPool {
			msg = `campaign id "open" is reserved for the open pool; choose another id`
		}
		return nil, reject(ReasonInvalid, "event does not match the %s schema: %s", typ, msg)
	}
	var env Envelope
	if err := json.Unmarshal(data, &env); err != nil {
		return nil, reject(ReasonMalformed, "envelope: %v", err)
	}
	now := d.cfg.Now()
	if env.Time.After(now.Add(d.cfg.MaxClockSkew)) {
		return nil, reject(ReasonInvalid, "time %s is in the future (now is %s); events are ordered by time, so a future time would block later updates",
			env.Time.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if env.Time.Before(earliest) {
		return nil, reject(ReasonInvalid, "time %s is before 2000; send the time the change happened", env.Time.UTC().Format(time.RFC3339))
	}
	in := &Inbound{Envelope: env, Subject: subject, EntityID: id}
	var dataID string
	switch typ {
	case TypeJobPosted:
		in.Job = new(matcher.Job)
		err = strictUnmarshal(env.Data, in.Job)
		dataID = in.Job.CompanyID
	case TypeJobClosed:
		in.JobClosed = new(matcher.JobClosed)
		err = strictUnmarshal(env.Data, in.JobClosed)
		dataID = in.JobClosed.CompanyID
	case TypeCandidateRegistered:
		in.Candidate = new(matcher.Candidate)
		err = strictUnmarshal(env.Data, in.Candidate)
		dataID = in.Candidate.CandidateID
	case TypeCandidateWithdrawn:
		in.CandidateWithdrawn = new(matcher.CandidateWithdrawn)
		err = strictUnmarshal(env.Data, in.CandidateWithdrawn)
		dataID = in.CandidateWithdrawn.CandidateID
	case TypeCampaignOpened:
		in.Campaign = new(matcher.Campaign)
		err = strictUnmarshal(env.Data, in.Campaign)
		dataID = in.Campaign.CampaignID
		if err == nil && !in.Campaign.EndsAt.After(in.Campaign.StartsAt) {
			return nil, reject(ReasonInvalid, "campaign ends_at %s is not after starts_at %s", in.Campaign.EndsAt.Format(time.RFC3339), in.Campaign.StartsAt.Format(time.RFC3339))
		}
	case TypeCampaignClosed:
		in.CampaignClosed = new(matcher.CampaignClosed)
		err = strictUnmarshal(env.Data, in.CampaignClosed)
		dataID = in.CampaignClosed.CampaignID
	case TypeFeedbackCandidate, TypeFeedbackCompany:
		in.Feedback = new(matcher.Feedback)
		err = strictUnmarshal(env.Data, in.Feedback)
		in.Feedback.From, dataID = "candidate", in.Feedback.CandidateID
		if typ == TypeFeedbackCompany {
			in.Feedback.From, dataID = "company", in.Feedback.CompanyID
		}
	}
	if err != nil {
		return nil, reject(ReasonInvalid, "data: %v", err)
	}
	if dataID != id {
		return nil, reject(ReasonUnauthorized, "subject %s names %s %q but data.%s is %q; they must be equal", subject, strings.TrimSuffix(r.idField, "_id"), id, r.idField, dataID)
	}
	return in, nil
}

// inData reports whether a schema error concerns the event's data.
func inData(err error) bool {
	var se *schemas.Error
	if !errors.As(err, &se) {
		return false
	}
	for _, p := range se.Problems {
		if strings.HasPrefix(p, "at /data") {
			return true
		}
	}
	return false
}

func strictUnmarshal(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

func protectedFields(data map[string]any) []string {
	var bad []string
	for _, p := range protected {
		if _, ok := data[p]; ok {
			bad = append(bad, p)
		}
	}
	sort.Strings(bad)
	return bad
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func inboundTypes() []string {
	out := make([]string, len(routes))
	for i, r := range routes {
		out[i] = r.typ
	}
	return out
}

func idFieldOf(typ string) string {
	for _, r := range routes {
		if r.typ == typ {
			return r.idField
		}
	}
	return "id"
}

// AsReject returns the RejectError in err's chain.
func AsReject(err error) (*RejectError, bool) {
	var re *RejectError
	ok := errors.As(err, &re)
	return re, ok
}

// Encode returns the structured-mode CloudEvent of type typ with data.
func Encode(id, source, typ string, t time.Time, data any) ([]byte, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return nil, fmt.Errorf("encode %s data: %w", typ, err)
	}
	return json.Marshal(Envelope{SpecVersion: "1.0", ID: id, Source: source, Type: typ, Time: t.UTC(),
		DataContentType: "application/json", Data: raw})
}
