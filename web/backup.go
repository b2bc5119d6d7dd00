package web

import (
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/agentarena/arena/apperr"
	"github.com/agentarena/arena/arena"
)

// backuper is what the snapshot download needs from the node; *arena.Node
// has it (test fakes need not).
type backuper interface {
	Backup(w io.Writer, start func(arena.BackupInfo)) error
}

var _ backuper = (*arena.Node)(nil)

// snapshot serves GET /v1/cluster/snapshot (operators only): a consistent
// copy of this node's state file as of its last applied batch, the same
// bytes a Raft snapshot holds, for `arena restore`. Add
// ?consistency=linearizable to include every write acknowledged before the
// request. The applied index travels in X-Arena-Applied-Index.
func (s *Server) snapshot(c *gin.Context) {
	b, ok := s.cfg.Cluster.(backuper)
	if !ok {
		s.writeError(c, apperr.New(apperr.Unavailable, "this node cannot take backups"))
		return
	}
	started := false
	err := b.Backup(c.Writer, func(info arena.BackupInfo) {
		started = true
		h := c.Writer.Header()
		h.Set("Content-Type", "application/octet-stream")
		h.Set("Content-Length", strconv.FormatInt(info.Size, 10))
		h.Set(appliedHeader, strconv.FormatUint(info.Index, 10))
		h.Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", fmt.Sprintf("arena-%s-%d.db", s.cfg.Cluster.ID(), info.Index)))
		c.Status(http.StatusOK)
	})
	if err != nil {
		if !started {
			s.writeError(c, err)
			return
		}
		// Headers are gone: cut the stream so the client sees a short body.
		s.log.Warn("backup stream failed", "err", err)
		panic(http.ErrAbortHandler)
	}
}
