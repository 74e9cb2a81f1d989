// Package natsserver runs an embedded NATS server with JetStream: matchd's
// default when no NATS_URL is given, and the server of the tests.
package natsserver

import (
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Options configures an embedded server.
type Options struct {
	// Host to listen on. Default 127.0.0.1.
	Host string
	// Port to listen on; -1 picks a free one. Default 4222; if it is taken
	// the server falls back to a free port (see Server.ClientURL).
	Port int
	// StoreDir holds JetStream's file store. Required.
	StoreDir string
	// MaxPayload is the largest message accepted, in bytes. Default 16 MB,
	// so that oversized events reach matchd and are dead-lettered with a
	// reason rather than refused by the server.
	MaxPayload int32
	// ServerName names the server. Default "talentmatch-embedded".
	ServerName string
}

// Start starts a server and waits until it accepts connections.
func Start(o Options) (*server.Server, error) {
	if o.Host == "" {
		o.Host = "127.0.0.1"
	}
	if o.Port == 0 {
		o.Port = 4222
	}
	if o.MaxPayload == 0 {
		o.MaxPayload = 16 << 20
	}
	if o.ServerName == "" {
		o.ServerName = "talentmatch-embedded"
	}
	if o.StoreDir == "" {
		return nil, errors.New("embedded nats: a store directory is required")
	}
	if o.Port != -1 && !free(o.Host, o.Port) {
		o.Port = -1
	}
	return start(o)
}

func free(host string, port int) bool {
	l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return false
	}
	l.Close()
	return true
}

func start(o Options) (*server.Server, error) {
	s, err := server.NewServer(&server.Options{
		ServerName: o.ServerName,
		Host:       o.Host,
		Port:       o.Port,
		JetStream:  true,
		StoreDir:   o.StoreDir,
		MaxPayload: o.MaxPayload,
		NoSigs:     true,
		NoLog:      true,
	})
	if err != nil {
		return nil, fmt.Errorf("embedded nats: %w", err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		s.Shutdown()
		return nil, fmt.Errorf("embedded nats on %s:%d did not become ready", o.Host, o.Port)
	}
	return s, nil
}

// Cluster is servers with JetStream routed to each other in this process.
type Cluster struct {
	Servers []*server.Server
}

// StartCluster starts n servers with JetStream in this process, routed to
// each other as the cluster "talentmatch" on loopback, with their stores
// under dir, and waits until they accept connections. Streams on it can
// have up to n replicas: it returns once a JetStream meta leader is
// elected and every server is current with it.
func StartCluster(dir string, n int) (*Cluster, error) {
	ports := make([]int, 2*n)
	for i := range ports {
		p, err := freePort()
		if err != nil {
			return nil, err
		}
		ports[i] = p
	}
	var routes []string
	for i := 0; i < n; i++ {
		routes = append(routes, fmt.Sprintf("nats://127.0.0.1:%d", ports[n+i]))
	}
	c := &Cluster{}
	for i := 0; i < n; i++ {
		s, err := server.NewServer(&server.Options{
			ServerName: fmt.Sprintf("talentmatch-%d", i),
			Host:       "127.0.0.1",
			Port:       ports[i],
			JetStream:  true,
			StoreDir:   filepath.Join(dir, fmt.Sprint("nats", i)),
			MaxPayload: 16 << 20,
			Cluster:    server.ClusterOpts{Name: "talentmatch", Host: "127.0.0.1", Port: ports[n+i]},
			Routes:     server.RoutesFromStr(strings.Join(routes, ",")),
			NoSigs:     true,
			NoLog:      true,
		})
		if err != nil {
			c.Stop()
			return nil, fmt.Errorf("embedded nats cluster: %w", err)
		}
		go s.Start()
		c.Servers = append(c.Servers, s)
	}
	for _, s := range c.Servers {
		if !s.ReadyForConnections(60 * time.Second) {
			c.Stop()
			return nil, errors.New("embedded nats cluster did not become ready")
		}
	}
	for deadline := time.Now().Add(30 * time.Second); !metaReady(c.Servers); time.Sleep(50 * time.Millisecond) { // the election is polled: the server announces no event
		if time.Now().After(deadline) {
			c.Stop()
			return nil, errors.New("embedded nats cluster elected no JetStream meta leader")
		}
	}
	return c, nil
}

// Stop shuts every server down and waits until they have stopped.
func (c *Cluster) Stop() {
	for _, s := range c.Servers {
		s.Shutdown()
		s.WaitForShutdown()
	}
}

// URL is the client URL list of the servers, as NATS_URL takes it.
func (c *Cluster) URL() string {
	urls := make([]string, len(c.Servers))
	for i, s := range c.Servers {
		urls[i] = s.ClientURL()
	}
	return strings.Join(urls, ",")
}

func metaReady(servers []*server.Server) bool {
	leader := false
	for _, s := range servers {
		if !s.JetStreamIsCurrent() {
			return false
		}
		leader = leader || s.JetStreamIsLeader()
	}
	return leader
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
