// Command matchctl is talentmatch's command-line tool: it publishes
// postings, profiles and campaigns as CloudEvents, watches match events, and
// plays a demo campaign through a running (or in-process) matchd.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

type command struct {
	name, usage string
	run         func(ctx context.Context, args []string) error
}

var commands []command

func init() {
	commands = []command{
		{"publish", "publish postings, profiles and campaigns from JSON or JSONL files", runPublish},
		{"watch", "print match events for a company, a candidate or a campaign", runWatch},
		{"demo", "play the bundled \"Remain in Zhongguancun\" campaign and print its matches", runDemo},
		{"extract", "read skills from free text, one text (or JSON object with id and text) per line", runExtract},
		{"eval", "measure match quality on jobs, candidates and relevance judgements, next to a baseline", runEval},
		{"eval-extract", "score matchctl extract on annotated sentences, next to literal label lookup", runEvalExtract},
		{"eval-gen", "generate a benchmark set (jobs, candidates, qrels) from the taxonomy", runEvalGen},
		{"bench", "load benchmark against matchd, with this machine's ceilings and a ZUNIONSTORE baseline", runBench},
		{"token", "print a query API token (development signing key) for a role and scope", runToken},
		{"dashboard", "print a campaign dashboard's address with an organizer's token", runDashboard},
		{"accounts", "set up NATS operator/JWT mode: operator, accounts, matchd's credentials", runAccounts},
		{"creds", "issue NATS credentials for a company, a candidate app, an organizer or an expert", runCreds},
		{"about", "print the version and the attribution of the taxonomy data", runAbout},
	}
}

func usage() {
	fmt.Fprintf(os.Stderr, "usage: matchctl <command> [flags]\n\ncommands:\n")
	for _, c := range commands {
		fmt.Fprintf(os.Stderr, "  %-10s %s\n", c.name, c.usage)
	}
	fmt.Fprintf(os.Stderr, "\nRun matchctl <command> -h for its flags. NATS is found through --nats, $NATS_URL,\nor the URL a local matchd wrote to data/nats.url.\n\nTaxonomy data: ESCO (European Commission, modified), O*NET 29.2 (USDOL/ETA, CC BY 4.0,\nmodified), NACE Rev. 2 (Eurostat); matchctl about prints the full attribution.\n")
}

func main() {
	if len(os.Args) < 2 || os.Args[1] == "-h" || os.Args[1] == "--help" || os.Args[1] == "help" {
		usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	for _, c := range commands {
		if c.name == os.Args[1] {
			err := c.run(ctx, os.Args[2:])
			if err != nil && !errors.Is(err, flag.ErrHelp) && !errors.Is(err, context.Canceled) {
				fmt.Fprintln(os.Stderr, "matchctl "+c.name+":", err)
				os.Exit(1)
			}
			return
		}
	}
	fmt.Fprintf(os.Stderr, "matchctl: unknown command %q\n\n", os.Args[1])
	usage()
	os.Exit(2)
}
