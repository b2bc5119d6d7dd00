package arena

import (
	"testing"

	"github.com/hashicorp/raft"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// TestCountedStoreKeepsTheStoreContract checks what the wrapper must pass
// on to raft on either store: neither claims to be monotonic (raft would
// then delete the whole log after a snapshot install), entries before the
// first index are gone, and the append counts.
func TestCountedStoreKeepsTheStoreContract(t *testing.T) {
	for _, kind := range []string{RaftLogWAL, RaftLogBolt} {
		t.Run(kind, func(t *testing.T) {
			store, err := openRaftStore(t.TempDir(), kind)
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			h := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "appends"})
			s := countedStore{raftStore: store, appends: h}
			var rs raft.LogStore = s
			m, ok := rs.(raft.MonotonicLogStore)
			if ok && m.IsMonotonic() {
				t.Error("the store claims to be monotonic")
			}
			var logs []*raft.Log
			for i := uint64(1); i <= 10; i++ {
				logs = append(logs, &raft.Log{Index: i, Term: 1, Type: raft.LogCommand, Data: []byte{byte(i)}})
			}
			if err := s.StoreLogs(logs[:6]); err != nil {
				t.Fatal(err)
			}
			for _, l := range logs[6:] {
				if err := s.StoreLog(l); err != nil {
					t.Fatal(err)
				}
			}
			var got dto.Metric
			if err := h.Write(&got); err != nil {
				t.Fatal(err)
			}
			if c, sum := got.GetHistogram().GetSampleCount(), got.GetHistogram().GetSampleSum(); c != 5 || sum != 10 {
				t.Errorf("appends = %d storing %v entries, want 5 storing 10", c, sum)
			}
			if err := s.DeleteRange(1, 4); err != nil {
				t.Fatal(err)
			}
			var l raft.Log
			if err := s.GetLog(4, &l); err != raft.ErrLogNotFound {
				t.Errorf("GetLog(4) after deleting 1-4: %v, want ErrLogNotFound", err)
			}
			if err := s.GetLog(5, &l); err != nil || l.Data[0] != 5 {
				t.Errorf("GetLog(5) = %v, %v", l.Data, err)
			}
			if first, _ := s.FirstIndex(); first != 5 {
				t.Errorf("first index %d, want 5", first)
			}
		})
	}
}
