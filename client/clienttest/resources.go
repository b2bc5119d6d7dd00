package clienttest

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

const (
	defaultPageSize = 50
	maxPageSize     = 100
)

type owner struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Email     string    `json:"email"`
	CreatedAt time.Time `json:"created_at"`
}

type agent struct {
	ID          string    `json:"id"`
	OwnerID     string    `json:"owner_id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Kind        string    `json:"kind"`
	WebhookURL  string    `json:"webhook_url"`
	Endpoint    *endpoint `json:"endpoint,omitempty"`
	Version     int       `json:"version"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	seq         int
	apiKey      string // write-only: never encoded
}

type endpoint struct {
	BaseURL     string   `json:"base_url"`
	Model       string   `json:"model"`
	Temperature *float64 `json:"temperature,omitempty"`
	TopP        *float64 `json:"top_p,omitempty"`
	MaxTokens   int      `json:"max_tokens,omitempty"`
	System      string   `json:"system,omitempty"`
}

// ModelAPIKey returns the model-endpoint API key stored for an agent, which
// no route returns.
func (s *Server) ModelAPIKey(agentID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.agents[agentID]; a != nil {
		return a.apiKey
	}
	return ""
}

// AddOwner creates an owner directly, for test setup, and returns its id
// and API key.
func (s *Server) AddOwner(name, email string) (id, apiKey string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, key := s.addOwner(name, email)
	return o.ID, key
}

func (s *Server) addOwner(name, email string) (*owner, string) {
	n, now := s.tick()
	o := &owner{ID: fmt.Sprintf("own_%d", n), Name: name, Email: email, CreatedAt: now}
	key := fmt.Sprintf("aro_key%d", n)
	s.owners[o.ID] = o
	s.ownerKeys[key] = o.ID
	if s.startingGrant > 0 {
		// The issuer may always pay, so this cannot fail.
		_, _ = s.move("grant/start/"+o.ID, issuer, wallet(o.ID), s.startingGrant, "grant", "", "starting grant")
	}
	return o, key
}

func (s *Server) createOwner(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name  string `json:"name"`
		Email string `json:"email"`
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.auth(w, r); !ok || !decode(w, r, &req) {
		return
	}
	req.Name = strings.TrimSpace(req.Name)
	switch {
	case req.Name == "" || len(req.Name) > 100:
		writeError(w, http.StatusBadRequest, "invalid", "name must be 1-100 characters")
		return
	case req.Email != "" && !strings.Contains(req.Email, "@"):
		writeError(w, http.StatusBadRequest, "invalid", "email is not a valid address")
		return
	}
	o, key := s.addOwner(req.Name, req.Email)
	writeJSON(w, http.StatusCreated, map[string]any{"owner": o, "api_key": key})
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.auth(w, r)
	if !ok {
		return
	}
	if p.ownerID == "" {
		writeError(w, http.StatusUnauthorized, "unauthorized", "an owner API key is required")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"owner": s.owners[p.ownerID]})
}

func (s *Server) getOwner(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.auth(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	switch {
	case p.anonymous():
		writeError(w, http.StatusUnauthorized, "unauthorized", "authentication required")
	case !p.operator && p.ownerID != id:
		writeError(w, http.StatusForbidden, "forbidden", "you may only read your own owner record")
	case s.owners[id] == nil:
		writeError(w, http.StatusNotFound, "not_found", "owner "+id+" not found")
	default:
		writeJSON(w, http.StatusOK, map[string]any{"owner": s.owners[id]})
	}
}

// requireOwner authenticates the request as an owner; the caller must
// hold s.mu.
func (s *Server) requireOwner(w http.ResponseWriter, r *http.Request) (string, bool) {
	p, ok := s.auth(w, r)
	if !ok {
		return "", false
	}
	if p.ownerID == "" {
		writeError(w, http.StatusUnauthorized, "unauthorized", "an owner API key is required")
		return "", false
	}
	return p.ownerID, true
}

func (s *Server) createAgent(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name        string    `json:"name"`
		Description string    `json:"description"`
		Kind        string    `json:"kind"`
		WebhookURL  string    `json:"webhook_url"`
		Endpoint    *endpoint `json:"endpoint"`
		APIKey      string    `json:"api_key"`
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ownerID, ok := s.requireOwner(w, r)
	if !ok || !decode(w, r, &req) {
		return
	}
	a := &agent{OwnerID: ownerID, Name: req.Name, Description: req.Description, Kind: req.Kind, WebhookURL: req.WebhookURL,
		Endpoint: req.Endpoint, apiKey: req.APIKey}
	if a.Kind == "" {
		a.Kind = "websocket"
	}
	if !s.validAgent(w, a) {
		return
	}
	n, now := s.tick()
	a.ID, a.seq, a.Version, a.CreatedAt, a.UpdatedAt = fmt.Sprintf("agt_%d", n), n, 1, now, now
	key := fmt.Sprintf("ara_key%d", n)
	s.agents[a.ID] = a
	s.agentKeys[key] = a.ID
	s.agentOrder = append(s.agentOrder, a.ID)
	writeJSON(w, http.StatusCreated, map[string]any{"agent": a, "agent_key": key})
}

// validAgent checks a would-be agent state and writes the error; the caller
// must hold s.mu.
func (s *Server) validAgent(w http.ResponseWriter, a *agent) bool {
	msg := ""
	switch {
	case strings.TrimSpace(a.Name) == "" || len(a.Name) > 64:
		msg = "name must be 1-64 characters"
	case a.Kind != "websocket" && a.Kind != "webhook" && a.Kind != "openai":
		msg = fmt.Sprintf("kind must be websocket, webhook or openai, not %q", a.Kind)
	case a.Kind == "webhook" && a.WebhookURL == "":
		msg = "webhook agents need a webhook_url"
	case a.Kind != "webhook" && a.WebhookURL != "":
		msg = a.Kind + " agents must not set webhook_url"
	case a.Kind == "openai" && (a.Endpoint == nil || a.Endpoint.BaseURL == "" || a.Endpoint.Model == ""):
		msg = `kind "openai" needs an endpoint {base_url, model}`
	case a.Kind != "openai" && a.Endpoint != nil:
		msg = `endpoint is only allowed for kind "openai"`
	case a.Kind != "openai" && a.apiKey != "":
		msg = `api_key is only allowed for kind "openai"`
	}
	if a.WebhookURL != "" && msg == "" {
		if u, err := url.Parse(a.WebhookURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			msg = "webhook_url must be an absolute http(s) URL"
		}
	}
	if msg != "" {
		writeError(w, http.StatusBadRequest, "invalid", msg)
		return false
	}
	for _, other := range s.agents {
		if other.OwnerID == a.OwnerID && other.Name == a.Name && other.ID != a.ID {
			writeError(w, http.StatusConflict, "conflict", "you already have an agent named "+strconv.Quote(a.Name))
			return false
		}
	}
	return true
}

func (s *Server) listAgents(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.auth(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	ownerID := q.Get("owner")
	if ownerID == "me" {
		if p.ownerID == "" {
			writeError(w, http.StatusUnauthorized, "unauthorized", `owner=me needs an owner API key`)
			return
		}
		ownerID = p.ownerID
	}
	limit := defaultPageSize
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPageSize {
			writeError(w, http.StatusBadRequest, "invalid", fmt.Sprintf("limit must be an integer from 1 to %d", maxPageSize))
			return
		}
		limit = n
	}
	after := 0
	if c := q.Get("cursor"); c != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(c, "cur_"))
		if err != nil || !strings.HasPrefix(c, "cur_") {
			writeError(w, http.StatusBadRequest, "invalid", "malformed cursor")
			return
		}
		after = n
	}
	page := []*agent{}
	more := false
	for _, id := range s.agentOrder {
		a := s.agents[id]
		if a == nil || a.seq <= after || (ownerID != "" && a.OwnerID != ownerID) {
			continue
		}
		if len(page) == limit {
			more = true
			break
		}
		page = append(page, a)
	}
	resp := map[string]any{"agents": page}
	if more {
		resp["next_cursor"] = fmt.Sprintf("cur_%d", page[len(page)-1].seq)
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) getAgent(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.auth(w, r); !ok {
		return
	}
	a := s.agents[r.PathValue("id")]
	if a == nil {
		writeError(w, http.StatusNotFound, "not_found", "agent "+r.PathValue("id")+" not found")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"agent": a})
}

// ownedAgent finds the agent named in the path and checks that the caller
// owns it; the caller must hold s.mu.
func (s *Server) ownedAgent(w http.ResponseWriter, r *http.Request) (*agent, bool) {
	ownerID, ok := s.requireOwner(w, r)
	if !ok {
		return nil, false
	}
	a := s.agents[r.PathValue("id")]
	switch {
	case a == nil:
		writeError(w, http.StatusNotFound, "not_found", "agent "+r.PathValue("id")+" not found")
		return nil, false
	case a.OwnerID != ownerID:
		writeError(w, http.StatusForbidden, "forbidden", "agent belongs to another owner")
		return nil, false
	}
	return a, true
}

func (s *Server) updateAgent(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name        *string   `json:"name"`
		Description *string   `json:"description"`
		Kind        *string   `json:"kind"`
		WebhookURL  *string   `json:"webhook_url"`
		Endpoint    *endpoint `json:"endpoint"`
		APIKey      *string   `json:"api_key"`
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.ownedAgent(w, r)
	if !ok || !decode(w, r, &req) {
		return
	}
	if req.Name == nil && req.Description == nil && req.Kind == nil && req.WebhookURL == nil && req.Endpoint == nil && req.APIKey == nil {
		writeError(w, http.StatusBadRequest, "invalid", "no fields to update")
		return
	}
	next := *a
	for dst, src := range map[*string]*string{&next.Name: req.Name, &next.Description: req.Description, &next.Kind: req.Kind, &next.WebhookURL: req.WebhookURL, &next.apiKey: req.APIKey} {
		if src != nil {
			*dst = *src
		}
	}
	if req.Kind != nil && *req.Kind != "openai" && req.Endpoint == nil {
		next.Endpoint = nil
	}
	if req.Endpoint != nil {
		e := *req.Endpoint
		next.Endpoint = &e
	}
	if !s.validAgent(w, &next) {
		return
	}
	_, now := s.tick()
	next.Version++
	next.UpdatedAt = now
	*a = next
	writeJSON(w, http.StatusOK, map[string]any{"agent": a})
}

func (s *Server) deleteAgent(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.ownedAgent(w, r)
	if !ok {
		return
	}
	delete(s.agents, a.ID)
	for k, id := range s.agentKeys {
		if id == a.ID {
			delete(s.agentKeys, k)
		}
	}
	w.WriteHeader(http.StatusNoContent)
}
