package api_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/agentarena/arena/api"
)

// The node stores these bytes in its state machine and serves them; a
// changed tag changes both (the golden command log in package arena pins
// the stored form of every command's result).
func TestContestWireForm(t *testing.T) {
	c := api.Contest{ID: "c_1", Arena: "connect4", Game: "connect4", Status: api.StatusRunning,
		Seats: []api.Seat{{AgentID: "ag_1", OwnerID: "ow_1", Name: "a", Version: 2}}, Seed: 7,
		Deadlines: []int64{5}, Strikes: []int{0}, CreatedAt: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"c_1","arena":"connect4","game":"connect4","status":"running",` +
		`"seats":[{"agent_id":"ag_1","owner_id":"ow_1","name":"a","version":2}],"seed":7,"state":null,` +
		`"seq":0,"turn":0,"deadlines":[5],"strikes":[0],"created_at":"2025-01-02T03:04:05Z"}`
	if string(b) != want {
		t.Errorf("contest JSON:\n%s\nwant\n%s", b, want)
	}
}

func TestSeatOfAndActive(t *testing.T) {
	c := &api.Contest{Status: api.StatusJudging, Seats: []api.Seat{{AgentID: "a"}, {AgentID: "b"}}}
	if c.SeatOf("b") != 1 || c.SeatOf("z") != -1 {
		t.Errorf("SeatOf: b=%d z=%d", c.SeatOf("b"), c.SeatOf("z"))
	}
	for status, active := range map[string]bool{api.StatusRunning: true, api.StatusJudging: true, api.StatusSettled: false, api.StatusAborted: false} {
		c.Status = status
		if c.Active() != active {
			t.Errorf("%s: Active() = %v", status, c.Active())
		}
	}
}
