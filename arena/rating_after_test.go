package arena

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/agentarena/arena/ranking"
)

// TestRatingAfterFindsOlderContests: a contest_end built late (the
// runner behind its events) still carries the seat's rating after that
// contest, not the newest one, and an aborted contest has none.
func TestRatingAfterFindsOlderContests(t *testing.T) {
	d := newDriver(t)
	for i := range 20 {
		d.playToWin(fmt.Sprintf("c%02d", i))
	}
	d.must(CmdContestCreate, contestCreateCmd{ID: "aborted", Arena: "connect4", Agents: []string{"ag_a", "ag_b"}, Seed: 7, KeepTerms: true})
	d.must(CmdContestAbort, contestAbortCmd{Contest: "aborted", Reason: "test"})
	var want []ranking.Rating
	if err := d.f.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketHistory).ForEach(func(k, v []byte) error {
			var p RatingPoint
			if err := json.Unmarshal(v, &p); err != nil {
				return err
			}
			if p.Contest != "" && strings.HasPrefix(string(k), "ag_a\x00connect4\x00") {
				want = append(want, p.After)
			}
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	if len(want) != 20 {
		t.Fatalf("%d rating points, want 20", len(want))
	}
	for i, id := range []string{"c00", "c01", "c10", "c19"} {
		n := []int{0, 1, 10, 19}[i]
		var got ranking.Rating
		var ok bool
		err := d.f.View(func(tx *bolt.Tx) error {
			r, found, err := ratingAfter(tx, "ag_a", "connect4", id)
			got, ok = r, found
			return err
		})
		if err != nil || !ok || got != want[n] {
			t.Fatalf("rating after %s: %v, %v, %v; want %v", id, got, ok, err, want[n])
		}
	}
	err := d.f.View(func(tx *bolt.Tx) error {
		if _, ok, err := ratingAfter(tx, "ag_a", "connect4", "aborted"); ok || err != nil {
			t.Fatalf("an aborted contest has a rating after: %v, %v", ok, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
