package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/talentmatch/talentmatch/internal/api"
	"github.com/talentmatch/talentmatch/internal/auth"
)

// verifier returns the verifier of the query API's bearer tokens: of the
// configured key file, or else of the development signing key under the
// data directory, created on first use (matchctl token signs with it).
func verifier(cfg Config, log *slog.Logger) (*auth.Verifier, error) {
	acfg := auth.Config{KeyFile: cfg.APIKeys, Issuer: cfg.APIIssuer, Audience: cfg.APIAudience}
	if acfg.KeyFile == "" {
		_, created, err := auth.DevKey(cfg.DataDir)
		if err != nil {
			return nil, err
		}
		acfg.KeyFile = filepath.Join(cfg.DataDir, auth.DevPublicKeyFile)
		log.Warn("no TALENTMATCH_API_KEYS: the query API trusts the development signing key of the data directory; "+
			"mint tokens with matchctl token, and configure your identity provider's keys in production",
			"key", filepath.Join(cfg.DataDir, auth.DevPrivateKeyFile), "created", created)
	}
	v, err := auth.NewVerifier(acfg)
	if err != nil {
		return nil, fmt.Errorf("query API tokens: %w (check TALENTMATCH_API_KEYS)", err)
	}
	return v, nil
}

// servers are matchd's two HTTP listeners: operations (/metrics, /healthz,
// /readyz, /debug/pprof) and the query API with the dashboard.
type servers struct {
	opsAddr, apiAddr string
	srvs             []*http.Server
	urlFile          string
}

// serveHTTP starts the listeners that cfg enables; each runs until shutdown
// and reports a failure on errc (without blocking if errc is full). wg
// counts their goroutines.
func serveHTTP(cfg Config, reg *prometheus.Registry, queries *api.API, h *health, wg *sync.WaitGroup, errc chan<- error) (*servers, error) {
	s := &servers{}
	if cfg.HTTPAddr == cfg.APIAddr && cfg.HTTPAddr != "" && cfg.HTTPAddr != "-" && !strings.HasSuffix(cfg.HTTPAddr, ":0") {
		return nil, fmt.Errorf("the operations address and the query API address are both %s: give them different ones (TALENTMATCH_HTTP_ADDR, TALENTMATCH_API_ADDR)", cfg.HTTPAddr)
	}
	listen := func(addr, what string, handler http.Handler) (string, error) {
		if addr == "" || addr == "-" {
			return "", nil
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			s.shutdown()
			return "", fmt.Errorf("listen on %s for %s: %w", addr, what, err)
		}
		srv := &http.Server{Handler: handler, ReadHeaderTimeout: 5 * time.Second}
		s.srvs = append(s.srvs, srv)
		wg.Add(1)
		go func() { // exits when srv is shut down
			defer wg.Done()
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				select {
				case errc <- err:
				default:
				}
			}
		}()
		return ln.Addr().String(), nil
	}
	ops := http.NewServeMux()
	ops.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	ops.HandleFunc("/healthz", h.live)
	ops.HandleFunc("/readyz", h.ready)
	if cfg.Pprof {
		ops.HandleFunc("/debug/pprof/", pprof.Index)
		ops.HandleFunc("/debug/pprof/profile", pprof.Profile)
		ops.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	var err error
	if s.opsAddr, err = listen(cfg.HTTPAddr, "/metrics and the probes (set TALENTMATCH_HTTP_ADDR)", ops); err != nil {
		return nil, err
	}
	apiMux := http.NewServeMux()
	queries.Routes(apiMux)
	if s.apiAddr, err = listen(cfg.APIAddr, "the query API (set TALENTMATCH_API_ADDR)", apiMux); err != nil {
		return nil, err
	}
	if s.apiAddr != "" {
		if err := writeURL(cfg.DataDir, APIURLFile, "http://"+s.apiAddr); err != nil {
			s.shutdown()
			return nil, err
		}
		s.urlFile = filepath.Join(cfg.DataDir, APIURLFile)
	}
	return s, nil
}

// shutdown stops the listeners, giving open requests 5 seconds. The live
// feeds end with their requests' contexts.
func (s *servers) shutdown() {
	var wg sync.WaitGroup
	for _, srv := range s.srvs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = srv.Shutdown(ctx)
		}()
	}
	wg.Wait()
	if s.urlFile != "" {
		_ = os.Remove(s.urlFile)
	}
}
