package agents

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// scanAgents is ListAgents as it was: every agent walked and decoded, an
// owner's picked out. An owner's pages now come from the name index and
// must be the same pages.
func scanAgents(tx *bolt.Tx, ownerID, after string, limit int) (list []Agent, next string) {
	c := tx.Bucket(bucketAgents).Cursor()
	k, v := c.First()
	if after != "" {
		if k, v = c.Seek([]byte(after)); k != nil && string(k) == after {
			k, v = c.Next()
		}
	}
	list = []Agent{}
	for ; k != nil; k, v = c.Next() {
		var a Agent
		if err := json.Unmarshal(v, &a); err != nil {
			panic(err)
		}
		if a.Deleted() || a.OwnerID != ownerID {
			continue
		}
		if len(list) == limit {
			return list, list[len(list)-1].ID
		}
		list = append(list, a)
	}
	return list, ""
}

func TestAnOwnersPagesComeFromTheNameIndex(t *testing.T) {
	db := openDB(t)
	rng := rand.New(rand.NewPCG(1, 2))
	owners := []string{"ow_a", "ow_b", "ow_c"}
	now := time.Unix(1_800_000_000, 0).UTC()
	must(t, db, func(tx *bolt.Tx) error {
		for _, o := range owners {
			if err := CreateOwner(tx, Owner{ID: o, Name: o, CreatedAt: now}, "k"+o); err != nil {
				return err
			}
		}
		for i := range 300 {
			o := owners[rng.IntN(len(owners))]
			id := fmt.Sprintf("ag_%08x", rng.Uint32())
			if err := CreateAgent(tx, Agent{ID: id, OwnerID: o, Name: fmt.Sprintf("n%03d", i), Kind: KindWebsocket, CreatedAt: now}, "k"+id); err != nil {
				return err
			}
			if rng.IntN(4) == 0 { // some are deleted: their records stay, retired
				if err := DeleteAgent(tx, id, o, now); err != nil {
					return err
				}
			}
		}
		return nil
	})
	err := db.View(func(tx *bolt.Tx) error {
		for _, o := range append(owners, "ow_nobody") {
			for _, limit := range []int{1, 7, 100, 500} {
				after, pages := "", 0
				for {
					got, next, err := ListAgents(tx, o, after, limit)
					if err != nil {
						return err
					}
					want, wantNext := scanAgents(tx, o, after, limit)
					if next != wantNext || !slices.EqualFunc(got, want, func(a, b Agent) bool { return a.ID == b.ID && a.Version == b.Version }) {
						t.Fatalf("%s limit %d after %q: %d agents, next %q; the scan gives %d, next %q", o, limit, after, len(got), next, len(want), wantNext)
					}
					if pages++; next == "" {
						break
					}
					after = next
				}
			}
			// A cursor that is no agent of the owner (another's, or gone)
			// is still a position.
			got, _, err := ListAgents(tx, o, "ag_8", 5)
			if err != nil {
				return err
			}
			want, _ := scanAgents(tx, o, "ag_8", 5)
			if !slices.EqualFunc(got, want, func(a, b Agent) bool { return a.ID == b.ID }) {
				t.Fatalf("%s after ag_8: %d agents, the scan gives %d", o, len(got), len(want))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// BenchmarkListAnOwnersAgents: one owner's first page of 100 in a store
// of 10,000 agents (50 owners of 200). Run:
// go test -run '^$' -bench ListAnOwnersAgents ./agents/
func BenchmarkListAnOwnersAgents(b *testing.B) {
	db, err := bolt.Open(b.TempDir()+"/a.db", 0o600, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	now := time.Unix(1_800_000_000, 0).UTC()
	err = db.Update(func(tx *bolt.Tx) error {
		for _, bk := range Buckets() {
			if _, err := tx.CreateBucket(bk); err != nil {
				return err
			}
		}
		for o := range 50 {
			owner := fmt.Sprintf("ow_%02d", o)
			if err := CreateOwner(tx, Owner{ID: owner, Name: owner, CreatedAt: now}, "k"+owner); err != nil {
				return err
			}
			for i := range 200 {
				id := fmt.Sprintf("ag_%02d_%03d", (i*7+o)%100, i*50+o)
				if err := CreateAgent(tx, Agent{ID: id, OwnerID: owner, Name: id, Kind: KindWebsocket, CreatedAt: now}, "k"+id); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	for _, path := range []struct {
		name string
		list func(tx *bolt.Tx) int
	}{
		{"scan", func(tx *bolt.Tx) int { l, _ := scanAgents(tx, "ow_07", "", 100); return len(l) }},
		{"index", func(tx *bolt.Tx) int { l, _, _ := ListAgents(tx, "ow_07", "", 100); return len(l) }},
	} {
		b.Run(path.name, func(b *testing.B) {
			for b.Loop() {
				if err := db.View(func(tx *bolt.Tx) error {
					if n := path.list(tx); n != 100 {
						return fmt.Errorf("%d agents", n)
					}
					return nil
				}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
