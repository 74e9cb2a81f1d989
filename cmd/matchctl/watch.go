package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/talentmatch/talentmatch/events"
	"github.com/talentmatch/talentmatch/matcher"
)

func runWatch(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("watch", flag.ContinueOnError)
	var nf natsFlags
	nf.register(fs)
	company := fs.String("company", "", "show the matches of this company")
	candidate := fs.String("candidate", "", "show the matches of this candidate")
	campaign := fs.String("campaign", "", "show the matches of this campaign (\"open\" for the open pool)")
	all := fs.Bool("all", false, "start from the first stored event instead of new ones")
	dlq := fs.Bool("dlq", false, "watch dead letters instead of matches")
	asJSON := fs.Bool("json", false, "print each event as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	url, _ := nf.resolve()
	nc, js, err := connect(url)
	if err != nil {
		return err
	}
	defer nc.Close()
	stream, filter := events.StreamMatches, watchFilter(*company, *candidate, *campaign)
	if *dlq {
		stream, filter = events.StreamDLQ, "talent.dlq.>"
	}
	cfg := jetstream.OrderedConsumerConfig{FilterSubjects: []string{filter}, DeliverPolicy: jetstream.DeliverNewPolicy}
	if *all {
		cfg.DeliverPolicy = jetstream.DeliverAllPolicy
	}
	cons, err := js.OrderedConsumer(ctx, stream, cfg)
	if err != nil {
		return fmt.Errorf("watch %s: %w", filter, err)
	}
	fmt.Fprintf(os.Stderr, "watching %s on %s (Ctrl-C to stop)\n", filter, url)
	cc, err := cons.Consume(func(m jetstream.Msg) {
		switch {
		case *asJSON:
			fmt.Println(string(m.Data()))
		case *dlq:
			fmt.Printf("%s  %-28s %s\n      %s\n", time.Now().Format("15:04:05"), m.Subject(), m.Headers().Get(events.HeaderOriginalSubject), m.Headers().Get(events.HeaderError))
		default:
			env, match, err := events.DecodeMatch(m.Data())
			if err != nil {
				fmt.Fprintln(os.Stderr, "undecodable match event:", err)
				return
			}
			printMatch(os.Stdout, env, match)
		}
	})
	if err != nil {
		return err
	}
	defer cc.Stop()
	<-ctx.Done()
	return nil
}

// watchFilter returns the subject filter of the matches one user receives.
func watchFilter(company, candidate, campaign string) string {
	tok := func(s string) string {
		if s == "" {
			return "*"
		}
		return s
	}
	return fmt.Sprintf("talent.matches.*.%s.%s.%s", tok(campaign), tok(company), tok(candidate))
}

// printMatch prints a match event for a person.
func printMatch(w io.Writer, env events.Envelope, m matcher.Match) {
	at := env.Time.Local().Format("15:04:05")
	if env.Type == events.TypeMatchRetracted {
		fmt.Fprintf(w, "%s  RETRACTED  %s/%s ✕ %s  [%s] (%s)\n", at, m.CompanyID, m.JobID, m.CandidateID, m.CampaignID, m.Trigger)
		return
	}
	fmt.Fprintf(w, "%s  MATCH  %s/%s ↔ %s  [%s]  score %.2f (skills %.2f, industry %.2f)\n",
		at, m.CompanyID, m.JobID, m.CandidateID, m.CampaignID, m.Score, m.SkillScore, m.IndustryScore)
	var parts []string
	if len(m.MatchedSkills) > 0 {
		parts = append(parts, "matched: "+strings.Join(m.MatchedSkills, ", "))
	}
	for _, p := range m.PartialSkills {
		parts = append(parts, fmt.Sprintf("%s via %s (%.0f%%)", p.Skill, p.Via, p.Credit*100))
	}
	if len(m.MissingRequiredSkills) > 0 {
		parts = append(parts, "missing: "+strings.Join(m.MissingRequiredSkills, ", "))
	}
	if len(m.MatchedIndustries) > 0 {
		parts = append(parts, "industry: "+strings.Join(m.MatchedIndustries, ", "))
	}
	if len(parts) > 0 {
		fmt.Fprintf(w, "          %s\n", strings.Join(parts, " · "))
	}
}
