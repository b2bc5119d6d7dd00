package web

import (
	"maps"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/agentarena/arena/apperr"
)

// singleQueryValues refuses a query parameter given twice. Every handler
// reads one value (gin's Query takes the first), so ?limit=2&limit=3
// would quietly mean limit=2, and a client that built the second value on
// purpose would never learn it was dropped; bodies and frames refuse
// repeated fields the same way (strictjson).
func (s *Server) singleQueryValues(c *gin.Context) {
	if c.Request.URL.RawQuery == "" {
		c.Next()
		return
	}
	q := c.Request.URL.Query()
	for _, k := range slices.Sorted(maps.Keys(q)) {
		if n := len(q[k]); n > 1 {
			s.writeError(c, apperr.New(apperr.Invalid, "query parameter %q is given %d times; give it once", truncate(k, 32), n))
			return
		}
	}
	c.Next()
}
