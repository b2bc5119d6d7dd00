package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/agentarena/arena/api"
	"github.com/agentarena/arena/arena"
)

// Every node polls every member's GET /v1/cluster/progress (a few cheap
// integers). Three things read the result: /readyz on a follower (how far
// behind the leader's commit index is it?), the leader's promoter (has a
// non-voter caught up?), and GET /v1/cluster's per-member lag. Raft itself
// tells a follower neither the leader's commit index beyond its own log
// nor the leader anything of a follower's applied index, so asking is the
// only way to know, as Consul's autopilot asks each server for its stats.

// seen is one member's last answer, or the error of the last try.
type seen struct {
	p   api.Progress
	at  time.Time // of the last good answer
	err error     // of the last try, nil if it answered
}

type progressBook struct {
	mu    sync.Mutex
	peers map[string]seen
}

func (b *progressBook) get(id string) (seen, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	s, ok := b.peers[id]
	return s, ok
}

func (b *progressBook) put(id string, p api.Progress, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.peers == nil {
		b.peers = map[string]seen{}
	}
	s := b.peers[id]
	if err == nil {
		s.p, s.at = p, time.Now()
	}
	s.err = err
	b.peers[id] = s
}

// progress serves GET /v1/cluster/progress.
func (s *Server) progress(c *gin.Context) { c.JSON(http.StatusOK, s.cfg.Cluster.Progress()) }

// fetchProgress asks one member for its progress and records the answer.
func (s *Server) fetchProgress(ctx context.Context, m arena.Member) (api.Progress, error) {
	p, err := s.askProgressOf(ctx, m.HTTPAddr, m.ID)
	s.progressBook.put(m.ID, p, err)
	return p, err
}

// askProgress asks the node at base, whichever it is, for its progress.
func (s *Server) askProgress(ctx context.Context, base string) (api.Progress, error) {
	return s.askProgressOf(ctx, base, "")
}

// askProgressOf asks the node at base, expected to be member id ("" when
// not known), for its progress; the signature is good at that member only.
func (s *Server) askProgressOf(ctx context.Context, base, id string) (api.Progress, error) {
	var p api.Progress
	if !strings.HasPrefix(base, "http://") && !strings.HasPrefix(base, "https://") {
		return p, fmt.Errorf("no usable HTTP address %q", base)
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.ProgressInterval*2)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(base, "/")+"/v1/cluster/progress", nil)
	if err != nil {
		return p, fmt.Errorf("build progress request: %w", err)
	}
	s.signPeerTo(req.Header, req.Method, req.URL.RequestURI(), "", id, nil) // this node's own request: not rate limited
	resp, err := s.cfg.ForwardClient.Do(req)
	if err != nil {
		return p, fmt.Errorf("ask %s: %w", base, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return p, fmt.Errorf("read %s: %w", base, err)
	}
	if resp.StatusCode != http.StatusOK {
		return p, fmt.Errorf("%s answered %d", base, resp.StatusCode)
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return p, fmt.Errorf("decode progress from %s: %w", base, err)
	}
	// A member's address served by another cluster's node (a member whose
	// dir was emptied and that bootstrapped a cluster of its own) answers
	// with another cluster's indexes, which must not read as its lag.
	if ours := s.cfg.Cluster.Progress().ClusterID; p.ClusterID != "" && ours != "" && p.ClusterID != ours {
		return api.Progress{}, fmt.Errorf("%s answers as node %s of another cluster (%s, this one is %s): "+
			"that node's data dir is not this cluster's; stop it, empty its data dir and add it back with --join", base, p.NodeID, p.ClusterID, ours)
	}
	return p, nil
}

// leaderCommit is the leader's commit index as last learned, fetched now
// when the book's copy is older than two poll intervals (so /readyz works
// without the poller, e.g. in tests that do not Run the server).
func (s *Server) leaderCommit(ctx context.Context, leader arena.NodeMeta) (uint64, error) {
	if sn, ok := s.progressBook.get(leader.ID); ok && sn.err == nil && time.Since(sn.at) < 2*s.cfg.ProgressInterval {
		return sn.p.CommitIndex, nil
	}
	p, err := s.fetchProgress(ctx, arena.Member{ID: leader.ID, HTTPAddr: leader.HTTPAddr})
	if err != nil {
		return 0, err
	}
	return p.CommitIndex, nil
}

// pollProgress refreshes the book every ProgressInterval and, on the
// leader, promotes non-voters that have caught up, until ctx ends.
func (s *Server) pollProgress(ctx context.Context) {
	t := time.NewTicker(s.cfg.ProgressInterval)
	defer t.Stop()
	for {
		members, err := s.cfg.Cluster.Members()
		if err == nil {
			s.pollOnce(ctx, members)
			if s.cfg.Cluster.LeaderReady() {
				s.promoteCaughtUp(ctx, members)
				s.raiseLevel(ctx, members)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *Server) pollOnce(ctx context.Context, members []arena.Member) {
	var wg sync.WaitGroup
	for _, m := range members {
		if m.ID == s.cfg.Cluster.ID() {
			s.progressBook.put(m.ID, s.cfg.Cluster.Progress(), nil)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = s.fetchProgress(ctx, m)
		}()
	}
	wg.Wait()
}

// promoteCaughtUp makes voters of non-voters (read replicas excepted)
// whose last answer was within ReadyMaxLag of this leader's commit index.
func (s *Server) promoteCaughtUp(ctx context.Context, members []arena.Member) {
	commit := s.cfg.Cluster.Progress().CommitIndex
	for _, m := range members {
		if m.Suffrage != "Nonvoter" || m.ReadReplica {
			continue
		}
		sn, ok := s.progressBook.get(m.ID)
		if !ok || sn.err != nil || lagOf(commit, sn.p.AppliedIndex) > s.cfg.ReadyMaxLag {
			continue
		}
		pctx, cancel := context.WithTimeout(ctx, s.cfg.RequestTimeout)
		err := s.cfg.Cluster.Promote(pctx, m.ID)
		cancel()
		if err != nil {
			s.log.Warn("promoting caught-up non-voter failed", "id", m.ID, "err", err)
			continue
		}
		s.log.Info("promoted caught-up non-voter", "id", m.ID, "applied_index", sn.p.AppliedIndex, "commit_index", commit)
	}
}

// olderWarnEvery spaces the error about a member of an older release:
// once per poll was twice a second.
const olderWarnEvery = time.Minute

// raiseLevel moves the cluster's command level up once every member has
// answered this round's poll with a release at a higher level. A member
// that did not answer holds the level where it is: it may still run the
// older release. Only the poll loop calls it (olderWarned is its own).
func (s *Server) raiseLevel(ctx context.Context, members []arena.Member) {
	cur := s.cfg.Cluster.ClusterLevel()
	levels := map[string]int{}
	for _, m := range members {
		sn, ok := s.progressBook.get(m.ID)
		if !ok || sn.err != nil {
			continue // unknown: RaiseClusterLevel holds the level
		}
		levels[m.ID] = sn.p.CommandLevel
		if sn.p.CommandLevel < cur && m.ID != s.cfg.Cluster.ID() && time.Since(s.olderWarned[m.ID]) >= olderWarnEvery {
			// An older release cannot read what this cluster writes:
			// someone started one on a member's data dir.
			if s.olderWarned == nil {
				s.olderWarned = map[string]time.Time{}
			}
			s.olderWarned[m.ID] = time.Now()
			s.log.Error("member runs a release older than the cluster's command level; it cannot apply the log",
				"id", m.ID, "member_level", sn.p.CommandLevel, "cluster_level", cur)
		}
	}
	if len(levels) < len(members) {
		return
	}
	rctx, cancel := context.WithTimeout(ctx, s.cfg.RequestTimeout)
	defer cancel()
	if _, err := s.cfg.Cluster.RaiseClusterLevel(rctx, levels); err != nil {
		s.log.Warn("raising the cluster's command level failed", "err", err)
	}
}

func lagOf(commit, applied uint64) uint64 {
	if applied >= commit {
		return 0
	}
	return commit - applied
}

// withLag fills each member's applied index, lag and reachability from the
// book, against the highest commit index any member reported.
// This node's own entry is taken now. A member that never answered has
// no applied index or lag, only Reachable false.
func (s *Server) withLag(nodes []arena.Member) {
	var commit uint64
	book := map[string]seen{}
	for _, m := range nodes {
		sn, ok := s.progressBook.get(m.ID)
		if m.ID == s.cfg.Cluster.ID() {
			sn, ok = seen{p: s.cfg.Cluster.Progress(), at: time.Now()}, true
		}
		if ok {
			book[m.ID] = sn
			commit = max(commit, sn.p.CommitIndex)
		}
	}
	for i := range nodes {
		sn, ok := book[nodes[i].ID]
		if !ok {
			continue
		}
		reachable := sn.err == nil
		nodes[i].Reachable = &reachable
		if sn.err != nil {
			nodes[i].Problem = sn.err.Error()
		}
		if sn.at.IsZero() {
			continue
		}
		applied, lag, level := sn.p.AppliedIndex, lagOf(commit, sn.p.AppliedIndex), sn.p.CommandLevel
		nodes[i].AppliedIndex, nodes[i].Lag, nodes[i].CommandLevel = &applied, &lag, &level
	}
}
