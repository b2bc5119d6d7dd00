package web

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

func (s *Server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok", "node_id": s.cfg.Cluster.ID()})
}

func (s *Server) readyz(c *gin.Context) {
	if ok, reason := s.cfg.Cluster.Ready(); !ok {
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "not_ready", "reason": reason, "node_id": s.cfg.Cluster.ID()})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready", "node_id": s.cfg.Cluster.ID()})
}

// The page at / is the spectator UI's shell, served by ui.go.
