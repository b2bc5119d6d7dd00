package main

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/agentarena/arena/agents/protocol"
	"github.com/agentarena/arena/games"
	"github.com/agentarena/arena/games/connect4"
	"github.com/agentarena/arena/games/prompt"
)

// position plays columns from the empty board with the real rules and
// returns the state and the view the seat to move would get in its turn.
func position(t *testing.T, cols ...int) (games.State, c4View) {
	t.Helper()
	st, err := connect4.New().Start(games.Setup{Seats: 2})
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cols {
		if err := st.Apply(i%2, json.RawMessage(strconv.Itoa(c))); err != nil {
			t.Fatalf("move %d (column %d): %v", i, c, err)
		}
	}
	return st, decodeView(t, st, len(cols)%2)
}

func decodeView(t *testing.T, st games.State, seat int) c4View {
	t.Helper()
	raw, err := json.Marshal(st.View(seat))
	if err != nil {
		t.Fatal(err)
	}
	var v c4View
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestChooseColumn(t *testing.T) {
	tests := []struct {
		name  string
		moves []int
		want  int
	}{
		{"an empty board takes the centre", nil, 3},
		{"a horizontal four is completed", []int{3, 3, 4, 4, 5, 5}, 2},
		{"a vertical four is completed before blocking", []int{6, 0, 6, 1, 6, 2}, 6},
		{"an opponent's vertical three is blocked", []int{0, 6, 1, 6, 5, 6}, 6},
		{"an opponent's diagonal is blocked", []int{1, 1, 2, 3, 2, 2, 3, 6, 3, 3}, 0},
		{"winning beats blocking", []int{0, 6, 0, 6, 0, 6}, 0},
		{"a full centre column falls back to its nearest neighbour", []int{3, 3, 3, 3, 3, 3}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, v := position(t, tt.moves...)
			if got := chooseColumn(v); got != tt.want {
				t.Errorf("chooseColumn = %d, want %d; board %v", got, tt.want, v.Board)
			}
		})
	}
}

func TestChooseColumnWithoutLegalMovesReturnsMinusOne(t *testing.T) {
	st, _ := position(t, 0)
	v := decodeView(t, st, 0) // seat 0 is not to move: legal is []
	if got := chooseColumn(v); got != -1 {
		t.Errorf("chooseColumn = %d, want -1", got)
	}
}

// TestChooseColumnOnlyPlaysLegalMovesAgainstRandom plays whole games
// against a random opponent under the real referee.
func TestChooseColumnOnlyPlaysLegalMovesAgainstRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	wins := 0
	for game := range 200 {
		st, _ := connect4.New().Start(games.Setup{Seats: 2})
		me := game % 2
		for !st.Done() {
			seat := st.ToMove()[0]
			v := decodeView(t, st, seat)
			col := v.Legal[rng.IntN(len(v.Legal))]
			if seat == me {
				col = chooseColumn(v)
			}
			if err := st.Apply(seat, json.RawMessage(strconv.Itoa(col))); err != nil {
				t.Fatalf("game %d: seat %d played %d: %v", game, seat, col, err)
			}
		}
		if st.Outcome().Ranks[me] == 0 {
			wins++
		}
	}
	if wins < 180 {
		t.Errorf("won %d of 200 games against a random player, want at least 180", wins)
	}
}

// TestAnswerIsAValidFinalMoveForEveryPrompt checks the answer against the
// real prompt rules for every built-in prompt.
func TestAnswerIsAValidFinalMoveForEveryPrompt(t *testing.T) {
	set := prompt.DefaultSet()
	g := prompt.New(set)
	for i, p := range set {
		st, err := g.Start(games.Setup{Seats: 2, Seed: uint64(i)})
		if err != nil {
			t.Fatal(err)
		}
		var v promptView
		raw, _ := json.Marshal(st.View(0))
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatal(err)
		}
		text := answer(v)
		if err := st.Apply(0, protocol.TextMove(text, true)); err != nil {
			t.Fatalf("prompt %s: %v", p.ID, err)
		}
		if slices.Contains(st.ToMove(), 0) {
			t.Errorf("prompt %s: the answer did not close the seat", p.ID)
		}
		for _, word := range p.Criteria.Forbidden {
			if strings.Contains(strings.ToLower(text), strings.ToLower(word)) {
				t.Errorf("prompt %s: the answer uses the forbidden %q", p.ID, word)
			}
		}
	}
}

func TestAnswerFitsWhatIsLeftOfTheLimit(t *testing.T) {
	v := promptView{Prompt: "Mention 'quorum'.", MaxAnswerBytes: 50, Answer: strings.Repeat("x", 40)}
	if got := answer(v); len(got) > 10 {
		t.Errorf("answer is %d bytes, only 10 are left", len(got))
	}
}

func TestConnectURL(t *testing.T) {
	for in, want := range map[string]string{
		"http://localhost:8080":     "ws://localhost:8080/v1/agents/connect",
		"http://10.0.0.1:8080/":     "ws://10.0.0.1:8080/v1/agents/connect",
		"https://arena.example.com": "wss://arena.example.com/v1/agents/connect",
	} {
		if got, err := connectURL(in); err != nil || got != want {
			t.Errorf("connectURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := connectURL("localhost:8080"); err == nil {
		t.Error("connectURL accepted a URL without a scheme")
	}
}
