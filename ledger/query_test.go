package ledger

import (
	"fmt"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/agentarena/arena/apperr"
)

func TestQueries(t *testing.T) {
	db := newDB(t)
	for i := range 5 {
		mustApply(t, db, grant(fmt.Sprintf("g%d", i), "alice", 10))
		mustApply(t, db, grant(fmt.Sprintf("b%d", i), "alice2", 10)) // a prefix of no other id
	}
	mustApply(t, db, Transfer{ID: "stake/c1/0", From: WalletID("alice"), To: EscrowID("c1"), Amount: 5, Kind: KindStake, At: t0})
	mustApply(t, db, Transfer{ID: "fee/c1", From: EscrowID("c1"), To: HouseID, Amount: 5, Kind: KindFee, At: t0})

	t.Run("history pages oldest first with a cursor that ends at zero", func(t *testing.T) {
		var seqs []uint64
		after := uint64(0)
		for page := 0; ; page++ {
			var list []Transfer
			var next uint64
			err := db.View(func(tx *bolt.Tx) (err error) {
				list, next, err = History(tx, WalletID("alice"), after, 2)
				return err
			})
			if err != nil || len(list) > 2 || page > 5 {
				t.Fatalf("page %d: %d items, err %v", page, len(list), err)
			}
			for _, tr := range list {
				seqs = append(seqs, tr.Seq)
			}
			if next == 0 {
				break
			}
			after = next
		}
		if fmt.Sprint(seqs) != "[1 3 5 7 9 11]" {
			t.Fatalf("seqs %v", seqs)
		}
	})
	t.Run("contest transfers list the stake and the fee", func(t *testing.T) {
		var list []Transfer
		err := db.View(func(tx *bolt.Tx) (err error) {
			list, err = ContestTransfers(tx, "c1")
			return err
		})
		if err != nil || len(list) != 2 || list[0].ID != "stake/c1/0" || list[1].ID != "fee/c1" || list[1].Contest != "c1" {
			t.Fatalf("got %+v, %v", list, err)
		}
	})
	t.Run("get, balance and can-pay read what was applied", func(t *testing.T) {
		err := db.View(func(tx *bolt.Tx) error {
			if tr, ok, err := Get(tx, "g3"); err != nil || !ok || tr.Seq != 7 {
				t.Errorf("get g3: %+v %v %v", tr, ok, err)
			}
			if _, ok, err := Get(tx, "nope"); err != nil || ok {
				t.Errorf("get nope: %v %v", ok, err)
			}
			if a, err := Balance(tx, WalletID("nobody")); err != nil || a != (Account{ID: "wallet:nobody", Kind: AccountWallet, Currency: DefaultCurrency}) {
				t.Errorf("unknown wallet: %+v %v", a, err)
			}
			if _, err := Balance(tx, "nobody"); !apperr.Is(err, apperr.Invalid) {
				t.Errorf("malformed id: %v", err)
			}
			if !CanPay(tx, WalletID("alice"), 45) || CanPay(tx, WalletID("alice"), 46) || !CanPay(tx, IssuerID, 1<<60) {
				t.Error("can-pay disagrees with balances")
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
