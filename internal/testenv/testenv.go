// Package testenv starts the real servers tests run against: a private
// redis-server child on a free loopback port and an embedded NATS server with
// JetStream. Each is stopped when the test ends; a test never touches a
// server it did not start.
package testenv

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/redis/go-redis/v9"

	"github.com/talentmatch/talentmatch/internal/natsserver"
	"github.com/talentmatch/talentmatch/internal/redisserver"
)

// RedisServer starts a redis-server for the test. The test fails with a
// clear message when redis-server is not installed.
func RedisServer(t testing.TB, opts ...func(*redisserver.Options)) *redisserver.Server {
	t.Helper()
	o := redisserver.Options{Dir: t.TempDir()}
	for _, f := range opts {
		f(&o)
	}
	s, err := redisserver.Start(context.Background(), o)
	if err != nil {
		t.Fatalf("start redis-server for the test (tests need a real Redis; install redis-server): %v", err)
	}
	t.Cleanup(func() { _ = s.Stop() })
	return s
}

// Redis starts a redis-server for the test and returns a client of it.
func Redis(t testing.TB) *redis.Client {
	t.Helper()
	s := RedisServer(t)
	c := redis.NewClient(&redis.Options{Addr: s.Addr()})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// NATSServer starts an embedded NATS server with JetStream on a free port.
func NATSServer(t testing.TB) *server.Server {
	t.Helper()
	s, err := natsserver.Start(natsserver.Options{Port: -1, StoreDir: t.TempDir()})
	if err != nil {
		t.Fatalf("start embedded nats: %v", err)
	}
	t.Cleanup(func() {
		s.Shutdown()
		s.WaitForShutdown()
	})
	return s
}

// NATS starts an embedded server and returns a connection and its
// JetStream context.
func NATS(t testing.TB) (*server.Server, *nats.Conn, jetstream.JetStream) {
	t.Helper()
	s := NATSServer(t)
	nc, js := Connect(t, s.ClientURL())
	return s, nc, js
}

// Connect connects to url for the test.
func Connect(t testing.TB, url string) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	nc, err := nats.Connect(url, nats.Timeout(5*time.Second))
	if err != nil {
		t.Fatalf("connect to nats: %v", err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return nc, js
}
