package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/agents/bots"
	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/arena/runner"
	"github.com/agentarena/arena/client"
	"github.com/agentarena/arena/judges"
	"github.com/agentarena/arena/ledger"
	"github.com/agentarena/arena/web"
)

// AbuseOptions size an abuse run (-op abuse): one node on loopback with
// its built-in bots and two honest websocket agents playing, while
// attackers on other loopback addresses flood it with everything its
// limits exist for.
type AbuseOptions struct {
	Duration  time.Duration // how long the attack lasts
	Conns     int           // connection attempts: raw TCP and websocket upgrades, half each
	Bodies    int           // oversized request bodies
	BodyBytes int64         // size of each
	Waves     int           // request bursts, spread over Duration
	WaveSize  int           // requests per burst, fired at once
	Slow      int           // slow-loris clients
	AttackIPs int           // loopback addresses the attack comes from (127.0.0.2 on)
	Dir       string        // parent of the data dir
	// MaxHeapMiB fails the run when the Go heap in use peaks above it.
	MaxHeapMiB float64
}

// AbuseReport is what an abuse run measured.
type AbuseReport struct {
	Duration        string             `json:"duration"`
	Attack          map[string]int64   `json:"attack"`
	LimitHits       map[string]float64 `json:"limit_hits"`
	SettledDuring   int                `json:"contests_settled_during_attack"`
	SettledAfter    int                `json:"contests_settled_after_attack"`
	HonestDuring    int64              `json:"honest_agent_contests_during_attack"`
	HonestContests  int64              `json:"honest_agent_contests_finished"`
	BaseHeapMiB     float64            `json:"baseline_heap_inuse_mib"`
	PeakHeapMiB     float64            `json:"peak_heap_inuse_mib"`
	PeakRSSMiB      float64            `json:"peak_rss_mib"`
	PeakGoroutines  int                `json:"peak_goroutines"`
	EndGoroutines   int                `json:"goroutines_after"`
	AuditOK         bool               `json:"ledger_audit_ok"`
	LedgerSum       int64              `json:"ledger_sum"`
	TransfersAdded  uint64             `json:"transfers_added"`
	TransferKinds   map[string]int     `json:"transfer_kinds_during_attack"`
	AttackerChanged int                `json:"attacker_transfers"`
	Problems        []string           `json:"problems"`
}

// OK reports whether every acceptance check held.
func (r AbuseReport) OK() bool { return len(r.Problems) == 0 }

// tally counts outcomes by name from many goroutines.
type tally struct {
	mu sync.Mutex
	m  map[string]int64
}

func (t *tally) add(name string) {
	t.mu.Lock()
	t.m[name]++
	t.mu.Unlock()
}

func (t *tally) snapshot() map[string]int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make(map[string]int64, len(t.m))
	for k, v := range t.m {
		out[k] = v
	}
	return out
}

// abuseNode is the node under attack, wired as `arena serve` wires it.
type abuseNode struct {
	node   *arena.Node
	reg    *prometheus.Registry
	url    string
	addr   string
	dir    string
	http   *http.Server
	cancel context.CancelFunc
	bg     sync.WaitGroup
}

const abuseOperatorToken = "arop_abusebenchoperatortoken0000000000"

func startAbuseNode(ctx context.Context, parentDir string) (*abuseNode, error) {
	dir, err := os.MkdirTemp(parentDir, "arena-abuse-")
	if err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	n := &abuseNode{reg: prometheus.NewRegistry(), dir: dir, addr: ln.Addr().String()}
	n.url = "http://" + n.addr
	quiet := slog.New(slog.DiscardHandler)
	n.node, err = arena.Open(arena.Config{NodeID: "abuse1", DataDir: dir, RaftBind: "127.0.0.1:0", HTTPAddr: n.url,
		Bootstrap: true, FastTimeouts: true, OperatorTokenHash: agents.HashKey(abuseOperatorToken),
		Logger: quiet, Registerer: n.reg})
	if err != nil {
		ln.Close()
		os.RemoveAll(dir)
		return nil, err
	}
	var botList []runner.Bot
	for _, b := range bots.All(1) {
		botList = append(botList, b)
	}
	rn := runner.New(runner.Config{Node: n.node, Bots: botList, SeedDefaults: true, Logger: quiet, Registerer: n.reg,
		Judges: map[string]runner.Judge{"rubric": judges.NewRubricJudge()}})
	srv := web.New(web.Config{Node: n.node, Runner: rn, Logger: quiet, Gatherer: n.reg, Registerer: n.reg})
	bg, cancel := context.WithCancel(context.Background())
	n.cancel = cancel
	n.bg.Add(2)
	go func() { defer n.bg.Done(); rn.Run(bg) }()
	go func() { defer n.bg.Done(); srv.Run(bg) }()
	n.http = srv.HTTPServer()
	go n.http.Serve(srv.Listener(ln))
	wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
	defer wcancel()
	for {
		if _, err := n.node.Arena("connect4"); err == nil {
			return n, nil
		}
		select {
		case <-wctx.Done():
			n.Close()
			return nil, errors.New("the node did not seed its arenas within 30s")
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (n *abuseNode) Close() error {
	n.cancel()
	n.bg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n.http.Shutdown(ctx)
	n.http.Close()
	err := n.node.Close()
	os.RemoveAll(n.dir)
	return err
}

// clientFrom is an HTTP client whose connections come from ip.
func clientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	return &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{DialContext: d.DialContext,
		MaxIdleConnsPerHost: 32, DisableCompression: true}}
}

func dialerFrom(ip string) *websocket.Dialer {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	return &websocket.Dialer{NetDialContext: d.DialContext, HandshakeTimeout: 5 * time.Second}
}

func (o AbuseOptions) attackIP(i int) string {
	return fmt.Sprintf("127.0.0.%d", 2+i%max(o.AttackIPs, 1))
}

// apiFrom is an API client over hc (see clientFrom) authenticated with
// key ("" for none). It sends each call once (no not_leader retries), so
// the tallies count requests as they were sent.
func apiFrom(hc *http.Client, base, key string) (*client.Client, error) {
	return client.New(base, client.WithHTTPClient(hc), client.WithKey(key), client.WithNotLeaderRetry(0, 0))
}

// identity is an owner with one websocket agent.
type identity struct {
	ownerID, ownerKey, agentID, agentKey string
}

func signUp(hc *http.Client, base, name string, agentNames ...string) ([]identity, error) {
	anon, err := apiFrom(hc, base, "")
	if err != nil {
		return nil, err
	}
	o, err := anon.CreateOwner(context.Background(), client.CreateOwnerRequest{Name: name})
	if err != nil {
		return nil, fmt.Errorf("sign up %s: %w", name, err)
	}
	owner, err := apiFrom(hc, base, o.APIKey)
	if err != nil {
		return nil, err
	}
	var out []identity
	for _, an := range agentNames {
		a, err := owner.CreateAgent(context.Background(), client.CreateAgentRequest{Name: an})
		if err != nil {
			return nil, fmt.Errorf("register %s: %w", an, err)
		}
		out = append(out, identity{ownerID: o.Owner.ID, ownerKey: o.APIKey, agentID: a.Agent.ID, agentKey: a.AgentKey})
	}
	return out, nil
}

// runAbuse runs one abuse scenario and checks what must hold.
func runAbuse(ctx context.Context, o AbuseOptions, progress io.Writer) (AbuseReport, error) {
	rep := AbuseReport{Duration: o.Duration.String(), TransferKinds: map[string]int{}}
	n, err := startAbuseNode(ctx, o.Dir)
	if err != nil {
		return rep, err
	}
	defer n.Close()
	base := n.url
	honestHTTP, attackHTTP := clientFrom("127.0.0.1"), clientFrom(o.attackIP(0))
	honest, err := signUp(honestHTTP, base, "honest", "honest-a", "honest-b")
	if err != nil {
		return rep, err
	}
	attacker, err := signUp(attackHTTP, base, "mallory", "mallory-bot")
	if err != nil {
		return rep, err
	}
	before, err := n.node.Audit()
	if err != nil {
		return rep, err
	}
	settledBefore := countSettled(n.node)

	var heapPeak atomic.Uint64
	var goPeak atomic.Int64
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	rep.BaseHeapMiB = mib(ms.HeapInuse)
	sampleCtx, stopSampling := context.WithCancel(context.Background())
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			if m.HeapInuse > heapPeak.Load() {
				heapPeak.Store(m.HeapInuse)
			}
			if g := int64(runtime.NumGoroutine()); g > goPeak.Load() {
				goPeak.Store(g)
			}
			select {
			case <-sampleCtx.Done():
				return
			case <-t.C:
			}
		}
	}()

	start := time.Now()
	fmt.Fprintf(progress, "abuse: node %s up; attacking for %s from %d addresses\n", base, o.Duration, o.AttackIPs)
	// The attack lasts o.Duration and, past it, until a contest has
	// settled under it (at most ten times as long): on a starved machine
	// the first contest can take longer than a short attack, and the
	// check is that contests go on under the flood, not how fast.
	actx, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		defer stop()
		sleepCtx(actx, o.Duration)
		hard := time.Now().Add(9 * o.Duration)
		for actx.Err() == nil && countSettled(n.node) == settledBefore && time.Now().Before(hard) {
			sleepCtx(actx, 100*time.Millisecond)
		}
	}()
	var honestDone atomic.Int64
	t := &tally{m: map[string]int64{}}
	// The honest agents play on past the attack while a contest they
	// started under it is still going (at most 30 s more).
	hctx, stopHonest := context.WithCancel(ctx)
	defer stopHonest()
	var hwg, wg sync.WaitGroup
	for _, h := range honest {
		hwg.Add(1)
		go func() { defer hwg.Done(); playHonestly(hctx, base, h.agentKey, &honestDone) }()
	}
	wg.Add(5)
	go func() { defer wg.Done(); floodConns(actx, o, n.addr, t) }()
	go func() { defer wg.Done(); floodBodies(actx, o, base, t) }()
	go func() { defer wg.Done(); floodFrames(actx, o, base, attacker[0].agentKey, t) }()
	go func() { defer wg.Done(); burstRequests(actx, o, base, attacker[0], t) }()
	go func() { defer wg.Done(); slowLoris(actx, o, n.addr, t) }()
	wg.Wait()
	attackEnded := time.Now()
	rep.Duration = attackEnded.Sub(start).Round(time.Millisecond).String()
	rep.SettledDuring = countSettled(n.node) - settledBefore
	rep.HonestDuring = honestDone.Load()
	fmt.Fprintf(progress, "abuse: attack over after %s; checking the node\n", attackEnded.Sub(start).Round(time.Millisecond))

	// Let in-flight contests land, then read what the node did.
	for wait := time.Now().Add(30 * time.Second); honestDone.Load() == 0 && time.Now().Before(wait); {
		sleepCtx(ctx, 100*time.Millisecond)
	}
	time.Sleep(time.Second)
	stopHonest()
	hwg.Wait()
	stopSampling()
	<-sampled
	rep.PeakHeapMiB = mib(heapPeak.Load())
	rep.PeakGoroutines = int(goPeak.Load())
	rep.PeakRSSMiB = peakRSSMiB()
	rep.Attack = t.snapshot()
	rep.LimitHits = limitHits(n.reg)
	rep.SettledAfter = countSettled(n.node) - settledBefore - rep.SettledDuring
	rep.HonestContests = honestDone.Load()
	after, err := n.node.Audit()
	if err != nil {
		return rep, err
	}
	rep.AuditOK, rep.LedgerSum, rep.TransfersAdded = after.OK, after.Sum, after.Transfers-before.Transfers
	owners := []string{arena.HouseOwnerID, honest[0].ownerID, attacker[0].ownerID}
	for _, owner := range owners {
		for _, tr := range transfersSince(n.node, owner, start) {
			rep.TransferKinds[tr.Kind]++
			if owner == attacker[0].ownerID {
				rep.AttackerChanged++
			}
		}
	}
	httpDrain(honestHTTP, attackHTTP)
	time.Sleep(200 * time.Millisecond)
	rep.EndGoroutines = runtime.NumGoroutine()

	// What must hold.
	problem := func(format string, args ...any) { rep.Problems = append(rep.Problems, fmt.Sprintf(format, args...)) }
	if rep.SettledDuring == 0 {
		problem("no contest settled during the attack")
	}
	if rep.HonestContests == 0 {
		problem("the honest websocket agents finished no contest")
	}
	if !rep.AuditOK || rep.LedgerSum != 0 {
		problem("ledger audit ok=%v sum=%d %v", rep.AuditOK, rep.LedgerSum, after.Problems)
	}
	for kind := range rep.TransferKinds {
		switch kind {
		case ledger.KindStake, ledger.KindPayout, ledger.KindFee, ledger.KindRemainder, ledger.KindRefund:
		default:
			problem("a %s transfer happened during the attack", kind)
		}
	}
	if rep.AttackerChanged > 0 {
		problem("the attacker's wallet moved %d times", rep.AttackerChanged)
	}
	if o.MaxHeapMiB > 0 && rep.PeakHeapMiB > o.MaxHeapMiB {
		problem("heap in use peaked at %.0f MiB, over %.0f MiB", rep.PeakHeapMiB, o.MaxHeapMiB)
	}
	return rep, nil
}

func httpDrain(cs ...*http.Client) {
	for _, c := range cs {
		c.CloseIdleConnections()
	}
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

// peakRSSMiB is the process's peak resident set (VmHWM), 0 off Linux.
func peakRSSMiB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb float64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), &kb)
			return kb / 1024
		}
	}
	return 0
}

func countSettled(n *arena.Node) int {
	total, before := 0, ""
	for {
		list, next, err := n.Contests(arena.ContestFilter{Status: arena.StatusSettled, Before: before, Limit: 1000})
		if err != nil {
			return total
		}
		total += len(list)
		if next == "" || len(list) == 0 {
			return total
		}
		before = next
	}
}

func transfersSince(n *arena.Node, owner string, since time.Time) []ledger.Transfer {
	var out []ledger.Transfer
	var after uint64
	for {
		list, next, err := n.Transfers(owner, after, 1000)
		if err != nil {
			return out
		}
		for _, t := range list {
			if !t.At.Before(since) {
				out = append(out, t)
			}
		}
		if next == 0 || len(list) == 0 {
			return out
		}
		after = next
	}
}

func limitHits(reg *prometheus.Registry) map[string]float64 {
	out := map[string]float64{}
	mfs, _ := reg.Gather()
	for _, mf := range mfs {
		if mf.GetName() != "arena_limit_exceeded_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "limit" {
					out[l.GetValue()] = m.GetCounter().GetValue()
				}
			}
		}
	}
	return out
}

// writeAbuse prints the report as a table, or JSON.
func writeAbuse(w io.Writer, rep AbuseReport, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "attack\t%s\t\n", rep.Duration)
	for _, k := range sortedKeys(rep.Attack) {
		fmt.Fprintf(tw, "  %s\t%d\t\n", k, rep.Attack[k])
	}
	fmt.Fprintf(tw, "limit refusals (arena_limit_exceeded_total)\t\t\n")
	for _, k := range sortedKeys(rep.LimitHits) {
		if rep.LimitHits[k] > 0 {
			fmt.Fprintf(tw, "  %s\t%.0f\t\n", k, rep.LimitHits[k])
		}
	}
	fmt.Fprintf(tw, "contests settled during the attack / just after\t%d / %d\t\n", rep.SettledDuring, rep.SettledAfter)
	fmt.Fprintf(tw, "honest websocket agents' contests finished: during / in all\t%d / %d\t\n", rep.HonestDuring, rep.HonestContests)
	fmt.Fprintf(tw, "Go heap in use: before / peak\t%.1f / %.1f MiB\t\n", rep.BaseHeapMiB, rep.PeakHeapMiB)
	fmt.Fprintf(tw, "peak RSS (whole process, attackers included)\t%.1f MiB\t\n", rep.PeakRSSMiB)
	fmt.Fprintf(tw, "goroutines: peak / after\t%d / %d\t\n", rep.PeakGoroutines, rep.EndGoroutines)
	fmt.Fprintf(tw, "ledger audit\tok=%v sum=%d, %d transfers added\t\n", rep.AuditOK, rep.LedgerSum, rep.TransfersAdded)
	kinds := make([]string, 0, len(rep.TransferKinds))
	for _, k := range sortedKeys(rep.TransferKinds) {
		kinds = append(kinds, fmt.Sprintf("%s %d", k, rep.TransferKinds[k]))
	}
	fmt.Fprintf(tw, "transfer kinds during the attack\t%s\t\n", strings.Join(kinds, ", "))
	fmt.Fprintf(tw, "attacker wallet transfers\t%d\t\n", rep.AttackerChanged)
	verdict := "PASS"
	if !rep.OK() {
		verdict = "FAIL: " + strings.Join(rep.Problems, "; ")
	}
	fmt.Fprintf(tw, "verdict\t%s\t\n", verdict)
	return tw.Flush()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// runAbuseCmd is -op abuse: run, print, and exit non-zero on a failed check.
func runAbuseCmd(ctx context.Context, opts Options, stdout, stderr io.Writer) int {
	o := opts.Abuse
	o.Duration, o.Dir = opts.Duration, opts.Dir
	rep, err := runAbuse(ctx, o, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "arena-bench:", err)
		return 1
	}
	if err := writeAbuse(stdout, rep, opts.JSON); err != nil {
		fmt.Fprintln(stderr, "arena-bench:", err)
		return 1
	}
	if !rep.OK() {
		return 1
	}
	return 0
}
