package ledger

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"slices"
	"strings"
	"time"

	"github.com/agentarena/arena/apperr"
)

// Transfer kinds: why money moved. The ledger checks only that the kind is
// one of these; which accounts a kind may connect is the caller's rule.
const (
	KindGrant     = "grant"     // issuer -> wallet: starting grants, operator grants
	KindStake     = "stake"     // wallet -> escrow when a contest starts
	KindPayout    = "payout"    // escrow -> wallet by rank on settlement
	KindFee       = "fee"       // escrow -> house on settlement
	KindRefund    = "refund"    // escrow -> wallet when a contest aborts
	KindRemainder = "remainder" // leftover units swept out of an escrow
	KindAdjust    = "adjust"    // operator corrections, either direction
)

var transferKinds = []string{KindGrant, KindStake, KindPayout, KindFee, KindRefund, KindRemainder, KindAdjust}

// GenesisHash is the PrevHash of the first transfer.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// MaxMemo is the longest memo a transfer may carry, in bytes of UTF-8.
const MaxMemo = 1024

// Limits on caller-supplied text.
const (
	maxMemoLen     = MaxMemo
	maxCurrencyLen = 16
)

// Transfer moves Amount of Currency from one account to another. The caller
// supplies ID, From, To, Amount, Currency, Kind, Contest, Memo and At; Apply
// assigns Seq, PrevHash and Hash.
type Transfer struct {
	ID       string `json:"id"`
	Seq      uint64 `json:"seq"`
	From     string `json:"from"`
	To       string `json:"to"`
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
	Kind     string `json:"kind"`
	Contest  string `json:"contest,omitempty"`
	Memo     string `json:"memo,omitempty"`
	// At is the leader's timestamp from the command, never a clock read.
	At       time.Time `json:"at"`
	PrevHash string    `json:"prev_hash"`
	Hash     string    `json:"hash"`
}

// ComputeHash returns the hex SHA-256 of the transfer's canonical encoding:
// the tag "arena-ledger/v1", then ID, Seq, From, To, Amount, Currency, Kind,
// Contest, Memo, At (Unix nanoseconds) and PrevHash, in that order. Strings
// are a big-endian uint64 byte length followed by the bytes; integers are
// big-endian 8 bytes (Amount and At as two's complement). Length prefixes
// make the encoding injective, so no two transfers share an encoding, and
// it depends on no JSON library, so anyone can re-verify the chain.
func (t Transfer) ComputeHash() string {
	b := make([]byte, 0, 256)
	str := func(s string) {
		b = binary.BigEndian.AppendUint64(b, uint64(len(s)))
		b = append(b, s...)
	}
	str("arena-ledger/v1")
	str(t.ID)
	b = binary.BigEndian.AppendUint64(b, t.Seq)
	str(t.From)
	str(t.To)
	b = binary.BigEndian.AppendUint64(b, uint64(t.Amount))
	str(t.Currency)
	str(t.Kind)
	str(t.Contest)
	str(t.Memo)
	b = binary.BigEndian.AppendUint64(b, uint64(t.At.UnixNano()))
	str(t.PrevHash)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// normalize fills what a caller may leave out: the default currency, UTC
// time (so the stored JSON is the same on every node whatever the command's
// zone) and, for a transfer touching an escrow, the escrow's contest, so the
// contest index always sees money entering or leaving its escrow.
func normalize(t Transfer) Transfer {
	if t.Currency == "" {
		t.Currency = DefaultCurrency
	}
	t.At = t.At.UTC()
	if t.Contest == "" {
		if c, ok := escrowContest(t.From); ok {
			t.Contest = c
		} else if c, ok := escrowContest(t.To); ok {
			t.Contest = c
		}
	}
	return t
}

func escrowContest(accountID string) (string, bool) {
	c, ok := strings.CutPrefix(accountID, AccountEscrow+":")
	return c, ok && c != ""
}

// validate checks everything about a transfer that does not depend on the
// state, so a bad transfer is refused before any balance is read.
func validate(t Transfer) error {
	if t.ID == "" {
		return apperr.New(apperr.Invalid, "transfer id is required")
	}
	if err := checkText("transfer id", t.ID, maxIDLen); err != nil {
		return err
	}
	if t.Amount <= 0 {
		return apperr.New(apperr.Invalid, "transfer %s: amount must be positive, got %d", t.ID, t.Amount)
	}
	if t.From == t.To {
		return apperr.New(apperr.Invalid, "transfer %s: from and to are the same account %s", t.ID, t.From)
	}
	for _, id := range []string{t.From, t.To} {
		if _, err := kindOf(id); err != nil {
			return err
		}
	}
	if !validCurrency(t.Currency) {
		return apperr.New(apperr.Invalid, "transfer %s: currency %q must be 1-%d of A-Z and 0-9", t.ID, t.Currency, maxCurrencyLen)
	}
	if !slices.Contains(transferKinds, t.Kind) {
		return apperr.New(apperr.Invalid, "transfer %s: kind %q is not one of %s", t.ID, t.Kind, strings.Join(transferKinds, ", "))
	}
	if err := checkText("contest id", t.Contest, maxIDLen); err != nil {
		return err
	}
	for _, id := range []string{t.From, t.To} {
		if c, ok := escrowContest(id); ok && c != t.Contest {
			return apperr.New(apperr.Invalid, "transfer %s: %s belongs to contest %s, not %s", t.ID, id, c, t.Contest)
		}
	}
	if err := checkText("memo", t.Memo, maxMemoLen); err != nil {
		return err
	}
	// UnixNano is defined only for 1678-2262; outside it the hash would not
	// pin the time.
	if t.At.IsZero() || !time.Unix(0, t.At.UnixNano()).Equal(t.At) {
		return apperr.New(apperr.Invalid, "transfer %s: time is required (between 1678 and 2262)", t.ID)
	}
	return nil
}

func validCurrency(c string) bool {
	if c == "" || len(c) > maxCurrencyLen {
		return false
	}
	for _, r := range c {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// sameContent decides whether a repeated id is a retry (same content) or a
// conflict. Time and chain fields are left out on purpose: a retry proposed
// again after a leader change carries a new timestamp.
func sameContent(a, b Transfer) bool {
	return a.From == b.From && a.To == b.To && a.Amount == b.Amount && a.Currency == b.Currency &&
		a.Kind == b.Kind && a.Contest == b.Contest && a.Memo == b.Memo
}
