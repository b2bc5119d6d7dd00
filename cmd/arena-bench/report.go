package main

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
)

func writeJSON(w io.Writer, rep Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// writeTable prints one row per cell with the median figures; the batch
// columns show how many commands each fsync'd transaction carried.
func writeTable(w io.Writer, rep Report) error {
	fmt.Fprintf(w, "GOMAXPROCS %d, %d CPUs", rep.GoMaxProcs, rep.NumCPU)
	if rep.FsyncsPerSec > 0 {
		fmt.Fprintf(w, ", disk %.0f fsyncs/s", rep.FsyncsPerSec)
	}
	fmt.Fprintf(w, "; Raft log %s; %s measured after %s warm-up; median of %d run(s)\n\n", rep.RaftLog, rep.Duration, rep.Warmup, rep.Repeat)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "nodes\tproposers\tbatching\tcmd/s\tp50 ms\tp90 ms\tp99 ms\tmax ms\terrors\tlog tx/s\tcmd/log tx\tstate tx/s\tcmd/state tx\tfsync/s\tcmd/fsync\t")
	for _, c := range rep.Cells {
		m := c.Median
		fmt.Fprintf(tw, "%d\t%d\t%s\t%.0f\t%.2f\t%.2f\t%.2f\t%.2f\t%.0f\t%.0f\t%.1f\t%.0f\t%.1f\t%.0f\t%.2f\t\n",
			c.Nodes, c.Proposers, onOff(c.Batching), m.CommandsPerSec, m.P50ms, m.P90ms, m.P99ms, m.MaxMs,
			m.Errors, m.LogWritesPerSec, m.CmdsPerLogWrite, m.StateTxPerSec, m.CmdsPerStateTx,
			m.FsyncsPerSec, m.CmdsPerFsync)
	}
	return tw.Flush()
}
