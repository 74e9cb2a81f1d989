package events

import (
	"context"
	"testing"
)

// TestDeleteTwiceIsAlreadyGone deletes a message twice on a real server, as
// two replicas erasing one candidate do: the second failure must read as
// already erased, not as an error that retries the withdrawal.
func TestDeleteTwiceIsAlreadyGone(t *testing.T) {
	js, ctx := streams(t)
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
