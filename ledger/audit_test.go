package ledger

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// writeLedgerFile builds a small closed ledger file: grants, a contest's
// stakes, its payout and fee. The payout (seq 5) carries a marker memo and
// an amount that appear nowhere else, so a test can find its bytes.
func writeLedgerFile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.db")
	db := openDB(t, path)
	for _, tr := range []Transfer{
		grant("g/alice", "alice", 1000),
		grant("g/bob", "bob", 1000),
		{ID: "stake/c1/0", From: WalletID("alice"), To: EscrowID("c1"), Amount: 400, Kind: KindStake, At: t0},
		{ID: "stake/c1/1", From: WalletID("bob"), To: EscrowID("c1"), Amount: 400, Kind: KindStake, At: t0},
		{ID: "payout/c1/0", From: EscrowID("c1"), To: WalletID("alice"), Amount: 777, Kind: KindPayout, Memo: "tamper-me", At: t0},
		{ID: "fee/c1", From: EscrowID("c1"), To: HouseID, Amount: 23, Kind: KindFee, At: t0},
	} {
		mustApply(t, db, tr)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// copyFile copies the closed state file, as an operator would copy a
// node's data dir.
func copyFile(t *testing.T, src string) string {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "copy.db")
	if err := os.WriteFile(dst, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return dst
}

// auditFile opens a state file read-only and audits it.
func auditFile(t *testing.T, path string) AuditReport {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	return audit(t, db, func(string) bool { return true })
}

// rewrite edits one record of a copy through bbolt, the way an attacker
// with the file (but no key to forge hashes) would.
func rewrite(t *testing.T, path string, bucket []byte, key []byte, edit func(v []byte) []byte) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		if v := edit(bytes.Clone(b.Get(key))); v != nil {
			return b.Put(key, v)
		}
		return b.Delete(key)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// editTransfer decodes, changes and re-encodes one stored transfer.
func editTransfer(change func(*Transfer)) func([]byte) []byte {
	return func(v []byte) []byte {
		var tr Transfer
		if err := json.Unmarshal(v, &tr); err != nil {
			panic(err)
		}
		change(&tr)
		out, _ := json.Marshal(tr)
		return out
	}
}

// flipAll rewrites every occurrence of old in the raw file. bbolt copies
// pages on write, so freed pages may still hold stale copies of a record;
// changing them all is sure to hit the live one.
func flipAll(t *testing.T, path, old, repl string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(old)) {
		t.Fatalf("%q not found in the file", old)
	}
	if err := os.WriteFile(path, bytes.ReplaceAll(data, []byte(old), []byte(repl)), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestAuditDetectsTampering(t *testing.T) {
	orig := writeLedgerFile(t)
	payoutKey := seqKey(5)
	tests := []struct {
		name   string
		tamper func(t *testing.T, path string)
		want   []string // each must appear in some problem
	}{
		{"an amount rewritten through bbolt with the old hash", func(t *testing.T, p string) {
			rewrite(t, p, bucketTransfers, payoutKey, editTransfer(func(tr *Transfer) { tr.Amount = 700 }))
		}, []string{"transfer 5 (id payout/c1/0): hash mismatch", "account escrow:c1: stores"}},
		{"an amount rewritten with a recomputed hash", func(t *testing.T, p string) {
			rewrite(t, p, bucketTransfers, payoutKey, editTransfer(func(tr *Transfer) { tr.Amount = 700; tr.Hash = tr.ComputeHash() }))
		}, []string{"transfer 6 (id fee/c1): chain broken", "account wallet:alice: stores 13.77 ARC = 1377 minor units but its transfers add up to 13.00 ARC = 1300 minor units"}},
		{"the last transfer rewritten with a recomputed hash", func(t *testing.T, p string) {
			rewrite(t, p, bucketTransfers, seqKey(6), editTransfer(func(tr *Transfer) { tr.To = WalletID("bob"); tr.Hash = tr.ComputeHash() }))
		}, []string{"head record says transfer 6", "account house: holds 0.23 ARC = 23 minor units but no transfer touches it"}},
		{"raw bytes of a memo flipped in the file", func(t *testing.T, p string) {
			flipAll(t, p, `"memo":"tamper-me"`, `"memo":"tamper-ME"`)
		}, []string{"transfer 5 (id payout/c1/0): hash mismatch"}},
		{"raw bytes of an amount flipped in the file", func(t *testing.T, p string) {
			flipAll(t, p, `"amount":777,`, `"amount":787,`)
		}, []string{"transfer 5 (id payout/c1/0): hash mismatch", "add up to"}},
		{"a record made unreadable", func(t *testing.T, p string) {
			flipAll(t, p, `{"id":"payout/c1/0"`, `{"id":"payout/c1/0'`)
		}, []string{"transfer 5: record does not decode"}},
		{"a transfer deleted", func(t *testing.T, p string) {
			rewrite(t, p, bucketTransfers, seqKey(3), func([]byte) []byte { return nil })
		}, []string{"transfer 4: sequence breaks", "transfer 4 (id stake/c1/1): chain broken"}},
		{"a balance raised", func(t *testing.T, p string) {
			rewrite(t, p, bucketAccounts, []byte(WalletID("bob")), func([]byte) []byte {
				return []byte(`{"id":"wallet:bob","kind":"wallet","currency":"ARC","balance":5000}`)
			})
		}, []string{"account wallet:bob: stores 50.00 ARC = 5000 minor units but its transfers add up to 6.00 ARC = 600 minor units", "sum to 4400 minor units, not zero"}},
		{"an escrow of an ended contest left holding money", func(t *testing.T, p string) {
			rewrite(t, p, bucketAccounts, []byte(EscrowID("c1")), func([]byte) []byte {
				return []byte(`{"id":"escrow:c1","kind":"escrow","currency":"ARC","balance":9}`)
			})
		}, []string{"contest c1 has ended but its escrow holds 0.09 ARC = 9 minor units"}},
	}
	for _, tc := range tests {
		t.Run("detects "+tc.name, func(t *testing.T) {
			cp := copyFile(t, orig)
			tc.tamper(t, cp)
			r := auditFile(t, cp)
			if r.OK {
				t.Fatalf("tampered copy audits OK: %+v", r)
			}
			all := strings.Join(r.Problems, "\n")
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("no problem mentions %q; problems:\n%s", w, all)
				}
			}
		})
	}
	t.Run("the original still audits OK", func(t *testing.T) {
		r := auditFile(t, orig)
		if !r.OK || r.Transfers != 6 || r.Sum != 0 || r.Accounts != 5 || len(r.Head) != 64 {
			t.Fatalf("original: %+v", r)
		}
		// Two grants of 1000, stakes of 400 each, 777 paid to alice and a
		// fee of 23: the house's takings and the empty escrow show.
		want := map[string]map[string]int64{"ARC": {"issuer": -2000, "wallet": 1377 + 600, "escrow": 0, "house": 23}}
		if !reflect.DeepEqual(r.Totals, want) {
			t.Fatalf("totals %v, want %v", r.Totals, want)
		}
	})
	t.Run("totals follow a tampered balance", func(t *testing.T) {
		cp := copyFile(t, orig)
		rewrite(t, cp, bucketAccounts, []byte(HouseID), func([]byte) []byte {
			return []byte(`{"id":"house","kind":"house","currency":"ARC","balance":50}`)
		})
		r := auditFile(t, cp)
		if r.OK || r.Totals["ARC"]["house"] != 50 || r.Sum != 27 {
			t.Fatalf("house raised to 50: ok %v totals %v sum %d", r.OK, r.Totals, r.Sum)
		}
	})
}
