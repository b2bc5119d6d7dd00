package clienttest

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"github.com/agentarena/arena/client"
)

// Client returns an API client of the server that authenticates with key
// ("" for none).
func (s *Server) Client(t testing.TB, key string) *client.Client {
	t.Helper()
	c, err := client.New(s.URL, client.WithKey(key))
	if err != nil {
		t.Fatalf("clienttest: client: %v", err)
	}
	return c
}

// AddOwner signs an owner up through the API and returns its id and API
// key.
func (s *Server) AddOwner(t testing.TB, name, email string) (id, apiKey string) {
	t.Helper()
	res, err := s.Client(t, "").CreateOwner(context.Background(), client.CreateOwnerRequest{Name: name, Email: email})
	if err != nil {
		t.Fatalf("clienttest: sign up %s: %v", name, err)
	}
	return res.Owner.ID, res.APIKey
}

// PutArena creates or replaces an arena through the API, as the operator.
func (s *Server) PutArena(t testing.TB, name string, req client.PutArenaRequest) *client.Arena {
	t.Helper()
	a, err := s.Client(t, OperatorToken).PutArena(context.Background(), name, req)
	if err != nil {
		t.Fatalf("clienttest: put arena %s: %v", name, err)
	}
	return a
}

// StartContest starts a contest of the given agents in an arena, one seat
// each in order, the way the matchmaker does: the stakes move and the
// contest runs until a seat resigns (Resign) or the operator aborts it. It
// returns the contest's id.
func (s *Server) StartContest(t testing.TB, arena string, agentIDs ...string) string {
	t.Helper()
	id, seed := newContestID()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := s.Node.CreateContest(ctx, id, arena, agentIDs, seed); err != nil {
		t.Fatalf("clienttest: start a contest of %v in %s: %v", agentIDs, arena, err)
	}
	return id
}

// Resign forfeits a seat of a running contest, as an agent does with a
// resign frame; in a two-seat contest the other seat wins and the contest
// settles.
func (s *Server) Resign(t testing.TB, contestID, agentID string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Node.Resign(ctx, contestID, agentID, "resigned"); err != nil {
		t.Fatalf("clienttest: %s resigns %s: %v", agentID, contestID, err)
	}
}

// newContestID makes an id of the runner's shape ("c_" + creation time in
// hex + random), so that listing contests newest first orders them by
// start, and a random seed.
func newContestID() (string, uint64) {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return fmt.Sprintf("c_%016x%x", time.Now().UnixNano(), b[:4]), binary.BigEndian.Uint64(b[4:])
}
