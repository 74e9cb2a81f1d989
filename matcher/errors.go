package matcher

import "errors"

// Errors of the engine. A handler error wraps one of these or an error of a
// dependency; Permanent tells the caller whether retrying can help.
var (
	// ErrInvalid marks an event whose content cannot be applied (for
	// example a job whose required skills name nothing). Retrying cannot
	// help: the event belongs in the dead-letter stream.
	ErrInvalid = errors.New("invalid event")
	// ErrConflict means state changed under the handler (another replica
	// updated an entity it relied on). Retrying the event resolves it.
	ErrConflict = errors.New("concurrent update, retry")
)

// Permanent reports whether err is an error that retrying cannot mend.
func Permanent(err error) bool { return errors.Is(err, ErrInvalid) }
