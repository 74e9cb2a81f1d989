package events

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// StreamConfig configures the three streams.
type StreamConfig struct {
	// Replicas of each stream: 1 on a single server, 3 in a cluster.
	// Default 1.
	Replicas int
	// InMaxAge is how long inbound events are kept. Default 7 days.
	InMaxAge time.Duration
	// MatchesMaxAge is how long match events are kept. Default 30 days.
	MatchesMaxAge time.Duration
	// DLQMaxAge is how long dead letters are kept. Default 30 days.
	DLQMaxAge time.Duration
	// DuplicateWindow is how long JetStream remembers message ids to drop
	// republished events. Default 20 minutes.
	DuplicateWindow time.Duration
	// MaxMsgSize bounds a stored message; dead letters carry the original
	// bytes, so it should not be below the server's max_payload. Default 16 MB.
	MaxMsgSize int32
}

func (c *StreamConfig) setDefaults() {
	if c.Replicas == 0 {
		c.Replicas = 1
	}
	if c.InMaxAge == 0 {
		c.InMaxAge = 7 * 24 * time.Hour
	}
	if c.MatchesMaxAge == 0 {
		c.MatchesMaxAge = 30 * 24 * time.Hour
	}
	if c.DLQMaxAge == 0 {
		c.DLQMaxAge = 30 * 24 * time.Hour
	}
	if c.DuplicateWindow == 0 {
		c.DuplicateWindow = 20 * time.Minute
	}
	if c.MaxMsgSize == 0 {
		c.MaxMsgSize = 16 << 20
	}
}

// EnsureStreams creates or updates TALENT_IN, TALENT_MATCHES and TALENT_DLQ.
func EnsureStreams(ctx context.Context, js jetstream.JetStream, cfg StreamConfig) error {
	cfg.setDefaults()
	streams := []jetstream.StreamConfig{
		{Name: StreamIn, Description: "talentmatch inbound events: postings, profiles, campaigns",
			Subjects: SubjectsIn, MaxAge: cfg.InMaxAge, Duplicates: cfg.DuplicateWindow},
		{Name: StreamMatches, Description: "talentmatch match events",
			Subjects: SubjectsMatches, MaxAge: cfg.MatchesMaxAge, Duplicates: cfg.DuplicateWindow},
		{Name: StreamDLQ, Description: "talentmatch dead letters: inbound messages that could not be applied",
			Subjects: SubjectsDLQ, MaxAge: cfg.DLQMaxAge, Duplicates: cfg.DuplicateWindow},
	}
	for _, s := range streams {
		s.Storage = jetstream.FileStorage
		s.Retention = jetstream.LimitsPolicy
		s.Replicas = cfg.Replicas
		s.MaxMsgSize = cfg.MaxMsgSize
		s.Discard = jetstream.DiscardOld
		if _, err := js.CreateOrUpdateStream(ctx, s); err != nil {
			return fmt.Errorf("create or update stream %s: %w", s.Name, err)
		}
	}
	return nil
}
