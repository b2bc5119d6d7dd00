package agents

import (
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/agentarena/arena/apperr"
)

func openDB(t *testing.T) *bolt.DB {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "a.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range Buckets() {
			if _, err := tx.CreateBucket(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func must(t *testing.T, db *bolt.DB, f func(tx *bolt.Tx) error) {
	t.Helper()
	if err := db.Update(f); err != nil {
		t.Fatal(err)
	}
}

func TestAgentLifecycle(t *testing.T) {
	db := openDB(t)
	now := time.Unix(100, 0).UTC()
	must(t, db, func(tx *bolt.Tx) error { return CreateOwner(tx, Owner{ID: "ow_a", Name: "a"}, HashKey("ka")) })
	must(t, db, func(tx *bolt.Tx) error { return CreateOwner(tx, Owner{ID: "ow_b", Name: "b"}, HashKey("kb")) })
	must(t, db, func(tx *bolt.Tx) error {
		return CreateAgent(tx, Agent{ID: "ag_1", OwnerID: "ow_a", Name: "bot", Kind: KindWebsocket, CreatedAt: now}, HashKey("k1"))
	})

	// The message names one owner, as every other not-found does.
	if err := db.View(func(tx *bolt.Tx) error { _, err := GetOwner(tx, "ow_x"); return err }); err == nil || err.Error() != "not_found: owner ow_x not found" {
		t.Errorf("a missing owner: %v, want \"owner ow_x not found\"", err)
	}
	// OwnerExists answers as GetOwner does, without decoding: the ledger's
	// grants refuse an unknown owner with it, in the golden log's words.
	if err := db.View(func(tx *bolt.Tx) error { return OwnerExists(tx, "ow_x") }); err == nil || err.Error() != "not_found: owner ow_x not found" {
		t.Errorf("OwnerExists of a missing owner: %v, want \"owner ow_x not found\"", err)
	}
	if err := db.View(func(tx *bolt.Tx) error { return OwnerExists(tx, "ow_a") }); err != nil {
		t.Errorf("OwnerExists of a stored owner: %v", err)
	}

	tests := []struct {
		name string
		op   func(tx *bolt.Tx) error
		code apperr.Code
	}{
		{"a second agent with the same name for the same owner conflicts", func(tx *bolt.Tx) error {
			return CreateAgent(tx, Agent{ID: "ag_2", OwnerID: "ow_a", Name: "bot", Kind: KindWebsocket}, HashKey("k2"))
		}, apperr.Conflict},
		{"an agent for a missing owner is not found", func(tx *bolt.Tx) error {
			return CreateAgent(tx, Agent{ID: "ag_3", OwnerID: "ow_x", Name: "bot", Kind: KindWebsocket}, HashKey("k3"))
		}, apperr.NotFound},
		{"a reused key hash conflicts", func(tx *bolt.Tx) error {
			return CreateAgent(tx, Agent{ID: "ag_4", OwnerID: "ow_b", Name: "bot", Kind: KindWebsocket}, HashKey("k1"))
		}, apperr.Conflict},
		{"another owner may not update the agent", func(tx *bolt.Tx) error {
			n := "x"
			_, err := UpdateAgent(tx, "ag_1", "ow_b", AgentPatch{Name: &n}, now)
			return err
		}, apperr.Forbidden},
		{"another owner may not delete the agent", func(tx *bolt.Tx) error { return DeleteAgent(tx, "ag_1", "ow_b", now) }, apperr.Forbidden},
		{"an empty patch is invalid", func(tx *bolt.Tx) error {
			_, err := UpdateAgent(tx, "ag_1", "ow_a", AgentPatch{}, now)
			return err
		}, apperr.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := db.Update(tt.op)
			if !apperr.Is(err, tt.code) {
				t.Fatalf("got %v, want %s", err, tt.code)
			}
		})
	}

	t.Run("renaming bumps the version and frees the old name", func(t *testing.T) {
		n := "bot2"
		must(t, db, func(tx *bolt.Tx) error {
			a, err := UpdateAgent(tx, "ag_1", "ow_a", AgentPatch{Name: &n}, now.Add(time.Second))
			if err == nil && (a.Version != 2 || !a.UpdatedAt.Equal(now.Add(time.Second))) {
				t.Errorf("after rename: %+v", a)
			}
			return err
		})
		must(t, db, func(tx *bolt.Tx) error {
			return CreateAgent(tx, Agent{ID: "ag_5", OwnerID: "ow_a", Name: "bot", Kind: KindWebsocket}, HashKey("k5"))
		})
	})

	t.Run("deleting retires the agent and revokes its key", func(t *testing.T) {
		must(t, db, func(tx *bolt.Tx) error { return DeleteAgent(tx, "ag_1", "ow_a", now) })
		_ = db.View(func(tx *bolt.Tx) error {
			if _, err := GetAgent(tx, "ag_1"); !apperr.Is(err, apperr.NotFound) {
				t.Errorf("deleted agent: %v", err)
			}
			if _, ok, _ := LookupKey(tx, HashKey("k1")); ok {
				t.Error("deleted agent's key still resolves")
			}
			if _, ok, _ := LookupKey(tx, HashKey("ka")); !ok {
				t.Error("the owner's key was revoked too")
			}
			return nil
		})
	})

	t.Run("listing pages through live agents of one owner in id order", func(t *testing.T) {
		for _, id := range []string{"ag_6", "ag_7", "ag_8"} {
			must(t, db, func(tx *bolt.Tx) error {
				return CreateAgent(tx, Agent{ID: id, OwnerID: "ow_a", Name: id, Kind: KindWebsocket}, HashKey(id))
			})
		}
		var got []string
		cursor := ""
		for {
			var page []Agent
			_ = db.View(func(tx *bolt.Tx) error {
				var err error
				page, cursor, err = ListAgents(tx, "ow_a", cursor, 2)
				return err
			})
			for _, a := range page {
				got = append(got, a.ID)
			}
			if cursor == "" {
				break
			}
		}
		want := []string{"ag_5", "ag_6", "ag_7", "ag_8"}
		if len(got) != len(want) {
			t.Fatalf("got %v, want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("got %v, want %v", got, want)
			}
		}
	})
}
