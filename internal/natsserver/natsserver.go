// Package natsserver runs an embedded NATS server with JetStream: matchd's
// default when no NATS_URL is given, and the server of the tests.
package natsserver

import (
	"errors"
	"fmt"
	"net"
	"strconv"
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
