// Package readme runs the shell blocks of README.md and deploy/README.md, so
// that a changed flag, subject or field breaks the build rather than the
// reader. See TestREADME.
package readme

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/talentmatch/talentmatch/events"
	"github.com/talentmatch/talentmatch/internal/daemon"
	"github.com/talentmatch/talentmatch/internal/testenv"
)

// skipMarker, on the line before a fenced block, keeps the block from
// running; a reason must follow it: <!-- readme-test: skip: <reason> -->.
const skipMarker = "<!-- readme-test: skip:"

// shellLangs are the info strings of shell blocks. Every fenced block must
// name its language, so that a shell block cannot hide as plain text.
var shellLangs = map[string]bool{"sh": true, "bash": true, "shell": true, "console": true}

// block is a fenced code block of a Markdown file.
type block struct {
	file, lang, code, skip string
	line                   int
}

func (b block) String() string { return fmt.Sprintf("%s:%d", b.file, b.line) }

// blocks returns the fenced blocks of the Markdown file name (relative to
// the repository root).
func blocks(t *testing.T, name string) []block {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "..", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []block
	var cur *block
	var code strings.Builder
	prev := ""
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case cur == nil && strings.HasPrefix(trimmed, "```"):
			cur = &block{file: name, line: n, lang: strings.TrimSpace(strings.TrimPrefix(trimmed, "```"))}
			if r, ok := strings.CutPrefix(strings.TrimSpace(prev), skipMarker); ok {
				cur.skip = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(r), "-->"))
				if cur.skip == "" {
					t.Errorf("%s: a skip marker needs a reason: %s <reason> -->", cur, skipMarker)
					cur.skip = "?"
				}
			}
			code.Reset()
		case cur != nil && trimmed == "```":
			cur.code = code.String()
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			code.WriteString(line + "\n")
		}
		prev = line
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if cur != nil {
		t.Fatalf("%s: fenced block never closed", cur)
	}
	return out
}

// natsCLI returns the directory of the nats CLI, which the README says to
// install with go install (internal/dev/setup.sh does).
func natsCLI(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("nats"); err == nil {
		return filepath.Dir(p)
	}
	out, err := exec.Command("go", "env", "GOBIN", "GOPATH").Output()
	if err != nil {
		t.Fatalf("go env: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	dir := strings.TrimSpace(lines[0])
	if dir == "" && len(lines) > 1 {
		dir = filepath.Join(strings.TrimSpace(lines[1]), "bin")
	}
	if _, err := os.Stat(filepath.Join(dir, "nats")); err != nil {
		t.Fatal("the nats CLI is not installed: run make test (internal/dev/setup.sh installs it as the README says)")
	}
	return dir
}

// prelude is sourced before each block. It bounds what never ends by
// itself, catches what the nats CLI lets pass, and stands in for what needs
// a person:
//   - nats sub runs for 2 s (it must start, accept its flags and subject,
//     and be still subscribed when stopped);
//   - nats pub records its subject, which must then hold a message in
//     TALENT_IN (a mistyped subject is stored by no stream);
//   - nats req fails on "No responders" and on a service error, for which
//     the CLI exits 0;
//   - open URL, which would start a browser, fetches the page and fails
//     unless it answers 200.
const prelude = `set -euo pipefail
nats() {
	local bin rc=0 out
	bin=$(type -P nats)
	case "${1:-}" in
	sub)
		timeout 2 "$bin" "$@" || rc=$?
		[ "$rc" = 124 ] && return 0
		return "$rc"
		;;
	pub)
		printf '%s\n' "${2:-}" >>"$README_PUBS"
		"$bin" "$@"
		;;
	req)
		out=$("$bin" "$@" 2>&1) || rc=$?
		printf '%s\n' "$out"
		if grep -q -e 'No responders' -e 'Nats-Service-Error' <<<"$out"; then return 1; fi
		return "$rc"
		;;
	*) "$bin" "$@" ;;
	esac
}
open() { curl -fsS -o /dev/null "$1"; }
`

// TestREADME runs every shell block of README.md and deploy/README.md, in
// order, with bash against a matchd it starts (embedded NATS on a free
// port, a private redis-server), from a directory whose data/ is that
// matchd's data directory (so data/nats.url is its URL, as with make run),
// with 127.0.0.1:8090 in a block replaced by its HTTP address. A block
// marked <!-- readme-test: skip: reason --> does not run: the commands of
// the suite itself, and those that need Docker, Kubernetes or a real
// cluster. A block fails on the first command that fails (set -e,
// pipefail); at the end no README example may have been dead-lettered.
func TestREADME(t *testing.T) {
	cliDir := natsCLI(t)
	if _, err := exec.LookPath("jq"); err != nil {
		t.Fatal("jq is not installed: run make test (internal/dev/setup.sh installs it)")
	}
	// The CLI setup.sh installs is the one the README tells readers to.
	setup, err := os.ReadFile("../setup.sh")
	if err != nil {
		t.Fatal(err)
	}
	_, version, _ := strings.Cut(string(setup), "\nNATSCLI_VERSION=")
	version, _, _ = strings.Cut(version, "\n")
	readme, err := os.ReadFile("../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if version == "" || !strings.Contains(string(readme), "go install github.com/nats-io/natscli/nats@"+version+"\n") {
		t.Errorf("internal/dev/setup.sh installs the nats CLI %q; README.md must say go install github.com/nats-io/natscli/nats@%s", version, version)
	}

	var all []block
	for _, f := range []string{"README.md", "deploy/README.md"} {
		all = append(all, blocks(t, f)...)
	}
	var run []block
	for _, b := range all {
		if b.lang == "" {
			t.Errorf("%s: fenced block without a language: name it (sh for shell, text for output)", b)
		}
		if shellLangs[b.lang] && b.skip == "" {
			run = append(run, b)
		}
	}
	if len(run) < 5 {
		t.Fatalf("only %d runnable shell blocks found in the READMEs", len(run))
	}

	work := t.TempDir()
	rs := testenv.RedisServer(t)
	cfg := daemon.Defaults()
	cfg.EmbeddedNATSPort = -1
	cfg.RedisURL = rs.URL()
	cfg.DataDir = filepath.Join(work, "data")
	cfg.HTTPAddr = "127.0.0.1:0"
	cfg.APIAddr = "127.0.0.1:0"
	cfg.Shards = 4
	info, stop, err := daemon.Start(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("matchd stopped with %v", err)
		}
	})
	_, js := testenv.Connect(t, info.NATSURL)

	// matchctl and matchd as make build gives them, on the PATH.
	binDir := t.TempDir()
	build := exec.Command("go", "build", "-o", binDir+string(os.PathSeparator), "./cmd/...")
	build.Dir = "../../.."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the commands: %v\n%s", err, out)
	}
	pubs := filepath.Join(t.TempDir(), "pubs")
	env := append(os.Environ(), "PATH="+binDir+string(os.PathListSeparator)+cliDir+string(os.PathListSeparator)+os.Getenv("PATH"), "NATS_URL="+info.NATSURL,
		"README_PUBS="+pubs, "GOBIN="+t.TempDir())
	for _, b := range run {
		code := strings.ReplaceAll(b.code, "127.0.0.1:8090", info.HTTPAddr)
		code = strings.ReplaceAll(code, "127.0.0.1:8091", info.APIAddr)
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		cmd := exec.CommandContext(ctx, "bash", "-c", prelude+code)
		cmd.Dir, cmd.Env = work, env
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		start := time.Now()
		err := cmd.Run()
		cancel()
		if err != nil {
			t.Errorf("%s: the block failed (%v):\n%s\n--- output:\n%s", b, err, b.code, out.String())
			continue
		}
		t.Logf("%s: ran in %.1f s", b, time.Since(start).Seconds())
	}

	// Every event of the READMEs is valid: none became a dead letter.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := waitProcessed(ctx, js); err != nil {
		t.Fatal(err)
	}
	in, err := js.Stream(ctx, events.StreamIn)
	if err != nil {
		t.Fatal(err)
	}
	published, _ := os.ReadFile(pubs)
	subjects := strings.Fields(string(published))
	if len(subjects) == 0 {
		t.Error("the READMEs published nothing with nats pub")
	}
	// A withdrawal erases the candidate's events from the stream
	// (docs/compliance.md), so what is checked is that the stream stores
	// the subject and took every message.
	for _, subj := range subjects {
		if name, err := js.StreamNameBySubject(ctx, subj); err != nil || name != events.StreamIn {
			t.Errorf("nats pub %s: stored by stream %q (%v), want %s: a mistyped subject", subj, name, err, events.StreamIn)
		}
	}
	if si, err := in.Info(ctx); err != nil {
		t.Fatal(err)
	} else if int(si.State.LastSeq) < len(subjects) {
		t.Errorf("%s took %d messages; the READMEs published %d", events.StreamIn, si.State.LastSeq, len(subjects))
	}
	s, err := js.Stream(ctx, events.StreamDLQ)
	if err != nil {
		t.Fatal(err)
	}
	if si, err := s.Info(ctx); err != nil {
		t.Fatal(err)
	} else if si.State.Msgs != 0 {
		msg, _ := s.GetMsg(ctx, si.State.FirstSeq)
		why := ""
		if msg != nil {
			why = msg.Subject + ": " + msg.Header.Get(events.HeaderError)
		}
		t.Errorf("%d README example(s) were dead-lettered, the first on %s", si.State.Msgs, why)
	}
}

// waitProcessed waits until matchd's consumer has acknowledged everything
// in TALENT_IN.
func waitProcessed(ctx context.Context, js jetstream.JetStream) error {
	for {
		c, err := js.Consumer(ctx, events.StreamIn, "matchd")
		if err == nil {
			if ci, err := c.Info(ctx); err == nil && ci.NumPending == 0 && ci.NumAckPending == 0 {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("matchd did not process the README's events: %w", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}
