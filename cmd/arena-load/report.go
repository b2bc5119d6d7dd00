package main

import (
	"fmt"
	"io"

	"github.com/agentarena/arena/internal/loadcell"
)

// summary is the median of each figure over a cell's rounds, with the
// range of the throughput.
type summary struct {
	target             string
	clients            int
	perSec, lo, hi     float64
	p50, p90, p99, max float64
	cpu                float64
	errors             int
}

func summarise(rs []cellResult, target string, clients int) (summary, bool) {
	var per, p50, p90, p99, mx, cpu []float64
	s := summary{target: target, clients: clients}
	for _, r := range rs {
		if r.Target != target || r.Clients != clients {
			continue
		}
		per, p50, p90, p99, mx = append(per, r.PerSec), append(p50, r.P50ms), append(p90, r.P90ms), append(p99, r.P99ms), append(mx, r.MaxMs)
		cpu = append(cpu, r.CPUms)
		s.errors += r.Errors
	}
	if len(per) == 0 {
		return s, false
	}
	s.perSec, s.p50, s.p90, s.p99, s.max, s.cpu = loadcell.Median(per), loadcell.Median(p50), loadcell.Median(p90), loadcell.Median(p99), loadcell.Median(mx), loadcell.Median(cpu)
	s.lo, s.hi = per[0], per[0]
	for _, v := range per {
		s.lo, s.hi = min(s.lo, v), max(s.hi, v)
	}
	return s, true
}

// writeReport prints one row per (clients, target): medians over the
// rounds, the throughput range, and the ratio to etcd at the same
// client count (throughput arena÷etcd, p99 arena÷etcd).
func writeReport(w io.Writer, o options, rs []cellResult) {
	fmt.Fprintf(w, "%d rounds, %s measured after %s warm-up per cell; medians over rounds, throughput range in brackets\n\n",
		o.rounds, o.duration, o.warmup)
	fmt.Fprintln(w, "| clients | target | writes/s (range) | p50 ms | p90 ms | p99 ms | max ms | server CPU ms/write | errors | ÷ etcd writes/s | ÷ etcd p99 |")
	fmt.Fprintln(w, "|---:|:--|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	names := map[string]string{"etcd": "etcd put", "grant": "arena grant", "agent": "arena agent update"}
	for _, c := range o.clients {
		base, haveBase := summarise(rs, "etcd put", c)
		for _, t := range o.targets {
			s, ok := summarise(rs, names[t], c)
			if !ok {
				continue
			}
			ratio, p99r := "", ""
			if haveBase && t != "etcd" && base.perSec > 0 && base.p99 > 0 {
				ratio, p99r = fmt.Sprintf("%.2f×", s.perSec/base.perSec), fmt.Sprintf("%.2f×", s.p99/base.p99)
			}
			cpu := "–"
			if s.cpu > 0 {
				cpu = fmt.Sprintf("%.2f", s.cpu)
			}
			fmt.Fprintf(w, "| %d | %s | %.0f (%.0f–%.0f) | %.1f | %.1f | %.1f | %.1f | %s | %d | %s | %s |\n",
				c, s.target, s.perSec, s.lo, s.hi, s.p50, s.p90, s.p99, s.max, cpu, s.errors, ratio, p99r)
		}
	}
}
