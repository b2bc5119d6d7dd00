package ledger

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/agentarena/arena/internal/fuzzseed"
)

func TestAccountCodecMatchesEncodingJSON(t *testing.T) {
	for _, a := range []Account{
		{ID: "wallet:ow_1", Kind: AccountWallet, Currency: DefaultCurrency, Balance: 50000},
		{ID: IssuerID, Kind: AccountIssuer, Currency: DefaultCurrency, Balance: -MaxCredit},
		{ID: "issuer:EUR", Kind: AccountIssuer, Currency: "EUR", Balance: math.MinInt64},
		{ID: "escrow:c_1", Kind: AccountEscrow, Currency: "ARC", Balance: math.MaxInt64},
		{ID: "wallet:<b>&", Kind: AccountWallet, Currency: "ARC"},    // escaped by encoding/json
		{ID: "wallet:é\"\\\n", Kind: AccountWallet, Currency: "ARC"}, // likewise
		{},
	} {
		assertSameAccountCodec(t, a)
	}
}

func assertSameAccountCodec(t *testing.T, a Account) {
	t.Helper()
	want, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	got, err := encodeAccount(a)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("encodeAccount(%+v) = %s, %v; json.Marshal gives %s", a, got, err, want)
	}
	back, err := decodeAccount(got)
	if err != nil || back != a {
		t.Fatalf("decodeAccount(%s) = %+v, %v; want %+v", got, back, err, a)
	}
}

// FuzzAccountCodec: the direct encoder writes json.Marshal's bytes, and
// whatever the direct decoder accepts, encoding/json reads alike.
func FuzzAccountCodec(f *testing.F) {
	fuzzseed.Add(f, "wallet:ow_1", "wallet", "ARC", int64(5), []byte(`{"id":"wallet:x","kind":"wallet","currency":"ARC","balance":-0}`))
	fuzzseed.Add(f, "issuer", "issuer", "ARC", int64(-1), []byte(`{"id":"a","kind":"b","currency":"c","balance":+1}`))
	fuzzseed.Add(f, "", "", "", int64(0), []byte(`{"id":"a","kind":"b","currency":"c","balance":01}`))
	f.Fuzz(func(t *testing.T, id, kind, currency string, balance int64, data []byte) {
		a := Account{ID: id, Kind: kind, Currency: currency, Balance: balance}
		want, _ := json.Marshal(a)
		got, err := encodeAccount(a)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("encodeAccount(%+v) = %s, %v; json.Marshal gives %s", a, got, err, want)
		}
		if fast, ok := decodePlainAccount(data); ok {
			var ref Account
			if err := json.Unmarshal(data, &ref); err != nil || ref != fast {
				t.Fatalf("%q: direct decode %+v; encoding/json %+v, %v", data, fast, ref, err)
			}
		}
		if fast, ok := decodePlainAccount(want); ok && fast != a {
			t.Fatalf("%s: direct decode %+v, want %+v", want, fast, a)
		}
	})
}

func TestTransferEncodingMatchesEncodingJSON(t *testing.T) {
	at := time.Date(2026, 12, 7, 12, 0, 0, 123400000, time.UTC)
	for _, tr := range []Transfer{
		{ID: "tx_1", Seq: 1, From: IssuerID, To: "wallet:ow_1", Amount: 50000, Currency: "ARC", Kind: "grant", At: at, PrevHash: GenesisHash, Hash: "ab"},
		{ID: "tx_2", Seq: math.MaxUint64, From: "escrow:c_1", To: "wallet:ow_1", Amount: math.MinInt64, Currency: "ARC", Kind: "payout", Contest: "c_1", Memo: "rank 1", At: at.Truncate(time.Second)},
		{ID: "tx_3", Memo: "für <you> & \"them\"\n", At: at},           // escaped by encoding/json
		{ID: "tx_4", At: at.In(time.FixedZone("x", 3600))},             // an offset, not Z
		{ID: "tx_5", At: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}, // refused by both
		{ID: "tx_6"},
	} {
		want, werr := json.Marshal(tr)
		got, gerr := encodeTransfer(tr)
		if !bytes.Equal(got, want) || (werr == nil) != (gerr == nil) {
			t.Errorf("encodeTransfer(%+v) = %s, %v; json.Marshal gives %s, %v", tr, got, gerr, want, werr)
		}
	}
}

// FuzzTransferEncoding: the direct encoder writes json.Marshal's bytes.
func FuzzTransferEncoding(f *testing.F) {
	fuzzseed.Add(f, "tx_1", uint64(1), "issuer", "wallet:ow_1", int64(5), "ARC", "grant", "", "memo", int64(1796287122023405356), "prev", "hash")
	fuzzseed.Add(f, "tx_2", uint64(0), "a<", "b", int64(-5), "", "", "c_1", "é", int64(-1), "", "")
	f.Fuzz(func(t *testing.T, id string, seq uint64, from, to string, amount int64, currency, kind, contest, memo string, at int64, prev, hash string) {
		tr := Transfer{ID: id, Seq: seq, From: from, To: to, Amount: amount, Currency: currency, Kind: kind, Contest: contest,
			Memo: memo, At: time.Unix(0, at).UTC(), PrevHash: prev, Hash: hash}
		want, werr := json.Marshal(tr)
		got, gerr := encodeTransfer(tr)
		if !bytes.Equal(got, want) || (werr == nil) != (gerr == nil) {
			t.Fatalf("encodeTransfer(%+v) = %s, %v; json.Marshal gives %s, %v", tr, got, gerr, want, werr)
		}
	})
}
