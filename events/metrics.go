package events

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Outcomes of an inbound event, the outcome label of EventsTotal.
const (
	OutcomeApplied      = "applied"
	OutcomeDuplicate    = "duplicate"
	OutcomeStale        = "stale"
	OutcomeDeadLettered = "dead_lettered"
	OutcomeRetried      = "retried"
)

// Metrics are the consumer's and publisher's Prometheus metrics.
type Metrics struct {
	EventsTotal      *prometheus.CounterVec
	EventDuration    *prometheus.HistogramVec
	MatchesPublished *prometheus.CounterVec
	DeadLetters      *prometheus.CounterVec
	InFlight         prometheus.Gauge
	Feedback         *prometheus.CounterVec
	// Redeliveries counts messages delivered more than once.
	Redeliveries prometheus.Counter
	// Gauges sampled by the daemon.
	ConsumerPending    prometheus.Gauge
	ConsumerAckPending prometheus.Gauge
	NATSConnected      prometheus.Gauge
	RedisUp            prometheus.Gauge
	MatchesHeld        prometheus.Gauge
}

var typeLabels = []string{TypeJobPosted, TypeJobClosed, TypeCandidateRegistered, TypeCandidateWithdrawn, TypeCampaignOpened, TypeCampaignClosed,
	TypeFeedbackCandidate, TypeFeedbackCompany, "unknown"}

// NewMetrics creates the metrics and registers them with reg (when non-nil).
// Every label combination starts at zero.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		EventsTotal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "talentmatch", Name: "events_total",
			Help: "Inbound events handled, by type and outcome (applied, duplicate, stale, dead_lettered, retried).",
		}, []string{"type", "outcome"}),
		EventDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "talentmatch", Name: "match_duration_seconds",
			Help:    "Time from receiving an inbound event to acknowledging it, matches published included.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"type"}),
		MatchesPublished: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "talentmatch", Name: "matches_published_total",
			Help: "Match events stored by JetStream (duplicates of an earlier publish not counted), by kind.",
		}, []string{"kind"}),
		DeadLetters: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "talentmatch", Name: "dead_letters_total",
			Help: "Inbound messages sent to the dead-letter stream, by reason.",
		}, []string{"reason"}),
		InFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "talentmatch", Name: "events_in_flight",
			Help: "Inbound events received and not yet acknowledged.",
		}),
		Feedback: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "talentmatch", Name: "feedback_total",
			Help: "Feedback events recorded (first of its kind for a pair), by kind: interested, declined, hired.",
		}, []string{"kind"}),
		Redeliveries: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "talentmatch", Name: "redeliveries_total",
			Help: "Inbound messages received again after an earlier delivery (a retry, an expired ack wait or a lost ack).",
		}),
		ConsumerPending: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "talentmatch", Name: "consumer_pending_messages",
			Help: "Inbound events in TALENT_IN not yet delivered to the matchd consumer (its lag).",
		}),
		ConsumerAckPending: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "talentmatch", Name: "consumer_ack_pending_messages",
			Help: "Inbound events delivered to matchd replicas and not yet acknowledged.",
		}),
		NATSConnected: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "talentmatch", Name: "nats_connected",
			Help: "1 when this replica is connected to NATS.",
		}),
		RedisUp: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "talentmatch", Name: "redis_up",
			Help: "1 when this replica's last Redis ping succeeded.",
		}),
		MatchesHeld: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "talentmatch", Name: "matches_held",
			Help: "Matches held back by the fair-share caps, over all campaigns.",
		}),
	}
	for _, k := range []string{"interested", "declined", "hired"} {
		m.Feedback.WithLabelValues(k)
	}
	for _, t := range typeLabels {
		for _, o := range []string{OutcomeApplied, OutcomeDuplicate, OutcomeStale, OutcomeDeadLettered, OutcomeRetried} {
			m.EventsTotal.WithLabelValues(t, o)
		}
		m.EventDuration.WithLabelValues(t)
	}
	for _, k := range []string{"created", "retracted"} {
		m.MatchesPublished.WithLabelValues(k)
	}
	for _, r := range Reasons {
		m.DeadLetters.WithLabelValues(string(r))
	}
	if reg != nil {
		reg.MustRegister(m.EventsTotal, m.EventDuration, m.MatchesPublished, m.DeadLetters, m.InFlight, m.Feedback, m.Redeliveries,
			m.ConsumerPending, m.ConsumerAckPending, m.NATSConnected, m.RedisUp, m.MatchesHeld)
	}
	return m
}
