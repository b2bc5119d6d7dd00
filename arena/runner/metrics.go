package runner

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the judge figures an operator alerts on. Judges run only in
// the runner, on the leader, so the runner owns them; the names are those
// docs/alerts.yml uses.
type metrics struct {
	judgeLatency *prometheus.HistogramVec
	judgeErrors  *prometheus.CounterVec
	judgeGaveUp  *prometheus.CounterVec
	judgeFailed  *prometheus.CounterVec
	backlog      prometheus.GaugeFunc
	houseTopUps  prometheus.Counter
}

// newMetrics creates the runner's metrics and registers them with reg
// (nil: kept but not exported).
func newMetrics(reg prometheus.Registerer, backlog func() float64, buffer int) *metrics {
	m := &metrics{
		judgeLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "arena_judge_seconds",
			Help:    "Time one judge call took to rank a contest's entries, by judge.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 18),
		}, []string{"judge"}),
		judgeErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "arena_judge_errors_total",
			Help: "Judge calls that failed (the contest stays judging and is retried until it is given up), by judge.",
		}, []string{"judge"}),
		judgeFailed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "arena_judge_failures_total",
			Help: "Judge calls that failed, by judge and kind: auth (401/403: the key), quota (429 insufficient_quota), rate_limited (429), not_found (404: model or URL), bad_request (other 4xx), server (5xx), timeout (--judge-timeout), stream (an error inside a streamed reply), unusable (a reply with no usable verdict), no_judge.",
		}, []string{"judge", "kind"}),
		judgeGaveUp: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "arena_judge_given_up_total",
			Help: "Contests whose judging was given up past --judge-give-up-after (error=transient) or --judge-give-up-permanent-after (error=permanent) and which were aborted with their stakes refunded.",
		}, []string{"error"}),
		houseTopUps: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "arena_house_top_up_minor_units_total",
			Help: "Credit (minor units) this node, as leader, granted the built-in bots' wallet to keep it at --house-floor: what the bots lost to other owners' agents.",
		}),
		backlog: prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "arena_runner_event_backlog",
			Help: fmt.Sprintf("Committed events waiting for the leader's contest runner beyond its %d-event buffer (growing: the runner falls behind; it drops none).", buffer),
		}, backlog),
	}
	// Both series exist from the start at 0, so an alert on increase()
	// sees the first contest given up.
	for _, kind := range []string{"permanent", "transient"} {
		m.judgeGaveUp.WithLabelValues(kind)
	}
	if reg != nil {
		reg.MustRegister(m.judgeLatency, m.judgeErrors, m.judgeFailed, m.judgeGaveUp, m.backlog, m.houseTopUps)
	}
	return m
}

// observeJudge records one judge call.
func (m *metrics) observeJudge(judge string, d time.Duration, err error) {
	m.judgeLatency.WithLabelValues(judge).Observe(d.Seconds())
	if err != nil {
		m.judgeErrors.WithLabelValues(judge).Inc()
		m.judgeFailed.WithLabelValues(judge, judgeFailureKind(err)).Inc()
	}
}
