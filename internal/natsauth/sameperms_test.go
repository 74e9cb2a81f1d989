package natsauth_test

import (
	"slices"
	"testing"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/talentmatch/talentmatch/internal/natsauth"
)

// TestSamePermissionsAsShipped: the credentials matchctl creds issues carry
// exactly the permissions of deploy/nats/nats-server.conf's example users.
func TestSamePermissionsAsShipped(t *testing.T) {
	for _, env := range []string{"MATCHD_PASSWORD", "ACME_PASSWORD", "CANDIDATE_PASSWORD", "ORGANIZER_PASSWORD", "EXPERT_PASSWORD", "SYS_PASSWORD"} {
		t.Setenv(env, "pw")
	}
	opts, err := server.ProcessConfigFile("../../deploy/nats/nats-server.conf")
	if err != nil {
		t.Fatal(err)
	}
	users := map[string]*server.User{}
	for _, u := range opts.Users {
		users[u.Username] = u
	}
	for _, p := range []natsauth.Party{matchd, acme, cand42, organizer, expert} {
		t.Run(p.Name(), func(t *testing.T) {
			u, ok := users[p.Name()]
			if !ok {
				t.Fatalf("deploy/nats/nats-server.conf has no user %s", p.Name())
			}
			perm := p.Permissions()
			sorted := func(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }
			if got, want := sorted(perm.Pub.Allow), sorted(u.Permissions.Publish.Allow); !slices.Equal(got, want) {
				t.Errorf("publish:\n issued  %v\n shipped %v", got, want)
			}
			if got, want := sorted(perm.Sub.Allow), sorted(u.Permissions.Subscribe.Allow); !slices.Equal(got, want) {
				t.Errorf("subscribe:\n issued  %v\n shipped %v", got, want)
			}
			if (perm.Resp != nil) != (u.Permissions.Response != nil) {
				t.Errorf("allow_responses: issued %v, shipped %v", perm.Resp != nil, u.Permissions.Response != nil)
			}
		})
	}
}
