// Package redisserver runs a private redis-server as a child process: for
// matchd when no Redis is configured or reachable, and for tests, which never
// touch a server they did not start.
package redisserver

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
)

// Options configures a server.
type Options struct {
	// Bin is the redis-server executable. Default "redis-server" from PATH.
	Bin string
	// Dir holds the server's data files and log. Required.
	Dir string
	// Port to listen on at 127.0.0.1; 0 picks a free one.
	Port int
	// AppendOnly turns on AOF persistence (fsync every second).
	AppendOnly bool
	// Args are extra configuration arguments ("--maxmemory", "64mb", ...).
	Args []string
	// StartTimeout bounds the wait for the server to answer PING. Default 10s.
	StartTimeout time.Duration
}

// Server is a running redis-server child.
type Server struct {
	cmd  *exec.Cmd
	addr string
	opts Options
	done chan struct{}
	err  error
}

// ErrNotInstalled means redis-server is not on PATH.
var ErrNotInstalled = errors.New("redis-server is not installed (on Debian: apt-get install -y redis-server)")

// Start starts a server and waits until it answers PING.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.Bin == "" {
		opts.Bin = "redis-server"
	}
	if opts.StartTimeout == 0 {
		opts.StartTimeout = 10 * time.Second
	}
	bin, err := exec.LookPath(opts.Bin)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotInstalled, err)
	}
	opts.Bin = bin
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("redis data dir: %w", err)
	}
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		o := opts
		if o.Port == 0 {
			if o.Port, err = FreePort(); err != nil {
				return nil, err
			}
		}
		s, err := start(ctx, o)
		if err == nil {
			return s, nil
		}
		lastErr = err
		if opts.Port != 0 {
			break
		}
	}
	return nil, lastErr
}

func start(ctx context.Context, o Options) (*Server, error) {
	aof := "no"
	if o.AppendOnly {
		aof = "yes"
	}
	args := []string{"--port", strconv.Itoa(o.Port), "--bind", "127.0.0.1", "--dir", o.Dir,
		"--save", "", "--appendonly", aof, "--appendfsync", "everysec", "--daemonize", "no",
		"--logfile", filepath.Join(o.Dir, "redis.log"), "--protected-mode", "yes"}
	args = append(args, o.Args...)
	cmd := exec.Command(o.Bin, args...)
	// Its own process group (a Ctrl-C for the parent is not sent to it), and
	// killed when the parent dies, so that no server outlives its owner.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start redis-server: %w", err)
	}
	s := &Server{cmd: cmd, addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(o.Port)), opts: o, done: make(chan struct{})}
	go func() { s.err = cmd.Wait(); close(s.done) }()
	if err := s.waitReady(ctx); err != nil {
		_ = s.Stop()
		log, _ := os.ReadFile(filepath.Join(o.Dir, "redis.log"))
		return nil, fmt.Errorf("redis-server on %s did not start: %w\n%s", s.addr, err, tail(log, 800))
	}
	return s, nil
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// waitReady polls PING until it answers or the process exits.
func (s *Server) waitReady(ctx context.Context) error {
	c := redis.NewClient(&redis.Options{Addr: s.addr, MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	defer c.Close()
	deadline := time.Now().Add(s.opts.StartTimeout)
	for delay := 5 * time.Millisecond; ; delay = min(delay*2, 200*time.Millisecond) {
		if err := c.Ping(ctx).Err(); err == nil || isAuthError(err) {
			return nil // it answers (and wants a password)
		} else if time.Now().After(deadline) {
			return err
		}
		select {
		case <-s.done:
			return fmt.Errorf("redis-server exited: %v", s.err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
	}
}

func isAuthError(err error) bool {
	s := err.Error()
	return strings.HasPrefix(s, "NOAUTH") || strings.HasPrefix(s, "WRONGPASS")
}

// Addr returns host:port.
func (s *Server) Addr() string { return s.addr }

// URL returns redis://host:port.
func (s *Server) URL() string { return "redis://" + s.addr }

// PID returns the process id.
func (s *Server) PID() int { return s.cmd.Process.Pid }

// Done is closed when the process has exited.
func (s *Server) Done() <-chan struct{} { return s.done }

// Stop terminates the server (SIGTERM, then SIGKILL after 5s) and waits. It
// is idempotent.
func (s *Server) Stop() error {
	select {
	case <-s.done:
		return nil
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	return nil
}

// Kill kills the server with SIGKILL and waits.
func (s *Server) Kill() {
	_ = s.cmd.Process.Kill()
	<-s.done
}

// Pause stops the process (SIGSTOP); Resume continues it (SIGCONT).
func (s *Server) Pause() error  { return s.cmd.Process.Signal(syscall.SIGSTOP) }
func (s *Server) Resume() error { return s.cmd.Process.Signal(syscall.SIGCONT) }

// Restart stops the server and starts it again on the same port and dir.
func (s *Server) Restart(ctx context.Context) (*Server, error) {
	_ = s.Stop()
	return start(ctx, s.opts)
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
// It is drawn below the kernel's ephemeral range (32768 and up on Linux),
// so that outgoing connections of other processes cannot take it between
// this check and the server's bind, and so that port+10000 (a Redis
// Cluster bus port) is valid and free as well.
func FreePort() (int, error) {
	for range 200 {
		p := 15000 + rand.IntN(22000-15000)
		if free(p) && free(p+10000) {
			return p, nil
		}
	}
	return 0, errors.New("find a free port: none in 15000-22000")
}

func free(port int) bool {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return false
	}
	_ = l.Close()
	return true
}
