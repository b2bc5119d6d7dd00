package arena

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
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
	logAppends   prometheus.Histogram
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
		logAppends: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "arena_raft_log_append_batch_size",
			Help:    "Log entries stored per append to the Raft log (each append is fsynced).",
			Buckets: prometheus.ExponentialBuckets(1, 2, 11),
		}),
	}
	if reg != nil {
		reg.MustRegister(m.batchSize, m.batchLatency, m.commands, m.proposals, m.logAppends)
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
		gauge("arena_fsm_apply_lag", "Committed log entries not yet applied to the state file (commit index minus applied index).",
			func() float64 { return float64(n.raft.CommitIndex()) - float64(n.fsm.AppliedIndex()) }),
		gauge("arena_raft_log_entries", "Entries in this node's Raft log (last index minus first index); snapshots compact it.",
			func() float64 {
				first, last, err := n.LogSpan()
				if err != nil || last < first {
					return 0
				}
				return float64(last - first)
			}),
		gauge("arena_raft_last_snapshot_index", "Log index covered by this node's newest snapshot (0: none).",
			func() float64 {
				snap, _, _ := n.LastSnapshot()
				return float64(snap)
			}),
		gauge("arena_raft_snapshot_age_seconds", "Seconds since this node's newest snapshot was taken or installed (0: none yet).",
			func() float64 {
				_, at, ok := n.LastSnapshot()
				if !ok {
					return 0
				}
				return time.Since(at).Seconds()
			}),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "arena_state_pages_written_total",
			Help: "Pages written to state.db by commits since the file was opened (4 KiB each on most systems)."},
			func() float64 { return float64(n.fsm.PagesWritten()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "arena_raft_foreign_cluster_connections_total",
			Help: "Raft connections refused because the dialling node announced another cluster's id (a data dir of another cluster)."},
			func() float64 {
				if t, ok := n.transport.(*tcpTransport); ok {
					return float64(t.stream.guard.refused.Load())
				}
				return 0 // an in-memory transport (tests) carries no ids
			}),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "arena_raft_refused_by_another_cluster_total",
			Help: "Raft connections this node dialled that the peer refused as another cluster's: a member's address is served by another cluster's node (a member whose data dir was emptied and that bootstrapped a cluster of its own)."},
			func() float64 {
				if t, ok := n.transport.(*tcpTransport); ok {
					return float64(t.stream.guard.refusedBy.Load())
				}
				return 0
			}),
		contestGauge(n, StatusRunning),
		contestGauge(n, StatusJudging),
	)
}

// contestGauge counts this node's replicated contests in one status.
func contestGauge(n *Node, status string) prometheus.Collector {
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "arena_contests_active",
		Help: "Contests running or judging, by status (the same on every node that has caught up).", ConstLabels: prometheus.Labels{"status": status}},
		func() float64 {
			list, err := n.ActiveContests()
			if err != nil {
				return 0
			}
			c := 0
			for _, x := range list {
				if x.Status == status {
					c++
				}
			}
			return float64(c)
		})
}

// StatePagesWritten is FSM.PagesWritten of this node's state file.
func (n *Node) StatePagesWritten() uint64 { return n.fsm.PagesWritten() }

// LogSpan returns the first and last index of the Raft log this node
// holds. Snapshots compact the log up to TrailingLogs entries behind the
// snapshot, so last-first stays bounded under steady load.
func (n *Node) LogSpan() (first, last uint64, err error) {
	if first, err = n.logStore.FirstIndex(); err != nil {
		return 0, 0, err
	}
	last, err = n.logStore.LastIndex()
	return first, last, err
}

// LastSnapshot reads this node's newest snapshot from its snapshot store:
// raft names each snapshot dir term-index-milliseconds.
func (n *Node) LastSnapshot() (index uint64, at time.Time, ok bool) {
	entries, err := os.ReadDir(filepath.Join(n.cfg.DataDir, "raft", "snapshots"))
	if err != nil {
		return 0, time.Time{}, false
	}
	for _, e := range entries {
		if !e.IsDir() || strings.HasSuffix(e.Name(), ".tmp") {
			continue
		}
		parts := strings.Split(e.Name(), "-")
		if len(parts) != 3 {
			continue
		}
		idx, err1 := strconv.ParseUint(parts[1], 10, 64)
		ms, err2 := strconv.ParseInt(parts[2], 10, 64)
		if err1 != nil || err2 != nil {
			continue
		}
		if idx > index || (idx == index && time.UnixMilli(ms).After(at)) {
			index, at, ok = idx, time.UnixMilli(ms), true
		}
	}
	return index, at, ok
}
