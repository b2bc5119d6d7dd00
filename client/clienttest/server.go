// Package clienttest provides an in-memory fake of the Agent Arena HTTP API
// for testing code that talks to it, such as package client and arenactl.
//
// The fake implements the wire contract (routes, JSON shapes, status codes
// and error bodies) independently of package client, so a field-name or
// status mismatch in the client shows up as a failing test rather than
// being mirrored. It rejects unknown request fields to catch such slips. It
// has no Raft: it always answers as the leader of a fixed three-node
// cluster, and can be told to answer 421 not_leader to exercise retries.
// Tests that need the real server and real Raft use arena/arenatest.
package clienttest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Epoch is the fake's clock at start; each created object advances it by
// one second, so output that includes times is deterministic.
var Epoch = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// OperatorToken is the bearer token the fake accepts as the operator.
const OperatorToken = "op-secret"

// maxBody mirrors the server's request size limit.
const maxBody = 1 << 20

// Request is a request as the fake received it.
type Request struct {
	Method        string
	Path          string
	RawQuery      string
	Authorization string
	ContentType   string
	UserAgent     string
	Body          string
}

// Server is a running fake. Its methods are safe for concurrent use.
type Server struct {
	*httptest.Server

	mu         sync.Mutex
	clock      time.Time
	seq        int
	owners     map[string]*owner // by id
	ownerKeys  map[string]string // api key -> owner id
	agentKeys  map[string]string // agent key -> agent id
	agents     map[string]*agent // by id
	agentOrder []string          // creation order, for stable pagination
	nodes      []node
	notLeader  int
	ready      bool
	readyWhy   string
	requests   []Request

	// ledger
	balances      map[string]int64 // by account id
	transfers     []*transfer
	transferIDs   map[string]*transfer
	startingGrant int64
	currency      string
	generated     int
	auditProblems []string

	// arenas and contests
	arenas       map[string]*arena
	boards       map[string][]LeaderboardEntry
	queue        map[string]*ticket // by arena + "/" + agent id
	contests     map[string]*contest
	contestOrder []string
}

type node struct {
	ID       string `json:"id"`
	RaftAddr string `json:"raft_addr"`
	HTTPAddr string `json:"http_addr"`
	Suffrage string `json:"suffrage"`
	Leader   bool   `json:"leader"`
}

// NewServer starts a fake that is closed when the test ends.
func NewServer(t testing.TB) *Server {
	s := &Server{
		clock:     Epoch,
		owners:    map[string]*owner{},
		ownerKeys: map[string]string{},
		agentKeys: map[string]string{},
		agents:    map[string]*agent{},
		ready:     true,

		balances:      map[string]int64{},
		transferIDs:   map[string]*transfer{},
		startingGrant: StartingGrant,
		currency:      "ARC",
		arenas:        defaultArenas(),
		boards:        map[string][]LeaderboardEntry{},
		queue:         map[string]*ticket{},
		contests:      map[string]*contest{},
		nodes: []node{
			{ID: "n1", RaftAddr: "10.0.0.1:7000", HTTPAddr: "10.0.0.1:8080", Suffrage: "Voter", Leader: true},
			{ID: "n2", RaftAddr: "10.0.0.2:7000", HTTPAddr: "10.0.0.2:8080", Suffrage: "Voter"},
			{ID: "n3", RaftAddr: "10.0.0.3:7000", HTTPAddr: "10.0.0.3:8080", Suffrage: "Voter"},
		},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/owners", s.createOwner)
	mux.HandleFunc("GET /v1/owners/me", s.me)
	mux.HandleFunc("GET /v1/owners/{id}", s.getOwner)
	mux.HandleFunc("POST /v1/agents", s.createAgent)
	mux.HandleFunc("GET /v1/agents", s.listAgents)
	mux.HandleFunc("GET /v1/agents/{id}", s.getAgent)
	mux.HandleFunc("PATCH /v1/agents/{id}", s.updateAgent)
	mux.HandleFunc("DELETE /v1/agents/{id}", s.deleteAgent)
	mux.HandleFunc("POST /v1/agents/{id}/queue", s.queueAgent)
	mux.HandleFunc("DELETE /v1/agents/{id}/queue/{arena}", s.unqueueAgent)
	mux.HandleFunc("GET /v1/owners/{id}/balance", s.balance)
	mux.HandleFunc("GET /v1/owners/{id}/transfers", s.listTransfers)
	mux.HandleFunc("POST /v1/ledger/grants", s.grant("grant"))
	mux.HandleFunc("POST /v1/ledger/adjustments", s.grant("adjust"))
	mux.HandleFunc("GET /v1/ledger/audit", s.audit)
	mux.HandleFunc("PUT /v1/ledger/settings", s.ledgerSettings)
	mux.HandleFunc("GET /v1/arenas", s.listArenas)
	mux.HandleFunc("GET /v1/arenas/{name}", s.getArena)
	mux.HandleFunc("PUT /v1/arenas/{name}", s.putArena)
	mux.HandleFunc("GET /v1/arenas/{name}/leaderboard", s.leaderboard)
	mux.HandleFunc("GET /v1/contests", s.listContests)
	mux.HandleFunc("GET /v1/contests/{id}", s.getContest)
	mux.HandleFunc("GET /v1/contests/{id}/payouts", s.contestPayouts)
	mux.HandleFunc("POST /v1/contests/{id}/abort", s.abortContest)
	mux.HandleFunc("GET /v1/cluster", s.cluster)
	mux.HandleFunc("POST /v1/cluster/join", s.join)
	mux.HandleFunc("DELETE /v1/cluster/nodes/{id}", s.removeNode)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "no such route")
	})
	s.Server = httptest.NewServer(s.record(mux))
	t.Cleanup(s.Close)
	return s
}

// FailNextWithNotLeader makes the next n requests answer 421 not_leader, as
// a node does while an election is in progress.
func (s *Server) FailNextWithNotLeader(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.notLeader = n
}

// SetReady sets what GET /readyz reports.
func (s *Server) SetReady(ready bool, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ready, s.readyWhy = ready, reason
}

// Requests returns every request received so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// LastRequest returns the most recent request; it is the zero Request when
// none arrived.
func (s *Server) LastRequest() Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.requests) == 0 {
		return Request{}
	}
	return s.requests[len(s.requests)-1]
}

func (s *Server) record(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			writeError(w, http.StatusRequestEntityTooLarge, "too_large", "request body too large")
			return
		}
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		s.mu.Lock()
		s.requests = append(s.requests, Request{
			Method:        r.Method,
			Path:          r.URL.Path,
			RawQuery:      r.URL.RawQuery,
			Authorization: r.Header.Get("Authorization"),
			ContentType:   r.Header.Get("Content-Type"),
			UserAgent:     r.Header.Get("User-Agent"),
			Body:          string(body),
		})
		refuse := s.notLeader > 0
		if refuse {
			s.notLeader--
		}
		s.mu.Unlock()
		if refuse {
			writeError(w, http.StatusMisdirectedRequest, "not_leader", "no leader elected yet")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// principal is who a request authenticates as.
type principal struct {
	ownerID  string
	agentID  string
	operator bool
}

func (p principal) anonymous() bool { return p.ownerID == "" && p.agentID == "" && !p.operator }

// auth resolves the bearer key. A key that is present but unknown is
// rejected even on routes that allow anonymous access: the stricter
// reading of the contract, so clients that pass against the fake do not
// depend on leniency. The caller must hold s.mu.
func (s *Server) auth(w http.ResponseWriter, r *http.Request) (principal, bool) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return principal{}, true
	}
	key, ok := strings.CutPrefix(h, "Bearer ")
	switch {
	case !ok || key == "":
		writeError(w, http.StatusUnauthorized, "unauthorized", "malformed Authorization header")
		return principal{}, false
	case key == OperatorToken:
		return principal{operator: true}, true
	case s.ownerKeys[key] != "":
		return principal{ownerID: s.ownerKeys[key]}, true
	case s.agentKeys[key] != "":
		return principal{agentID: s.agentKeys[key]}, true
	}
	writeError(w, http.StatusUnauthorized, "unauthorized", "unknown API key")
	return principal{}, false
}

func (s *Server) cluster(w http.ResponseWriter, r *http.Request) {
	switch c := r.URL.Query().Get("consistency"); c {
	case "", "linearizable":
	default:
		writeError(w, http.StatusBadRequest, "invalid", fmt.Sprintf("unknown consistency %q", c))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	leader := s.nodes[0]
	writeJSON(w, http.StatusOK, map[string]any{
		"node_id":        leader.ID,
		"state":          "Leader",
		"term":           uint64(3),
		"commit_index":   uint64(42 + s.seq),
		"applied_index":  uint64(42 + s.seq),
		"last_log_index": uint64(42 + s.seq),
		"state_hash":     "9f86d081884c7d65", "state_hash_index": uint64(42 + s.seq),
		"leader": map[string]string{"id": leader.ID, "raft_addr": leader.RaftAddr, "http_addr": leader.HTTPAddr},
		"nodes":  s.nodes,
	})
}

func (s *Server) join(w http.ResponseWriter, r *http.Request) {
	var req struct {
		NodeID   string `json:"node_id"`
		RaftAddr string `json:"raft_addr"`
		HTTPAddr string `json:"http_addr"`
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.requireOperator(w, r) || !decode(w, r, &req) {
		return
	}
	if req.NodeID == "" || req.RaftAddr == "" || req.HTTPAddr == "" {
		writeError(w, http.StatusBadRequest, "invalid", "node_id, raft_addr and http_addr are required")
		return
	}
	for _, n := range s.nodes {
		if n.ID == req.NodeID {
			writeError(w, http.StatusConflict, "conflict", "node "+req.NodeID+" is already a member")
			return
		}
	}
	s.nodes = append(s.nodes, node{ID: req.NodeID, RaftAddr: req.RaftAddr, HTTPAddr: req.HTTPAddr, Suffrage: "Voter"})
	writeJSON(w, http.StatusOK, map[string]any{"nodes": s.nodes})
}

func (s *Server) removeNode(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.requireOperator(w, r) {
		return
	}
	id := r.PathValue("id")
	for i, n := range s.nodes {
		if n.ID != id {
			continue
		}
		if n.Leader {
			writeError(w, http.StatusConflict, "conflict", "cannot remove the leader; transfer leadership first")
			return
		}
		s.nodes = append(s.nodes[:i], s.nodes[i+1:]...)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeError(w, http.StatusNotFound, "not_found", "node "+id+" not found")
}

func (s *Server) requireOperator(w http.ResponseWriter, r *http.Request) bool {
	p, ok := s.auth(w, r)
	switch {
	case !ok:
		return false
	case p.anonymous():
		writeError(w, http.StatusUnauthorized, "unauthorized", "operator token required")
		return false
	case !p.operator:
		writeError(w, http.StatusForbidden, "forbidden", "operator token required")
		return false
	}
	return true
}

func (s *Server) readyz(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ready {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
		return
	}
	writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "not_ready", "reason": s.readyWhy})
}

// decode reads a JSON body strictly: unknown fields and trailing data are
// errors, so a client that misspells a field fails loudly.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("trailing data after JSON object")
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid", "malformed JSON body: "+err.Error())
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

// tick advances the fake clock; the caller must hold s.mu.
func (s *Server) tick() (int, time.Time) {
	s.seq++
	s.clock = s.clock.Add(time.Second)
	return s.seq, s.clock
}
