package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nats-io/jwt/v2"

	"github.com/talentmatch/talentmatch/internal/auth"
	"github.com/talentmatch/talentmatch/internal/daemon"
)

// TestCredsCommands: accounts init and creds write credentials a party can
// use (mode 0600, the party's name and permissions); bad parties are
// refused with a clear error.
func TestCredsCommands(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "secrets")
	captureStdout(t, func() {
		if err := runAccounts(context.Background(), []string{"init", "--dir", dir}); err != nil {
			t.Fatal(err)
		}
	})
	out := captureStdout(t, func() {
		if err := runCreds(context.Background(), []string{"--dir", dir, "--role", "company", "--id", "acme", "--ttl", "24h"}); err != nil {
			t.Fatal(err)
		}
	})
	path := filepath.Join(dir, "creds", "company-acme.creds")
	if !strings.Contains(out, path) || !strings.Contains(out, "_INBOX_company-acme") {
		t.Errorf("creds printed %q", out)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("creds file: %v, mode %v", err, fi)
	}
	b, _ := os.ReadFile(path)
	tok, err := jwt.ParseDecoratedJWT(b)
	if err != nil {
		t.Fatal(err)
	}
	uc, err := jwt.DecodeUserClaims(tok)
	if err != nil {
		t.Fatal(err)
	}
	if uc.Name != "company-acme" || uc.Expires == 0 || !uc.Permissions.Pub.Allow.Contains("talent.jobs.posted.acme") {
		t.Errorf("user claims %+v", uc)
	}
	for _, args := range [][]string{
		{"--dir", dir, "--role", "company", "--id", "acme.*"},
		{"--dir", dir, "--role", "expert", "--id", "wang"},
		{"--dir", dir, "--role", "admin", "--id", "x"},
		{"--dir", filepath.Join(dir, "missing"), "--role", "company", "--id", "acme"},
	} {
		if err := runCreds(context.Background(), args); err == nil {
			t.Errorf("creds %v: accepted", args)
		}
	}
}

// TestTokenCommands: matchctl token and matchctl dashboard mint tokens the
// development key verifies, with the role and scope asked for.
func TestTokenCommands(t *testing.T) {
	dir := t.TempDir()
	out := captureStdout(t, func() {
		if err := runToken(context.Background(), []string{"--data-dir", dir, "--role", "organizer", "--campaign", "remain-zgc"}); err != nil {
			t.Fatal(err)
		}
	})
	v, err := auth.NewVerifier(auth.Config{KeyFile: filepath.Join(dir, auth.DevPublicKeyFile)})
	if err != nil {
		t.Fatal(err)
	}
	c, err := v.Verify(strings.TrimSpace(out))
	if err != nil || c.Role != auth.RoleOrganizer || !c.Campaign("remain-zgc") || c.Campaign("other") {
		t.Fatalf("token claims %+v, %v", c, err)
	}
	if err := os.WriteFile(filepath.Join(dir, daemon.APIURLFile), []byte("http://127.0.0.1:8091\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out = captureStdout(t, func() {
		if err := runDashboard(context.Background(), []string{"--data-dir", dir, "--campaign", "remain-zgc"}); err != nil {
			t.Fatal(err)
		}
	})
	base, tok, ok := strings.Cut(strings.TrimSpace(out), "#token=")
	if !ok || base != "http://127.0.0.1:8091/dashboard/?lang=zh&campaign=remain-zgc" {
		t.Fatalf("dashboard printed %q", out)
	}
	if _, err := v.Verify(tok); err != nil {
		t.Fatal(err)
	}
	if err := runToken(context.Background(), []string{"--data-dir", dir, "--role", "company"}); err == nil {
		t.Error("a company token without --company was minted")
	}
}
