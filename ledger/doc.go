// Package ledger keeps the arena's money: double-entry accounts and
// hash-chained transfers in the state machine's bbolt file, escrowed entry
// stakes, and rank-based payouts.
//
// # Accounts and transfers
//
// There are four kinds of account, told apart by their ids: an owner's
// wallet ("wallet:<owner>"), one escrow per contest ("escrow:<contest>"),
// the house ("house"), which collects fees, and the issuer ("issuer"),
// which creates credit. Amounts are int64 minor units of a currency code
// (DefaultCurrency, "ARC", unless the caller says otherwise); an account's
// currency is fixed by its first transfer and every later transfer must be
// in it. Nothing in the package uses floating point.
//
// Money only moves: every Transfer debits one account and credits another
// by the same positive amount, so the balances of all accounts sum to zero
// at every moment. The issuer is the one account allowed below zero, and
// its negative balance is exactly the credit in circulation. Wallets,
// escrows and the house never go negative: a transfer they cannot cover is
// refused with apperr.InsufficientFunds. Operator grants stop at MaxCredit
// in circulation (2^53-1 minor units), which keeps every balance exact in
// JSON readers and every sum of balances inside int64; the state machine
// checks that limit, since logs written before it must replay as they did.
//
// # Replication
//
// The package owns its buckets (see Buckets) but never opens a transaction.
// Every writing function takes the state machine's *bbolt.Tx, so money
// moves only while a replicated command is applied, and every node applies
// the same commands to the same bytes. For that the code is deterministic:
// no clock (a transfer's At is the leader's timestamp from the command), no
// randomness, no dependence on map order, integer arithmetic only.
//
// The apply transaction is shared by a batch of commands and cannot be
// rolled back for one of them, so Apply checks everything before it writes
// anything. ApplyAll extends that to a group of transfers that must happen
// together (every stake of a contest, every payout of a settlement): each
// is checked against the balances the earlier ones leave, then all are
// written, or none.
//
// # Idempotency
//
// A transfer's ID is chosen by the caller: a client's request id for grants,
// or a name derived from the contest for system transfers
// ("stake/<contest>/<seat>", "payout/<contest>/<seat>", "fee/<contest>",
// "refund/..."). Applying an id a second time with the same content (from,
// to, amount, currency, kind, contest, memo; not the time, which differs
// when a command is proposed again after a leader change) changes nothing
// and returns the original. The same id with different content is
// apperr.Conflict: a caller reusing an id by mistake learns it.
//
// # The audit chain
//
// Transfers are numbered 1, 2, 3, … (Seq) and each stores the SHA-256 of
// the one before (PrevHash; GenesisHash for the first) next to its own Hash,
// computed over a canonical length-prefixed encoding of every other field
// (see Transfer.ComputeHash). Editing, removing or reordering a stored
// transfer breaks the chain from that point on. Audit trusts nothing the
// write path maintained: it recomputes every hash and link, replays all
// transfers to rebuild the balances and compares them with the stored
// ones, and checks the zero sum, the signs, the indexes, and that the
// escrows of ended contests are empty. The head hash it reports is the
// same on every node that holds the same state.
//
// # Payouts
//
// When a contest starts, each seat's stake moves from its owner's wallet to
// the contest's escrow. On settlement Payouts splits the escrow by rank
// under the arena's schedule (percent per place), with an optional house
// fee in basis points, ties pooling the places they share, and a fixed rule
// for the units integer division leaves over (to the best-ranked paid seats
// in seat order); the split always adds up to the pot, so the escrow ends
// empty. On abort every stake is refunded from the escrow. LinearSchedule
// builds a schedule falling linearly by rank.
package ledger
