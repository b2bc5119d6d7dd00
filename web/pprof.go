package web

import (
	"net/http"
	"net/http/pprof"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/agentarena/arena/apperr"
)

// pprofRoutes serves Go's profiles under /debug/pprof/ to the operator
// only, and only when Config.Pprof is set: a profile shows code paths and
// timings, and a CPU profile costs the node CPU while it runs.
func (s *Server) pprofRoutes(r *gin.Engine) {
	r.GET("/debug/pprof/*name", s.authenticate, s.requireOperator, func(c *gin.Context) {
		name := strings.TrimPrefix(c.Param("name"), "/")
		var h http.Handler
		switch name {
		case "":
			h = http.HandlerFunc(pprof.Index)
		case "cmdline":
			h = http.HandlerFunc(pprof.Cmdline)
		case "profile":
			h = http.HandlerFunc(pprof.Profile)
		case "symbol":
			h = http.HandlerFunc(pprof.Symbol)
		case "trace":
			h = http.HandlerFunc(pprof.Trace)
		default:
			if !knownProfile(name) {
				s.writeError(c, apperr.New(apperr.NotFound, "no profile %q", name))
				return
			}
			h = pprof.Handler(name)
		}
		h.ServeHTTP(c.Writer, c.Request)
	})
}

// knownProfile reports whether name is one of the runtime's profiles;
// pprof.Handler answers any other name with a plain-text 404 of its own.
func knownProfile(name string) bool {
	switch name {
	case "allocs", "block", "goroutine", "heap", "mutex", "threadcreate":
		return true
	}
	return false
}
