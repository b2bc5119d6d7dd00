package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"

	"github.com/gin-gonic/gin"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/agents/protocol"
	"github.com/agentarena/arena/agents/secrets"
	"github.com/agentarena/arena/agents/webhook"
	"github.com/agentarena/arena/apperr"
)

type createAgentReq struct {
	Name        string                `json:"name"`
	Description string                `json:"description"`
	Kind        string                `json:"kind"`
	WebhookURL  string                `json:"webhook_url"`
	Endpoint    *agents.ModelEndpoint `json:"endpoint"`
	// APIKey is the model endpoint's key: sealed before it is replicated,
	// never returned.
	APIKey string `json:"api_key"`
}

// patchAgentReq is agents.AgentPatch plus a write-only endpoint key.
type patchAgentReq struct {
	Name        *string               `json:"name,omitempty"`
	Description *string               `json:"description,omitempty"`
	Kind        *string               `json:"kind,omitempty"`
	WebhookURL  *string               `json:"webhook_url,omitempty"`
	Endpoint    *agents.ModelEndpoint `json:"endpoint,omitempty"`
	APIKey      *string               `json:"api_key,omitempty"`
}

func (r patchAgentReq) patch() agents.AgentPatch {
	p := agents.AgentPatch{Name: r.Name, Description: r.Description, Kind: r.Kind, WebhookURL: r.WebhookURL, Endpoint: r.Endpoint}
	if r.Kind != nil && *r.Kind == agents.KindOpenAI && r.WebhookURL == nil {
		// A webhook agent turned into a model agent drops its URL, as one
		// turned into a websocket agent does (the command's rule clears it
		// only for websocket, and refused the switch). Asked for
		// explicitly here, so the command means the same on any build.
		none := ""
		p.WebhookURL = &none
	}
	return p
}

type agentResp struct {
	Agent    agents.Agent `json:"agent"`
	AgentKey string       `json:"agent_key,omitempty"`
	// OwnerName is the owner's display name, for pages that show who
	// owns the agent (GET only).
	OwnerName string `json:"owner_name,omitempty"`
	// WebhookSecret signs the arena's calls to a webhook agent; it is in
	// the answer that creates it (a new webhook agent, a switch to kind
	// webhook, a rotation) and nowhere else.
	WebhookSecret string `json:"webhook_secret,omitempty"`
	// Queued lists the arenas whose queue the agent waits in now, with
	// keep (GET only, and only for its owner and the operator: where an
	// owner's agents wait is the owner's business). A pointer, so that
	// "waits nowhere" ([]) differs from "not shown".
	Queued *[]protocol.QueuedIn `json:"queued,omitempty"`
	// Connection says whether a websocket agent is connected, to which
	// node and since when (GET only, for its owner and the operator;
	// connection.go).
	Connection *agentConnection `json:"connection,omitempty"`
}

type agentListResp struct {
	Agents     []agents.Agent `json:"agents"`
	NextCursor string         `json:"next_cursor,omitempty"`
	// OwnerName is the owner's display name when the list is one owner's
	// (absent for an unknown owner), for the owner's page.
	OwnerName string `json:"owner_name,omitempty"`
}

func (s *Server) createAgent(c *gin.Context) {
	p, _ := principal(c)
	var req createAgentReq
	if err := s.readJSON(c, &req); err != nil {
		s.writeError(c, err)
		return
	}
	if req.Kind == "" {
		req.Kind = agents.KindWebsocket
	}
	if req.Kind != agents.KindWebsocket && req.Kind != agents.KindWebhook && req.Kind != agents.KindOpenAI {
		s.writeError(c, apperr.New(apperr.Invalid, "kind must be %q, %q or %q", agents.KindWebsocket, agents.KindWebhook, agents.KindOpenAI))
		return
	}
	if req.APIKey != "" && req.Kind != agents.KindOpenAI {
		s.writeError(c, apperr.New(apperr.Invalid, "api_key is only allowed for kind %q", agents.KindOpenAI))
		return
	}
	a := agents.Agent{OwnerID: p.ID, Name: req.Name, Description: req.Description, Kind: req.Kind, WebhookURL: req.WebhookURL, Endpoint: req.Endpoint}
	if err := a.Validate(); err != nil {
		s.writeError(c, err)
		return
	}
	if err := s.checkEgress(&a.WebhookURL, a.Endpoint); err != nil {
		s.writeError(c, err)
		return
	}
	if err := s.checkNewAgentName(p.ID, a.Name); err != nil {
		s.writeError(c, err)
		return
	}
	id, err := agents.NewID("ag")
	if err != nil {
		s.writeError(c, err)
		return
	}
	key, err := agents.NewKey(agents.AgentKeyPrefix)
	if err != nil {
		s.writeError(c, err)
		return
	}
	a.ID = id
	sealed, err := s.seal(req.APIKey, id)
	if err != nil {
		s.writeError(c, err)
		return
	}
	var secret, sealedSecret string
	if a.Kind == agents.KindWebhook {
		if secret, sealedSecret, err = s.newWebhookSecret(id); err != nil {
			s.writeError(c, err)
			return
		}
	}
	ctx, cancel := s.writeCtx(c)
	defer cancel()
	a, err = s.cfg.Accounts.CreateAgentWithSecrets(ctx, a, agents.HashKey(key), sealed, sealedSecret)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusCreated, agentResp{Agent: a, AgentKey: key, WebhookSecret: secret})
}

// listAgents is public: agents appear on leaderboards anyway. ?owner=me
// needs an owner key.
func (s *Server) listAgents(c *gin.Context) {
	owner := c.Query("owner")
	if owner == "me" {
		p, ok := principal(c)
		if !ok {
			s.writeError(c, apperr.New(apperr.Unauthorized, "owner=me needs an owner API key"))
			return
		}
		if p.Kind != agents.PrincipalOwner {
			s.writeError(c, apperr.New(apperr.Forbidden, "owner=me needs an owner API key, not %s key", article(p.Kind)))
			return
		}
		owner = p.ID
	}
	limit, cursor, ok := s.listPage(c, agentCursor)
	if !ok {
		return
	}
	list, next, err := s.cfg.Accounts.ListAgents(owner, cursor, limit)
	if err != nil {
		s.writeError(c, err)
		return
	}
	for i := range list {
		list[i] = redactAgent(c, list[i])
	}
	resp := agentListResp{Agents: list, NextCursor: next}
	if owner != "" {
		resp.OwnerName = s.ownerName(owner)
	}
	c.JSON(http.StatusOK, resp)
}

func (s *Server) getAgent(c *gin.Context) {
	a, err := s.cfg.Accounts.GetAgent(c.Param("id"))
	if err != nil {
		s.writeError(c, err)
		return
	}
	resp := agentResp{Agent: redactAgent(c, a), OwnerName: s.ownerName(a.OwnerID)}
	if ownerOrOperator(c, a) {
		// An owner had no way to see whether its agent still waits: a
		// websocket agent's ticket goes when it stays away, a keep ticket
		// when it forfeits, and neither says so anywhere else.
		q := s.queuedIn(a.ID)
		resp.Queued = &q
		if a.Kind == agents.KindWebsocket {
			conn := s.connectionOf(c, a.ID)
			resp.Connection = &conn
		}
	}
	c.JSON(http.StatusOK, resp)
}

// ownerOrOperator reports whether the caller is the agent's owner or the
// operator, who see what others do not.
func ownerOrOperator(c *gin.Context, a agents.Agent) bool {
	p, ok := principal(c)
	return ok && (p.Kind == principalOperator || (p.Kind == agents.PrincipalOwner && p.ID == a.OwnerID))
}

// redactAgent hides an agent's webhook URL from everyone but its owner and
// operators: such URLs often carry a secret path or token.
func redactAgent(c *gin.Context, a agents.Agent) agents.Agent {
	if ownerOrOperator(c, a) {
		return a
	}
	a.WebhookURL = ""
	if a.Endpoint != nil {
		// Others may know which model plays, not where it lives or how
		// it is prompted.
		a.Endpoint = &agents.ModelEndpoint{Model: a.Endpoint.Model}
	}
	return a
}

func (s *Server) updateAgent(c *gin.Context) {
	p, _ := principal(c)
	var patch patchAgentReq
	if err := s.readJSON(c, &patch); err != nil {
		s.writeError(c, err)
		return
	}
	if patch.patch().Empty() && patch.APIKey == nil {
		// The command would refuse it too, naming only the fields it
		// carries (api_key travels sealed beside them); the owner is told
		// every field. Someone else's or an unknown agent is left to the
		// command, which answers 403 or 404 first.
		if cur, err := s.cfg.Accounts.GetAgent(c.Param("id")); err == nil && cur.OwnerID == p.ID {
			s.writeError(c, apperr.New(apperr.Invalid, "patch changes nothing: give at least one of name, description, kind, webhook_url, endpoint, api_key"))
			return
		}
	}
	if patch.Name != nil {
		if err := s.checkNewAgentName(p.ID, *patch.Name); err != nil {
			s.writeError(c, err)
			return
		}
	}
	if err := s.checkEgress(patch.WebhookURL, patch.Endpoint); err != nil {
		s.writeError(c, err)
		return
	}
	var sealed *string
	if patch.APIKey != nil {
		v, err := s.seal(*patch.APIKey, c.Param("id"))
		if err != nil {
			s.writeError(c, err)
			return
		}
		sealed = &v
	}
	// An agent that becomes a webhook agent gets its signing secret now.
	var secret string
	var sealedSecret *string
	if patch.Kind != nil && *patch.Kind == agents.KindWebhook {
		if cur, err := s.cfg.Accounts.GetAgent(c.Param("id")); err == nil && cur.Kind != agents.KindWebhook && cur.OwnerID == p.ID {
			var v string
			if secret, v, err = s.newWebhookSecret(cur.ID); err != nil {
				s.writeError(c, err)
				return
			}
			sealedSecret = &v
		}
	}
	ctx, cancel := s.writeCtx(c)
	defer cancel()
	if sealed == nil && sealedSecret == nil {
		if cur, ok := s.unchangedBy(ctx, c.Param("id"), p.ID, patch.patch()); ok {
			c.JSON(http.StatusOK, agentResp{Agent: cur})
			return
		}
	}
	a, err := s.cfg.Accounts.UpdateAgentWithSecrets(ctx, c.Param("id"), p.ID, patch.patch(), sealed, sealedSecret)
	if err != nil {
		s.writeError(c, err)
		return
	}
	// An agent the arena now calls itself must not keep a socket: its
	// turns go to the webhook or model endpoint, and a session would let
	// it queue into contests it cannot play there (a new one is refused).
	if a.Kind != agents.KindWebsocket && s.cfg.Runner != nil {
		s.cfg.Runner.Disconnect(a.ID, "agent is now a "+a.Kind+" agent: the arena calls it, it does not connect")
	}
	c.JSON(http.StatusOK, agentResp{Agent: a, WebhookSecret: secret})
}

// checkEgress refuses a webhook URL or endpoint base URL (nil or "": not
// given) whose host is an address this node's --agent-egress would not
// call, or localhost, so the owner learns it now rather than from a
// first turn that is never delivered. A name passes here; the runner
// checks what it resolves to when it dials. This is no part of
// Agent.Validate, which the state machine runs when it applies a
// command: a node's flag must not decide what a command does, and old
// logs must replay as they did.
func (s *Server) checkEgress(webhookURL *string, ep *agents.ModelEndpoint) error {
	if webhookURL != nil && *webhookURL != "" {
		if err := s.cfg.AgentEgress.CheckURL("webhook_url", *webhookURL); err != nil {
			return apperr.New(apperr.Invalid, "%s", err.Error())
		}
	}
	if ep != nil {
		if err := s.cfg.AgentEgress.CheckURL("endpoint.base_url", ep.BaseURL); err != nil {
			return apperr.New(apperr.Invalid, "%s", err.Error())
		}
	}
	return nil
}

// unchangedBy reports whether patch would leave the owner's agent exactly
// as it is, and then returns it: such a PATCH is answered without a
// command, so the agent's version (which contests and preference pairs
// record) moves only when the record does. The apply bumps the version on
// every update it sees, and old logs must replay as they did, so the check
// lives here. A local read can lag, so a patch that looks like a no-op is
// checked again after a read index before it is answered as one; one that
// changes something goes to Raft as before, at no extra cost.
func (s *Server) unchangedBy(ctx context.Context, id, owner string, patch agents.AgentPatch) (agents.Agent, bool) {
	same := func() (agents.Agent, bool) {
		cur, err := s.cfg.Accounts.GetAgent(id)
		if err != nil || cur.OwnerID != owner || cur.Deleted() || cur.Kind == agents.KindBuiltin || patch.Empty() {
			return agents.Agent{}, false
		}
		return cur, reflect.DeepEqual(patch.Apply(cur), cur)
	}
	if _, ok := same(); !ok {
		return agents.Agent{}, false
	}
	if err := s.linearize(ctx); err != nil {
		return agents.Agent{}, false // let the command path answer
	}
	return same()
}

func (s *Server) deleteAgent(c *gin.Context) {
	p, _ := principal(c)
	if !s.chargeKeyChange(c) {
		return
	}
	ctx, cancel := s.writeCtx(c)
	defer cancel()
	id := c.Param("id")
	if err := s.cfg.Accounts.DeleteAgent(ctx, id, p.ID); err != nil {
		s.writeError(c, err)
		return
	}
	// Its key is gone: an open session must not keep acting on it (moves
	// in its running contests would still be accepted and paid).
	if s.cfg.Runner != nil {
		s.cfg.Runner.Disconnect(id, "agent deleted")
	}
	c.Status(http.StatusNoContent)
}

// rotateWebhookSecret serves POST /v1/agents/{id}/webhook-secret: a new
// signing secret for a webhook agent, shown once. The arena signs with it
// from the next call on; the old one stops at once.
func (s *Server) rotateWebhookSecret(c *gin.Context) {
	p, _ := principal(c)
	// Refuse what the command would refuse before drawing and sealing a
	// secret, so a wrong id or kind is named even on a node without a
	// secrets key. The command checks again against the state it applies.
	a, ok := s.ownAgent(c, false)
	if !ok {
		return
	}
	id := a.ID
	if a.Kind != agents.KindWebhook {
		s.writeError(c, apperr.New(apperr.Invalid, "only %s agents have a webhook secret; agent %s is %s", agents.KindWebhook, id, a.Kind))
		return
	}
	secret, sealed, err := s.newWebhookSecret(id)
	if err != nil {
		s.writeError(c, err)
		return
	}
	ctx, cancel := s.writeCtx(c)
	defer cancel()
	if _, err := s.cfg.Accounts.UpdateAgentWithSecrets(ctx, id, p.ID, agents.AgentPatch{}, nil, &sealed); err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"id": id, "webhook_secret": secret})
}

// newWebhookSecret draws a webhook secret here, before the command is
// proposed (a value drawn in Apply would differ on every node), and seals
// it for the agent so it rests encrypted like endpoint keys.
func (s *Server) newWebhookSecret(agentID string) (secret, sealed string, err error) {
	secret, err = webhook.NewSecret()
	if err != nil {
		return "", "", err
	}
	sealed, err = s.cfg.Sealer.Seal(secret, webhook.SealAAD(agentID))
	if errors.Is(err, secrets.ErrNoKey) {
		return "", "", apperr.New(apperr.Unavailable, "this node has no secrets key configured, so it cannot store webhook secrets")
	}
	if err != nil {
		return "", "", fmt.Errorf("seal webhook secret: %w", err)
	}
	return secret, sealed, nil
}

// seal encrypts an endpoint API key for agent id ("" stays "").
func (s *Server) seal(key, agentID string) (string, error) {
	if key == "" {
		return "", nil
	}
	if len(key) > 4096 {
		return "", apperr.New(apperr.Invalid, "api_key must be at most 4096 bytes")
	}
	sealed, err := s.cfg.Sealer.Seal(key, agentID)
	if errors.Is(err, secrets.ErrNoKey) {
		return "", apperr.New(apperr.Unavailable, "this node has no secrets key configured, so it cannot store API keys")
	}
	if err != nil {
		return "", fmt.Errorf("seal api key: %w", err)
	}
	return sealed, nil
}
