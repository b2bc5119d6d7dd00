package web

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/agentarena/arena/apperr"
)

// Every paged list reads ?limit= and its cursor through these, so that a
// bad value gets the same answer everywhere: 400 invalid naming the
// parameter and what was sent. A cursor the list cannot have handed out
// ("zzz" for agents) used to be read as a position: the agent list answered
// an empty page (a client walking it stopped as if done) and the contest
// list answered its first page again (a client walking it looped), while
// the transfer list refused it.

// maxListLimit bounds ?limit= of the agent, contest and transfer lists.
const maxListLimit = 500

// pageLimit reads ?limit=: def when absent or empty, else an integer from
// 1 to max.
func pageLimit(c *gin.Context, def, max int) (int, error) {
	v := c.Query("limit")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		return 0, apperr.New(apperr.Invalid, "limit must be an integer from 1 to %d, got %q", max, truncate(v, 32))
	}
	return n, nil
}

// pageCursor reads ?cursor= ("" when absent or empty: the first page): a
// value that is not the shape of the list's next_cursor is refused, valid
// being the check.
func pageCursor(c *gin.Context, valid func(string) bool) (string, error) {
	v := c.Query("cursor")
	if v == "" {
		return "", nil
	}
	if !valid(v) {
		return "", apperr.New(apperr.Invalid, "cursor must be the next_cursor of a previous page of this list, got %q", truncate(v, 32))
	}
	return v, nil
}

// listPage reads the limit (1 to maxListLimit, default 100) and cursor of
// an agent or transfer list, answering a bad one with 400; ok is false
// once it has answered.
func (s *Server) listPage(c *gin.Context, valid func(string) bool) (limit int, cursor string, ok bool) {
	limit, err := pageLimit(c, 100, maxListLimit)
	if err == nil {
		cursor, err = pageCursor(c, valid)
	}
	if err != nil {
		s.writeError(c, err)
		return 0, "", false
	}
	return limit, cursor, true
}

// agentCursor: an agent id ("ag_" then letters, digits, '_', '-' or '.'),
// which is what the agent list hands out. An id that no longer exists (a
// deleted agent) or not yet here (a follower behind) is still a position.
func agentCursor(v string) bool { return idShaped(v, "ag_", false) }

// contestCursor: a contest id, "c_" then lowercase hex.
func contestCursor(v string) bool { return idShaped(v, "c_", true) }

// transferCursor: the transfer list's sequence number, decimal.
func transferCursor(v string) bool {
	_, err := strconv.ParseUint(v, 10, 64)
	return err == nil
}

// idShaped reports whether v is prefix followed by 1 to 120 characters of
// lowercase hex (hex) or of letters, digits, '_', '-' and '.'.
func idShaped(v, prefix string, hex bool) bool {
	rest, ok := strings.CutPrefix(v, prefix)
	if !ok || rest == "" || len(rest) > 120 {
		return false
	}
	for _, r := range rest {
		switch {
		case r >= '0' && r <= '9', r >= 'a' && r <= 'f':
		case hex:
			return false
		case r >= 'g' && r <= 'z', r >= 'A' && r <= 'Z', r == '_', r == '-', r == '.':
		default:
			return false
		}
	}
	return true
}

// unpaged refuses ?limit= and ?cursor= on a list that answers everything
// at once (what names it), rather than ignoring them: a client asking for
// ?limit=10 of a leaderboard would otherwise take the whole board for ten
// rows, and one sending a cursor would loop on the same answer. The
// parameters it does take (a rating history's limit) are left out of it.
func (s *Server) unpaged(what string, params ...string) gin.HandlerFunc {
	if len(params) == 0 {
		params = []string{"limit", "cursor"}
	}
	return func(c *gin.Context) {
		for _, p := range params {
			if c.Query(p) != "" {
				s.writeError(c, apperr.New(apperr.Invalid, "GET %s is not paged: it answers %s at once; leave %s out", docPath(c.FullPath()), what, p))
				return
			}
		}
		c.Next()
	}
}

// docPath writes a route as the docs do: /v1/agents/{id}, not /v1/agents/:id.
func docPath(route string) string {
	parts := strings.Split(route, "/")
	for i, p := range parts {
		if name, ok := strings.CutPrefix(p, ":"); ok {
			parts[i] = "{" + name + "}"
		}
	}
	return strings.Join(parts, "/")
}

// knownParams refuses a query parameter a filtered list does not know,
// naming the ones it does (consistency, every read's, is always known):
// GET /v1/agents?ownr=me answered every owner's agents, and
// /v1/contests?stauts=running every contest, to a client that believed
// it had filtered them. The preference export refuses them the same way.
func (s *Server) knownParams(known ...string) gin.HandlerFunc {
	return func(c *gin.Context) {
		for _, k := range slices.Sorted(maps.Keys(c.Request.URL.Query())) {
			if k != "consistency" && !slices.Contains(known, k) {
				s.writeError(c, apperr.New(apperr.Invalid, "unknown query parameter %q for GET %s (known: %s)",
					truncate(k, 32), docPath(c.FullPath()), strings.Join(known, ", ")))
				return
			}
		}
		c.Next()
	}
}
