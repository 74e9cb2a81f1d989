package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/talentmatch/talentmatch/internal/natsauth"
)

const defaultAccountsDir = "deploy/nats/secrets"

// runAccounts sets up NATS operator/JWT mode: matchctl accounts init.
func runAccounts(_ context.Context, args []string) error {
	if len(args) == 0 || args[0] != "init" {
		fmt.Fprintf(os.Stderr, "usage: matchctl accounts init [--dir %s]\n\n"+
			"Creates the NATS operator, the TALENT account (JetStream) and the system account,\n"+
			"matchd's credentials (creds/matchd.creds) and resolver.conf, which\n"+
			"deploy/nats/nats-server-jwt.conf includes. Then issue credentials with matchctl creds.\n", defaultAccountsDir)
		return flag.ErrHelp
	}
	fs := flag.NewFlagSet("accounts init", flag.ContinueOnError)
	dir := fs.String("dir", defaultAccountsDir, "accounts directory (secrets: mode 0700, keep it out of the repository)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if err := natsauth.Init(*dir); err != nil {
		return err
	}
	fmt.Printf("NATS accounts in %s:\n  %s  include it in nats-server's configuration (deploy/nats/nats-server-jwt.conf does)\n"+
		"  %s  for matchd: NATS_CREDS=%s NATS_INBOX_PREFIX=_INBOX_matchd\n"+
		"Keep %s and %s offline; %s issues credentials (matchctl creds).\n",
		*dir, filepath.Join(*dir, natsauth.ResolverFile), filepath.Join(*dir, natsauth.CredsDir, "matchd.creds"),
		filepath.Join(*dir, natsauth.CredsDir, "matchd.creds"), natsauth.OperatorSeedFile, natsauth.AccountSeedFile, natsauth.AccountSigningSeedFile)
	return nil
}

// runCreds issues one party's NATS credentials.
func runCreds(_ context.Context, args []string) error {
	fs := flag.NewFlagSet("creds", flag.ContinueOnError)
	dir := fs.String("dir", defaultAccountsDir, "accounts directory made by matchctl accounts init")
	role := fs.String("role", "", "company, candidate, organizer, expert or matchd")
	id := fs.String("id", "", "company id, candidate id, campaign id (organizer) or the expert's own id")
	campaign := fs.String("campaign", "", "the campaign an expert reviews")
	ttl := fs.Duration("ttl", 0, "validity of the credentials (0: no expiry)")
	out := fs.String("out", "", "file to write (default <dir>/creds/<name>.creds); - prints them")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: matchctl creds --role ROLE --id ID [--campaign ID] [--ttl 8760h] [--out FILE]\n\n"+
			"Issues NATS credentials (user JWT and seed) for one party, with the permissions of\n"+
			"deploy/nats/nats-server.conf and a durable consumer <name> on TALENT_MATCHES filtered\n"+
			"to its own matches. The client connects with the file and the inbox prefix _INBOX_<name>.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *role == "" {
		fs.Usage()
		return errors.New("--role is required")
	}
	acc, err := natsauth.Load(*dir)
	if err != nil {
		return err
	}
	p := natsauth.Party{Role: natsauth.Role(*role), ID: *id, Campaign: *campaign}
	if *out == "-" {
		b, err := acc.Creds(p, *ttl)
		if err != nil {
			return err
		}
		_, err = os.Stdout.Write(b)
		return err
	}
	path := *out
	if path == "" {
		if path, err = acc.WriteCreds(p, *ttl); err != nil {
			return err
		}
	} else {
		b, err := acc.Creds(p, *ttl)
		if err != nil {
			return err
		}
		if err := os.WriteFile(path, b, 0o600); err != nil {
			return err
		}
	}
	until := "with no expiry"
	if *ttl > 0 {
		until = "until " + time.Now().Add(*ttl).UTC().Format(time.RFC3339)
	}
	fmt.Printf("%s: user %s, valid %s\n  connect with the file and inbox prefix %s; its durable consumer on TALENT_MATCHES is %q, filter %s\n",
		path, p.Name(), until, p.InboxPrefix(), p.Name(), p.MatchFilter())
	return nil
}
