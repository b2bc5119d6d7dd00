package main

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// The tests build positions with a small copy of the connect4 rules, so
// the example's tests, like the example, need nothing from the arena's
// repository. (The repository also plays the built agent against a real
// node: examples/examples_test.go.)

const rows, cols = 6, 7

// board is a connect4 position as the turn view shows it: [row][col], row
// 0 the top row, -1 empty.
func emptyBoard() [][]int {
	b := make([][]int, rows)
	for r := range b {
		b[r] = []int{-1, -1, -1, -1, -1, -1, -1}
	}
	return b
}

// drop plays seat's disc in col and reports whether it won.
func drop(t *testing.T, b [][]int, col, seat int) bool {
	t.Helper()
	won := wins(b, col, seat)
	for r := rows - 1; r >= 0; r-- {
		if b[r][col] == -1 {
			b[r][col] = seat
			return won
		}
	}
	t.Fatalf("column %d is full", col)
	return false
}

func legal(b [][]int) []int {
	var out []int
	for c := range cols {
		if b[0][c] == -1 {
			out = append(out, c)
		}
	}
	return out
}

// position plays columns from the empty board and returns the view the
// seat to move gets.
func position(t *testing.T, moves ...int) c4View {
	t.Helper()
	b := emptyBoard()
	for i, c := range moves {
		if drop(t, b, c, i%2) {
			t.Fatalf("move %d (column %d) ended the game", i, c)
		}
	}
	return c4View{Board: b, You: len(moves) % 2, Legal: legal(b)}
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
			v := position(t, tt.moves...)
			if got := chooseColumn(v); got != tt.want {
				t.Errorf("chooseColumn = %d, want %d; board %v", got, tt.want, v.Board)
			}
		})
	}
}

func TestChooseColumnWithoutLegalMovesReturnsMinusOne(t *testing.T) {
	v := position(t, 0)
	v.Legal = nil // the view of a seat that is not to move
	if got := chooseColumn(v); got != -1 {
		t.Errorf("chooseColumn = %d, want -1", got)
	}
}

// TestChooseColumnBeatsARandomPlayer plays whole games against a random
// opponent; every move must be legal.
func TestChooseColumnBeatsARandomPlayer(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	wins := 0
	for game := range 200 {
		b := emptyBoard()
		me := game % 2
		for seat := 0; ; seat = 1 - seat {
			l := legal(b)
			if len(l) == 0 {
				break // a draw
			}
			col := l[rng.IntN(len(l))]
			if seat == me {
				col = chooseColumn(c4View{Board: b, You: me, Legal: l})
				if !slices.Contains(l, col) {
					t.Fatalf("game %d: played illegal column %d (legal %v)", game, col, l)
				}
			}
			if drop(t, b, col, seat) {
				if seat == me {
					wins++
				}
				break
			}
		}
	}
	if wins < 180 {
		t.Errorf("won %d of 200 games against a random player, want at least 180", wins)
	}
}

func TestAnswerUsesRequiredTermsAndNotForbiddenOnes(t *testing.T) {
	v := promptView{Prompt: "In 40 to 80 words, explain what a quorum is. Mention 'quorum' and 'majority'. " +
		"Do not use the word 'simply'.", MaxAnswerBytes: 4096}
	got := answer(v)
	for _, w := range []string{"quorum", "majority"} {
		if !strings.Contains(got, w) {
			t.Errorf("answer %q lacks the required %q", got, w)
		}
	}
	if strings.Contains(strings.ToLower(got), "simply") {
		t.Errorf("answer %q uses the forbidden word", got)
	}
}

func TestFramesAreTheProtocolsJSON(t *testing.T) {
	seq := uint64(4)
	for _, tt := range []struct {
		frame outbound
		want  string
	}{
		{outbound{Type: typeQueue, Arena: "connect4"}, `{"type":"queue","arena":"connect4"}`},
		{outbound{Type: typeMove, Contest: "c_1", Seq: &seq, Move: json.RawMessage("3")}, `{"type":"move","contest":"c_1","seq":4,"move":3}`},
		{outbound{Type: typeFinal, Contest: "c_1", Text: "hi"}, `{"type":"final","contest":"c_1","text":"hi"}`},
	} {
		got, err := json.Marshal(tt.frame)
		if err != nil || string(got) != tt.want {
			t.Errorf("%+v encodes as %s (%v), want %s", tt.frame, got, err, tt.want)
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
