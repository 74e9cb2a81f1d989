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
		reg.MustRegister(m.EventsTotal, m.EventDuration, m.MatchesPublished, m.DeadLetters, m.InFlight, m.Feedback, m.Redeliveries)
	}
	return m
}
