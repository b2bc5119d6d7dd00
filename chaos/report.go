package chaos

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"time"
)

// Report is what a run measured. Problems is empty when every check held.
type Report struct {
	Seed            uint64         `json:"seed"`
	Duration        time.Duration  `json:"-"`
	Seconds         float64        `json:"seconds"`
	WritesAcked     int64          `json:"writes_acked"`
	WritesRetried   int64          `json:"writes_retried"`
	WritesUnknown   int64          `json:"writes_unknown"` // attempts whose outcome was unknown, later retried
	WritesPending   int            `json:"writes_pending"` // in flight when the run ended: present at most once
	BulkWrites      int64          `json:"bulk_writes"`
	Faults          map[string]int `json:"faults"`
	LeaderChanges   int            `json:"leader_changes"`
	LinearReads     int64          `json:"linearizable_reads"`
	StaleReads      int64          `json:"stale_reads"`
	ContestsSettled int            `json:"contests_settled"`
	ContestsAborted int            `json:"contests_aborted"`
	DrainAborted    int            `json:"drain_aborted"` // of ContestsAborted: aborted by the drain
	Lost            int            `json:"lost"`
	Duplicated      int            `json:"duplicated"`
	// Linearizable is Porcupine's verdict on the client-visible history:
	// Ok, Illegal, or Unknown when the check timed out ("" if not run).
	Linearizable string `json:"linearizable"`
	HistoryOps   int    `json:"history_ops"`
	// HashesEqual: every node applied the same index to the same state hash.
	HashesEqual     bool     `json:"hashes_equal"`
	StateHash       string   `json:"state_hash"`
	AppliedIndex    uint64   `json:"applied_index"`
	LedgerTransfers uint64   `json:"ledger_transfers"`
	SnapshotIndexes []uint64 `json:"snapshot_indexes"` // each node's newest snapshot at the end (0: none yet)
	MaxLogEntries   uint64   `json:"max_log_entries"`  // the longest Raft log at the end
	DataDirBytes    []int64  `json:"data_dir_bytes"`   // each node's data dir at the end
	// RaftConns counts the Raft connections the fault proxies carried;
	// RaftConnsUnknown those whose dialling node they could not tell.
	RaftConns        int64 `json:"raft_conns"`
	RaftConnsUnknown int64 `json:"raft_conns_unknown"`
	// FaultLog lists every fault with how long writes were unavailable.
	FaultLog []FaultRecord `json:"fault_log"`
	// Unavailable and ClusterUnavailable summarize FaultLog's write gaps
	// and cluster gaps per fault kind.
	Unavailable        map[string]GapStats `json:"unavailable"`
	ClusterUnavailable map[string]GapStats `json:"cluster_unavailable"`
	// Terms lists every SIGTERM and how long the node took to exit.
	Terms    []TermRecord `json:"sigterms"`
	Problems []string     `json:"problems"`
}

// FaultRecord is one injected fault. WriteGapS is the longest time in
// which no worker's write was acknowledged between the fault and the
// healed cluster (workers pick nodes at random, so one waiting on a frozen
// node waits out its own timeout); ClusterGapS the same for the probe,
// which writes only through the nodes the fault spares: the cluster's
// write unavailability.
type FaultRecord struct {
	Kind        string  `json:"kind"`
	Detail      string  `json:"detail,omitempty"`
	Node        string  `json:"node,omitempty"`
	Role        string  `json:"role,omitempty"` // leader or follower when struck
	AtS         float64 `json:"at_s"`           // since the run began
	HeldS       float64 `json:"held_s"`         // how long the fault lasted
	HealedS     float64 `json:"healed_s"`       // from the fault to every node ready and agreed
	WriteGapS   float64 `json:"write_gap_s"`
	ClusterGapS float64 `json:"cluster_gap_s"`
}

// TermRecord is one SIGTERM: how long the node took to exit.
type TermRecord struct {
	Node      string  `json:"node"`
	Role      string  `json:"role"`
	Cause     string  `json:"cause"` // the fault kind, or drain
	TookS     float64 `json:"took_s"`
	DeadlineS float64 `json:"deadline_s"`
	Hung      bool    `json:"hung"` // overran the deadline and was killed
}

// GapStats summarizes write gaps, in seconds.
type GapStats struct {
	Count  int     `json:"count"`
	Median float64 `json:"median_s"`
	Max    float64 `json:"max_s"`
}

// FaultsTotal is the number of faults injected.
func (r *Report) FaultsTotal() int {
	n := 0
	for _, v := range r.Faults {
		n += v
	}
	return n
}

// OK reports whether every check held.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

// summarize fills the derived fields.
func (r *Report) summarize() {
	r.Seconds = r.Duration.Seconds()
	r.Unavailable = gapStats(r.FaultLog, func(f FaultRecord) float64 { return f.WriteGapS })
	r.ClusterUnavailable = gapStats(r.FaultLog, func(f FaultRecord) float64 { return f.ClusterGapS })
}

func gapStats(log []FaultRecord, gap func(FaultRecord) float64) map[string]GapStats {
	by := map[string][]float64{}
	for _, f := range log {
		by[f.Kind] = append(by[f.Kind], gap(f))
	}
	out := map[string]GapStats{}
	for k, gs := range by {
		slices.Sort(gs)
		med := gs[len(gs)/2]
		if len(gs)%2 == 0 {
			med = (gs[len(gs)/2-1] + med) / 2
		}
		out[k] = GapStats{Count: len(gs), Median: med, Max: gs[len(gs)-1]}
	}
	return out
}

// WriteJSON writes the report to path.
func (r *Report) WriteJSON(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encode report: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// String renders the report for people.
func (r *Report) String() string {
	var b strings.Builder
	fs := make([]string, 0, len(r.Faults))
	for _, k := range sortedKeys(r.Faults) {
		fs = append(fs, fmt.Sprintf("%s=%d", k, r.Faults[k]))
	}
	fmt.Fprintf(&b, "chaos run: seed %d, %s\n", r.Seed, r.Duration.Round(time.Second))
	fmt.Fprintf(&b, "  writes acknowledged   %d (retried attempts %d, unknown outcomes %d, pending at end %d; bulk %d)\n",
		r.WritesAcked, r.WritesRetried, r.WritesUnknown, r.WritesPending, r.BulkWrites)
	fmt.Fprintf(&b, "  faults injected       %d (%s)\n", r.FaultsTotal(), strings.Join(fs, ", "))
	fmt.Fprintf(&b, "  leader changes        %d\n", r.LeaderChanges)
	fmt.Fprintf(&b, "  linearizable reads    %d (stale %d)\n", r.LinearReads, r.StaleReads)
	fmt.Fprintf(&b, "  contests settled      %d, aborted %d (%d by the final drain)\n", r.ContestsSettled, r.ContestsAborted, r.DrainAborted)
	fmt.Fprintf(&b, "  ledger transfers      %d, state hash %.16s at index %d (equal on every node: %v)\n",
		r.LedgerTransfers, r.StateHash, r.AppliedIndex, r.HashesEqual)
	fmt.Fprintf(&b, "  raft log              at most %d entries; newest snapshot per node %v; data dirs %v MB\n",
		r.MaxLogEntries, r.SnapshotIndexes, megabytes(r.DataDirBytes))
	fmt.Fprintf(&b, "  raft connections      %d through the fault proxies (%d from an unidentified node)\n", r.RaftConns, r.RaftConnsUnknown)
	fmt.Fprintf(&b, "  lost writes           %d\n", r.Lost)
	fmt.Fprintf(&b, "  duplicated writes     %d\n", r.Duplicated)
	fmt.Fprintf(&b, "  linearizable history  %s (%d operations, Porcupine)\n", orNone(r.Linearizable), r.HistoryOps)
	b.WriteString("  write unavailability  per fault kind, median / max seconds without an acknowledged write:\n")
	b.WriteString("                        cluster (probe via spared nodes)   workers (random nodes)\n")
	for _, k := range sortedKeys(r.Unavailable) {
		g, c := r.Unavailable[k], r.ClusterUnavailable[k]
		fmt.Fprintf(&b, "    %-18s n=%-3d %5.1f / %-5.1f                   %5.1f / %.1f\n", k, g.Count, c.Median, c.Max, g.Median, g.Max)
	}
	if len(r.Terms) > 0 {
		b.WriteString("  SIGTERM to exit       ")
		var ts []string
		for _, t := range r.Terms {
			s := fmt.Sprintf("%s(%s,%s) %.1fs", t.Node, t.Role, t.Cause, t.TookS)
			if t.Hung {
				s += " HUNG"
			}
			ts = append(ts, s)
		}
		b.WriteString(strings.Join(ts, ", ") + "\n")
	}
	if len(r.Problems) == 0 {
		b.WriteString("  all checks passed\n")
	} else {
		fmt.Fprintf(&b, "  %d PROBLEMS:\n", len(r.Problems))
		for _, p := range r.Problems {
			fmt.Fprintf(&b, "    - %s\n", p)
		}
	}
	return b.String()
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func megabytes(bs []int64) []int64 {
	out := make([]int64, len(bs))
	for i, b := range bs {
		out[i] = b >> 20
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "not checked"
	}
	return s
}
