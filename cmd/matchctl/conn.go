package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/talentmatch/talentmatch/internal/daemon"
)

// natsFlags are the connection flags every command shares.
type natsFlags struct {
	url     string
	dataDir string
}

func (n *natsFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&n.url, "nats", os.Getenv("NATS_URL"), "NATS server URL ($NATS_URL; default: the URL in <data-dir>/nats.url, else nats://127.0.0.1:4222)")
	fs.StringVar(&n.dataDir, "data-dir", envOr("TALENTMATCH_DATA_DIR", "data"), "matchd's data directory, where an embedded NATS server leaves its URL")
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// resolve returns the URL to use and whether it was found (flag,
// environment or a local matchd's URL file) rather than defaulted.
func (n *natsFlags) resolve() (string, bool) {
	if n.url != "" {
		return n.url, true
	}
	if b, err := os.ReadFile(filepath.Join(n.dataDir, daemon.NATSURLFile)); err == nil {
		if u := strings.TrimSpace(string(b)); u != "" {
			return u, true
		}
	}
	return nats.DefaultURL, false
}

func connect(url string) (*nats.Conn, jetstream.JetStream, error) {
	nc, err := nats.Connect(url, nats.Name("matchctl"), nats.Timeout(5*time.Second))
	if err != nil {
		return nil, nil, fmt.Errorf("connect to NATS at %s: %w (is matchd running? start it with make run, or pass --nats)", url, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	return nc, js, nil
}
