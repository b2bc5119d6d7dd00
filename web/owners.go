package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/apperr"
)

type createOwnerReq struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

type ownerResp struct {
	Owner  agents.Owner `json:"owner"`
	APIKey string       `json:"api_key,omitempty"`
}

// createOwner is open to anyone: it is how an agent owner signs up. The key
// is generated here, returned once and only its hash is replicated.
func (s *Server) createOwner(c *gin.Context) {
	var req createOwnerReq
	if err := s.readJSON(c, &req); err != nil {
		s.writeError(c, err)
		return
	}
	if err := agents.ValidateOwner(req.Name, req.Email); err != nil {
		s.writeError(c, err)
		return
	}
	if err := s.checkNewOwnerName(req.Name); err != nil {
		s.writeError(c, err)
		return
	}
	// Charged once the request is one that signs up, so a mistyped body
	// costs none of the address's sign-ups.
	if !s.chargeSignup(c) {
		return
	}
	id, err := agents.NewID("ow")
	if err != nil {
		s.writeError(c, err)
		return
	}
	key, err := agents.NewKey(agents.OwnerKeyPrefix)
	if err != nil {
		s.writeError(c, err)
		return
	}
	ctx, cancel := s.writeCtx(c)
	defer cancel()
	o, err := s.cfg.Accounts.CreateOwner(ctx, agents.Owner{ID: id, Name: req.Name, Email: req.Email}, agents.HashKey(key))
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusCreated, ownerResp{Owner: o, APIKey: key})
}

func (s *Server) me(c *gin.Context) {
	p, _ := principal(c)
	s.respondOwner(c, p.ID)
}

// getOwner shows an owner to that owner or an operator only: owner records
// carry contact details.
func (s *Server) getOwner(c *gin.Context) {
	p, _ := principal(c)
	id := c.Param("id")
	if p.Kind != principalOperator && !(p.Kind == agents.PrincipalOwner && p.ID == id) {
		s.writeError(c, apperr.New(apperr.Forbidden, "you may only read your own owner record"))
		return
	}
	s.respondOwner(c, id)
}

func (s *Server) respondOwner(c *gin.Context, id string) {
	o, err := s.cfg.Accounts.GetOwner(id)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, ownerResp{Owner: o})
}

// rotateOwnerKey serves POST /v1/owners/me/key: a new owner key, shown
// once; the old one stops working at once.
func (s *Server) rotateOwnerKey(c *gin.Context) {
	p, _ := principal(c)
	s.rotate(c, agents.PrincipalOwner, p.ID, p.ID, agents.OwnerKeyPrefix, "api_key")
}

// rotateAgentKey serves POST /v1/agents/{id}/key for the agent's owner.
func (s *Server) rotateAgentKey(c *gin.Context) {
	p, _ := principal(c)
	s.rotate(c, agents.PrincipalAgent, c.Param("id"), p.ID, agents.AgentKeyPrefix, "agent_key")
}

func (s *Server) rotate(c *gin.Context, kind, id, actor, prefix, field string) {
	if !s.chargeKeyChange(c) {
		return
	}
	key, err := agents.NewKey(prefix)
	if err != nil {
		s.writeError(c, err)
		return
	}
	ctx, cancel := s.writeCtx(c)
	defer cancel()
	if err := s.cfg.Accounts.RotateKey(ctx, kind, id, actor, agents.HashKey(key)); err != nil {
		s.writeError(c, err)
		return
	}
	if kind == agents.PrincipalAgent && s.cfg.Runner != nil {
		s.cfg.Runner.Disconnect(id, "agent key rotated; reconnect with the new key")
	}
	c.JSON(http.StatusOK, gin.H{"id": id, field: key})
}
