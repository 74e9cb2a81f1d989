package testenv

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/talentmatch/talentmatch/internal/redisserver"
)

// NATSServerBinary returns the nats-server executable of the system: the
// one in TALENTMATCH_NATS_SERVER, else the distribution's
// /usr/sbin/nats-server (Debian's package nats-server), else nats-server on
// PATH. The test fails, saying how to install it, when there is none.
func NATSServerBinary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("TALENTMATCH_NATS_SERVER"); p != "" {
		return p
	}
	if _, err := os.Stat("/usr/sbin/nats-server"); err == nil {
		return "/usr/sbin/nats-server"
	}
	if p, err := exec.LookPath("nats-server"); err == nil {
		return p
	}
	t.Fatal("no nats-server binary: install the distribution's (apt-get install -y nats-server; make test does) or set TALENTMATCH_NATS_SERVER")
	return ""
}

// NATSBinary starts a nats-server process of the system's binary (see
// NATSServerBinary) with JetStream on a free loopback port and a store in a
// temporary directory, and returns its client URL. It is stopped when the
// test ends.
func NATSBinary(t testing.TB) string {
	t.Helper()
	bin := NATSServerBinary(t)
	port, err := redisserver.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var out bytes.Buffer
	cmd := exec.Command(bin, "-a", "127.0.0.1", "-p", fmt.Sprint(port), "-js", "-sd", filepath.Join(dir, "js"), "-n", "test")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }() // exits with the process
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
	})
	url := fmt.Sprintf("nats://127.0.0.1:%d", port)
	deadline := time.Now().Add(20 * time.Second)
	for {
		nc, err := nats.Connect(url, nats.Timeout(time.Second))
		if err == nil {
			t.Logf("%s: nats-server %s with JetStream at %s", bin, nc.ConnectedServerVersion(), url)
			nc.Close()
			return url
		}
		select {
		case err := <-done:
			t.Fatalf("%s exited: %v\n%s", bin, err, out.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not accept connections on %s: %v\n%s", bin, url, err, out.String())
		}
	}
}
