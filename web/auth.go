package web

import (
	"context"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/apperr"
)

// Principal kinds beyond the ones keys resolve to.
const principalOperator = agents.PrincipalOperator

const ctxPrincipal = "arena.principal"

// authenticate resolves an optional bearer token to a principal. A request
// without a token continues anonymously; a token that resolves to nothing is
// refused outright, so a typo is never silently treated as anonymous.
// A resolved key is charged to its own request bucket; a header that does
// not resolve is charged to the client's address, so guessing keys costs
// the same as any anonymous request.
func (s *Server) authenticate(c *gin.Context) {
	h := c.GetHeader("Authorization")
	if h == "" {
		c.Next()
		return
	}
	scheme, token, ok := strings.Cut(h, " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		if charged(c) || s.chargeIP(c) {
			s.writeError(c, apperr.New(apperr.Unauthorized, "Authorization header must be \"Bearer <key>\""))
		}
		return
	}
	p, found, err := s.cfg.Accounts.ResolveKey(agents.HashKey(token))
	if err != nil {
		s.writeError(c, err)
		return
	}
	if !found {
		if !charged(c) && !s.chargeIP(c) {
			return
		}
		if p, found = s.resolveAfterCatchingUp(c, token); found {
			// Charged to the address above: this one request only.
			c.Set(ctxPrincipal, p)
			c.Next()
			return
		}
		if ready, _ := s.cfg.Cluster.Ready(); !ready && s.cfg.Accounts.OperatorTokenHash() == "" {
			// A starting node has not applied the operator token yet: it
			// cannot tell the operator from a stranger, and a node joining
			// with the token must retry rather than give up.
			s.writeError(c, apperr.New(apperr.Unavailable, "this node is starting and has not learned the cluster's keys yet; retry shortly"))
			return
		}
		s.writeError(c, apperr.New(apperr.Unauthorized, "unknown or revoked key"))
		return
	}
	if !charged(c) && !s.chargeKey(c, p) {
		return
	}
	c.Set(ctxPrincipal, p)
	c.Next()
}

// keyCatchUpWait bounds how long a follower waits to catch up with the
// leader before it calls a key unknown.
const keyCatchUpWait = time.Second

// resolveAfterCatchingUp asks again for a key a follower does not know,
// once it has applied everything the leader had committed: a key created
// or rotated through the leader a moment ago (an agent that signs up on
// one node and connects to another) was refused with 401 for the few
// milliseconds the follower took to apply it, and a 401 is not to be
// retried. The leader applies what it acknowledged, so it never waits;
// neither does a node that knows no leader. The guess was charged to the
// client's address first, so unknown keys cost the leader a read-index
// round trip at most at that address's rate.
func (s *Server) resolveAfterCatchingUp(c *gin.Context, token string) (agents.Principal, bool) {
	if s.cfg.Cluster.IsLeader() {
		return agents.Principal{}, false
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), keyCatchUpWait)
	defer cancel()
	if err := s.linearize(ctx); err != nil {
		return agents.Principal{}, false
	}
	p, found, err := s.cfg.Accounts.ResolveKey(agents.HashKey(token))
	return p, err == nil && found
}

func principal(c *gin.Context) (agents.Principal, bool) {
	v, ok := c.Get(ctxPrincipal)
	if !ok {
		return agents.Principal{}, false
	}
	p, ok := v.(agents.Principal)
	return p, ok
}

func (s *Server) requireAuth(c *gin.Context) {
	if _, ok := principal(c); !ok {
		s.writeError(c, apperr.New(apperr.Unauthorized, "this route needs a bearer key"))
		return
	}
	c.Next()
}

func (s *Server) requireOwner(c *gin.Context) {
	p, ok := principal(c)
	switch {
	case !ok:
		s.writeError(c, apperr.New(apperr.Unauthorized, "this route needs an owner API key"))
	case p.Kind != agents.PrincipalOwner:
		s.writeError(c, apperr.New(apperr.Forbidden, "this route needs an owner API key, not %s key", article(p.Kind)))
	default:
		c.Next()
	}
}

func (s *Server) requireOperator(c *gin.Context) {
	p, ok := principal(c)
	switch {
	case !ok:
		s.writeError(c, apperr.New(apperr.Unauthorized, "this route needs the operator token"))
	case p.Kind != principalOperator:
		s.writeError(c, apperr.New(apperr.Forbidden, "this route needs the operator token"))
	default:
		c.Next()
	}
}

// article prefixes a principal kind with "a" or "an".
func article(kind string) string {
	if kind != "" && strings.ContainsRune("aeiou", rune(kind[0])) {
		return "an " + kind
	}
	return "a " + kind
}

const ctxCharged = "arena.charged"

// charged reports whether chargeEarly already took this request's token.
func charged(c *gin.Context) bool { return c.GetBool(ctxCharged) }

// chargeEarly charges a request to its key's bucket, or to the client's
// address when it has no key that resolves here, before any costly work
// that comes ahead of authenticate (a linearizable read asks the leader
// for a read index). authenticate then does not charge it again.
func (s *Server) chargeEarly(c *gin.Context) bool {
	h := c.GetHeader("Authorization")
	if h == "" {
		return true // limitAnonymous charged it already
	}
	ok := true
	_, token, _ := strings.Cut(h, " ")
	token = strings.TrimSpace(token)
	if token == "" {
		ok = s.chargeIP(c)
	} else if p, found, err := s.cfg.Accounts.ResolveKey(agents.HashKey(token)); err != nil || !found {
		ok = s.chargeIP(c)
	} else {
		ok = s.chargeKey(c, p)
	}
	if ok {
		c.Set(ctxCharged, true)
	}
	return ok
}
