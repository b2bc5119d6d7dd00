package ledger

import (
	"fmt"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// benchTransfer alternates grants and wallet-to-wallet payments over 1000
// owners, so accounts and indexes grow as they would in use.
func benchTransfer(i int) Transfer {
	if i%2 == 0 {
		return grant(fmt.Sprintf("bench/%d", i), fmt.Sprintf("o%d", i%1000), 10)
	}
	return Transfer{ID: fmt.Sprintf("bench/%d", i), From: WalletID(fmt.Sprintf("o%d", (i-1)%1000)),
		To: WalletID(fmt.Sprintf("o%d", i%1000)), Amount: 1, Kind: KindAdjust, At: t0}
}

// BenchmarkApply measures Apply inside one bbolt transaction (what a batch
// of Raft commands shares, so the ceiling of the ledger's own cost) and
// with one transaction per transfer, with and without fsync.
func BenchmarkApply(b *testing.B) {
	b.Run("all in one tx", func(b *testing.B) {
		db := newDB(b)
		i := 0
		err := db.Update(func(tx *bolt.Tx) error {
			for b.Loop() {
				if _, _, err := Apply(tx, benchTransfer(i)); err != nil {
					return err
				}
				i++
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "transfers/s")
	})
	for _, sync := range []bool{false, true} {
		b.Run(fmt.Sprintf("one tx each, fsync=%v", sync), func(b *testing.B) {
			db := openDB(b, filepath.Join(b.TempDir(), "state.db"))
			defer db.Close()
			db.NoSync = !sync
			i := 0
			for b.Loop() {
				mustApply(b, db, benchTransfer(i))
				i++
			}
			b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "transfers/s")
		})
	}
}
