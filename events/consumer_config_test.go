package events_test

import (
	"context"
	"testing"
	"time"

	"github.com/talentmatch/talentmatch/events"
	"github.com/talentmatch/talentmatch/internal/testenv"
	"github.com/talentmatch/talentmatch/matcher"
)

type nopHandler struct{}

func (nopHandler) Handle(context.Context, *events.Inbound) (matcher.Effect, error) {
	return matcher.Effect{Outcome: matcher.Applied}, nil
}

// TestConsumerAckWaitInForce checks that the ack wait the server applies is
// the configured one: a server-side BackOff would replace it by its first
// value (1 s), so an event handled for longer would be redelivered while
// still in progress.
func TestConsumerAckWaitInForce(t *testing.T) {
	tests := []struct {
		name    string
		ackWait time.Duration
		want    time.Duration
	}{
		{"default", 0, 30 * time.Second},
		{"configured", 45 * time.Second, 45 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, js := testenv.NATS(t)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if err := events.EnsureStreams(ctx, js, events.StreamConfig{}); err != nil {
				t.Fatal(err)
			}
			c, err := events.NewConsumer(ctx, js, nil, nopHandler{}, nil, events.ConsumerConfig{AckWait: tt.ackWait})
			if err != nil {
				t.Fatal(err)
			}
			info, err := c.Info(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if info.Config.AckWait != tt.want {
				t.Errorf("ack wait in force %v, want %v", info.Config.AckWait, tt.want)
			}
			if len(info.Config.BackOff) != 0 {
				t.Errorf("server-side back-off %v overrides the ack wait; want none", info.Config.BackOff)
			}
		})
	}
}
