package web

import (
	"fmt"
	"strings"

	"github.com/agentarena/arena/apperr"
)

// What a node says when it knows no leader: an election that will end in
// a second or two, a quorum that is gone, or this node having been
// removed. etcd answers all three "etcdserver: no leader"; an operator
// looking at a lone survivor needs to know which it is, and what to do.

// removedHere reports a node that takes no further part in the cluster
// although it still serves: a leader that removed itself (raft stops on
// it: ShutdownOnRemove), or a member that knows no leader and whose
// configuration lists others but not itself (a follower removed, or
// restarted after its removal). A node that has not joined yet holds no
// configuration at all, and one catching up hears from a leader.
func (s *Server) removedHere() bool {
	if s.draining.Load() {
		return false
	}
	p := s.cfg.Cluster.Progress()
	if p.State == "Shutdown" {
		return true
	}
	if p.LeaderID != "" {
		return false
	}
	members, err := s.cfg.Cluster.Members()
	if err != nil || len(members) == 0 {
		return false
	}
	for _, m := range members {
		if m.ID == s.cfg.Cluster.ID() {
			return false
		}
	}
	return true
}

// leaderExpected reports whether a leader may take office soon enough to
// hold a write for: not on a removed node, nor while too few voters
// answer this node to elect one (waiting would only delay the 421, and
// clients that retry it would wait again each time).
func (s *Server) leaderExpected() bool {
	return !s.removedHere() && s.quorumLost() == ""
}

// noLeader is the not_leader error for a node that knows no leader.
func (s *Server) noLeader() error {
	if s.removedHere() {
		return apperr.New(apperr.NotLeader, "node %s was removed from the cluster and takes no further part in it: send requests to another member; "+
			"stop this node, or empty its data dir and start it with --join to add it again", s.cfg.Cluster.ID())
	}
	if q := s.quorumLost(); q != "" {
		return apperr.New(apperr.NotLeader, "no leader is elected: %s", q)
	}
	return apperr.New(apperr.NotLeader, "no leader is elected right now; retry shortly")
}

// quorumLost describes, from this node's last progress poll, why no
// leader can be elected when too few voters answer to make a quorum ("" when
// enough do, as in an ordinary election).
func (s *Server) quorumLost() string {
	members, err := s.cfg.Cluster.Members()
	if err != nil {
		return ""
	}
	voters, up := 0, 0
	var down []string
	for _, m := range members {
		if m.Suffrage != "Voter" {
			continue
		}
		voters++
		// A member not polled yet (this node has just started) counts as
		// up: only a failed poll says it is down.
		if sn, ok := s.progressBook.get(m.ID); m.ID != s.cfg.Cluster.ID() && ok && sn.err != nil {
			down = append(down, m.ID)
			continue
		}
		up++
	}
	quorum := voters/2 + 1
	if voters == 0 || up >= quorum {
		return ""
	}
	return fmt.Sprintf("%d of the %d voters (%s) do not answer this node, and a leader needs %d of them; "+
		"writes resume once enough are back (if they are lost for good, recover with peers.json: docs/OPERATIONS.md, \"Recovering from lost quorum\")",
		len(down), voters, strings.Join(down, ", "), quorum)
}

// noLeaderReason is /readyz's reason when this node knows no leader.
func (s *Server) noLeaderReason() string {
	if s.removedHere() {
		return "this node was removed from the cluster: stop it, or empty its data dir and start it with --join to add it again"
	}
	if q := s.quorumLost(); q != "" {
		return "no leader known: " + q
	}
	return "no leader known"
}
