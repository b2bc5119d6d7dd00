package web

import (
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/api"
	"github.com/agentarena/arena/apperr"
)

// deliveries serves GET /v1/agents/{id}/deliveries: the webhook calls the
// leader made to an agent, newest first, to its owner and operators. The
// calls are kept in the leader's memory (arena/runner/deliveries.go), so
// a follower asks the leader for them.
func (s *Server) deliveries(c *gin.Context) {
	a, ok := s.ownAgent(c, true)
	if !ok {
		return
	}
	id := a.ID
	switch a.Kind {
	case agents.KindWebhook:
	case agents.KindOpenAI:
		// The arena calls these too, but keeps no list: it said "only
		// webhook agents are called by the arena", and the owner of a
		// model agent whose seats forfeited was left without a lead.
		s.writeError(c, apperr.New(apperr.Invalid, "deliveries list the arena's calls to a webhook agent; agent %s is an openai agent: a call to its model endpoint that failed before the model wrote anything forfeits the seat, with the reason in the contest (GET /v1/contests/{id}, arenactl contest show)", id))
		return
	default:
		s.writeError(c, apperr.New(apperr.Invalid, "deliveries list the arena's calls to a webhook agent; agent %s is a %s agent, which the arena does not call", id, a.Kind))
		return
	}
	if !s.cfg.Cluster.IsLeader() {
		s.deliveriesFromLeader(c)
		return
	}
	list := []api.Delivery{} // a node without a runner calls no webhooks
	if s.cfg.Runner != nil {
		list = s.cfg.Runner.Deliveries(id)
	}
	c.JSON(http.StatusOK, gin.H{"agent": id, "node_id": s.cfg.Cluster.ID(), "deliveries": list})
}

// deliveriesFromLeader relays the request to the leader with the caller's
// credentials, signed as a peer request for the caller's address.
func (s *Server) deliveriesFromLeader(c *gin.Context) {
	if c.GetHeader(forwardedHeader) != "" {
		s.writeError(c, apperr.New(apperr.NotLeader, "node %s is not the leader either; retry", s.cfg.Cluster.ID()))
		return
	}
	target, err := s.leaderURL()
	if err != nil {
		s.writeError(c, err)
		return
	}
	ctx, cancel := s.writeCtx(c)
	defer cancel()
	u := target.JoinPath(c.Request.URL.Path)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		s.writeError(c, apperr.Wrap(apperr.Internal, err, "build the request to the leader"))
		return
	}
	req.Header.Set("Authorization", c.GetHeader("Authorization"))
	req.Header.Set(forwardedHeader, s.cfg.Cluster.ID())
	s.signPeer(req.Header, req.Method, req.URL.RequestURI(), s.clientAddr(c.Request))
	resp, err := s.cfg.ForwardClient.Do(req)
	if err != nil {
		s.writeError(c, apperr.Wrap(apperr.Unavailable, err, "the leader at %s could not be reached for the deliveries", target.Host))
		return
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		s.writeError(c, apperr.Wrap(apperr.Unavailable, err, "the leader's answer could not be read"))
		return
	}
	c.Data(resp.StatusCode, "application/json; charset=utf-8", body)
}

// ownAgent reads the agent the path names and checks that the caller owns
// it (or, with operatorToo, is the operator); when not, it has written the
// error.
func (s *Server) ownAgent(c *gin.Context, operatorToo bool) (agents.Agent, bool) {
	p, _ := principal(c)
	if operatorToo && p.Kind != agents.PrincipalOwner && p.Kind != principalOperator {
		// A route open to any key (requireAuth) gets agent and trainer
		// keys too: "belongs to another owner" would send the holder of
		// the agent's own key looking for the wrong thing.
		s.writeError(c, apperr.New(apperr.Forbidden, "this route needs the agent's owner API key or the operator token, not %s key", article(p.Kind)))
		return agents.Agent{}, false
	}
	a, err := s.cfg.Accounts.GetAgent(c.Param("id"))
	if err != nil {
		s.writeError(c, err)
		return agents.Agent{}, false
	}
	if !(p.Kind == agents.PrincipalOwner && p.ID == a.OwnerID) && !(operatorToo && p.Kind == principalOperator) {
		s.writeError(c, apperr.New(apperr.Forbidden, "agent %s belongs to another owner", a.ID))
		return agents.Agent{}, false
	}
	return a, true
}
