package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/talentmatch/talentmatch/internal/auth"
	"github.com/talentmatch/talentmatch/internal/daemon"
)

// listFlag collects a repeatable flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// tokenFlags describe a token to mint with the development signing key.
type tokenFlags struct {
	dataDir, role, sub, candidate string
	campaigns, companies          listFlag
	ttl                           time.Duration
}

func (f *tokenFlags) register(fs *flag.FlagSet, roleDefault string) {
	fs.StringVar(&f.dataDir, "data-dir", envOr("TALENTMATCH_DATA_DIR", "data"), "matchd's data directory, holding the development signing key")
	fs.StringVar(&f.role, "role", roleDefault, "organizer, expert, company, candidate_app or operator")
	fs.StringVar(&f.sub, "sub", "", "subject: who the token is for (default: the role and scope)")
	fs.Var(&f.campaigns, "campaign", "a campaign of an organizer or expert (repeatable)")
	fs.Var(&f.companies, "company", "a company (repeatable)")
	fs.StringVar(&f.candidate, "candidate", "", "the candidate a candidate app acts for")
	fs.DurationVar(&f.ttl, "ttl", 8*time.Hour, "how long the token is valid")
}

func (f *tokenFlags) mint() (string, error) {
	key, _, err := auth.DevKey(f.dataDir)
	if err != nil {
		return "", err
	}
	c := auth.Claims{Role: auth.Role(f.role), Campaigns: f.campaigns, Companies: f.companies, Candidate: f.candidate}
	c.Subject = f.sub
	if c.Subject == "" {
		c.Subject = strings.Join(append([]string{f.role}, append(append(append([]string{}, f.campaigns...), f.companies...), f.candidate)...), ":")
		c.Subject = strings.TrimSuffix(c.Subject, ":")
	}
	c.Issuer = "matchctl-dev"
	c.ID = fmt.Sprintf("%x", time.Now().UnixNano())
	c.NotBefore = jwt.NewNumericDate(time.Now().Add(-time.Minute))
	return auth.Mint(key, c, f.ttl)
}

// runToken prints a query API token signed with the development key.
func runToken(_ context.Context, args []string) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	var f tokenFlags
	f.register(fs, "")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: matchctl token --role ROLE [--campaign ID]... [--company ID]... [--candidate ID] [--ttl 8h]\n\n"+
			"Prints a bearer token for the query API, signed with the development key of the data\n"+
			"directory (the key matchd trusts when TALENTMATCH_API_KEYS is not set). In production\n"+
			"tokens come from your identity provider.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if f.role == "" {
		fs.Usage()
		return errors.New("--role is required")
	}
	tok, err := f.mint()
	if err != nil {
		return err
	}
	fmt.Println(tok)
	return nil
}

// runDashboard prints the address of a campaign's dashboard with an
// organizer's token in the fragment.
func runDashboard(_ context.Context, args []string) error {
	fs := flag.NewFlagSet("dashboard", flag.ContinueOnError)
	var f tokenFlags
	f.register(fs, string(auth.RoleOrganizer))
	apiURL := fs.String("api", "", "the query API's base URL (default: the address a local matchd wrote to <data-dir>/api.url)")
	lang := fs.String("lang", "zh", "zh or en")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if len(f.campaigns) == 0 && f.role != string(auth.RoleOperator) {
		return errors.New("--campaign is required (or --role operator for every campaign)")
	}
	base := *apiURL
	if base == "" {
		b, err := os.ReadFile(filepath.Join(f.dataDir, daemon.APIURLFile))
		if err != nil {
			return fmt.Errorf("no --api and no %s: is matchd running with this data directory? %w", daemon.APIURLFile, err)
		}
		base = strings.TrimSpace(string(b))
	}
	tok, err := f.mint()
	if err != nil {
		return err
	}
	fmt.Println(dashboardURL(base, first(f.campaigns), *lang, tok))
	return nil
}

// dashboardURL is the dashboard of campaign (the picker when ""), with the
// token in the fragment: browsers never send it to a server.
func dashboardURL(base, campaign, lang, token string) string {
	u := strings.TrimSuffix(base, "/") + "/dashboard/?lang=" + lang
	if campaign != "" {
		u += "&campaign=" + campaign
	}
	return u + "#token=" + token
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}
