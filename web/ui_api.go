package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/agentarena/arena/api"
	"github.com/agentarena/arena/apperr"
	"github.com/agentarena/arena/arena"
)

// Read-only endpoints that exist for the spectator pages: each answers in
// one request what a page would otherwise assemble from many, or what a
// browser cannot fetch itself (other nodes' status, which CSP's
// connect-src 'self' rightly forbids the page to ask for directly).

// uiAPIRoutes registers them on the /v1 group. Called from routes().
func (s *Server) uiAPIRoutes(v1 *gin.RouterGroup) {
	v1.GET("/ui/home", s.uiHome)
	v1.GET("/ui/status", s.uiStatus)
	v1.GET("/arenas/:name/trends", s.unpaged("every rated agent's trend"), s.arenaTrends)
	v1.GET("/ui/cluster", s.requireOperator, s.uiCluster)
}

type homeArena struct {
	Arena   arenaView `json:"arena"`
	Running int       `json:"running"`
	Queued  int       `json:"queued"`
	// Top is the head of the arena's leaderboard in its default order,
	// Method.
	Top    []api.LeaderboardRow `json:"top"`
	Method api.RankMethod       `json:"method"`
	api.BTFreshness
}

// homeCluster is the status line every page shows. It avoids
// Node.Status, whose state hash reads the whole database whenever the
// applied index moved: too costly for every spectator's refresh.
type homeCluster struct {
	NodeID string `json:"node_id"`
	Role   string `json:"role"` // "leader" or "follower"
	Leader string `json:"leader,omitempty"`
	Ready  bool   `json:"ready"`
	Reason string `json:"reason,omitempty"`
}

func (s *Server) clusterLine() homeCluster {
	n := s.cfg.Cluster
	out := homeCluster{NodeID: n.ID(), Role: "follower"}
	if n.IsLeader() {
		out.Role = "leader"
	}
	if l, ok := n.Leader(); ok {
		out.Leader = l.ID
	}
	out.Ready, out.Reason = n.Ready()
	return out
}

type homeResp struct {
	Cluster homeCluster     `json:"cluster"`
	Arenas  []homeArena     `json:"arenas"`
	Running []arena.Contest `json:"running"`
	Recent  []arena.Contest `json:"recent"`
}

// homeTop is how many agents per arena the home page lists, homeRunning
// how many running contests, homeRecent how many results.
const (
	homeTop     = 3
	homeRunning = 20
	homeRecent  = 10
)

// runningContests lists the running contests, newest first, without their
// game state, from the index of active contests: a status filter over the
// contest listing would walk every contest the node ever held, and the
// pages that show what runs now (the home page, polled by every open tab;
// each arena feed's snapshot) would slow down with the node's age.
func (s *Server) runningContests() ([]arena.Contest, error) {
	active, err := s.cfg.Contests.ActiveContests()
	if err != nil {
		return nil, err
	}
	out := make([]arena.Contest, 0, len(active))
	for _, c := range active {
		if c.Status != arena.StatusRunning {
			continue
		}
		cc := *c
		cc.State = nil
		out = append(out, cc)
	}
	// Contest ids sort by creation time, as the listing's order is.
	slices.SortFunc(out, func(a, b arena.Contest) int { return strings.Compare(b.ID, a.ID) })
	return out, nil
}

// uiStatus serves GET /v1/ui/status: the status line alone, which every
// page polls so that its header, and a contest page's paused notice, follow
// the cluster (a follower that loses its leader says so within a poll).
func (s *Server) uiStatus(c *gin.Context) {
	c.JSON(http.StatusOK, s.clusterLine())
}

// uiHome serves GET /v1/ui/home: everything the home page shows, from this
// node's local state. Contest states and verdicts are left out: the page
// shows who plays and who won, and they can be large.
func (s *Server) uiHome(c *gin.Context) {
	out := homeResp{Cluster: s.clusterLine()}
	arenas, err := s.cfg.Contests.Arenas()
	if err != nil {
		s.writeError(c, err)
		return
	}
	running, err := s.runningContests()
	if err != nil {
		s.writeError(c, err)
		return
	}
	live := make(map[string]int, len(arenas))
	for _, r := range running {
		live[r.Arena]++
	}
	out.Arenas = make([]homeArena, 0, len(arenas))
	for _, a := range arenas {
		method := a.DefaultRankMethod()
		board, fresh, err := s.rankedBoard(a, method)
		if err != nil {
			s.writeError(c, err)
			return
		}
		queue, err := s.cfg.Contests.Tickets(a.Name)
		if err != nil {
			s.writeError(c, err)
			return
		}
		if len(board) > homeTop {
			board = board[:homeTop]
		}
		out.Arenas = append(out.Arenas, homeArena{Arena: viewArena(a), Running: live[a.Name], Queued: len(queue), Top: board, Method: method, BTFreshness: fresh})
	}
	out.Running = running[:min(len(running), homeRunning)]
	// "Recent results" are the latest to end, which the contest list (by
	// start) cannot give: a long contest that just ended sits behind every
	// shorter one started after it.
	if out.Recent, err = s.cfg.Contests.RecentlySettled(homeRecent); err != nil {
		s.writeError(c, err)
		return
	}
	for _, list := range [][]arena.Contest{out.Running, out.Recent} {
		for i := range list {
			list[i].State, list[i].Verdict = nil, nil
		}
	}
	c.JSON(http.StatusOK, out)
}

// trendPoints is how many recent ratings a leaderboard sparkline shows.
const trendPoints = 30

// arenaTrends serves GET /v1/arenas/{name}/trends: for every agent on the
// leaderboard, its last Elo ratings in points, oldest first, ending with
// the current one (the leaderboard's sparklines).
func (s *Server) arenaTrends(c *gin.Context) {
	b, err := s.trendsJSON(c.Param("name"))
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.Data(http.StatusOK, "application/json; charset=utf-8", b)
}

// nodeReport is one member's own account of itself, or why it gave none.
type nodeReport struct {
	ID       string        `json:"id"`
	HTTPAddr string        `json:"http_addr"`
	Suffrage string        `json:"suffrage"`
	OK       bool          `json:"ok"`
	Error    string        `json:"error,omitempty"`
	Status   *arena.Status `json:"status,omitempty"`
}

// uiClusterTimeout bounds the wait for each member: a dead node must not
// hold the operator page.
const uiClusterTimeout = 2 * time.Second

// uiCluster serves GET /v1/ui/cluster (operator token): this node's view
// of the cluster plus every member's own status (term, indexes, state
// hash), asked of each member's /v1/cluster in parallel. A member that
// does not answer is reported with its error rather than failing the page.
func (s *Server) uiCluster(c *gin.Context) {
	st, err := s.cfg.Cluster.Status()
	if err != nil {
		s.writeError(c, err)
		return
	}
	// The caller's operator token goes along, so each member hashes its
	// state now rather than answering with a recent hash.
	auth := c.GetHeader("Authorization")
	reports := make([]nodeReport, len(st.Nodes))
	var wg sync.WaitGroup
	for i, m := range st.Nodes {
		reports[i] = nodeReport{ID: m.ID, HTTPAddr: m.HTTPAddr, Suffrage: m.Suffrage}
		if m.ID == st.NodeID {
			local := st
			reports[i].OK, reports[i].Status = true, &local
			continue
		}
		wg.Add(1)
		go func(r *nodeReport) {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(c.Request.Context(), uiClusterTimeout)
			defer cancel()
			peer, err := s.peerStatus(ctx, r.HTTPAddr, auth)
			if err != nil {
				r.Error = err.Error()
				return
			}
			r.OK, r.Status = true, peer
		}(&reports[i])
	}
	wg.Wait()
	c.JSON(http.StatusOK, gin.H{"node_id": st.NodeID, "self": st, "nodes": reports})
}

// peerStatus asks one member for its /v1/cluster. Members' HTTP addresses
// come from the replicated membership, which only operators change.
func (s *Server) peerStatus(ctx context.Context, base, auth string) (*arena.Status, error) {
	if !strings.HasPrefix(base, "http://") && !strings.HasPrefix(base, "https://") {
		return nil, apperr.New(apperr.Unavailable, "no usable HTTP address %q", base)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(base, "/")+"/v1/cluster", nil)
	if err != nil {
		return nil, fmt.Errorf("build status request: %w", err)
	}
	req.Header.Set("Authorization", auth)
	resp, err := s.cfg.ForwardClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("ask %s: %w", base, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", base, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s answered %d", base, resp.StatusCode)
	}
	var st arena.Status
	if err := json.Unmarshal(body, &st); err != nil {
		return nil, fmt.Errorf("decode status from %s: %w", base, err)
	}
	return &st, nil
}
