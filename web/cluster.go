package web

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/agents/secrets"
	"github.com/agentarena/arena/apperr"
	"github.com/agentarena/arena/arena"
)

// statusHashAge is how old a state hash anyone but the operator may get
// from GET /v1/cluster (see arena.Node.RecentStatus).
const statusHashAge = time.Second

// cluster serves GET /v1/cluster: everything current, but only the
// operator makes the node hash its state anew.
func (s *Server) cluster(c *gin.Context) {
	var st arena.Status
	var err error
	if p, ok := principal(c); ok && p.Kind == principalOperator {
		st, err = s.cfg.Cluster.Status()
	} else {
		st, err = s.cfg.Cluster.RecentStatus(statusHashAge)
	}
	if err != nil {
		s.writeError(c, err)
		return
	}
	s.withLag(st.Nodes)
	c.JSON(http.StatusOK, st)
}

type joinReq struct {
	NodeID   string `json:"node_id"`
	RaftAddr string `json:"raft_addr"`
	HTTPAddr string `json:"http_addr"`
	// SecretsKeyID is secrets.Fingerprint of the joiner's secrets key, when
	// it was started with one: a different key is refused before the node
	// becomes a member.
	SecretsKeyID string `json:"secrets_key_id,omitempty"`
	// ReadReplica keeps the member a non-voter (never promoted).
	ReadReplica bool `json:"read_replica,omitempty"`
	// CommandLevel is the joiner's release's command level; releases
	// before levels existed do not send it (0).
	CommandLevel int `json:"command_level,omitempty"`
}

func (s *Server) join(c *gin.Context) {
	var req joinReq
	if err := s.readJSON(c, &req); err != nil {
		s.writeError(c, err)
		return
	}
	if err := checkJoinAddrs(req); err != nil {
		s.writeError(c, err)
		return
	}
	if req.SecretsKeyID != "" && s.cfg.SecretsKey != nil {
		if own := secrets.Fingerprint(s.cfg.SecretsKey()); own != "" && own != req.SecretsKeyID {
			s.writeError(c, apperr.New(apperr.Conflict, "node %q holds a different secrets key than this cluster (fingerprint %s, the cluster's is %s): start it without --secrets-key and without a secrets-key file in its data dir, and it will receive the cluster's",
				truncate(req.NodeID, 64), truncate(req.SecretsKeyID, 32), own))
			return
		}
	}
	if err := s.joinKeepsLiveMembers(c.Request.Context(), req); err != nil {
		s.writeError(c, err)
		return
	}
	ctx, cancel := s.writeCtx(c)
	defer cancel()
	if err := s.cfg.Cluster.JoinAtLevel(ctx, arena.NodeMeta{ID: req.NodeID, RaftAddr: req.RaftAddr, HTTPAddr: req.HTTPAddr, ReadReplica: req.ReadReplica}, req.CommandLevel); err != nil {
		s.writeError(c, err)
		return
	}
	s.log.Info("node joined", "id", req.NodeID, "raft_addr", req.RaftAddr)
	st, err := s.cfg.Cluster.Status()
	if err != nil {
		s.writeError(c, err)
		return
	}
	ans := gin.H{"nodes": st.Nodes}
	if s.cfg.SecretsKey != nil {
		if k := s.cfg.SecretsKey(); k != "" {
			// Only an operator-authenticated join gets here; the new
			// member needs the key to open sealed API keys as a leader.
			ans["secrets_key"] = k
		}
	}
	c.JSON(http.StatusOK, ans)
}

// rotateTokenReq is POST /v1/cluster/operator-token's body: the new
// token, or generate for one the node makes. An empty body is refused: a
// rotation locks out every script holding the old token, so it is asked
// for in so many words.
type rotateTokenReq struct {
	Token    string `json:"token"`
	Generate bool   `json:"generate"`
}

// minOperatorToken is the shortest operator token an operator may choose:
// a generated one carries 160 random bits in 32 base32 characters.
const minOperatorToken = 32

// rotateOperatorToken serves POST /v1/cluster/operator-token: the cluster
// takes the new token in place of the one this request carries, and the
// answer shows it once.
func (s *Server) rotateOperatorToken(c *gin.Context) {
	var req rotateTokenReq
	if err := s.readJSON(c, &req); err != nil {
		s.writeError(c, err)
		return
	}
	switch {
	case req.Token != "" && req.Generate:
		s.writeError(c, apperr.New(apperr.Invalid, "give either \"token\" (yours) or \"generate\": true (one the node makes), not both"))
		return
	case req.Token == "" && !req.Generate:
		s.writeError(c, apperr.New(apperr.Invalid, "say which token replaces the operator token: {\"generate\": true} for one the node makes, or {\"token\": \"...\"} (at least %d printable characters); the current one is refused once it is replaced", minOperatorToken))
		return
	}
	if req.Generate {
		tok, err := agents.NewKey(agents.OperatorPrefix)
		if err != nil {
			s.writeError(c, err)
			return
		}
		req.Token = tok
	} else if err := checkOperatorToken(req.Token); err != nil {
		s.writeError(c, err)
		return
	}
	ctx, cancel := s.writeCtx(c)
	defer cancel()
	if err := s.cfg.Cluster.RotateOperatorToken(ctx, agents.HashKey(req.Token)); err != nil {
		s.writeError(c, err)
		return
	}
	s.log.Warn("operator token rotated: the previous token is refused from now on")
	c.JSON(http.StatusOK, gin.H{"operator_token": req.Token})
}

// checkOperatorToken refuses a chosen token that is guessable or that a
// header cannot carry, or that reads as another kind of key.
func checkOperatorToken(tok string) error {
	if len(tok) < minOperatorToken {
		return apperr.New(apperr.Invalid, "token is %d characters; an operator token needs at least %d (or send {\"generate\": true} and the node makes one)", len(tok), minOperatorToken)
	}
	for i := 0; i < len(tok); i++ {
		if tok[i] <= ' ' || tok[i] > '~' {
			return apperr.New(apperr.Invalid, "token must be printable ASCII without spaces (it travels in an Authorization header); character %d is not", i+1)
		}
	}
	for _, p := range []string{agents.OwnerKeyPrefix, agents.AgentKeyPrefix, agents.TrainerPrefix} {
		if strings.HasPrefix(tok, p) {
			return apperr.New(apperr.Invalid, "token starts with %q, the prefix of another kind of key; an operator token starts with %q or with neither", p, agents.OperatorPrefix)
		}
	}
	return nil
}

func (s *Server) removeNode(c *gin.Context) {
	if c.Query("force") != "true" {
		if err := s.removalKeepsQuorum(c.Param("id")); err != nil {
			s.writeError(c, err)
			return
		}
	}
	ctx, cancel := s.writeCtx(c)
	defer cancel()
	if err := s.cfg.Cluster.Remove(ctx, c.Param("id")); err != nil {
		s.writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// removalKeepsQuorum refuses to remove a voter when the voters left would
// not hold a quorum that answers this node (etcd's strict reconfiguration
// check): with one of three members down, removing a live one commits a
// two-voter configuration with one voter down, and the cluster can elect
// no leader until peers.json recovery. A member this node has not polled
// yet counts as answering; ?force=true skips the check.
func (s *Server) removalKeepsQuorum(id string) error {
	st, err := s.cfg.Cluster.RecentStatus(statusHashAge)
	if err != nil {
		return err
	}
	s.withLag(st.Nodes)
	removingVoter := false
	var left, silent []string
	for _, m := range st.Nodes {
		if m.Suffrage != "Voter" {
			continue
		}
		if m.ID == id {
			removingVoter = true
			continue
		}
		left = append(left, m.ID)
		if m.Reachable != nil && !*m.Reachable {
			silent = append(silent, m.ID)
		}
	}
	need := len(left)/2 + 1
	if !removingVoter || len(left) == 0 || len(left)-len(silent) >= need {
		return nil // a non-voter, the last voter (arena refuses that itself), or enough left
	}
	return apperr.New(apperr.Conflict, "removing %s would leave %d voters of which %d (%s) do not answer this node, and a leader needs %d of them: "+
		"the cluster would lose its quorum. Bring %s back (or remove it instead, if it is gone for good) first; "+
		"to remove %s anyway, send DELETE /v1/cluster/nodes/%s?force=true",
		truncate(id, 64), len(left), len(silent), strings.Join(silent, ", "), need, strings.Join(silent, ", "), truncate(id, 64), truncate(id, 64))
}

// checkJoinAddrs refuses addresses the other members could not use: the
// leader replicates to raft_addr (0.0.0.0:P would dial the leader's own
// machine) and followers forward writes to http_addr once the member
// leads. arena serve checks its own flags alike; this catches a join
// sent by hand. Empty fields are left to the node's own checks.
func checkJoinAddrs(req joinReq) error {
	// A raft_addr that is not host:port is left to the transport (tests
	// run Raft over in-memory addresses); host:port must be dialable.
	if host, port, err := net.SplitHostPort(req.RaftAddr); err == nil {
		if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) || port == "0" || port == "" {
			return apperr.New(apperr.Invalid, "raft_addr %q is not an address peers can dial: give the member's routable address and Raft port (--raft-advertise), such as 10.0.0.4:7000", truncate(req.RaftAddr, 256))
		}
	}
	if req.HTTPAddr != "" {
		u, err := url.Parse(req.HTTPAddr)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.RawQuery != "" || u.Fragment != "" {
			return apperr.New(apperr.Invalid, "http_addr %q is not an http:// or https:// base URL, such as http://10.0.0.4:8080", truncate(req.HTTPAddr, 256))
		}
		if ip := net.ParseIP(u.Hostname()); ip != nil && ip.IsUnspecified() {
			return apperr.New(apperr.Invalid, "http_addr %q is not a URL peers can reach: give the member's routable address (--http-advertise), such as http://10.0.0.4:8080", truncate(req.HTTPAddr, 256))
		}
	}
	return nil
}

// joinKeepsLiveMembers refuses a join that takes the id of a member at
// another Raft and HTTP address while that member still answers at its
// own: a node started elsewhere with a copied --node-id would otherwise
// re-add the id at its address and silently evict the running member (a
// member that moves is stopped first, so its old address no longer
// answers; one that keeps its HTTP address is the same endpoint).
func (s *Server) joinKeepsLiveMembers(ctx context.Context, req joinReq) error {
	if req.NodeID == "" || req.RaftAddr == "" {
		return nil // the node refuses it
	}
	st, err := s.cfg.Cluster.RecentStatus(statusHashAge)
	if err != nil {
		return nil // Join answers for the node's state
	}
	for _, m := range st.Nodes {
		if m.ID != req.NodeID || m.RaftAddr == req.RaftAddr || m.HTTPAddr == "" ||
			strings.TrimRight(m.HTTPAddr, "/") == strings.TrimRight(req.HTTPAddr, "/") {
			continue
		}
		live := m.ID == s.cfg.Cluster.ID() // this very node answers the request
		if !live {
			p, err := s.askProgress(ctx, m.HTTPAddr)
			live = err == nil && p.NodeID == m.ID
		}
		if live {
			return apperr.New(apperr.Conflict, "node id %s belongs to a running member (raft %s, %s), which still answers: give this node another --node-id; "+
				"to move %s to %s, stop it first", truncate(m.ID, 64), m.RaftAddr, m.HTTPAddr, truncate(m.ID, 64), truncate(req.RaftAddr, 256))
		}
	}
	return nil
}
