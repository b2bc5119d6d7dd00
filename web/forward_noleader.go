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

// removedHere reports a node whose Raft has stopped while it still
// serves: a leader that removed itself (raft's ShutdownOnRemove). It
// takes no further part in the cluster.
func (s *Server) removedHere() bool {
	return s.cfg.Cluster.Progress().State == "Shutdown" && !s.draining.Load()
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
