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
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/agentarena/arena/agents/protocol"
	"github.com/agentarena/arena/agents/webhook"
	"github.com/agentarena/arena/games"
	"github.com/agentarena/arena/games/connect4"
	"github.com/agentarena/arena/games/prompt"
	"github.com/agentarena/arena/games/verifiable"
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
	cmd.Env = append(os.Environ(), "ARENA_WEBHOOK_SECRET="+secret)
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

// secret is the webhook secret the agent is started with.
const secret = "whsec_smoke0test0secret0smoke0test0secret0smoke0t"

// call POSTs body signed with key at time at, as the arena's webhook
// client does, and returns the response.
func call(t *testing.T, url, key string, at time.Time, event string, body []byte) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(webhook.EventHeader, event)
	if key != "" {
		req.Header.Set(webhook.SignatureHeader, webhook.Sign(key, at, body))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func turnBody(t *testing.T, st games.State, seat int, seq uint64) []byte {
	t.Helper()
	view, err := json.Marshal(st.View(seat))
	if err != nil {
		t.Fatal(err)
	}
	due := time.Now().Add(5 * time.Second).UTC()
	body, _ := json.Marshal(protocol.Turn{Type: protocol.TypeTurn, Contest: "c_smoke", Seq: seq, Seat: seat,
		Deadline: due, DeadlineMS: 5000, View: view})
	return body
}

// post sends a turn frame the way the arena's runner does (signed) and
// returns the reply's move.
func post(t *testing.T, url string, st games.State, seat int, seq uint64) json.RawMessage {
	t.Helper()
	resp := call(t, url, secret, time.Now(), protocol.TypeTurn, turnBody(t, st, seat, seq))
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

	t.Run("verifiable tasks of every family are solved in the ANSWER: format", func(t *testing.T) {
		g := verifiable.New()
		passed := map[string]int{}
		for _, family := range verifiable.Families() {
			for level := 1; level <= verifiable.MaxLevel; level++ {
				opts, _ := json.Marshal(verifiable.Options{Families: []string{family}, Levels: []int{level}})
				for seed := range uint64(4) {
					st, err := g.Start(games.Setup{Seats: 2, Seed: seed*7919 + uint64(level), Options: opts})
					if err != nil {
						t.Fatal(err)
					}
					move := post(t, url, st, 0, 0)
					if err := st.Apply(0, move); err != nil {
						t.Fatalf("%s level %d seed %d: move %s refused: %v", family, level, seed, move, err)
					}
					r := st.(*verifiable.State).Results()[0]
					if !r.Passed {
						t.Errorf("%s level %d seed %d: %s failed the checks: %+v", family, level, seed, move, r)
						continue
					}
					passed[family]++
				}
			}
		}
		for _, family := range verifiable.Families() {
			if passed[family] != 4*verifiable.MaxLevel {
				t.Errorf("%s: %d of %d tasks passed", family, passed[family], 4*verifiable.MaxLevel)
			}
		}
	})

	t.Run("calls that are not the arena's are refused with 401", func(t *testing.T) {
		body := turnBody(t, connect4After(t), 0, 0)
		for _, tc := range []struct {
			name string
			key  string
			at   time.Time
		}{
			{"unsigned", "", time.Now()},
			{"signed with another secret", "whsec_not0the0agents0secret0not0the0agents0secr", time.Now()},
			{"a replay from ten minutes ago", secret, time.Now().Add(-10 * time.Minute)},
			{"a timestamp ten minutes ahead", secret, time.Now().Add(10 * time.Minute)},
		} {
			resp := call(t, url, tc.key, tc.at, protocol.TypeTurn, body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("%s: status %s, want 401", tc.name, resp.Status)
			}
		}
		// A body changed after signing: sign one body, send another.
		req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(append(body[:len(body):len(body)], ' ')))
		req.Header.Set(webhook.SignatureHeader, webhook.Sign(secret, time.Now(), body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("a changed body: status %s, want 401", resp.Status)
		}
	})

	t.Run("contest_end is acknowledged", func(t *testing.T) {
		body, _ := json.Marshal(protocol.ContestEnd{Type: protocol.TypeContestEnd, Contest: "c_smoke", Status: "settled",
			Ranks: []int{0, 1}, Rank: 0, RatingDelta: 16, Payout: 200})
		resp := call(t, url, secret, time.Now(), protocol.TypeContestEnd, body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			t.Errorf("status %s, want 204", resp.Status)
		}
	})

	t.Run("a malformed body is a 400", func(t *testing.T) {
		resp := call(t, url, secret, time.Now(), protocol.TypeTurn, []byte(`{"type":"turn"`))
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("status %s, want 400", resp.Status)
		}
	})
}
