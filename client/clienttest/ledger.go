package clienttest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
)

// StartingGrant is what the fake credits every new owner, in minor units,
// as the real cluster does by default (1000.00 ARC).
const StartingGrant int64 = 100_000

const (
	issuer       = "issuer"
	genesisHash  = "0000000000000000000000000000000000000000000000000000000000000000"
	maxTransfers = 500
)

type transfer struct {
	ID       string `json:"id"`
	Seq      uint64 `json:"seq"`
	From     string `json:"from"`
	To       string `json:"to"`
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
	Kind     string `json:"kind"`
	Contest  string `json:"contest,omitempty"`
	Memo     string `json:"memo,omitempty"`
	At       string `json:"at"`
	PrevHash string `json:"prev_hash"`
	Hash     string `json:"hash"`
}

func wallet(ownerID string) string { return "wallet:" + ownerID }

// move appends a transfer and updates balances; it refuses to take a
// wallet or escrow below zero. The caller must hold s.mu.
func (s *Server) move(id, from, to string, amount int64, kind, contest, memo string) (*transfer, error) {
	if from != issuer && s.balances[from] < amount {
		return nil, fmt.Errorf("account %s cannot pay %d", from, amount)
	}
	prev := genesisHash
	if n := len(s.transfers); n > 0 {
		prev = s.transfers[n-1].Hash
	}
	t := &transfer{ID: id, Seq: uint64(len(s.transfers) + 1), From: from, To: to, Amount: amount,
		Currency: s.currency, Kind: kind, Contest: contest, Memo: memo,
		At: s.clock.Format("2006-01-02T15:04:05Z07:00"), PrevHash: prev}
	sum := sha256.Sum256(fmt.Appendf(nil, "%s|%d|%s|%s|%d|%s|%s", t.ID, t.Seq, t.From, t.To, t.Amount, t.Kind, t.PrevHash))
	t.Hash = hex.EncodeToString(sum[:])
	s.balances[from] -= amount
	s.balances[to] += amount
	s.transfers = append(s.transfers, t)
	s.transferIDs[id] = t
	return t, nil
}

// Balance returns an owner's wallet balance in minor units.
func (s *Server) Balance(ownerID string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.balances[wallet(ownerID)]
}

// SetAuditProblems makes GET /v1/ledger/audit report a damaged ledger
// with these problems (none: a healthy one).
func (s *Server) SetAuditProblems(problems ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.auditProblems = problems
}

// ownerScope resolves {id} of a money route as the real server does: "me"
// needs an owner key; an id needs that owner's key or the operator token.
// The caller must hold s.mu.
func (s *Server) ownerScope(w http.ResponseWriter, r *http.Request) (string, bool) {
	p, ok := s.auth(w, r)
	if !ok {
		return "", false
	}
	id := r.PathValue("id")
	switch {
	case p.anonymous():
		writeError(w, http.StatusUnauthorized, "unauthorized", "this route needs an owner API key or the operator token")
	case id == "me" && p.ownerID == "":
		writeError(w, http.StatusForbidden, "forbidden", `"me" needs an owner API key`)
	case id == "me":
		return p.ownerID, true
	case !p.operator && p.ownerID != id:
		writeError(w, http.StatusForbidden, "forbidden", "you may only see your own money")
	case s.owners[id] == nil:
		writeError(w, http.StatusNotFound, "not_found", "owner "+id+" not found")
	default:
		return id, true
	}
	return "", false
}

func (s *Server) balance(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.ownerScope(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"owner_id": id, "account": wallet(id),
		"currency": s.currency, "balance": s.balances[wallet(id)]})
}

func (s *Server) listTransfers(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.ownerScope(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	var after uint64
	if v := q.Get("cursor"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			writeError(w, http.StatusBadRequest, "invalid", "cursor must be the next_cursor of a previous page")
			return
		}
		after = n
	}
	limit := 100
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxTransfers {
			writeError(w, http.StatusBadRequest, "invalid", fmt.Sprintf("limit must be an integer from 1 to %d", maxTransfers))
			return
		}
		limit = n
	}
	page := []*transfer{}
	more := false
	for _, t := range s.transfers {
		if t.Seq <= after || (t.From != wallet(id) && t.To != wallet(id)) {
			continue
		}
		if len(page) == limit {
			more = true
			break
		}
		page = append(page, t)
	}
	resp := map[string]any{"owner_id": id, "transfers": page}
	if more {
		resp["next_cursor"] = strconv.FormatUint(page[len(page)-1].Seq, 10)
	}
	writeJSON(w, http.StatusOK, resp)
}

// grant serves POST /v1/ledger/grants and /v1/ledger/adjustments.
func (s *Server) grant(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			ID      string `json:"id"`
			OwnerID string `json:"owner_id"`
			Amount  int64  `json:"amount"`
			Memo    string `json:"memo"`
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if !s.requireOperator(w, r) || !decode(w, r, &req) {
			return
		}
		switch {
		case kind == "grant" && req.Amount <= 0:
			writeError(w, http.StatusBadRequest, "invalid", "a grant must be positive")
			return
		case req.Amount == 0:
			writeError(w, http.StatusBadRequest, "invalid", "amount must not be zero")
			return
		case s.owners[req.OwnerID] == nil:
			writeError(w, http.StatusNotFound, "not_found", "owner "+req.OwnerID+" not found")
			return
		}
		if req.ID == "" {
			s.generated++
			req.ID = fmt.Sprintf("%s_%d", kind, s.generated)
		}
		from, to, amount := issuer, wallet(req.OwnerID), req.Amount
		if amount < 0 {
			from, to, amount = to, from, -amount
		}
		if old := s.transferIDs[req.ID]; old != nil {
			if old.From != from || old.To != to || old.Amount != amount || old.Kind != kind || old.Memo != req.Memo {
				writeError(w, http.StatusConflict, "conflict", "transfer "+req.ID+" exists with different content")
				return
			}
			writeJSON(w, http.StatusOK, map[string]any{"transfer": old})
			return
		}
		t, err := s.move(req.ID, from, to, amount, kind, "", req.Memo)
		if err != nil {
			writeError(w, http.StatusConflict, "insufficient_funds", err.Error())
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"transfer": t})
	}
}

func (s *Server) audit(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.requireOperator(w, r) {
		return
	}
	head := genesisHash
	if n := len(s.transfers); n > 0 {
		head = s.transfers[n-1].Hash
	}
	var sum int64
	for _, b := range s.balances {
		sum += b
	}
	problems := append([]string{}, s.auditProblems...)
	status := http.StatusOK
	if len(problems) > 0 {
		status = http.StatusConflict
	}
	writeJSON(w, status, map[string]any{"node_id": s.nodes[0].ID, "audit": map[string]any{
		"ok": len(problems) == 0, "transfers": len(s.transfers), "head": head, "sum": sum,
		"accounts": len(s.balances), "problems": problems,
	}})
}

func (s *Server) ledgerSettings(w http.ResponseWriter, r *http.Request) {
	var req struct {
		StartingGrant int64  `json:"starting_grant"`
		Currency      string `json:"currency"`
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.requireOperator(w, r) || !decode(w, r, &req) {
		return
	}
	if req.StartingGrant < 0 {
		writeError(w, http.StatusBadRequest, "invalid", "starting_grant must not be negative")
		return
	}
	if req.Currency == "" {
		req.Currency = "ARC"
	}
	s.startingGrant, s.currency = req.StartingGrant, req.Currency
	writeJSON(w, http.StatusOK, map[string]any{"settings": req})
}
