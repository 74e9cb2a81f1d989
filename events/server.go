package events

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// MinServerVersion is the oldest nats-server talentmatch works with.
// matchd's JetStream client creates its durable consumer, and matchctl its
// ordered consumers, through the named-consumer API
// ($JS.API.CONSUMER.CREATE.<stream>.<consumer>) that nats-server 2.9 added;
// an older server does not understand it. Nothing else matchd uses (streams with
// a duplicate window, pull consumers with heartbeats, NakWithDelay, headers,
// the micro service protocol) needs more. The test suite runs against the
// embedded server of go.mod and against the distribution's binary (2.9.10
// on Debian 12).
const MinServerVersion = "2.9.0"

// CheckServer returns an error saying what to change when the server nc is
// connected to cannot serve talentmatch: older than MinServerVersion (the
// error says which version it found, which one is needed and why), or
// running without JetStream, for the server or for the connection's
// account. matchd exits with it instead of retrying requests that cannot
// succeed. Other failures of the JetStream probe, such as a cluster still
// electing its leader, are not reported: setup retries them.
func CheckServer(ctx context.Context, nc *nats.Conn) error {
	url := nc.ConnectedUrlRedacted()
	if err := checkServerVersion(nc.ConnectedServerVersion(), url); err != nil {
		return err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	switch _, err := js.AccountInfo(ctx); {
	case errors.Is(err, jetstream.ErrJetStreamNotEnabledForAccount):
		return fmt.Errorf("the NATS server at %s has JetStream, but not for matchd's account: enable it in the account's configuration (jetstream: enabled, as deploy/nats/nats-server.conf does)", url)
	case errors.Is(err, jetstream.ErrJetStreamNotEnabled):
		return fmt.Errorf("the NATS server at %s (nats-server %s) runs without JetStream, which talentmatch needs: "+
			"start it with -js (and -sd <dir> for its store) or give its configuration a jetstream block", url, nc.ConnectedServerVersion())
	}
	return nil
}

func checkServerVersion(found, url string) error {
	v, ok := parseVersion(found)
	if !ok {
		// A build that does not say its version is given the benefit
		// of the doubt.
		return nil
	}
	min, _ := parseVersion(MinServerVersion)
	for i := range v {
		if v[i] != min[i] {
			if v[i] > min[i] {
				return nil
			}
			return fmt.Errorf("the NATS server at %s is nats-server %s; talentmatch needs %s or later "+
				"(its JetStream consumers are created through the named-consumer API that 2.9 introduced): "+
				"upgrade the server (Debian 12's nats-server package is 2.9.10; deploy/ uses 2.12)", url, found, MinServerVersion)
		}
	}
	return nil
}

// parseVersion reads "2.9.10", "v2.10.0-beta.1" and the like into
// major, minor and patch.
func parseVersion(s string) ([3]int, bool) {
	var v [3]int
	s = strings.TrimPrefix(strings.TrimSpace(s), "v")
	if i := strings.IndexAny(s, "-+ "); i >= 0 {
		s = s[:i]
	}
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return v, false
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return v, false
		}
		v[i] = n
	}
	return v, true
}
