// Package daemon composes matchd: it connects (or starts) NATS and Redis,
// builds the matcher, runs the consumer and serves health and metrics until
// its context ends, then drains. cmd/matchd only parses configuration and
// calls Run; tests and tools run the same code in-process.
package daemon

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config is matchd's configuration. Every field can be set by a flag and by
// an environment variable; see Flags.
type Config struct {
	// NATSURL of the NATS servers (comma-separated). Empty: start an
	// embedded server with JetStream under DataDir.
	NATSURL string
	// NATSUser and NATSPassword authenticate to NATS (or put them in the
	// URL). NATSCreds is a JWT credentials file; NATSNKey an NKEY seed file.
	NATSUser, NATSPassword string
	NATSCreds, NATSNKey    string
	// NATSCA, NATSCert and NATSKey configure TLS to NATS: a CA to trust,
	// and a client certificate and key for mutual TLS.
	NATSCA, NATSCert, NATSKey string
	// NATSInboxPrefix is the prefix of matchd's reply subjects, so that
	// server permissions can confine it ("_INBOX_matchd" with the shipped
	// configuration). Default: the NATS default.
	NATSInboxPrefix string
	// EmbeddedNATSPort is the embedded server's port; if taken, a free one
	// is used. Default 4222.
	EmbeddedNATSPort int
	// RedisURL of Redis (redis://[user:pass@]host:port/db). Empty: use
	// 127.0.0.1:6379 when something answers there, else start a private
	// redis-server under DataDir. "embedded" always starts the private one.
	RedisURL string
	// RedisUsername and RedisPassword authenticate to Redis (an ACL user),
	// instead of putting them in the URL. RedisCA is a CA file to trust for
	// rediss:// (TLS) URLs.
	RedisUsername, RedisPassword, RedisCA string
	// RedisWaitReplicas makes every write wait until that many replicas
	// of its primary hold it (Redis WAIT), so that a failover loses
	// nothing already acknowledged. Default 0. Use 1 with replicas.
	RedisWaitReplicas int
	// RedisWaitTimeout bounds that wait; a write not replicated in time
	// fails and its event is retried. Default 500ms.
	RedisWaitTimeout time.Duration
	// DataDir holds the embedded NATS store and the private Redis's files.
	// Default "data".
	DataDir string
	// Prefix namespaces the Redis keys. Default "talentmatch".
	Prefix string
	// Shards is the number of Redis shards. Default 16.
	Shards int
	// MinScore is the default threshold of a match. Default 0.45.
	MinScore float64
	// TopK is the default number of matches one event may create per
	// campaign. Default 20.
	TopK int
	// HTTPAddr serves the operations endpoints /metrics, /healthz,
	// /readyz (and /debug/pprof). Default 127.0.0.1:8090; "-" disables it.
	HTTPAddr string
	// APIAddr serves the query API, the live feeds and the dashboard, which
	// ask for a bearer token. Default 127.0.0.1:8091; "-" disables it.
	APIAddr string
	// APIKeys is a file of the public keys that sign the query API's
	// tokens (PEM or JWKS). Empty: a development key is created under
	// DataDir (matchctl token signs with it).
	APIKeys string
	// APIIssuer, when set, is the iss every token must carry.
	APIIssuer string
	// APIAudience every token must name. Default "talentmatch".
	APIAudience string
	// Ranker is how candidates and jobs are retrieved: "mirror" (an
	// in-memory copy of the Redis index in each replica, followed through
	// Redis's change log) or "redis" (inverted indexes read from Redis for
	// every event). Default "mirror".
	Ranker string
	// Workers handle events concurrently. Default 64.
	Workers int
	// MaxAckPending bounds unacknowledged events. Default 1024.
	MaxAckPending int
	// AckWait before JetStream redelivers. Default 30s.
	AckWait time.Duration
	// MaxDeliver attempts before an event is dead-lettered. Default 8.
	MaxDeliver int
	// RetryBackoff is the delay before each redelivery of a failed event;
	// the last value repeats. Default 1s,2s,5s,10s,30s,1m.
	RetryBackoff []time.Duration
	// MaxEventBytes is the largest event accepted. Default 64 KiB.
	MaxEventBytes int
	// StreamReplicas of each stream. Default 1.
	StreamReplicas int
	// LogLevel is debug, info, warn or error. Default info.
	LogLevel string
	// Pprof serves /debug/pprof on HTTPAddr. Default off.
	Pprof bool
	// Retention erases a candidate's profile (retracting their matches)
	// this long after their last registration. Default 0: kept until
	// withdrawal.
	Retention time.Duration
	// RetentionCheck is how often expired profiles are looked for.
	// Default one minute.
	RetentionCheck time.Duration
	// JobHourlyCap and CandidateDailyCap are the fair-share caps: the most
	// new matches one job receives per hour, and one candidate per day, in
	// a campaign (or the open pool) unless the campaign overrides them;
	// the rest are held and released best first as room appears. 0 means
	// no cap. Defaults 50 and 20.
	JobHourlyCap, CandidateDailyCap int
	// SweepInterval is how often campaign windows are checked and held
	// matches released. Default 2s.
	SweepInterval time.Duration
	// StatsTTL is how long a campaign's statistics are reused by queries
	// (they scan the campaign). Default 2s.
	StatsTTL time.Duration
}

// Defaults returns the default configuration.
func Defaults() Config {
	return Config{
		EmbeddedNATSPort:  4222,
		DataDir:           "data",
		Prefix:            "talentmatch",
		Shards:            16,
		MinScore:          0.45,
		TopK:              20,
		HTTPAddr:          "127.0.0.1:8090",
		APIAddr:           "127.0.0.1:8091",
		APIAudience:       "talentmatch",
		Ranker:            "mirror",
		Workers:           64,
		MaxAckPending:     1024,
		AckWait:           30 * time.Second,
		MaxDeliver:        8,
		MaxEventBytes:     64 << 10,
		StreamReplicas:    1,
		LogLevel:          "info",
		RetentionCheck:    time.Minute,
		RedisWaitTimeout:  500 * time.Millisecond,
		JobHourlyCap:      50,
		CandidateDailyCap: 20,
		SweepInterval:     2 * time.Second,
		StatsTTL:          2 * time.Second,
	}
}

// Validate reports a configuration that cannot work.
func (c *Config) Validate() error {
	var errs []error
	if c.MinScore < 0 || c.MinScore > 1 {
		errs = append(errs, fmt.Errorf("min score %v is outside [0, 1]", c.MinScore))
	}
	if c.TopK < 1 {
		errs = append(errs, fmt.Errorf("top-k %d is below 1", c.TopK))
	}
	if c.Workers < 1 || c.MaxAckPending < 1 || c.MaxDeliver < 1 {
		errs = append(errs, errors.New("workers, max ack pending and max deliver must be at least 1"))
	}
	if c.JobHourlyCap < 0 || c.CandidateDailyCap < 0 {
		errs = append(errs, errors.New("match caps must be 0 (no cap) or more"))
	}
	if c.SweepInterval <= 0 {
		errs = append(errs, errors.New("sweep interval must be positive"))
	}
	if c.Ranker != "mirror" && c.Ranker != "redis" {
		errs = append(errs, fmt.Errorf("ranker %q: want mirror or redis", c.Ranker))
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("log level %q: want debug, info, warn or error", s)
	}
	return l, nil
}

// Flags registers every setting on fs, with the environment variable that
// sets it too; values come from c (the defaults) and then the environment.
// The environment variables are listed in the README.
func (c *Config) Flags(fs *flag.FlagSet) {
	str := func(p *string, name, env, usage string) {
		if v, ok := os.LookupEnv(env); ok {
			*p = v
		}
		fs.StringVar(p, name, *p, usage+" ($"+env+")")
	}
	num := func(p *int, name, env, usage string) {
		if v, ok := os.LookupEnv(env); ok {
			if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
				*p = n
			}
		}
		fs.IntVar(p, name, *p, usage+" ($"+env+")")
	}
	str(&c.NATSURL, "nats-url", "NATS_URL", "NATS server URLs; empty starts an embedded server")
	str(&c.NATSUser, "nats-user", "NATS_USER", "NATS user")
	str(&c.NATSPassword, "nats-password", "NATS_PASSWORD", "NATS password (prefer the environment to the command line)")
	str(&c.NATSCreds, "nats-creds", "NATS_CREDS", "NATS JWT credentials file")
	str(&c.NATSNKey, "nats-nkey", "NATS_NKEY", "NATS NKEY seed file")
	str(&c.NATSCA, "nats-ca", "NATS_CA", "CA certificate file for TLS to NATS")
	str(&c.NATSCert, "nats-cert", "NATS_CERT", "client certificate file for mutual TLS to NATS")
	str(&c.NATSKey, "nats-key", "NATS_KEY", "client key file for mutual TLS to NATS")
	str(&c.NATSInboxPrefix, "nats-inbox-prefix", "NATS_INBOX_PREFIX", "prefix of matchd's reply subjects, for server permissions")
	num(&c.EmbeddedNATSPort, "embedded-nats-port", "TALENTMATCH_EMBEDDED_NATS_PORT", "port of the embedded NATS server")
	str(&c.RedisURL, "redis-url", "REDIS_URL", "Redis URL; empty uses 127.0.0.1:6379 if reachable, else a private redis-server; \"embedded\" always starts one")
	str(&c.RedisUsername, "redis-username", "REDIS_USERNAME", "Redis ACL user")
	str(&c.RedisPassword, "redis-password", "REDIS_PASSWORD", "Redis password (prefer the environment to the command line)")
	str(&c.RedisCA, "redis-ca", "REDIS_CA", "CA certificate file for rediss:// (TLS)")
	num(&c.RedisWaitReplicas, "redis-wait-replicas", "TALENTMATCH_REDIS_WAIT_REPLICAS", "replicas every Redis write must reach before an event is acknowledged (1 with replicas)")
	if v, ok := os.LookupEnv("TALENTMATCH_REDIS_WAIT_TIMEOUT"); ok {
		if d, err := time.ParseDuration(v); err == nil {
			c.RedisWaitTimeout = d
		}
	}
	fs.DurationVar(&c.RedisWaitTimeout, "redis-wait-timeout", c.RedisWaitTimeout, "bound of that wait ($TALENTMATCH_REDIS_WAIT_TIMEOUT)")
	str(&c.DataDir, "data-dir", "TALENTMATCH_DATA_DIR", "directory for the embedded NATS store and private Redis")
	str(&c.Prefix, "prefix", "TALENTMATCH_PREFIX", "Redis key prefix")
	num(&c.Shards, "shards", "TALENTMATCH_SHARDS", "Redis shards (fixed per deployment)")
	if v, ok := os.LookupEnv("TALENTMATCH_MIN_SCORE"); ok {
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			c.MinScore = f
		}
	}
	fs.Float64Var(&c.MinScore, "min-score", c.MinScore, "default match threshold in [0,1] ($TALENTMATCH_MIN_SCORE)")
	num(&c.TopK, "top-k", "TALENTMATCH_TOP_K", "default matches created per event and campaign")
	str(&c.HTTPAddr, "http-addr", "TALENTMATCH_HTTP_ADDR", "address of /metrics, /healthz, /readyz (\"-\" disables)")
	str(&c.APIAddr, "api-addr", "TALENTMATCH_API_ADDR", "address of the query API, the live feeds and the dashboard, with bearer tokens (\"-\" disables)")
	str(&c.APIKeys, "api-keys", "TALENTMATCH_API_KEYS", "file of the public keys (PEM or JWKS) that sign the API's tokens; empty: a development key in the data directory")
	str(&c.APIIssuer, "api-issuer", "TALENTMATCH_API_ISSUER", "iss every API token must carry (empty: any)")
	str(&c.APIAudience, "api-audience", "TALENTMATCH_API_AUDIENCE", "aud every API token must name")
	str(&c.Ranker, "ranker", "TALENTMATCH_RANKER", "retrieval: mirror (in-memory copy of the Redis index) or redis")
	num(&c.Workers, "workers", "TALENTMATCH_WORKERS", "events handled at once")
	num(&c.MaxAckPending, "max-ack-pending", "TALENTMATCH_MAX_ACK_PENDING", "unacknowledged events allowed")
	if v, ok := os.LookupEnv("TALENTMATCH_ACK_WAIT"); ok {
		if d, err := time.ParseDuration(v); err == nil {
			c.AckWait = d
		}
	}
	fs.DurationVar(&c.AckWait, "ack-wait", c.AckWait, "time before an unacknowledged event is redelivered ($TALENTMATCH_ACK_WAIT)")
	num(&c.MaxDeliver, "max-deliver", "TALENTMATCH_MAX_DELIVER", "attempts before an event is dead-lettered")
	fs.Func("retry-backoff", "comma-separated redelivery delays, e.g. 1s,5s,30s ($TALENTMATCH_RETRY_BACKOFF)", c.setBackoff)
	if v, ok := os.LookupEnv("TALENTMATCH_RETRY_BACKOFF"); ok {
		_ = c.setBackoff(v)
	}
	num(&c.MaxEventBytes, "max-event-bytes", "TALENTMATCH_MAX_EVENT_BYTES", "largest event accepted")
	num(&c.StreamReplicas, "stream-replicas", "TALENTMATCH_STREAM_REPLICAS", "replicas of each stream (3 in a cluster)")
	if v, ok := os.LookupEnv("TALENTMATCH_PROFILE_RETENTION"); ok {
		if d, err := time.ParseDuration(v); err == nil {
			c.Retention = d
		}
	}
	fs.DurationVar(&c.Retention, "profile-retention", c.Retention, "erase a candidate this long after their last registration, e.g. 4320h; 0 keeps profiles until withdrawal ($TALENTMATCH_PROFILE_RETENTION)")
	num(&c.JobHourlyCap, "max-matches-per-job-per-hour", "TALENTMATCH_MAX_MATCHES_PER_JOB_PER_HOUR", "fair share: new matches one job receives per hour in a campaign (0: no cap)")
	num(&c.CandidateDailyCap, "max-matches-per-candidate-per-day", "TALENTMATCH_MAX_MATCHES_PER_CANDIDATE_PER_DAY", "fair share: new matches one candidate receives per day in a campaign (0: no cap)")
	if v, ok := os.LookupEnv("TALENTMATCH_SWEEP_INTERVAL"); ok {
		if d, err := time.ParseDuration(v); err == nil {
			c.SweepInterval = d
		}
	}
	fs.DurationVar(&c.SweepInterval, "sweep-interval", c.SweepInterval, "how often campaign windows are checked and held matches released ($TALENTMATCH_SWEEP_INTERVAL)")
	if v, ok := os.LookupEnv("TALENTMATCH_STATS_TTL"); ok {
		if d, err := time.ParseDuration(v); err == nil {
			c.StatsTTL = d
		}
	}
	fs.DurationVar(&c.StatsTTL, "stats-ttl", c.StatsTTL, "how long a campaign's statistics are reused by queries ($TALENTMATCH_STATS_TTL)")
	fs.BoolVar(&c.Pprof, "pprof", c.Pprof, "serve /debug/pprof on the HTTP address")
	str(&c.LogLevel, "log-level", "TALENTMATCH_LOG_LEVEL", "debug, info, warn or error")
}

func (c *Config) setBackoff(v string) error {
	var out []time.Duration
	for _, p := range strings.Split(v, ",") {
		d, err := time.ParseDuration(strings.TrimSpace(p))
		if err != nil || d <= 0 {
			return fmt.Errorf("retry backoff %q: want durations like 1s,5s,30s", v)
		}
		out = append(out, d)
	}
	c.RetryBackoff = out
	return nil
}

// String describes the configuration without its secrets, for logs.
func (c Config) String() string {
	hide := func(s string) string {
		if s == "" {
			return ""
		}
		return "***"
	}
	c.NATSPassword, c.RedisPassword = hide(c.NATSPassword), hide(c.RedisPassword)
	c.NATSURL, c.RedisURL = redactUserinfo(c.NATSURL), redactUserinfo(c.RedisURL)
	type plain Config
	return fmt.Sprintf("%+v", plain(c))
}

// redactUserinfo hides the password in a URL list.
func redactUserinfo(urls string) string {
	var out []string
	for _, u := range strings.Split(urls, ",") {
		if at := strings.LastIndex(u, "@"); at >= 0 {
			if scheme := strings.Index(u, "://"); scheme >= 0 && scheme < at {
				userinfo := u[scheme+3 : at]
				if user, _, ok := strings.Cut(userinfo, ":"); ok {
					u = u[:scheme+3] + user + ":***" + u[at:]
				}
			}
		}
		out = append(out, u)
	}
	return strings.Join(out, ",")
}
