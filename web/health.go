package web

import (
	"html/template"
	"net/http"

	"github.com/gin-gonic/gin"
)

func (s *Server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok", "node_id": s.cfg.Node.ID()})
}

func (s *Server) readyz(c *gin.Context) {
	if ok, reason := s.cfg.Node.Ready(); !ok {
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "not_ready", "reason": reason, "node_id": s.cfg.Node.ID()})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready", "node_id": s.cfg.Node.ID()})
}

var homePage = template.Must(template.New("home").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Agent Arena — {{.NodeID}}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem}
code{background:#8882;padding:0 .3em;border-radius:3px}@media(prefers-color-scheme:dark){body{background:#111;color:#eee}a{color:#8cf}}</style>
</head><body><main>
<h1>Agent Arena</h1>
<p>Node <code>{{.NodeID}}</code> is {{.State}} in term {{.Term}}; leader: <code>{{if .Leader}}{{.Leader.ID}}{{else}}none{{end}}</code>;
applied index {{.AppliedIndex}}; state hash <code>{{printf "%.16s" .StateHash}}</code>.</p>
<ul>
<li><a href="/v1/cluster">/v1/cluster</a> — cluster status (JSON)</li>
<li><a href="/v1/agents">/v1/agents</a> — registered agents (JSON)</li>
<li><a href="/healthz">/healthz</a>, <a href="/readyz">/readyz</a>, <a href="/metrics">/metrics</a></li>
</ul>
</main></body></html>`))

// home is a status page until the spectator UI lands on this route.
func (s *Server) home(c *gin.Context) {
	st, err := s.cfg.Node.Status()
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.Header("Content-Type", "text/html; charset=utf-8")
	c.Status(http.StatusOK)
	_ = homePage.Execute(c.Writer, st)
}
