package ledger

import (
	"fmt"
	"strings"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"

	"github.com/agentarena/arena/apperr"
)

// Account kinds. The kind is never stored apart from the id: it is derived
// from the id's prefix, so an id cannot claim a kind it does not spell.
const (
	AccountWallet = "wallet" // an owner's money; never negative
	AccountEscrow = "escrow" // one per contest, holds its stakes; never negative
	AccountHouse  = "house"  // collects fees; never negative
	AccountIssuer = "issuer" // issues credit; the only account that may go negative
)

// Well-known accounts and the default currency.
const (
	HouseID  = "house"
	IssuerID = "issuer"
	// DefaultCurrency is arena credits. Amounts are int64 minor units; how
	// many minor units make a credit is a display concern, not the ledger's.
	DefaultCurrency = "ARC"
	// DefaultExponent is how displays split DefaultCurrency: 10^2 minor
	// units make one credit (100 is 1.00 ARC). The ledger never divides;
	// clients read it from the API so that every display agrees.
	DefaultExponent = 2
)

// MaxCredit is the most credit operator grants put in circulation: the
// issuer's balance stays at or above -MaxCredit (2^53-1 minor units,
// 90,071,992,547,409.91 ARC), so every balance, stake, pot and payout is an
// integer that JSON readers holding numbers as float64 (JavaScript, the
// spectator pages among them) read exactly, and no sum of balances can
// reach int64's limits. Apply does not enforce it: the state machine
// checks it for grant commands that carry it, so that logs written before
// the limit replay as they did.
const MaxCredit int64 = 1<<53 - 1

// maxIDLen bounds every id the ledger stores (transfer, account, contest),
// far below bbolt's key limit once index suffixes are added.
const maxIDLen = 256

// WalletID is the account id of an owner's wallet.
func WalletID(ownerID string) string { return AccountWallet + ":" + ownerID }

// EscrowID is the account id of a contest's escrow.
func EscrowID(contestID string) string { return AccountEscrow + ":" + contestID }

// Account is one balance. Currency is fixed by the account's first transfer.
type Account struct {
	ID       string `json:"id"`
	Kind     string `json:"kind"`
	Currency string `json:"currency"`
	Balance  int64  `json:"balance"`
}

// system reports whether an account may go negative: only the issuer,
// whose negative balance is exactly the credit in circulation.
func (a Account) system() bool { return a.Kind == AccountIssuer }

// kindOf derives an account's kind from its id and refuses ids that name
// no account. "house" and "issuer" may carry a suffix ("issuer:EUR") so a
// second currency can have its own issuer and house.
func kindOf(id string) (string, error) {
	if err := checkText("account id", id, maxIDLen); err != nil {
		return "", err
	}
	kind, rest, hasRest := strings.Cut(id, ":")
	switch kind {
	case AccountHouse, AccountIssuer:
		if !hasRest || rest != "" {
			return kind, nil
		}
	case AccountWallet, AccountEscrow:
		if rest != "" {
			return kind, nil
		}
	}
	return "", apperr.New(apperr.Invalid, "account id %q is not wallet:<owner>, escrow:<contest>, house or issuer", id)
}

// checkText refuses ids and texts that could not round-trip through the
// stored JSON byte for byte (invalid UTF-8 would be rewritten, breaking the
// hash) or that would corrupt an index key ("\x00" separates key parts).
func checkText(what, s string, max int) error {
	switch {
	case len(s) > max:
		return apperr.New(apperr.Invalid, "%s is longer than %d bytes", what, max)
	case !utf8.ValidString(s):
		return apperr.New(apperr.Invalid, "%s is not valid UTF-8", what)
	case strings.IndexByte(s, 0) >= 0:
		return apperr.New(apperr.Invalid, "%s contains a NUL byte", what)
	}
	return nil
}

// Buckets owned by this package inside the state machine's bbolt file.
var (
	bucketAccounts  = []byte("ledger_accounts")   // account id -> Account
	bucketTransfers = []byte("ledger_transfers")  // seq(8) -> Transfer
	bucketIDs       = []byte("ledger_ids")        // transfer id -> seq(8)
	bucketByAccount = []byte("ledger_by_account") // account id "\x00" seq(8) -> ""
	bucketByContest = []byte("ledger_by_contest") // contest id "\x00" seq(8) -> ""
	bucketMeta      = []byte("ledger_meta")       // "head" -> seq(8) hash(64 hex)
)

var keyHead = []byte("head")

// Buckets lists every bucket this package writes, so the state machine can
// create them when it opens a fresh file.
func Buckets() [][]byte {
	return [][]byte{bucketAccounts, bucketTransfers, bucketIDs, bucketByAccount, bucketByContest, bucketMeta}
}

// store is the ledger's view of one transaction.
type store struct {
	accounts, transfers, ids, byAccount, byContest, meta *bolt.Bucket
}

func open(tx *bolt.Tx) (*store, error) {
	s := &store{
		accounts: tx.Bucket(bucketAccounts), transfers: tx.Bucket(bucketTransfers), ids: tx.Bucket(bucketIDs),
		byAccount: tx.Bucket(bucketByAccount), byContest: tx.Bucket(bucketByContest), meta: tx.Bucket(bucketMeta),
	}
	if s.accounts == nil || s.transfers == nil || s.ids == nil || s.byAccount == nil || s.byContest == nil || s.meta == nil {
		return nil, apperr.New(apperr.Internal, "ledger buckets are missing: create ledger.Buckets() when opening the state")
	}
	// Transfers are keyed by their sequence number, so every write appends
	// to the last page: a split at bbolt's default half-full would leave
	// every page of the ledger's largest bucket half empty for good. Only
	// the page layout changes; the keys and values, and so the state hash,
	// do not. The indexes keep the default: they append within each
	// account's or contest's prefix, so with many accounts most inserts land
	// between prefixes, where a packed page splits again at the next insert
	// (packing the contest events, keyed the same way, made the state file
	// larger).
	s.transfers.FillPercent = 1.0
	return s, nil
}

// account reads a stored account; ok is false for one that never moved
// money, which has no currency yet.
func (s *store) account(id string) (a Account, ok bool, err error) {
	kind, err := kindOf(id)
	if err != nil {
		return Account{}, false, err
	}
	data := s.accounts.Get([]byte(id))
	if data == nil {
		return Account{ID: id, Kind: kind}, false, nil
	}
	a, err = decodeAccount(data)
	if err != nil {
		return Account{}, false, fmt.Errorf("decode account %s: %w", id, err)
	}
	return a, true, nil
}

// Balance reads an account. An account that never moved money has a zero
// balance in the default currency; a malformed id is apperr.Invalid.
func Balance(tx *bolt.Tx, accountID string) (Account, error) {
	s, err := open(tx)
	if err != nil {
		return Account{}, err
	}
	a, ok, err := s.account(accountID)
	if err != nil {
		return Account{}, err
	}
	if !ok {
		a.Currency = DefaultCurrency
	}
	return a, nil
}

// CanPay reports whether an account could send amount now: its balance
// covers it, or it is the issuer. It is the check matchmaking makes before
// proposing a contest; Apply checks again, since balances move meanwhile.
func CanPay(tx *bolt.Tx, accountID string, amount int64) bool {
	a, err := Balance(tx, accountID)
	if err != nil {
		return false
	}
	return a.system() || a.Balance >= amount
}
