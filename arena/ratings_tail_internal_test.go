package arena

import (
	"encoding/binary"
	"fmt"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// A built-in bot's rating history grows by a point a contest for good,
// and GET /v1/agents/{id}/ratings?limit= decoded all of it to keep each
// arena's latest few. RatingHistoryTail counts the points by key and
// decodes only those it keeps; what it returns is what the whole history
// cut per arena was.
func TestRatingHistoryTailKeepsEachArenasLatestPoints(t *testing.T) {
	n, err := Open(Config{NodeID: "n1", DataDir: t.TempDir(), RaftBind: "127.0.0.1:0", Bootstrap: true, FastTimeouts: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	// Points written straight into the state file, as settlements write
	// them (agent NUL arena NUL index): ag_1 in two arenas, and ag_10,
	// whose id extends ag_1's, which must not be counted as ag_1's.
	index := uint64(100)
	put := func(tx *bolt.Tx, agent, arena, contest string) error {
		index++
		k := binary.BigEndian.AppendUint64([]byte(agent+"\x00"+arena+"\x00"), index)
		return putJSON(tx.Bucket(bucketHistory), k, RatingPoint{Arena: arena, Contest: contest})
	}
	err = n.fsm.db.Update(func(tx *bolt.Tx) error {
		for i := range 5 {
			if err := put(tx, "ag_1", "connect4", fmt.Sprint("a", i)); err != nil {
				return err
			}
		}
		for i := range 2 {
			if err := put(tx, "ag_1", "prompt", fmt.Sprint("b", i)); err != nil {
				return err
			}
		}
		return put(tx, "ag_10", "connect4", "other")
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		arena string
		limit int
		want  string
	}{
		{"", 0, "[a0 a1 a2 a3 a4 b0 b1]"},
		{"", 1, "[a4 b1]"},
		{"", 2, "[a3 a4 b0 b1]"},
		{"", 3, "[a2 a3 a4 b0 b1]"},
		{"", 9, "[a0 a1 a2 a3 a4 b0 b1]"},
		{"connect4", 2, "[a3 a4]"},
		{"prompt", 0, "[b0 b1]"},
	}
	for _, tt := range tests {
		got, counts, err := n.RatingHistoryTail("ag_1", tt.arena, tt.limit)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, p := range got {
			ids = append(ids, p.Contest)
		}
		wantCounts := map[string]int{"connect4": 5, "prompt": 2}
		if tt.arena != "" {
			wantCounts = map[string]int{tt.arena: wantCounts[tt.arena]}
		}
		if fmt.Sprint(ids) != tt.want || fmt.Sprint(counts) != fmt.Sprint(wantCounts) {
			t.Errorf("arena %q limit %d: %v, counts %v; want %s and %v", tt.arena, tt.limit, ids, counts, tt.want, wantCounts)
		}
	}
}
