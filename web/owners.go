package web

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/api"
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

// agentRatings is one agent of GET /v1/owners/{id}/ratings: its row of
// every arena's leaderboard it is on, in arena name order ([] when it has
// no settled contest).
type agentRatings struct {
	AgentID string        `json:"agent_id"`
	Arenas  []arenaRating `json:"arenas"`
}

// arenaRating is an agent's leaderboard row in one arena, in the
// leaderboard's own fields.
type arenaRating struct {
	Arena  string    `json:"arena"`
	Elo    float64   `json:"elo"`
	Rating int64     `json:"rating"`
	Games  int       `json:"games"`
	Wins   int       `json:"wins"`
	Draws  int       `json:"draws"`
	Losses int       `json:"losses"`
	LastAt time.Time `json:"last_at"`
}

// ownerRatings serves GET /v1/owners/{id}/ratings (id, or me with an owner
// key): each of the owner's agents' current rating in every arena it
// played, one page at a time, in the pages and cursors of GET
// /v1/agents?owner=. Public, as the leaderboards are. The owner page read
// each agent's rating history (one request per agent shown) every time it
// was opened; it now asks this once a page.
func (s *Server) ownerRatings(c *gin.Context) {
	owner := c.Param("id")
	if owner == "me" {
		p, ok := principal(c)
		if !ok || p.Kind != agents.PrincipalOwner {
			s.writeError(c, apperr.New(apperr.Unauthorized, "\"me\" needs an owner API key; anyone may name the owner's id"))
			return
		}
		owner = p.ID
	}
	limit, cursor, ok := s.listPage(c, agentCursor)
	if !ok {
		return
	}
	if _, err := s.cfg.Accounts.GetOwner(owner); err != nil {
		s.writeError(c, err)
		return
	}
	list, next, err := s.cfg.Accounts.ListAgents(owner, cursor, limit)
	if err != nil {
		s.writeError(c, err)
		return
	}
	out := make([]agentRatings, len(list))
	for i, a := range list {
		out[i] = agentRatings{AgentID: a.ID, Arenas: []arenaRating{}}
	}
	if len(list) > 0 {
		arenas, err := s.cfg.Contests.Arenas()
		if err != nil {
			s.writeError(c, err)
			return
		}
		slices.SortFunc(arenas, func(x, y api.Arena) int { return strings.Compare(x.Name, y.Name) })
		// A point read per agent and arena: a board may be long, the
		// page's agents few.
		for _, ar := range arenas {
			for i, a := range list {
				e, ok, err := s.cfg.Contests.RatingOf(ar.Name, a.ID)
				if err != nil {
					s.writeError(c, err)
					return
				}
				if ok {
					out[i].Arenas = append(out[i].Arenas, arenaRating{Arena: ar.Name, Elo: e.Rating.Float(), Rating: int64(e.Rating),
						Games: e.Games, Wins: e.Wins, Draws: e.Draws, Losses: e.Losses, LastAt: e.LastAt})
				}
			}
		}
	}
	resp := gin.H{"owner_id": owner, "ratings": out}
	if next != "" {
		resp["next_cursor"] = next
	}
	c.JSON(http.StatusOK, resp)
}
