package arena

import (
	"io"
	"path/filepath"

	"github.com/hashicorp/raft"
)

// OpenRaftLog opens the Raft log a stopped node's data dir holds, whichever
// store it is, for tests that read the entries back.
func OpenRaftLog(dataDir string) (interface {
	raft.LogStore
	io.Closer
}, error) {
	raftDir := filepath.Join(dataDir, "raft")
	kind, err := chooseRaftLog(raftDir, "")
	if err != nil {
		return nil, err
	}
	return openRaftStore(raftDir, kind)
}
