package agents

import (
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TestKeyMemoFollowsTheStoredKeys: a remembered principal must never
// outlive its key. Each step changes the keys bucket the way a command
// would and reads through one memo, in fresh transactions.
func TestKeyMemoFollowsTheStoredKeys(t *testing.T) {
	db := openDB(t)
	m := NewKeyMemo()
	now := time.Unix(100, 0).UTC()
	must(t, db, func(tx *bolt.Tx) error { return CreateOwner(tx, Owner{ID: "ow_a", Name: "a"}, HashKey("ka")) })
	must(t, db, func(tx *bolt.Tx) error {
		return CreateAgent(tx, Agent{ID: "ag_1", OwnerID: "ow_a", Name: "bot", Kind: KindWebsocket, CreatedAt: now}, HashKey("k1"))
	})
	lookup := func(key string) (Principal, bool) {
		t.Helper()
		var p Principal
		var ok bool
		err := db.View(func(tx *bolt.Tx) error {
			var err error
			p, ok, err = m.Lookup(tx, HashKey(key))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return p, ok
	}
	steps := []struct {
		name   string
		change func(tx *bolt.Tx) error
		key    string
		want   Principal
		found  bool
	}{
		{"first read decodes", nil, "k1", Principal{Kind: PrincipalAgent, ID: "ag_1", OwnerID: "ow_a"}, true},
		{"second read is remembered", nil, "k1", Principal{Kind: PrincipalAgent, ID: "ag_1", OwnerID: "ow_a"}, true},
		{"an owner key", nil, "ka", Principal{Kind: PrincipalOwner, ID: "ow_a", OwnerID: "ow_a"}, true},
		{"a rotated owner key no longer resolves", func(tx *bolt.Tx) error { return RotateKey(tx, PrincipalOwner, "ow_a", HashKey("ka2")) },
			"ka", Principal{}, false},
		{"its successor does", nil, "ka2", Principal{Kind: PrincipalOwner, ID: "ow_a", OwnerID: "ow_a"}, true},
		{"a rewritten record under the same hash is read anew", func(tx *bolt.Tx) error {
			return put(tx, bucketKeys, HashKey("k1"), Principal{Kind: PrincipalAgent, ID: "ag_9", OwnerID: "ow_a"})
		}, "k1", Principal{Kind: PrincipalAgent, ID: "ag_9", OwnerID: "ow_a"}, true},
		{"and again when it is restored", func(tx *bolt.Tx) error {
			return put(tx, bucketKeys, HashKey("k1"), Principal{Kind: PrincipalAgent, ID: "ag_1", OwnerID: "ow_a"})
		}, "k1", Principal{Kind: PrincipalAgent, ID: "ag_1", OwnerID: "ow_a"}, true},
		{"a deleted agent's key no longer resolves", func(tx *bolt.Tx) error { return DeleteAgent(tx, "ag_1", "ow_a", now) }, "k1", Principal{}, false},
		{"an unknown key", nil, "nope", Principal{}, false},
	}
	for _, s := range steps {
		if s.change != nil {
			must(t, db, s.change)
		}
		if p, ok := lookup(s.key); p != s.want || ok != s.found {
			t.Fatalf("%s: got %+v %v, want %+v %v", s.name, p, ok, s.want, s.found)
		}
	}
}

// BenchmarkKeyLookup: resolving a key in a read transaction, decoded each
// time (LookupKey) and through the memo.
func BenchmarkKeyLookup(b *testing.B) {
	db, err := bolt.Open(b.TempDir()+"/a.db", 0o600, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		for _, bk := range Buckets() {
			if _, err := tx.CreateBucket(bk); err != nil {
				return err
			}
		}
		return CreateOwner(tx, Owner{ID: "ow_a", Name: "a"}, HashKey("ka"))
	})
	if err != nil {
		b.Fatal(err)
	}
	h := HashKey("ka")
	for _, tc := range []struct {
		name string
		memo *KeyMemo
	}{{"decoded", nil}, {"memo", NewKeyMemo()}} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				_ = db.View(func(tx *bolt.Tx) error {
					_, ok, err := tc.memo.Lookup(tx, h)
					if !ok || err != nil {
						b.Fatal(ok, err)
					}
					return nil
				})
			}
		})
	}
}
