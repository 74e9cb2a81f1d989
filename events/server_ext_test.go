package events_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/talentmatch/talentmatch/events"
	"github.com/talentmatch/talentmatch/internal/testenv"
)

// TestCheckServer: a server with JetStream passes; one without is refused
// at once with the flag to add.
func TestCheckServer(t *testing.T) {
	_, nc, _ := testenv.NATS(t)
	if err := events.CheckServer(context.Background(), nc); err != nil {
		t.Errorf("embedded server with JetStream: %v", err)
	}

	s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go s.Start()
	t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats server without JetStream did not start")
	}
	plain, _ := testenv.Connect(t, s.ClientURL())
	start := time.Now()
	err = events.CheckServer(context.Background(), plain)
	if err == nil || !strings.Contains(err.Error(), "without JetStream") || !strings.Contains(err.Error(), "-js") {
		t.Errorf("server without JetStream: %v, want an error saying to start it with -js", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the check took %v; it should answer at once", d)
	}
}
