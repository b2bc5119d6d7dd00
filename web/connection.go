package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/apperr"
)

// Whether a websocket agent is connected is known only to the node that
// holds its socket, which is the leader (agents connect there and are
// closed with 1001 when it steps down). It is not replicated state: a
// connection is not a decision of the cluster, and putting every connect
// and disconnect in the Raft log would make a flapping agent cost a
// commit each time. So the leader answers for it, and a follower asks the
// leader (as for webhook deliveries), or says it could not.

// Connection states.
const (
	connConnected    = "connected"
	connDisconnected = "disconnected"
	connUnknown      = "unknown"
)

// agentConnection is what GET /v1/agents/{id}/connection answers, and the
// connection field of GET /v1/agents/{id} for the owner and operator.
type agentConnection struct {
	// State: connected, disconnected, or unknown (the node holding the
	// answer could not be asked; Reason says why).
	State string `json:"state"`
	// NodeID: connected, the node holding the socket; disconnected, the
	// node that answered (the leader, where the agent would connect).
	NodeID string `json:"node_id,omitempty"`
	// Since: connected, when the socket opened; disconnected, when that
	// node saw the agent's last socket close (absent when it has held none
	// since it started or became leader).
	Since *time.Time `json:"since,omitempty"`
	// Reason explains unknown.
	Reason string `json:"reason,omitempty"`
}

// maxClosedConns bounds how many agents' last close a node remembers.
const maxClosedConns = 1 << 16

// connBook is this node's record of the agent sockets it holds. The
// session pointer tells a replaced session's close from the current one's.
type connBook struct {
	mu     sync.Mutex
	live   map[string]liveConn
	closed map[string]time.Time
}

type liveConn struct {
	sess  *agentSession
	since time.Time
}

// opened records sess as the agent's socket from now on.
func (b *connBook) opened(agentID string, sess *agentSession, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.live == nil {
		b.live, b.closed = map[string]liveConn{}, map[string]time.Time{}
	}
	b.live[agentID] = liveConn{sess: sess, since: now}
	delete(b.closed, agentID)
}

// closedNow records that sess closed, unless a newer session replaced it.
func (b *connBook) closedNow(agentID string, sess *agentSession, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if l, ok := b.live[agentID]; !ok || l.sess != sess {
		return
	}
	delete(b.live, agentID)
	if len(b.closed) < maxClosedConns {
		b.closed[agentID] = now
	}
}

// local is what this node knows of the agent's socket.
func (b *connBook) local(agentID, nodeID string) agentConnection {
	b.mu.Lock()
	defer b.mu.Unlock()
	if l, ok := b.live[agentID]; ok {
		t := l.since
		return agentConnection{State: connConnected, NodeID: nodeID, Since: &t}
	}
	out := agentConnection{State: connDisconnected, NodeID: nodeID}
	if t, ok := b.closed[agentID]; ok {
		out.Since = &t
	}
	return out
}

// connectionOf answers for a websocket agent: from this node when it
// leads or holds the socket itself, else from the leader, asked with the
// caller's credentials (c's Authorization) within a short wait.
func (s *Server) connectionOf(c *gin.Context, agentID string) agentConnection {
	here := s.conns.local(agentID, s.cfg.Cluster.ID())
	if here.State == connConnected || s.cfg.Cluster.IsLeader() {
		return here
	}
	if c.GetHeader(forwardedHeader) != "" {
		return agentConnection{State: connUnknown, Reason: "node " + s.cfg.Cluster.ID() + " is not the leader either"}
	}
	target, err := s.leaderURL()
	if err != nil {
		return agentConnection{State: connUnknown, Reason: "no leader to ask: agents connect to the leader, and none is known now"}
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	u := target.JoinPath("/v1/agents", agentID, "connection")
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return agentConnection{State: connUnknown, Reason: "could not ask the leader"}
	}
	req.Header.Set("Authorization", c.GetHeader("Authorization"))
	req.Header.Set(forwardedHeader, s.cfg.Cluster.ID())
	s.signPeer(req.Header, req.Method, req.URL.RequestURI(), s.clientAddr(c.Request))
	resp, err := s.cfg.ForwardClient.Do(req)
	if err != nil {
		return agentConnection{State: connUnknown, Reason: "the leader at " + target.Host + " did not answer"}
	}
	defer resp.Body.Close()
	var body struct {
		Connection agentConnection `json:"connection"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&body) != nil || body.Connection.State == "" {
		return agentConnection{State: connUnknown, Reason: "the leader at " + target.Host + " answered " + resp.Status}
	}
	return body.Connection
}

// agentConnectionRoute serves GET /v1/agents/{id}/connection to the
// agent's owner and the operator: whether the websocket agent is
// connected, to which node, since when.
func (s *Server) agentConnectionRoute(c *gin.Context) {
	a, ok := s.ownAgent(c, true)
	if !ok {
		return
	}
	if a.Kind != agents.KindWebsocket {
		s.writeError(c, apperr.New(apperr.Invalid, "agent %s is a %s agent, which the arena calls and which never connects; only websocket agents have a connection", a.ID, a.Kind))
		return
	}
	c.JSON(http.StatusOK, gin.H{"agent_id": a.ID, "connection": s.connectionOf(c, a.ID)})
}
