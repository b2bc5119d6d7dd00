package ledger

import (
	"fmt"
	"path/filepath"
	"testing"
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

// BenchmarkApply measures Apply with many transfers per bbolt transaction
// (as a batch of Raft commands shares one; fsync off, so this is the
// ledger's own cost) and with one transaction per transfer, with and
// without fsync. A single transaction for millions of transfers is not
// measured: bbolt splits nodes only at commit, so one huge transaction
// degrades quadratically, and the state machine never makes one.
func BenchmarkApply(b *testing.B) {
	for _, per := range []int{100, 1000} {
		b.Run(fmt.Sprintf("%d per tx", per), func(b *testing.B) {
			db := newDB(b)
			tx, err := db.Begin(true)
			if err != nil {
				b.Fatal(err)
			}
			i := 0
			for b.Loop() {
				if _, _, err := Apply(tx, benchTransfer(i)); err != nil {
					b.Fatal(err)
				}
				if i++; i%per == 0 {
					if err := tx.Commit(); err != nil {
						b.Fatal(err)
					}
					if tx, err = db.Begin(true); err != nil {
						b.Fatal(err)
					}
				}
			}
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "transfers/s")
		})
	}
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
