package chaos

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/agentarena/arena/api"
	"github.com/agentarena/arena/client"
	"github.com/agentarena/arena/matchmaking"
)

// drain stops new contests and ends the running ones: a full-cluster
// restart without bots (which also checks that a cluster restarted from
// its data dirs serves again), a wait for contests to end by deadline,
// then operator aborts for the rest.
func (r *run) drain(ctx context.Context) error {
	for i := range r.ps.Nodes {
		if err := r.term(i, -1, "drain"); err != nil {
			return err
		}
	}
	for i := range r.ps.Nodes {
		if err := r.ps.Start(i, r.ps.Nodes[(i+1)%len(r.ps.Nodes)].URL(), true); err != nil {
			return err
		}
	}
	if err := r.healed(ctx); err != nil {
		return fmt.Errorf("restart without bots: %w", err)
	}
	base := r.ps.Nodes[0].URL()
	deadline := time.Now().Add(r.cfg.DrainWait)
	for time.Now().Before(deadline) {
		active, err := r.active(ctx, base)
		if err != nil {
			return err
		}
		if len(active) == 0 {
			break
		}
		sleepCtx(ctx, 500*time.Millisecond)
	}
	// Leftover queue tickets (the bots queued before the restart) are
	// still matched, as late as the matchmaker's longest wait, so abort
	// until nothing runs and no queue holds enough tickets for a contest.
	quietUntil := time.Now().Add(r.cfg.DrainWait + matchmaking.DefaultMaxWait + 10*time.Second)
	quiet := 0
	for quiet < 3 {
		active, err := r.active(ctx, base)
		if err != nil {
			return err
		}
		full, err := r.fullQueues(ctx, base)
		if err != nil {
			return err
		}
		if len(active) == 0 && len(full) == 0 {
			quiet++
			sleepCtx(ctx, time.Second)
			continue
		}
		quiet = 0
		if time.Now().After(quietUntil) {
			return fmt.Errorf("not quiet by the drain's deadline: contests %v still active, queues %v still full", active, full)
		}
		for _, id := range active {
			err := r.cl.at(base).AbortContest(ctx, id, "chaos drain")
			switch {
			case err == nil:
				r.rep.DrainAborted++
			case statusOf(err) == http.StatusConflict, retryable(err):
				// ended meanwhile, or try again next round
			default:
				return fmt.Errorf("abort %s: %w", id, err)
			}
		}
		if len(active) == 0 {
			sleepCtx(ctx, 500*time.Millisecond)
		}
	}
	return nil
}

// fullQueues names the arenas whose queue still holds at least a
// contest's worth of tickets, read linearizably.
func (r *run) fullQueues(ctx context.Context, base string) ([]string, error) {
	var resp *client.ArenaList
	err := r.retryRead(ctx, func(ctx context.Context) (err error) {
		resp, err = r.cl.at(base).Linearizable().ArenaList(ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list arenas: %w", err)
	}
	var full []string
	for _, a := range resp.Arenas {
		if n := resp.Queued[a.Name]; n >= a.Seats {
			full = append(full, fmt.Sprintf("%s(%d)", a.Name, n))
		}
	}
	return full, nil
}

// active lists running and judging contests, read linearizably.
func (r *run) active(ctx context.Context, base string) ([]string, error) {
	var ids []string
	for _, status := range []string{client.ContestRunning, client.ContestJudging} {
		list, err := r.contests(ctx, base, status, true)
		if err != nil {
			return nil, err
		}
		for _, c := range list {
			ids = append(ids, c.ID)
		}
	}
	return ids, nil
}

// contests pages through every contest with the given status ("" = all).
func (r *run) contests(ctx context.Context, base, status string, linear bool) ([]client.Contest, error) {
	cl := r.cl.at(base)
	if linear {
		cl = cl.Linearizable()
	}
	var out []client.Contest
	cursor := ""
	for {
		var page *client.ContestPage
		err := r.retryRead(ctx, func(ctx context.Context) (err error) {
			page, err = cl.ListContests(ctx, client.ListContestsOptions{Status: status, Limit: 500, Cursor: cursor})
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("list contests: %w", err)
		}
		out = append(out, page.Contests...)
		if page.NextCursor == "" {
			return out, nil
		}
		cursor = page.NextCursor
	}
}

// retryRead runs a read, retrying while the cluster elects or a node
// restarts.
func (r *run) retryRead(ctx context.Context, read func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.HealTimeout)
	defer cancel()
	for attempt := 0; ; attempt++ {
		err := read(ctx)
		if err == nil || !retryable(err) {
			return err
		}
		// After the faults nothing stops a node but the node itself, or
		// someone outside the run: say so instead of retrying for minutes.
		if gone := r.exitedNodes(); gone != "" {
			return fmt.Errorf("%w (%s)", err, gone)
		}
		if !sleepCtx(ctx, backoff(attempt)) {
			return err
		}
	}
}

// exitedNodes names the nodes whose process has exited, with how.
func (r *run) exitedNodes() string {
	var out []string
	for _, p := range r.ps.Nodes {
		if dead, err := p.Exited(); dead {
			out = append(out, fmt.Sprintf("%s exited: %v, see %s", p.ID, exitText(err), p.LogPath))
		}
	}
	return strings.Join(out, "; ")
}

func exitText(err error) string {
	if err == nil {
		return "status 0"
	}
	return err.Error()
}

func (r *run) problem(format string, args ...any) {
	r.rep.Problems = append(r.rep.Problems, fmt.Sprintf(format, args...))
}

// check runs the end-of-run checks on a quiet, healed cluster.
func (r *run) check(ctx context.Context, workers []*worker) {
	st := r.converged(ctx)
	if st == nil {
		return
	}
	r.rep.HashesEqual, r.rep.StateHash, r.rep.AppliedIndex = true, st.StateHash, st.AppliedIndex
	for _, p := range r.ps.Nodes {
		r.rep.DataDirBytes = append(r.rep.DataDirBytes, dirSize(p.Dir))
	}
	r.checkCompaction(ctx, st.AppliedIndex)
	r.checkAudits(ctx)
	r.checkGrants(ctx, workers)
	r.checkContests(ctx)
}

// converged waits until every node has applied the same index with the
// same state hash, and returns one node's status.
func (r *run) converged(ctx context.Context) *client.ClusterStatus {
	deadline := time.Now().Add(r.cfg.HealTimeout)
	var why string
	for time.Now().Before(deadline) {
		var first *client.ClusterStatus
		why = ""
		for _, p := range r.ps.Nodes {
			st, err := r.cl.at(p.URL()).Cluster(ctx, false)
			if err != nil {
				why = fmt.Sprintf("%s: %v", p.ID, err)
				break
			}
			if first == nil {
				first = st
				continue
			}
			if st.AppliedIndex != first.AppliedIndex || st.StateHash != first.StateHash {
				why = fmt.Sprintf("%s at index %d hash %.12s, %s at index %d hash %.12s",
					p.ID, st.AppliedIndex, st.StateHash, first.NodeID, first.AppliedIndex, first.StateHash)
				break
			}
		}
		if why == "" && first != nil {
			return first
		}
		sleepCtx(ctx, 300*time.Millisecond)
	}
	r.problem("state hashes never converged: %s", why)
	return nil
}

// readRaftGauges notes each node's newest snapshot and log length from
// /metrics: under a long run's load raft snapshots and compacts the log.
// checkCompaction checks that snapshots compact the Raft logs. Once far
// more entries were applied than a snapshot leaves behind, every log must
// have been compacted: it may hold what came since the last snapshot (a
// threshold) and the trailing entries, not the whole history. A node that
// caught up just before the cluster went quiet may still hold a burst; it
// gets a few snapshot intervals (raft checks at a jittered interval, and
// a machine running -race beside other tests is slow) before it counts.
func (r *run) checkCompaction(ctx context.Context, applied uint64) {
	bound := 4 * (r.cfg.SnapshotThreshold + r.cfg.TrailingLogs)
	deadline := time.Now().Add(10*r.cfg.SnapshotInterval + 10*time.Second)
	perNode := r.readRaftGauges(ctx)
	for applied > 2*bound && r.rep.MaxLogEntries > bound && time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return
		case <-time.After(r.cfg.SnapshotInterval):
		}
		perNode = r.readRaftGauges(ctx)
	}
	if applied > 2*bound && r.rep.MaxLogEntries > bound {
		r.problem("a raft log holds %d entries after %d applied: snapshots did not compact it (bound %d; log entries, newest snapshot per node: %s)",
			r.rep.MaxLogEntries, applied, bound, perNode)
	}
}

// readRaftGauges reads each node's log length and newest snapshot into
// the report, replacing what an earlier read put there, and returns them
// per node as text for a problem's message.
func (r *run) readRaftGauges(ctx context.Context) string {
	r.rep.SnapshotIndexes, r.rep.MaxLogEntries = nil, 0
	var perNode []string
	for _, p := range r.ps.Nodes {
		entries, snap := -1.0, -1.0
		text, err := r.cl.at(p.URL()).Metrics(ctx)
		if err != nil {
			perNode = append(perNode, fmt.Sprintf("%s unread: %v", p.ID, err))
			continue
		}
		sc := bufio.NewScanner(bytes.NewReader(text))
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			name, val, ok := strings.Cut(sc.Text(), " ")
			if !ok {
				continue
			}
			v, err := strconv.ParseFloat(val, 64)
			if err != nil {
				continue
			}
			switch name {
			case "arena_raft_last_snapshot_index":
				snap = v
				r.rep.SnapshotIndexes = append(r.rep.SnapshotIndexes, uint64(v))
			case "arena_raft_log_entries":
				entries = v
				r.rep.MaxLogEntries = max(r.rep.MaxLogEntries, uint64(v))
			}
		}
		perNode = append(perNode, fmt.Sprintf("%s %.0f, %.0f", p.ID, entries, snap))
	}
	return strings.Join(perNode, "; ")
}

func (r *run) checkAudits(ctx context.Context) {
	for _, p := range r.ps.Nodes {
		// A failing audit answers 409 with the report, which Audit returns
		// as a value with OK false.
		resp, err := r.cl.at(p.URL()).Audit(ctx)
		if err != nil {
			r.problem("%s: ledger audit: %v", p.ID, err)
			continue
		}
		a := resp.Audit
		if !a.OK || a.Sum != 0 || len(a.Problems) > 0 {
			r.problem("%s: ledger audit failed: ok=%v sum=%d problems=%v", p.ID, a.OK, a.Sum, a.Problems)
		}
		r.rep.LedgerTransfers = a.Transfers
	}
}

// checkGrants compares each worker's owner history with what the worker
// was told: every acknowledged grant present once, nothing refused
// present, a pending grant at most once, and a balance equal to the sum.
func (r *run) checkGrants(ctx context.Context, workers []*worker) {
	cl := r.cl.at(r.ps.Nodes[0].URL())
	for _, w := range workers {
		byMemo := map[string]int{}
		var sum int64
		cursor := ""
		for {
			var page *client.TransferPage
			err := r.retryRead(ctx, func(ctx context.Context) (err error) {
				page, err = cl.ListTransfers(ctx, client.ListTransfersOptions{Owner: w.owner, Limit: 500, Cursor: cursor})
				return err
			})
			if err != nil {
				r.problem("transfers of %s: %v", w.owner, err)
				return
			}
			for _, t := range page.Transfers {
				if strings.HasPrefix(t.Memo, "tr_chaos_") {
					byMemo[t.Memo]++
					sum += t.Amount
				}
			}
			if page.NextCursor == "" {
				break
			}
			cursor = page.NextCursor
		}
		for _, g := range w.acked {
			switch n := byMemo[g.ID]; {
			case n == 0:
				r.rep.Lost++
				r.problem("acknowledged grant %s is missing", g.ID)
			case n > 1:
				r.rep.Duplicated++
				r.problem("grant %s applied %d times", g.ID, n)
			}
		}
		want := w.sum
		for _, g := range w.refused {
			if byMemo[g.ID] > 0 {
				r.problem("refused grant %s was applied", g.ID)
			}
		}
		if w.pending != nil {
			r.rep.WritesPending++
			switch n := byMemo[w.pending.ID]; {
			case n == 1:
				want += w.pending.Amount
			case n > 1:
				r.rep.Duplicated++
				r.problem("pending grant %s applied %d times", w.pending.ID, n)
			}
		}
		if sum != want {
			r.problem("owner %s: transfers sum to %d, acknowledged grants to %d", w.owner, sum, want)
		}
		var bal *client.Balance
		err := r.retryRead(ctx, func(ctx context.Context) (err error) {
			bal, err = cl.Balance(ctx, w.owner)
			return err
		})
		if err != nil {
			r.problem("balance of %s: %v", w.owner, err)
		} else if bal.Balance != w.base+want {
			r.problem("owner %s: balance %d, starting balance plus acknowledged grants %d", w.owner, bal.Balance, w.base+want)
		}
	}
}

// checkContests reads every contest's history: each has ended, with
// exactly one settled or aborted event.
func (r *run) checkContests(ctx context.Context) {
	base := r.ps.Nodes[0].URL()
	list, err := r.contests(ctx, base, "", false)
	if err != nil {
		r.problem("%v", err)
		return
	}
	for _, c := range list {
		switch c.Status {
		case client.ContestSettled:
			r.rep.ContestsSettled++
		case client.ContestAborted:
			r.rep.ContestsAborted++
		default:
			r.problem("contest %s is still %s after the drain", c.ID, c.Status)
			continue
		}
		var resp *client.ContestDetail
		err := r.retryRead(ctx, func(ctx context.Context) (err error) {
			resp, err = r.cl.at(base).GetContest(ctx, c.ID)
			return err
		})
		if err != nil {
			r.problem("contest %s: %v", c.ID, err)
			continue
		}
		ends := 0
		for _, ev := range resp.Events {
			if ev.Type == api.EvSettled || ev.Type == api.EvAborted {
				ends++
			}
		}
		if ends != 1 {
			r.problem("contest %s (%s) has %d end events in %d events", c.ID, c.Status, ends, len(resp.Events))
		}
	}
}
