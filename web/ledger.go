package web

import (
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/api"
	"github.com/agentarena/arena/apperr"
	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/ledger"
)

// ownerScope resolves which owner a balance or history route is about:
// "me", or an id the caller is (or an operator may name).
func (s *Server) ownerScope(c *gin.Context) (string, bool) {
	p, ok := principal(c)
	if !ok {
		s.writeError(c, apperr.New(apperr.Unauthorized, "this route needs an owner API key or the operator token"))
		return "", false
	}
	id := c.Param("id")
	if id == "" || id == "me" {
		if p.Kind != agents.PrincipalOwner {
			s.writeError(c, apperr.New(apperr.Forbidden, "\"me\" needs an owner API key"))
			return "", false
		}
		return p.ID, true
	}
	if p.Kind != principalOperator && !(p.Kind == agents.PrincipalOwner && p.ID == id) {
		s.writeError(c, apperr.New(apperr.Forbidden, "you may only see your own money"))
		return "", false
	}
	if _, err := s.cfg.Accounts.GetOwner(id); err != nil {
		s.writeError(c, err)
		return "", false
	}
	return id, true
}

func (s *Server) balance(c *gin.Context) {
	owner, ok := s.ownerScope(c)
	if !ok {
		return
	}
	a, err := s.cfg.Ledger.Balance(owner)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"owner_id": owner, "account": a.ID, "currency": a.Currency, "balance": a.Balance})
}

func (s *Server) transfers(c *gin.Context) {
	owner, ok := s.ownerScope(c)
	if !ok {
		return
	}
	limit, cursor, ok := s.listPage(c, transferCursor)
	if !ok {
		return
	}
	var after uint64
	if cursor != "" {
		after, _ = strconv.ParseUint(cursor, 10, 64) // transferCursor checked it
	}
	list, next, err := s.cfg.Ledger.Transfers(owner, after, limit)
	if err != nil {
		s.writeError(c, err)
		return
	}
	resp := gin.H{"owner_id": owner, "transfers": list}
	if next > 0 {
		resp["next_cursor"] = strconv.FormatUint(next, 10)
	}
	c.JSON(http.StatusOK, resp)
}

func (s *Server) contestPayouts(c *gin.Context) {
	con, err := s.cfg.Contests.Contest(c.Param("id"))
	if err != nil {
		s.writeError(c, err)
		return
	}
	list, err := s.cfg.Ledger.ContestPayouts(con.ID)
	if err != nil {
		s.writeError(c, err)
		return
	}
	payouts := con.Payouts
	if payouts == nil && con.Status == arena.StatusSettled {
		// A free arena's contest settles with nothing to pay: every seat
		// got 0, which is an answer, not a missing one.
		payouts = make([]int64, len(con.Seats))
	}
	c.JSON(http.StatusOK, gin.H{"contest": con.ID, "status": con.Status, "payouts": payouts, "transfers": list})
}

type grantReq struct {
	// ID nil: left out, and the server picks one. An empty id is refused
	// rather than taken as left out: a client whose id came out empty
	// would lose the idempotency it asked for, and pay on every retry.
	ID      *string `json:"id"`
	OwnerID string  `json:"owner_id"`
	Amount  *int64  `json:"amount"` // nil: left out, which is no amount at all
	Memo    string  `json:"memo"`
}

// check refuses a grant or adjustment body before it is proposed, naming
// what is wrong in the caller's terms.
func (r grantReq) check(kind string) error {
	switch {
	case r.ID != nil && *r.ID == "":
		return apperr.New(apperr.Invalid, "id is empty: give the transfer an id of 1-128 bytes, which makes a retry pay once, or leave id out for one the server picks (a retry then pays again)")
	case r.ID != nil && checkTransferID(*r.ID) != nil:
		return checkTransferID(*r.ID)
	case r.OwnerID == "":
		return apperr.New(apperr.Invalid, "owner_id is required: the owner whose wallet the %s moves money in or out of", kind)
	case r.Amount == nil:
		return apperr.New(apperr.Invalid, "amount is required: an integer number of minor units (100 = 1.00 %s)", ledger.DefaultCurrency)
	case kind == "grant" && *r.Amount <= 0:
		return apperr.New(apperr.Invalid, "a grant's amount must be positive, got %d; to take money back, POST /v1/ledger/adjustments with a negative amount", *r.Amount)
	case *r.Amount == 0:
		return apperr.New(apperr.Invalid, "amount must not be zero")
	case *r.Amount > ledger.MaxCredit || *r.Amount < -ledger.MaxCredit:
		return apperr.New(apperr.Invalid, "amount must be within ±%s, the most the ledger puts in circulation", ledger.ShowAmount(ledger.MaxCredit, ledger.DefaultCurrency))
	case len(r.Memo) > ledger.MaxMemo:
		return apperr.New(apperr.Invalid, "memo is %d bytes; at most %d", len(r.Memo), ledger.MaxMemo)
	}
	return nil
}

// maxTransferID is the longest transfer id the state machine takes
// (arena/apply_ledger.go).
const maxTransferID = 128

// checkTransferID refuses a caller's transfer id that is too long, not
// UTF-8, holds a control character (a newline or tab, which splits or
// hides it wherever it is printed: logs, the audit listing, arenactl's
// tables) or is only whitespace (which reads as no id at all). The state
// machine's apply checks the length alone and keeps accepting the rest,
// as logs written before this check hold such ids; the rule is this
// route's, checked before anything is proposed.
func checkTransferID(id string) error {
	const rule = "a transfer id is 1-%d bytes of UTF-8 text, not only whitespace, without control characters (newline, tab)"
	switch {
	case len(id) > maxTransferID:
		return apperr.New(apperr.Invalid, "id is %d bytes: "+rule, len(id), maxTransferID)
	case !utf8.ValidString(id):
		return apperr.New(apperr.Invalid, "id is not valid UTF-8: "+rule, maxTransferID)
	case strings.IndexFunc(id, unicode.IsControl) >= 0:
		return apperr.New(apperr.Invalid, "id %q contains a control character: "+rule, id, maxTransferID)
	case strings.TrimSpace(id) == "":
		return apperr.New(apperr.Invalid, "id %q is only whitespace: "+rule, id, maxTransferID)
	}
	return nil
}

// grant serves POST /v1/ledger/grants and /v1/ledger/adjustments. The
// caller chooses the transfer id, so a retried request pays once; without
// one, a random id is chosen (and a retry would pay again).
func (s *Server) grant(kind string) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req grantReq
		if err := s.readJSON(c, &req); err != nil {
			s.writeError(c, err)
			return
		}
		if err := req.check(kind); err != nil {
			s.writeError(c, err)
			return
		}
		id := ""
		if req.ID != nil {
			id = *req.ID
		}
		if p := reservedTransferPrefix(id); p != "" {
			// The arena names its own transfers after the contest or owner
			// they serve; one taken by a grant made that contest's
			// settlement fail (stuck) or refused a move (the wrong seat
			// won).
			s.writeError(c, apperr.New(apperr.Invalid, "transfer ids starting with %q are the arena's own (stakes, payouts, fees, refunds, starting grants); choose another id", p))
			return
		}
		if req.ID == nil {
			var err error
			if id, err = agents.NewID(kind); err != nil {
				s.writeError(c, err)
				return
			}
		}
		ctx, cancel := s.writeCtx(c)
		defer cancel()
		t, err := s.cfg.Ledger.Grant(ctx, id, req.OwnerID, *req.Amount, kind, req.Memo)
		if err != nil {
			s.writeError(c, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"transfer": t})
	}
}

// reservedTransferPrefixes are the id prefixes of the transfers the state
// machine makes itself (arena/apply_ledger.go).
var reservedTransferPrefixes = []string{"stake/", "payout/", "fee/", "refund/", "grant/start/"}

func reservedTransferPrefix(id string) string {
	for _, p := range reservedTransferPrefixes {
		if strings.HasPrefix(id, p) {
			return p
		}
	}
	return ""
}

func (s *Server) audit(c *gin.Context) {
	r, err := s.cfg.Ledger.Audit()
	if err != nil {
		s.writeError(c, err)
		return
	}
	status := http.StatusOK
	if !r.OK {
		status = http.StatusConflict
	}
	c.JSON(status, gin.H{"audit": r, "node_id": s.cfg.Cluster.ID()})
}

// ledgerSettingsReq is PUT /v1/ledger/settings' body. starting_grant is
// required: PUT replaces the settings, and a body without it (say, one
// changing only the currency) would have set new owners' grant to 0.
type ledgerSettingsReq struct {
	StartingGrant *int64 `json:"starting_grant"`
	Currency      string `json:"currency"`
}

func (s *Server) getLedgerSettings(c *gin.Context) {
	out, err := s.cfg.Ledger.LedgerSettings()
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"settings": out})
}

func (s *Server) ledgerSettings(c *gin.Context) {
	var body ledgerSettingsReq
	if err := s.readJSON(c, &body); err != nil {
		s.writeError(c, err)
		return
	}
	if body.StartingGrant == nil {
		s.writeError(c, apperr.New(apperr.Invalid, "starting_grant is required (minor units every new owner receives; 0 for none): PUT replaces the settings, see GET /v1/ledger/settings"))
		return
	}
	req := arena.LedgerSettings{StartingGrant: *body.StartingGrant, Currency: body.Currency}
	// Every balance, stake, payout and display is in the one currency the
	// ledger was created with; a grant in another would be refused on every
	// sign-up (the issuer's account holds the first). Checked here, not in
	// the apply, so that logs written before the check replay as they did.
	if req.Currency != "" && req.Currency != ledger.DefaultCurrency {
		s.writeError(c, apperr.New(apperr.Invalid, "currency: the ledger keeps every balance, stake and payout in %s; send %q or leave it out", ledger.DefaultCurrency, ledger.DefaultCurrency))
		return
	}
	ctx, cancel := s.writeCtx(c)
	defer cancel()
	out, err := s.cfg.Ledger.SetLedgerSettings(ctx, req)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"settings": out})
}

// ledgerCurrency is how displays show the minor units the API gives for
// stakes, payouts and balances.
func ledgerCurrency() api.Currency {
	return api.Currency{Code: ledger.DefaultCurrency, Exponent: ledger.DefaultExponent}
}
