package main

import (
	"sync/atomic"

	// compat is the facade raft and raft-boltdb report through; it selects
	// armon or hashicorp go-metrics by build tag, so the sink must go there.
	metrics "github.com/hashicorp/go-metrics/compat"
)

// logWriteSink counts raft log store transactions. raft-boltdb reports each
// StoreLogs call only through go-metrics' process-wide sink (it has no hook
// of its own), so the bench installs this sink once for the whole process;
// with several nodes in one process the counts are the sum over all nodes.
type logWriteSink struct {
	writes  atomic.Uint64 // StoreLogs calls, one bbolt commit each
	entries atomic.Uint64 // log entries those calls stored
}

var _ metrics.MetricSink = (*logWriteSink)(nil)

func installLogWriteSink() (*logWriteSink, error) {
	s := &logWriteSink{}
	conf := metrics.DefaultConfig("")
	conf.EnableHostname = false
	conf.EnableRuntimeMetrics = false // no sampling goroutine competing for the CPUs
	if _, err := metrics.NewGlobal(conf, s); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *logWriteSink) snapshot() (writes, entries float64) {
	return float64(s.writes.Load()), float64(s.entries.Load())
}

func (s *logWriteSink) AddSample(key []string, val float32) {
	// Key: raft.boltdb.logsPerBatch, sampled once per StoreLogs call.
	if len(key) == 3 && key[0] == "raft" && key[1] == "boltdb" && key[2] == "logsPerBatch" {
		s.writes.Add(1)
		s.entries.Add(uint64(val))
	}
}

func (s *logWriteSink) AddSampleWithLabels(key []string, val float32, _ []metrics.Label) {
	s.AddSample(key, val)
}

func (*logWriteSink) SetGauge([]string, float32)                               {}
func (*logWriteSink) SetGaugeWithLabels([]string, float32, []metrics.Label)    {}
func (*logWriteSink) EmitKey([]string, float32)                                {}
func (*logWriteSink) IncrCounter([]string, float32)                            {}
func (*logWriteSink) IncrCounterWithLabels([]string, float32, []metrics.Label) {}
