package events

import "fmt"

// Reason is why a message went to the dead-letter stream; it is the last
// token of its talent.dlq subject.
type Reason string

// Reasons of the contract.
const (
	ReasonMalformed    Reason = "malformed"
	ReasonInvalid      Reason = "invalid"
	ReasonUnauthorized Reason = "unauthorized"
	ReasonUnknownType  Reason = "unknown_type"
	ReasonTooLarge     Reason = "too_large"
	ReasonMaxDeliver   Reason = "max_deliver"
)

// Reasons lists every reason, for metrics.
var Reasons = []Reason{ReasonMalformed, ReasonInvalid, ReasonUnauthorized, ReasonUnknownType, ReasonTooLarge, ReasonMaxDeliver}

// RejectError is a message that cannot be applied: it goes to the
// dead-letter stream with Reason and the sentence Msg, and is never retried.
type RejectError struct {
	Reason Reason
	Msg    string
}

func (e *RejectError) Error() string { return fmt.Sprintf("%s: %s", e.Reason, e.Msg) }

func reject(r Reason, format string, args ...any) *RejectError {
	return &RejectError{Reason: r, Msg: fmt.Sprintf(format, args...)}
}
