// Command matchd is the talentmatch matching service: it consumes job
// postings, candidate profiles and campaigns from NATS JetStream, keeps state
// in Redis and publishes match events. See the README for configuration.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/talentmatch/talentmatch/internal/daemon"
)

func main() {
	cfg := daemon.Defaults()
	fs := flag.NewFlagSet("matchd", flag.ExitOnError)
	cfg.Flags(fs)
	_ = fs.Parse(os.Args[1:])
	if err := cfg.Validate(); err != nil {
		fmt.Fprintln(os.Stderr, "matchd:", err)
		os.Exit(2)
	}
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	if os.Getenv("GOGC") == "" {
		// matchd allocates mostly short-lived per-event garbage next to a
		// long-lived index: collecting half as often saves CPU for little
		// memory. GOGC overrides it.
		debug.SetGCPercent(200)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := daemon.Run(ctx, cfg, log, nil); err != nil {
		log.Error("matchd failed", "error", err)
		os.Exit(1)
	}
}
