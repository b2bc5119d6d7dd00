package web

import "github.com/prometheus/client_golang/prometheus"

// registerWSGauges exposes this node's open websocket connections, read at
// scrape time: spectator streams from the hub, agent sessions from the
// runner (agents connect to the leader only).
func (s *Server) registerWSGauges(reg prometheus.Registerer) {
	if reg == nil {
		return
	}
	gauge := func(kind string, f func() float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "arena_websocket_connections",
			Help:        "Open websocket connections on this node, by kind (spectator streams, agent sessions).",
			ConstLabels: prometheus.Labels{"kind": kind}}, f)
	}
	reg.MustRegister(gauge("spectator", func() float64 { return float64(s.hub.Watchers()) }))
	if sc, ok := s.cfg.Runner.(interface{ Sessions() int }); ok {
		reg.MustRegister(gauge("agent", func() float64 { return float64(sc.Sessions()) }))
	}
}
