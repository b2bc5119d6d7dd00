package clienttest

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/agentarena/arena/agents"
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

// JudgedPrompts settles a judged prompt contest for each id, between two
// websocket agents (TAG1 and TAG2, ids ag_TAG1 and ag_TAG2) of a new owner
// ow_TAG: seat 0 answers "ID answer A" and is ranked first, seat 1 "ID
// answer B". Each contest leaves one preference pair, in the order given.
// Called again with the same tag, it plays more contests between the same
// agents.
func (s *Server) JudgedPrompts(t testing.TB, tag string, contestIDs ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n := s.Node
	seats := []string{"ag_" + tag + "1", "ag_" + tag + "2"}
	// A second call with the same tag plays more contests between the
	// same agents.
	if _, err := n.GetOwner("ow_" + tag); err != nil {
		if _, err := n.CreateOwner(ctx, agents.Owner{ID: "ow_" + tag, Name: tag}, agents.HashKey("k"+tag)); err != nil {
			t.Fatalf("clienttest: owner %s: %v", tag, err)
		}
	}
	for _, id := range seats {
		if _, err := n.GetAgent(id); err == nil {
			continue
		}
		if _, err := n.CreateAgent(ctx, agents.Agent{ID: id, OwnerID: "ow_" + tag, Name: id, Kind: agents.KindWebsocket}, agents.HashKey(id)); err != nil {
			t.Fatalf("clienttest: agent %s: %v", id, err)
		}
	}
	for i, id := range contestIDs {
		if _, err := n.CreateContest(ctx, id, "prompt", seats, uint64(i)); err != nil {
			t.Fatalf("clienttest: contest %s: %v", id, err)
		}
		for j, a := range seats {
			answer, _ := json.Marshal(map[string]any{"text": id + " answer " + string(rune('A'+j)), "final": true})
			if err := n.Move(ctx, id, a, nil, answer); err != nil {
				t.Fatalf("clienttest: %s answers %s: %v", a, id, err)
			}
		}
		if err := n.Judged(ctx, id, []int{0, 1}, json.RawMessage(`{"judge":"test","scores":[0.9,0.2]}`), nil); err != nil {
			t.Fatalf("clienttest: judge %s: %v", id, err)
		}
	}
}

// AddTrainer creates a trainer whose key is key, for preference exports.
func (s *Server) AddTrainer(t testing.TB, id, key string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := s.Node.CreateTrainer(ctx, agents.Trainer{ID: id, Name: id}, agents.HashKey(key)); err != nil {
		t.Fatalf("clienttest: trainer %s: %v", id, err)
	}
}
