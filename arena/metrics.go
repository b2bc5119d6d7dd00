package arena

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/agentarena/arena/apperr"
)

// Metrics are the state machine and Raft figures an operator alerts on.
// Each node registers them in its own registry: there is no global state.
type Metrics struct {
	batchSize    prometheus.Histogram
	batchLatency prometheus.Histogram
	commands     *prometheus.CounterVec
	proposals    prometheus.Histogram
}

var _ ApplyObserver = (*Metrics)(nil)

// NewMetrics creates and registers the FSM metrics.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		batchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "arena_fsm_apply_batch_size",
			Help:    "Log entries applied per bbolt transaction.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 11),
		}),
		batchLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "arena_fsm_apply_batch_seconds",
			Help:    "Time to apply and commit one batch to the state file.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16),
		}),
		commands: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "arena_fsm_commands_total",
			Help: "Commands applied, by type and result code (ok or an error code).",
		}, []string{"type", "result"}),
		proposals: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "arena_raft_propose_seconds",
			Help:    "Time from proposing a command on the leader to its result.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16),
		}),
	}
	if reg != nil {
		reg.MustRegister(m.batchSize, m.batchLatency, m.commands, m.proposals)
	}
	return m
}

// ObserveBatch implements ApplyObserver.
func (m *Metrics) ObserveBatch(size int, d time.Duration) {
	m.batchSize.Observe(float64(size))
	m.batchLatency.Observe(d.Seconds())
}

// ObserveCommand implements ApplyObserver.
func (m *Metrics) ObserveCommand(typ string, err error) {
	result := "ok"
	if err != nil {
		result = string(apperr.CodeOf(err))
	}
	m.commands.WithLabelValues(typ, result).Inc()
}

func (m *Metrics) observePropose(d time.Duration) { m.proposals.Observe(d.Seconds()) }

// registerRaftGauges exposes raft's state as gauges read at scrape time.
func registerRaftGauges(reg prometheus.Registerer, n *Node) {
	if reg == nil {
		return
	}
	gauge := func(name, help string, f func() float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, f)
	}
	reg.MustRegister(
		gauge("arena_raft_state", "Raft state: 0 follower, 1 candidate, 2 leader, 3 shutdown.",
			func() float64 { return float64(n.raft.State()) }),
		gauge("arena_raft_term", "Current Raft term.", func() float64 { return float64(n.raft.CurrentTerm()) }),
		gauge("arena_raft_commit_index", "Highest log index known committed.",
			func() float64 { return float64(n.raft.CommitIndex()) }),
		gauge("arena_raft_last_index", "Last log index stored on this node.",
			func() float64 { return float64(n.raft.LastIndex()) }),
		gauge("arena_fsm_applied_index", "Last log index reflected in the state file.",
			func() float64 { return float64(n.fsm.AppliedIndex()) }),
		gauge("arena_raft_leader_changes_observed", "Leadership changes this node has observed since start.",
			func() float64 { return float64(n.leaderChanges.Load()) }),
		gauge("arena_raft_is_leader", "1 if this node is the leader.", func() float64 {
			if n.IsLeader() {
				return 1
			}
			return 0
		}),
	)
}
