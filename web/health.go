package web

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/agentarena/arena/arena"
)

// healthz (and /livez) is liveness only: the process answers HTTP. A load
// balancer must not route by it; an orchestrator restarts on it.
func (s *Server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok", "node_id": s.cfg.Cluster.ID()})
}

// lastKnownCommitAge is how long a follower trusts the leader's commit
// index it last learned when the leader stops answering: long enough to
// ride out a leader's hiccup or an election, short enough that a node cut
// off from the leader stops taking traffic.
const lastKnownCommitAge = 10 * time.Second

// readyz says whether a load balancer should send this node traffic: it
// knows a leader, has applied what it knows is committed, is not shutting
// down and, on a follower or non-voter, has applied to within ReadyMaxLag
// entries of the leader's commit index. A restarted or re-added node
// therefore stays out of rotation until it has caught up, and the reason
// is in the body.
func (s *Server) readyz(c *gin.Context) {
	id := s.cfg.Cluster.ID()
	notReady := func(reason string, extra gin.H) {
		body := gin.H{"status": "not_ready", "reason": reason, "node_id": id}
		for k, v := range extra {
			body[k] = v
		}
		c.JSON(http.StatusServiceUnavailable, body)
	}
	if s.draining.Load() {
		notReady("shutting down", nil)
		return
	}
	if ok, reason := s.cfg.Cluster.Ready(); !ok {
		if reason == arena.NoLeaderKnown {
			reason = s.noLeaderReason()
		}
		notReady(reason, nil)
		return
	}
	applied := s.cfg.Cluster.AppliedIndex()
	if s.cfg.Cluster.IsLeader() {
		// The same fields as a follower's; the leader's commit index is its
		// own (Ready has seen it keep up, so any lag is writes in flight).
		commit := s.cfg.Cluster.Progress().CommitIndex
		c.JSON(http.StatusOK, gin.H{"status": "ready", "node_id": id, "applied_index": applied,
			"leader_commit_index": commit, "lag": lagOf(commit, applied), "max_lag": s.cfg.ReadyMaxLag})
		return
	}
	leader, ok := s.cfg.Cluster.Leader()
	if !ok {
		notReady(s.noLeaderReason(), nil)
		return
	}
	if leader.HTTPAddr == "" {
		notReady(fmt.Sprintf("leader %s's HTTP address is not known here yet (this node has not applied the membership)", leader.ID), nil)
		return
	}
	var commit uint64
	var err error
	if sn, ok := s.progressBook.get(leader.ID); ok && sn.err != nil && !sn.at.IsZero() && time.Since(sn.at) <= lastKnownCommitAge {
		// The poller's last call to the leader failed: judge by its last
		// answer at once. Asking again here waited out the timeout (1 s
		// with a frozen leader), as long as a load balancer's check.
		commit = sn.p.CommitIndex
	} else {
		ctx, cancel := context.WithTimeout(c.Request.Context(), 2*s.cfg.ProgressInterval)
		defer cancel()
		commit, err = s.leaderCommit(ctx, leader)
	}
	if err != nil {
		sn, ok := s.progressBook.get(leader.ID)
		if !ok || sn.at.IsZero() || time.Since(sn.at) > lastKnownCommitAge {
			notReady(fmt.Sprintf("cannot learn leader %s's commit index: %v", leader.ID, err), nil)
			return
		}
		commit = sn.p.CommitIndex // a hiccup: judge by the last answer
	}
	lag := lagOf(commit, applied)
	extra := gin.H{"applied_index": applied, "leader_commit_index": commit, "lag": lag, "max_lag": s.cfg.ReadyMaxLag}
	if lag > s.cfg.ReadyMaxLag {
		notReady(fmt.Sprintf("catching up: %d entries behind leader %s's commit index (at most %d allowed)", lag, leader.ID, s.cfg.ReadyMaxLag), extra)
		return
	}
	extra["status"], extra["node_id"] = "ready", id
	c.JSON(http.StatusOK, extra)
}

// SetDraining makes /readyz fail from now on ("shutting down"), so load
// balancers stop sending new requests while the node drains.
func (s *Server) SetDraining() { s.draining.Store(true) }

// The page at / is the spectator UI's shell, served by ui.go.
