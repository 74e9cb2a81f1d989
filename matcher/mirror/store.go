package mirror

import (
	"context"

	"github.com/talentmatch/talentmatch/matcher"
)

// Store wraps the shared store so that this replica's own writes reach its
// mirror at once: the engine ranks right after writing, and the follower
// then finds the change already applied and skips reading it back.
// Removals still arrive through the change log.
type Store struct {
	matcher.Store
	Mirror *Mirror
}

// PutJob implements matcher.Entities.
func (s Store) PutJob(ctx context.Context, f *matcher.JobFeatures, v matcher.Version) (matcher.Outcome, error) {
	out, err := s.Store.PutJob(ctx, f, v)
	if err == nil && out == matcher.Applied {
		s.Mirror.Apply(matcher.Change{Op: matcher.ChangePut, Rev: f.Rev, Job: f})
	}
	return out, err
}

// PutCandidate implements matcher.Entities.
func (s Store) PutCandidate(ctx context.Context, f *matcher.CandidateFeatures, v matcher.Version) (matcher.Outcome, error) {
	out, err := s.Store.PutCandidate(ctx, f, v)
	if err == nil && out == matcher.Applied {
		s.Mirror.Apply(matcher.Change{Op: matcher.ChangePut, Rev: f.Rev, Candidate: f})
	}
	return out, err
}
