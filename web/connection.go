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
	"github.com/agentarena/arena/agents/protocol"
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

// ownerConnection is one agent of GET /v1/owners/{id}/connections: what
// GET /v1/agents/{id} adds for the owner (queued, and connection for a
// websocket agent), so a page showing many agents asks once.
type ownerConnection struct {
	AgentID string              `json:"agent_id"`
	Kind    string              `json:"kind"`
	Queued  []protocol.QueuedIn `json:"queued"`
	// Connection is absent for agents the arena calls (webhook, openai,
	// builtin), which hold no socket.
	Connection *agentConnection `json:"connection,omitempty"`
}

type ownerConnectionsResp struct {
	OwnerID string `json:"owner_id"`
	// NodeID is the node that answered: the leader, where agents connect,
	// unless none could be asked (then the connections read unknown).
	NodeID      string            `json:"node_id"`
	Connections []ownerConnection `json:"connections"`
	NextCursor  string            `json:"next_cursor,omitempty"`
}

// ownerConnections serves GET /v1/owners/{id}/connections (id or me) to
// that owner and the operator: each of the owner's agents' connection and
// queue places, one page at a time, in the order and with the cursors of
// GET /v1/agents?owner=. The owner page polled GET /v1/agents/{id} once
// per agent every few seconds, so an owner with many agents spent its
// key's request allowance on watching them. The leader holds the sockets,
// so a follower relays the whole request to it (one request, whatever the
// page size), and answers from its own state with connections unknown
// when it cannot.
func (s *Server) ownerConnections(c *gin.Context) {
	owner, ok := s.connectionsScope(c)
	if !ok {
		return
	}
	limit, cursor, ok := s.listPage(c, agentCursor)
	if !ok {
		return
	}
	unknown := ""
	if !s.cfg.Cluster.IsLeader() {
		if c.GetHeader(forwardedHeader) != "" {
			unknown = "node " + s.cfg.Cluster.ID() + " is not the leader either"
		} else if why, relayed := s.relayToLeader(c); relayed {
			return
		} else {
			unknown = why
		}
	}
	list, next, err := s.cfg.Accounts.ListAgents(owner, cursor, limit)
	if err != nil {
		s.writeError(c, err)
		return
	}
	resp := ownerConnectionsResp{OwnerID: owner, NodeID: s.cfg.Cluster.ID(), Connections: make([]ownerConnection, 0, len(list)), NextCursor: next}
	for _, a := range list {
		oc := ownerConnection{AgentID: a.ID, Kind: a.Kind, Queued: s.queuedIn(a.ID)}
		if a.Kind == agents.KindWebsocket {
			conn := s.conns.local(a.ID, s.cfg.Cluster.ID())
			if unknown != "" && conn.State != connConnected {
				conn = agentConnection{State: connUnknown, Reason: unknown}
			}
			oc.Connection = &conn
		}
		resp.Connections = append(resp.Connections, oc)
	}
	c.JSON(http.StatusOK, resp)
}

// connectionsScope reads the owner {id} names (me: the key's owner) and
// checks that the caller is that owner or the operator; when not, it has
// written the error.
func (s *Server) connectionsScope(c *gin.Context) (string, bool) {
	p, _ := principal(c) // requireAuth ran
	if p.Kind != agents.PrincipalOwner && p.Kind != principalOperator {
		s.writeError(c, apperr.New(apperr.Forbidden, "this route needs the owner's API key or the operator token, not %s key", article(p.Kind)))
		return "", false
	}
	id := c.Param("id")
	if id == "me" {
		if p.Kind != agents.PrincipalOwner {
			s.writeError(c, apperr.New(apperr.Forbidden, "\"me\" needs an owner API key; the operator names the owner's id"))
			return "", false
		}
		return p.ID, true
	}
	if p.Kind == agents.PrincipalOwner && p.ID != id {
		s.writeError(c, apperr.New(apperr.Forbidden, "only an agent's owner and the operator see whether it is connected; this key is another owner's"))
		return "", false
	}
	if _, err := s.cfg.Accounts.GetOwner(id); err != nil {
		s.writeError(c, err)
		return "", false
	}
	return id, true
}

// relayToLeader asks the leader the same GET (path and query) with the
// caller's credentials, signed as a peer request for the caller's
// address, and writes the leader's answer. When the leader cannot be
// asked or does not answer 200, it writes nothing and says why.
func (s *Server) relayToLeader(c *gin.Context) (string, bool) {
	target, err := s.leaderURL()
	if err != nil {
		return "no leader to ask: agents connect to the leader, and none is known now", false
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	u := target.JoinPath(c.Request.URL.Path)
	u.RawQuery = c.Request.URL.RawQuery
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "could not ask the leader", false
	}
	req.Header.Set("Authorization", c.GetHeader("Authorization"))
	req.Header.Set(forwardedHeader, s.cfg.Cluster.ID())
	s.signPeer(req.Header, req.Method, req.URL.RequestURI(), s.clientAddr(c.Request))
	resp, err := s.cfg.ForwardClient.Do(req)
	if err != nil {
		return "the leader at " + target.Host + " did not answer", false
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return "the leader's answer could not be read", false
	}
	// A refusal of the leader's (429 with its Retry-After, a key it no
	// longer knows) is the caller's answer; one it could not serve (421
	// mid-election, 503) leaves this node to answer what it knows.
	if resp.StatusCode != http.StatusOK && (resp.StatusCode < 400 || resp.StatusCode >= 500 || resp.StatusCode == http.StatusMisdirectedRequest) {
		return "the leader at " + target.Host + " answered " + resp.Status, false
	}
	if ra := resp.Header.Get("Retry-After"); ra != "" {
		c.Header("Retry-After", ra)
	}
	c.Data(resp.StatusCode, "application/json; charset=utf-8", body)
	return "", true
}
