package arena

import (
	"errors"
	"strings"
	"testing"

	"github.com/hashicorp/raft"

	"github.com/agentarena/arena/apperr"
)

// A raft error turned into an API error says what happened in words of
// its own, then raft's: a leader's clean stop logged "unavailable:
// leadership transfer in progress: leadership transfer in progress".
func TestRaftErrorsAreNotRepeated(t *testing.T) {
	tests := []struct {
		err  error
		code apperr.Code
	}{
		{raft.ErrNotLeader, apperr.NotLeader},
		{raft.ErrLeadershipLost, apperr.Unavailable},
		{raft.ErrEnqueueTimeout, apperr.Unavailable},
		{raft.ErrRaftShutdown, apperr.Unavailable},
		{raft.ErrLeadershipTransferInProgress, apperr.Unavailable},
		{errors.New("disk on fire"), apperr.Internal},
	}
	for _, tt := range tests {
		got := translateRaftErr(tt.err)
		var ae *apperr.Error
		if !errors.As(got, &ae) || ae.Code != tt.code {
			t.Errorf("%v: got %v, want code %s", tt.err, got, tt.code)
			continue
		}
		if n := strings.Count(got.Error(), tt.err.Error()); n != 1 {
			t.Errorf("%v reads %q: raft's text %d times, want once", tt.err, got.Error(), n)
		}
	}
}
