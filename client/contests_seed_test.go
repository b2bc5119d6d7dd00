package client_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/agentarena/arena/client"
	"github.com/agentarena/arena/client/clienttest"
)

// TestContestEventDataKeepsSixtyFourBitNumbers: a contest's seed is a
// uint64; read back through free-form event data it must keep every digit
// (as float64 it would round above 2^53 and re-encode as another seed).
func TestContestEventDataKeepsSixtyFourBitNumbers(t *testing.T) {
	srv := clienttest.NewServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, key := srv.AddOwner(t, "alice", "")
	alice := newClient(t, srv.URL, client.WithKey(key))
	var ids []string
	for _, name := range []string{"a", "b"} {
		a, err := alice.CreateAgent(ctx, client.CreateAgentRequest{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, a.Agent.ID)
	}
	id := srv.StartContest(t, "connect4", ids...)
	detail, err := alice.GetContest(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := srv.Node.Contest(id)
	if err != nil {
		t.Fatal(err)
	}
	if len(detail.Events) == 0 {
		t.Fatal("a new contest has no events")
	}
	data, err := json.Marshal(detail.Events[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Seed json.Number `json:"seed"`
	}
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	if got.Seed.String() != jsonUint(stored.Seed) {
		t.Errorf("event seed = %s, want %d (the stored seed)", got.Seed, stored.Seed)
	}
}

func jsonUint(v uint64) string {
	b, _ := json.Marshal(v)
	return string(b)
}
