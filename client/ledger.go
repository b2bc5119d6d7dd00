package client

import (
	"cmp"
	"context"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/agentarena/arena/api"
)

// Money is counted in int64 minor units of a currency; MinorUnits of them
// make one unit (100_000 is 1000.00 ARC). The ledger itself never divides:
// the split is a display convention.
const MinorUnits = 100

// Transfer kinds: why money moved.
const (
	TransferGrant     = "grant"     // issuer -> wallet: starting and operator grants
	TransferStake     = "stake"     // wallet -> escrow when a contest starts
	TransferPayout    = "payout"    // escrow -> wallet by rank on settlement
	TransferFee       = "fee"       // escrow -> house on settlement
	TransferRefund    = "refund"    // escrow -> wallet when a contest aborts
	TransferRemainder = "remainder" // leftover units swept out of an escrow
	TransferAdjust    = "adjust"    // operator corrections, either direction
)

// Balance is an owner's wallet.
type Balance struct {
	OwnerID string `json:"owner_id"`
	// Account is the wallet's ledger account, "wallet:<owner id>".
	Account  string `json:"account"`
	Currency string `json:"currency"`
	// Balance is in minor units.
	Balance int64 `json:"balance"`
}

// Transfer is one entry of the ledger's hash chain. Amount is always
// positive; the direction is From -> To.
type Transfer struct {
	ID       string    `json:"id"`
	Seq      uint64    `json:"seq"`
	From     string    `json:"from"`
	To       string    `json:"to"`
	Amount   int64     `json:"amount"`
	Currency string    `json:"currency"`
	Kind     string    `json:"kind"`
	Contest  string    `json:"contest,omitempty"`
	Memo     string    `json:"memo,omitempty"`
	At       time.Time `json:"at"`
	// PrevHash is the previous transfer's Hash; Hash covers this
	// transfer's fields and PrevHash (see ledger.Transfer.ComputeHash).
	PrevHash string `json:"prev_hash"`
	Hash     string `json:"hash"`
}

// Delta is the transfer's effect on account: +Amount into it, -Amount out
// of it, 0 when it does not touch it.
func (t Transfer) Delta(account string) int64 {
	switch account {
	case t.To:
		return t.Amount
	case t.From:
		return -t.Amount
	}
	return 0
}

// ListTransfersOptions selects GET /v1/owners/{id}/transfers.
type ListTransfersOptions struct {
	// Owner is an owner id, or "" or "me" for the owner of the client's
	// key. Only that owner and the operator may read a wallet.
	Owner string
	// Limit caps the page size (server default 100, at most 500).
	Limit int
	// Cursor continues from a previous page's NextCursor.
	Cursor string
}

// TransferPage is one page of an owner's wallet history, oldest first.
type TransferPage struct {
	OwnerID   string     `json:"owner_id"`
	Transfers []Transfer `json:"transfers"`
	// NextCursor is empty on the last page.
	NextCursor string `json:"next_cursor,omitempty"`
}

// GrantRequest is the body of POST /v1/ledger/grants and
// /v1/ledger/adjustments.
type GrantRequest struct {
	// ID names the transfer. Sending the same request again with the same
	// ID moves the money once (a different amount or memo under a used ID
	// is a conflict), so set it whenever a request may be retried; when it
	// is empty the server picks a random one and a retry pays again.
	ID      string `json:"id,omitempty"`
	OwnerID string `json:"owner_id"`
	// Amount is in minor units: positive for a grant; for an adjustment,
	// positive credits the owner and negative debits the owner.
	Amount int64  `json:"amount"`
	Memo   string `json:"memo,omitempty"`
}

// AuditReport is the result of re-verifying the whole ledger on one node:
// the hash chain, sequence, indexes, balances replayed from the transfers,
// a zero sum and no negative wallet. Equal Heads on two nodes mean equal
// ledgers.
type AuditReport struct {
	OK        bool     `json:"ok"`
	Transfers uint64   `json:"transfers"`
	Head      string   `json:"head"`
	Sum       int64    `json:"sum"`
	Accounts  int      `json:"accounts"`
	Problems  []string `json:"problems"`
	// Totals are the balances summed by currency, then by account kind:
	// "issuer" (minus the credit in circulation), "wallet", "escrow" (the
	// stakes of running contests) and "house" (fees and unowed percent).
	Totals map[string]map[string]int64 `json:"totals,omitempty"`
}

// AuditResult is a node's audit and which node ran it.
type AuditResult struct {
	Audit  AuditReport `json:"audit"`
	NodeID string      `json:"node_id"`
}

// LedgerSettings are the cluster's money rules.
type LedgerSettings = api.LedgerSettings

func ownerPath(owner string) (string, error) {
	if owner == "" || owner == "me" {
		return "/v1/owners/me", nil
	}
	seg, err := pathID("owner", owner)
	return "/v1/owners/" + seg, err
}

// Balance returns an owner's wallet: owner "" or "me" for the owner of the
// client's key, or an id (the operator may name any owner).
func (c *Client) Balance(ctx context.Context, owner string) (*Balance, error) {
	p, err := ownerPath(owner)
	if err != nil {
		return nil, err
	}
	var out Balance
	if _, err := c.do(ctx, request{method: http.MethodGet, path: p + "/balance", out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListTransfers returns one page of an owner's wallet history, oldest
// first. Use AllTransfers to walk every page.
func (c *Client) ListTransfers(ctx context.Context, opts ListTransfersOptions) (*TransferPage, error) {
	p, err := ownerPath(opts.Owner)
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	if opts.Limit > 0 {
		q.Set("limit", strconv.Itoa(opts.Limit))
	}
	if opts.Cursor != "" {
		q.Set("cursor", opts.Cursor)
	}
	var out TransferPage
	if _, err := c.do(ctx, request{method: http.MethodGet, path: p + "/transfers", query: q, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// AllTransfers iterates over an owner's whole wallet history, following
// cursors; opts.Limit sets the page size. Iteration stops after the first
// error, which is yielded with a zero Transfer.
func (c *Client) AllTransfers(ctx context.Context, opts ListTransfersOptions) iter.Seq2[Transfer, error] {
	return pages(ctx, opts.Cursor, func(ctx context.Context, cursor string) ([]Transfer, string, error) {
		o := opts
		o.Cursor = cursor
		page, err := c.ListTransfers(ctx, o)
		if err != nil {
			return nil, "", err
		}
		return page.Transfers, page.NextCursor, nil
	})
}

// Grant credits an owner's wallet from the issuer. It needs the operator
// token; see GrantRequest.ID for safe retries.
func (c *Client) Grant(ctx context.Context, req GrantRequest) (*Transfer, error) {
	return c.grant(ctx, "/v1/ledger/grants", req)
}

// Adjust corrects an owner's wallet in either direction (a negative Amount
// debits it back to the issuer). It needs the operator token.
func (c *Client) Adjust(ctx context.Context, req GrantRequest) (*Transfer, error) {
	return c.grant(ctx, "/v1/ledger/adjustments", req)
}

func (c *Client) grant(ctx context.Context, path string, req GrantRequest) (*Transfer, error) {
	var out struct {
		Transfer Transfer `json:"transfer"`
	}
	if _, err := c.do(ctx, request{method: http.MethodPost, path: path, in: req, out: &out}); err != nil {
		return nil, err
	}
	return &out.Transfer, nil
}

// Audit re-verifies the ledger on the answering node. It needs the operator
// token. A ledger that fails its audit is not an error: the node answers
// 409 with the report, which Audit returns with Audit.OK false.
func (c *Client) Audit(ctx context.Context) (*AuditResult, error) {
	var out struct {
		Audit  *AuditReport `json:"audit"`
		NodeID string       `json:"node_id"`
		Error  *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	status, err := c.do(ctx, request{
		method: http.MethodGet, path: "/v1/ledger/audit", out: &out,
		asis: []int{http.StatusConflict},
	})
	if err != nil {
		return nil, err
	}
	if out.Audit == nil {
		// JSON, but not an audit: report it as the error it is.
		e := &APIError{Status: status, Code: CodeConflict, Message: "ledger audit failed"}
		if status < 300 {
			e.Code, e.Message = CodeInternal, "audit response has no audit report"
		}
		if out.Error != nil {
			e.Code = cmp.Or(out.Error.Code, e.Code)
			e.Message = cmp.Or(out.Error.Message, e.Message)
		}
		return nil, e
	}
	if out.Audit.Problems == nil {
		out.Audit.Problems = []string{}
	}
	return &AuditResult{Audit: *out.Audit, NodeID: out.NodeID}, nil
}

// LedgerSettings reads the cluster's money rules. It needs the operator
// token.
func (c *Client) LedgerSettings(ctx context.Context) (*LedgerSettings, error) {
	var out struct {
		Settings LedgerSettings `json:"settings"`
	}
	if _, err := c.do(ctx, request{method: http.MethodGet, path: "/v1/ledger/settings", out: &out}); err != nil {
		return nil, err
	}
	return &out.Settings, nil
}

// SetLedgerSettings changes the cluster's money rules and returns them as
// stored. It needs the operator token.
func (c *Client) SetLedgerSettings(ctx context.Context, s LedgerSettings) (*LedgerSettings, error) {
	var out struct {
		Settings LedgerSettings `json:"settings"`
	}
	if _, err := c.do(ctx, request{method: http.MethodPut, path: "/v1/ledger/settings", in: s, out: &out}); err != nil {
		return nil, err
	}
	return &out.Settings, nil
}
