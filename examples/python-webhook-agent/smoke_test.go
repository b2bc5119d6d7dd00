// Package pythonagent_test starts the Python webhook agent and plays it
// turn frames built from the server's own structs, so the example keeps
// speaking the protocol the arena actually sends.
package pythonagent_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/agentarena/arena/agents/protocol"
	"github.com/agentarena/arena/games"
	"github.com/agentarena/arena/games/connect4"
	"github.com/agentarena/arena/games/prompt"
)

// startAgent runs agent.py on a free loopback port and returns its URL.
func startAgent(t *testing.T) string {
	t.Helper()
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, python, "agent.py", "--port", strconv.Itoa(port))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("agent.py stderr:\n%s", stderr.String())
		}
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for start := time.Now(); time.Since(start) < 10*time.Second; time.Sleep(50 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return "http://" + addr + "/turn"
		}
	}
	t.Fatalf("agent.py did not listen on %s within 10s; stderr:\n%s", addr, stderr.String())
	return ""
}

// post sends a turn frame the way the arena's runner does and returns
// the reply's move.
func post(t *testing.T, url string, st games.State, seat int, seq uint64) json.RawMessage {
	t.Helper()
	view, err := json.Marshal(st.View(seat))
	if err != nil {
		t.Fatal(err)
	}
	due := time.Now().Add(5 * time.Second).UTC()
	body, _ := json.Marshal(protocol.Turn{Type: protocol.TypeTurn, Contest: "c_smoke", Seq: seq, Seat: seat,
		Deadline: due, DeadlineMS: 5000, View: view})
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("agent answered %s", resp.Status)
	}
	var reply struct {
		Move json.RawMessage `json:"move"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&reply); err != nil || len(reply.Move) == 0 {
		t.Fatalf("reply is not {\"move\": ...}: %v", err)
	}
	return reply.Move
}

func connect4After(t *testing.T, cols ...int) games.State {
	t.Helper()
	st, err := connect4.New().Start(games.Setup{Seats: 2})
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cols {
		if err := st.Apply(i%2, json.RawMessage(strconv.Itoa(c))); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

func TestPythonAgent(t *testing.T) {
	url := startAgent(t)

	t.Run("connect4 moves are legal and win, block, or take the centre", func(t *testing.T) {
		for _, tc := range []struct {
			moves []int
			want  int
		}{
			{nil, 3},
			{[]int{3, 3, 4, 4, 5, 5}, 2},             // win
			{[]int{0, 6, 1, 6, 5, 6}, 6},             // block
			{[]int{1, 1, 2, 3, 2, 2, 3, 6, 3, 3}, 0}, // block a diagonal
			{[]int{3, 3, 3, 3, 3, 3}, 2},             // centre full
			{[]int{0, 6, 0, 6, 0, 6}, 0},             // win beats block
		} {
			st := connect4After(t, tc.moves...)
			seat := len(tc.moves) % 2
			move := post(t, url, st, seat, uint64(len(tc.moves)))
			if string(move) != strconv.Itoa(tc.want) {
				t.Errorf("after %v the agent played %s, want %d", tc.moves, move, tc.want)
			}
			if err := st.Apply(seat, move); err != nil {
				t.Errorf("after %v the agent's move %s is refused: %v", tc.moves, move, err)
			}
		}
	})

	t.Run("a whole connect4 game against itself has only legal moves", func(t *testing.T) {
		st := connect4After(t)
		for seq := uint64(0); !st.Done(); seq++ {
			seat := st.ToMove()[0]
			if err := st.Apply(seat, post(t, url, st, seat, seq)); err != nil {
				t.Fatalf("turn %d: %v", seq, err)
			}
		}
	})

	t.Run("prompt answers are one valid final move", func(t *testing.T) {
		g := prompt.New(prompt.DefaultSet())
		for seed := range uint64(5) {
			st, err := g.Start(games.Setup{Seats: 3, Seed: seed})
			if err != nil {
				t.Fatal(err)
			}
			move := post(t, url, st, 1, 0)
			if err := st.Apply(1, move); err != nil {
				t.Fatalf("seed %d: move %s is refused: %v", seed, move, err)
			}
			if !st.(*prompt.State).Finals()[1] {
				t.Errorf("seed %d: move %s did not close the answer", seed, move)
			}
		}
	})

	t.Run("a malformed body is a 400", func(t *testing.T) {
		resp, err := http.Post(url, "application/json", bytes.NewReader([]byte(`{"type":"turn"`)))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("status %s, want 400", resp.Status)
		}
	})
}
