package daemon

import "github.com/prometheus/client_golang/prometheus"

// gauges are the daemon's own metrics, sampled by monitor: the consumer's
// lag and the connections to NATS and Redis. The consumer's and
// publisher's metrics are events.Metrics.
type gauges struct {
	consumerPending    prometheus.Gauge
	consumerAckPending prometheus.Gauge
	natsConnected      prometheus.Gauge
	redisUp            prometheus.Gauge
	matchesHeld        prometheus.Gauge
}

// newGauges creates the gauges and registers them with reg.
func newGauges(reg prometheus.Registerer) *gauges {
	m := &gauges{
		consumerPending: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "talentmatch", Name: "consumer_pending_messages",
			Help: "Inbound events in TALENT_IN not yet delivered to the matchd consumer (its lag).",
		}),
		consumerAckPending: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "talentmatch", Name: "consumer_ack_pending_messages",
			Help: "Inbound events delivered to matchd replicas and not yet acknowledged.",
		}),
		natsConnected: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "talentmatch", Name: "nats_connected",
			Help: "1 when this replica is connected to NATS.",
		}),
		redisUp: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "talentmatch", Name: "redis_up",
			Help: "1 when this replica's last Redis ping succeeded.",
		}),
		matchesHeld: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "talentmatch", Name: "matches_held",
			Help: "Matches held back by the fair-share caps, over all campaigns.",
		}),
	}
	reg.MustRegister(m.consumerPending, m.consumerAckPending, m.natsConnected, m.redisUp, m.matchesHeld)
	return m
}
