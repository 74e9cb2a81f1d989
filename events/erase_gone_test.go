package events

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/talentmatch/talentmatch/internal/natsserver"
)

// TestDeleteTwiceIsAlreadyGone deletes a message twice on a real server, as
// two replicas erasing one candidate do: the second failure must read as
// already erased, not as an error that retries the withdrawal.
func TestDeleteTwiceIsAlreadyGone(t *testing.T) {
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
	defer cancel()
	if err := EnsureStreams(ctx, js, StreamConfig{}); err != nil {
		t.Fatal(err)
	}
	ack, err := js.Publish(ctx, "talent.candidates.registered.c1", []byte("{}"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := js.Stream(ctx, StreamIn)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SecureDeleteMsg(ctx, ack.Sequence); err != nil {
		t.Fatal(err)
	}
	err = s.SecureDeleteMsg(ctx, ack.Sequence)
	if err == nil || !alreadyGone(err) {
		t.Fatalf("second delete: %v; want an error that reads as already gone", err)
	}
	if alreadyGone(context.DeadlineExceeded) {
		t.Error("a timeout reads as already gone")
	}
}
