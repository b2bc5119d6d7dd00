package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/agentarena/arena/internal/httpjson"
	"github.com/agentarena/arena/internal/proccpu"
	"github.com/gorilla/websocket"
)

// AgentsOptions size an external agents run (-op agents): N websocket
// agents, each with its own key and connection, play connect4 against
// each other with no think time on a running cluster, from outside it.
type AgentsOptions struct {
	Servers []string // node base URLs; agents dial the first and follow 421 to the leader
	Token   string   // operator token, to fund the agents' owners
	Agents  int
	Arena   string
	// Spectators watch the followers meanwhile: the arena's live feed,
	// single contests' streams, or both (Spectate: live, contest or both;
	// with both, Spectators of each).
	Spectators int
	Spectate   string
	// SpectateOn, when set, puts every spectator on that one node (one of
	// Servers) instead of spreading them over the followers.
	SpectateOn string
	// StateFiles are the nodes' state.db paths, when the caller owns the
	// data dirs: their sizes join the report's state cost.
	StateFiles []string
	// PIDs are the nodes' process ids, when on this machine: the report
	// gives their CPU time during the measured window per move, beside
	// the load generator's own, since both share the machine's cores.
	PIDs []int
}

// spectateModes are the values of -spectate.
var spectateModes = []string{"live", "contest", "both"}

func (o AgentsOptions) spectateLive() bool { return o.Spectate != "contest" } // "" is live

func (o AgentsOptions) spectateContest() bool { return o.Spectate == "contest" || o.Spectate == "both" }

// AgentsReport is what an agents run measured.
type AgentsReport struct {
	Agents        int            `json:"agents"`
	Seconds       float64        `json:"seconds"`
	MovesAcked    int            `json:"moves_acked"`
	MovesPerSec   float64        `json:"moves_per_sec"`
	RTTp50ms      float64        `json:"move_rtt_p50_ms"`
	RTTp90ms      float64        `json:"move_rtt_p90_ms"`
	RTTp99ms      float64        `json:"move_rtt_p99_ms"`
	RTTmaxMs      float64        `json:"move_rtt_max_ms"`
	ContestsEnded int64          `json:"contests_ended"`
	Errors        map[string]int `json:"errors"`
	Live          spectatorStats `json:"live_spectators"`
	// Contests is absent unless spectators watched single contests.
	Contests *contestSpectatorStats `json:"contest_spectators,omitempty"`
	// State is what the run's settled contests cost in replicated state.
	State stateCost `json:"state"`
	// CPU used during the measured window, in cores: the nodes named by
	// -pids (0 without) and this load generator.
	NodesCPUCores     float64 `json:"nodes_cpu_cores"`
	NodesCPUmsPerMove float64 `json:"nodes_cpu_ms_per_move"`
	ClientCPUCores    float64 `json:"client_cpu_cores"`
}

// maxPerOwner stays within an arena's default max_queued_per_owner (20).
const maxPerOwner = 20

func runAgentsCmd(ctx context.Context, opts Options, stdout, stderr io.Writer) int {
	rep, err := runAgents(ctx, opts.Agents, opts.Warmup, opts.Duration, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "arena-bench:", err)
		return 1
	}
	if opts.JSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(rep)
		return 0
	}
	fmt.Fprintf(stdout, "%d websocket agents playing %s for %.0f s: %d moves acknowledged, %.0f moves/s; move RTT (frame sent -> ack) p50 %.1f, p90 %.1f, p99 %.1f, max %.1f ms; %d contests ended; errors %v\n",
		rep.Agents, opts.Agents.Arena, rep.Seconds, rep.MovesAcked, rep.MovesPerSec, rep.RTTp50ms, rep.RTTp90ms, rep.RTTp99ms, rep.RTTmaxMs, rep.ContestsEnded, rep.Errors)
	if l := rep.Live; l.Spectators > 0 {
		fmt.Fprintf(stdout, "%d spectators on /v1/arenas/%s/live at %s: %d contest frames, leader proposal -> delivery p50 %.1f, p99 %.1f, max %.1f ms; %d streams closed by the server\n",
			l.Spectators, opts.Agents.Arena, l.Nodes, l.Frames, l.P50ms, l.P99ms, l.MaxMs, l.Dropped)
	}
	if c := rep.Contests; c != nil {
		fmt.Fprintf(stdout, "%d spectators on /v1/contests/{id}/stream at %s: %d streams opened, %d event frames, leader proposal -> delivery p50 %.1f, p99 %.1f, max %.1f ms; %d events missed, %d duplicated; %d streams closed by the server (resumed), %d attachments failed\n",
			c.Spectators, c.Nodes, c.Attached, c.Frames, c.P50ms, c.P99ms, c.MaxMs, c.Gaps, c.Dups, c.Dropped, c.AttachFailed)
	}
	if len(opts.Agents.PIDs) > 0 {
		fmt.Fprintf(stdout, "CPU in the window: nodes %.2f cores (%.3f ms per acknowledged move), load generator %.2f cores\n",
			rep.NodesCPUCores, rep.NodesCPUmsPerMove, rep.ClientCPUCores)
	} else {
		fmt.Fprintf(stdout, "CPU in the window: load generator %.2f cores (-pids adds the nodes')\n", rep.ClientCPUCores)
	}
	writeStateCost(stdout, rep.State, opts.Agents.StateFiles)
	return 0
}

// writeStateCost prints what the run's settled contests cost in state.
func writeStateCost(w io.Writer, c stateCost, files []string) {
	b, a := c.Before, c.After
	fmt.Fprintf(w, "state: %d contests settled during the run (%d in all); snapshot from the leader %d -> %d bytes (%.0f bytes per settled contest), %.3f s to download after the run\n",
		a.Settled-b.Settled, a.Settled, b.SnapshotBytes, a.SnapshotBytes, c.SnapshotBytesPerContest, a.SnapshotSec)
	for i, f := range files {
		if i < len(a.FileBytes) && i < len(c.FileBytesPerContest) {
			fmt.Fprintf(w, "  %s: %d bytes (%.0f per settled contest, setup included)\n", f, a.FileBytes[i], c.FileBytesPerContest[i])
		}
	}
}

type benchAgent struct {
	key string
	url string // websocket URL of the node it plays on
}

func runAgents(ctx context.Context, o AgentsOptions, warmup, dur time.Duration, progress io.Writer) (AgentsReport, error) {
	hc := &http.Client{Timeout: 30 * time.Second}
	base := o.Servers[0]
	var agents []benchAgent
	for len(agents) < o.Agents {
		var owner struct {
			Owner struct {
				ID string `json:"id"`
			} `json:"owner"`
			APIKey string `json:"api_key"`
		}
		name := fmt.Sprintf("wsbench%d", time.Now().UnixNano()%1e12)
		// With the operator token: an address may sign up only 20 owners
		// an hour without it, and a run of 1,000 agents needs 50.
		if err := httpjson.Post(ctx, hc, base+"/v1/owners", o.Token, map[string]any{"name": name}, &owner); err != nil {
			return AgentsReport{}, fmt.Errorf("sign up an owner: %w", err)
		}
		grant := map[string]any{"id": "wsbench-" + owner.Owner.ID, "owner_id": owner.Owner.ID, "amount": int64(1) << 40}
		if err := httpjson.Post(ctx, hc, base+"/v1/ledger/grants", o.Token, grant, nil); err != nil {
			return AgentsReport{}, fmt.Errorf("fund owner %s: %w", owner.Owner.ID, err)
		}
		for i := 0; i < maxPerOwner && len(agents) < o.Agents; i++ {
			var a struct {
				AgentKey string `json:"agent_key"`
			}
			req := map[string]any{"name": fmt.Sprintf("%s-%d", name, i), "kind": "websocket"}
			if err := httpjson.Post(ctx, hc, base+"/v1/agents", owner.APIKey, req, &a); err != nil {
				return AgentsReport{}, fmt.Errorf("register an agent: %w", err)
			}
			agents = append(agents, benchAgent{key: a.AgentKey})
		}
	}
	fmt.Fprintf(progress, "agents: %d registered under %d owners; connecting\n", len(agents), (len(agents)+maxPerOwner-1)/maxPerOwner)
	leader, followers, err := clusterRoles(ctx, hc, o.Servers)
	if err != nil {
		return AgentsReport{}, err
	}
	var cost stateCost
	if cost.Before, err = sampleState(ctx, hc, base, leader, o.Token, o.Arena, o.StateFiles); err != nil {
		return AgentsReport{}, fmt.Errorf("state before the run: %w", err)
	}

	conns := make([]*websocket.Conn, len(agents))
	for i, a := range agents {
		c, err := dialAgent(ctx, base, a.key)
		if err != nil {
			for _, c := range conns[:i] {
				c.Close()
			}
			return AgentsReport{}, fmt.Errorf("agent %d: %w", i, err)
		}
		conns[i] = c
	}
	watched := followers
	if o.SpectateOn != "" {
		watched = []string{o.SpectateOn}
		if o.SpectateOn == leader {
			fmt.Fprintf(progress, "agents: note: %s, which every spectator watches, is the leader\n", o.SpectateOn)
		}
	}
	// Live spectators connect before the clock starts: connecting
	// thousands takes seconds, and the warm-up must follow it.
	var lw *liveWatch
	if o.Spectators > 0 && o.spectateLive() {
		t0 := time.Now()
		if lw, err = watchLive(ctx, watched, o.Arena, o.Spectators); err != nil {
			return AgentsReport{}, err
		}
		fmt.Fprintf(progress, "agents: %d live spectators connected in %.1f s\n", o.Spectators, time.Since(t0).Seconds())
	}
	start := time.Now()
	from, end := start.Add(warmup), start.Add(warmup+dur)
	live := func() spectatorStats { return spectatorStats{} }
	if lw != nil {
		lw.measure(from, end)
		live = lw.stop
	}
	var contests func() contestSpectatorStats
	if o.Spectators > 0 && o.spectateContest() {
		if contests, err = watchContests(ctx, watched, o.Arena, o.Spectators, from, end); err != nil {
			return AgentsReport{}, err
		}
	}
	fmt.Fprintf(progress, "agents: %d connected; playing %s for %s after %s warm-up\n", len(conns), o.Arena, dur, warmup)
	var ended atomic.Int64
	var mu sync.Mutex
	errs := map[string]int{}
	rtts := make([][]time.Duration, len(conns))
	self := []int{os.Getpid()}
	var cpuMu sync.Mutex
	var nodesCPU, clientCPU [2]float64
	sampleCPU := func(i int) {
		cpuMu.Lock()
		defer cpuMu.Unlock()
		nodesCPU[i], clientCPU[i] = proccpu.Seconds(o.PIDs), proccpu.Seconds(self)
	}
	time.AfterFunc(time.Until(from), func() { sampleCPU(0) })
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rtts[i] = playAgent(c, o.Arena, from, end, &ended, func(code string) {
				mu.Lock()
				errs[code]++
				mu.Unlock()
			})
		}()
	}
	time.AfterFunc(time.Until(end), func() {
		sampleCPU(1)
		for _, c := range conns {
			c.Close()
		}
	})
	wg.Wait()
	liveStats := live()
	var contestStats *contestSpectatorStats
	if contests != nil {
		cs := contests()
		contestStats = &cs
	}
	if cost.After, err = sampleState(ctx, hc, base, leader, o.Token, o.Arena, o.StateFiles); err != nil {
		return AgentsReport{}, fmt.Errorf("state after the run: %w", err)
	}
	cost.finish()
	var all []time.Duration
	for _, r := range rtts {
		all = append(all, r...)
	}
	sortDurations(all)
	rep := AgentsReport{Agents: len(conns), Seconds: dur.Seconds(), MovesAcked: len(all),
		MovesPerSec: float64(len(all)) / dur.Seconds(), ContestsEnded: ended.Load(), Errors: errs, Live: liveStats,
		Contests: contestStats, State: cost}
	cpuMu.Lock()
	defer cpuMu.Unlock()
	rep.NodesCPUCores = (nodesCPU[1] - nodesCPU[0]) / dur.Seconds()
	rep.ClientCPUCores = (clientCPU[1] - clientCPU[0]) / dur.Seconds()
	if len(all) > 0 {
		rep.NodesCPUmsPerMove = 1000 * (nodesCPU[1] - nodesCPU[0]) / float64(len(all))
		rep.RTTp50ms, rep.RTTp90ms, rep.RTTp99ms = msOf(nearest(all, .5)), msOf(nearest(all, .9)), msOf(nearest(all, .99))
		rep.RTTmaxMs = msOf(all[len(all)-1])
	}
	return rep, nil
}

func sortDurations(d []time.Duration) { sort.Slice(d, func(i, j int) bool { return d[i] < d[j] }) }

// clusterRoles finds the leader's URL (servers[0] if none is known) and
// the followers: servers less the leader (all of them if none is known).
func clusterRoles(ctx context.Context, hc *http.Client, servers []string) (leader string, followers []string, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, servers[0]+"/v1/cluster", nil)
	if err != nil {
		return "", nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return "", nil, fmt.Errorf("find the leader: %w", err)
	}
	defer resp.Body.Close()
	var cl struct {
		Leader struct {
			HTTPAddr string `json:"http_addr"`
		} `json:"leader"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&cl); err != nil {
		return "", nil, fmt.Errorf("find the leader: %w", err)
	}
	leader = strings.TrimRight(cl.Leader.HTTPAddr, "/")
	for _, s := range servers {
		if leader != s {
			followers = append(followers, s)
		}
	}
	if len(followers) == 0 {
		followers = servers
	}
	if leader == "" {
		leader = servers[0]
	}
	return leader, followers, nil
}

func nearest(d []time.Duration, p float64) time.Duration {
	i := int(float64(len(d))*p+0.999999) - 1
	return d[max(0, min(i, len(d)-1))]
}

func msOf(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// agentFrame is the union of the server frames an agent reads here.
type agentFrame struct {
	Type    string `json:"type"`
	Contest string `json:"contest"`
	Seq     int64  `json:"seq"`
	Ref     string `json:"ref"`
	Code    string `json:"code"`
	View    struct {
		Legal []int `json:"legal"`
	} `json:"view"`
}

// playAgent answers every turn at once with the first legal column,
// queues again after each contest, and returns the round trips (move
// sent to its ack received) of the moves acknowledged in [from, end].
func playAgent(c *websocket.Conn, arena string, from, end time.Time, ended *atomic.Int64, errorf func(string)) []time.Duration {
	var out []time.Duration
	sent := map[string]time.Time{} // contest -> when its pending move went out
	queue := func() error { return c.WriteJSON(map[string]string{"type": "queue", "arena": arena}) }
	for {
		var f agentFrame
		if err := c.ReadJSON(&f); err != nil {
			return out
		}
		var err error
		switch f.Type {
		case "hello":
			err = queue()
		case "turn":
			if len(f.View.Legal) == 0 {
				continue
			}
			sent[f.Contest] = time.Now()
			err = c.WriteJSON(map[string]any{"type": "move", "contest": f.Contest, "seq": f.Seq, "move": f.View.Legal[0]})
		case "ack":
			if t0, ok := sent[f.Contest]; ok && f.Ref == "move" {
				delete(sent, f.Contest)
				if now := time.Now(); !t0.Before(from) && !now.After(end) {
					out = append(out, now.Sub(t0))
				}
			}
		case "contest_end":
			delete(sent, f.Contest)
			ended.Add(1)
			err = queue()
		case "error":
			errorf(f.Code)
		}
		if err != nil {
			return out
		}
	}
}

// dialAgent opens an agent session on base, following a 421 to the leader.
func dialAgent(ctx context.Context, base, key string) (*websocket.Conn, error) {
	u := "ws" + strings.TrimPrefix(base, "http") + "/v1/agents/connect"
	for range 4 {
		c, resp, err := websocket.DefaultDialer.DialContext(ctx, u, http.Header{"Authorization": {"Bearer " + key}})
		if err == nil {
			return c, nil
		}
		if resp != nil && resp.StatusCode == http.StatusMisdirectedRequest {
			if l := resp.Header.Get("X-Arena-Leader"); l != "" {
				u = "ws" + strings.TrimPrefix(l, "http") + "/v1/agents/connect"
				continue
			}
		}
		if resp != nil {
			return nil, fmt.Errorf("dial %s: %s", u, resp.Status)
		}
		return nil, fmt.Errorf("dial %s: %w", u, err)
	}
	return nil, fmt.Errorf("dial %s: too many redirects", u)
}
