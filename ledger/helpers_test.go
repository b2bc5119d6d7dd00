package ledger

import (
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// fataler is what the helpers need of a test: *testing.T, *testing.B and
// *rapid.T all have it.
type fataler interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

// t0 is the fixed "leader timestamp" tests pass in.
var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// openDB opens a bbolt file at path with the ledger's buckets. Syncing is
// off: tests need the bytes, not durability.
func openDB(tb fataler, path string) *bolt.DB {
	tb.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{NoSync: true})
	if err != nil {
		tb.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range Buckets() {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return db
}

func newDB(tb testing.TB) *bolt.DB {
	tb.Helper()
	db := openDB(tb, filepath.Join(tb.TempDir(), "state.db"))
	tb.Cleanup(func() { db.Close() })
	return db
}

// apply runs one Apply in its own transaction.
func apply(tb fataler, db *bolt.DB, tr Transfer) (out Transfer, applied bool, err error) {
	tb.Helper()
	uerr := db.Update(func(tx *bolt.Tx) error {
		out, applied, err = Apply(tx, tr)
		return nil
	})
	if uerr != nil {
		tb.Fatal(uerr)
	}
	return out, applied, err
}

func mustApply(tb fataler, db *bolt.DB, tr Transfer) Transfer {
	tb.Helper()
	out, _, err := apply(tb, db, tr)
	if err != nil {
		tb.Fatalf("apply %s: %v", tr.ID, err)
	}
	return out
}

func grant(id, owner string, amount int64) Transfer {
	return Transfer{ID: id, From: IssuerID, To: WalletID(owner), Amount: amount, Kind: KindGrant, At: t0}
}

func balanceOf(tb fataler, db *bolt.DB, id string) int64 {
	tb.Helper()
	var a Account
	err := db.View(func(tx *bolt.Tx) (err error) {
		a, err = Balance(tx, id)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return a.Balance
}

func audit(tb fataler, db *bolt.DB, ended func(string) bool) AuditReport {
	tb.Helper()
	var r AuditReport
	err := db.View(func(tx *bolt.Tx) (err error) {
		r, err = Audit(tx, ended)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// dump is every key and value of the ledger's buckets, to show that a
// refused transfer wrote nothing.
func dump(tb fataler, db *bolt.DB) map[string]string {
	tb.Helper()
	out := map[string]string{}
	err := db.View(func(tx *bolt.Tx) error {
		for _, b := range Buckets() {
			err := tx.Bucket(b).ForEach(func(k, v []byte) error {
				out[string(b)+"/"+string(k)] = string(v)
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}
