package main

import (
	"fmt"
	"regexp"
	"strings"
)

// c4View is the part of the connect4 turn view the strategy reads. Board
// is [row][col], row 0 the top row; a cell is -1 (empty) or a seat number.
type c4View struct {
	Board [][]int `json:"board"`
	You   int     `json:"you"`
	Legal []int   `json:"legal"`
}

// promptView is the part of the prompt turn view the answer reads.
type promptView struct {
	Prompt         string `json:"prompt"`
	MaxAnswerBytes int    `json:"max_answer_bytes"`
	Answer         string `json:"answer"`
}

// chooseColumn picks a connect4 move: win now if possible, else block the
// opponent's immediate win, else the legal column nearest the centre. It
// only ever returns a column from v.Legal (or -1 when there is none).
func chooseColumn(v c4View) int {
	if len(v.Legal) == 0 {
		return -1
	}
	for _, seat := range []int{v.You, 1 - v.You} { // first win, then block
		for _, col := range v.Legal {
			if wins(v.Board, col, seat) {
				return col
			}
		}
	}
	best := v.Legal[0]
	for _, col := range v.Legal {
		if dist(col, len(v.Board[0])) < dist(best, len(v.Board[0])) {
			best = col
		}
	}
	return best
}

func dist(col, cols int) int {
	d := 2*col - (cols - 1)
	if d < 0 {
		return -d
	}
	return d
}

// wins reports whether dropping seat's disc in col makes four in a row.
func wins(board [][]int, col, seat int) bool {
	row := -1
	for r := len(board) - 1; r >= 0; r-- {
		if board[r][col] == -1 {
			row = r
			break
		}
	}
	if row < 0 {
		return false
	}
	at := func(r, c int) bool {
		return r == row && c == col || r >= 0 && r < len(board) && c >= 0 && c < len(board[r]) && board[r][c] == seat
	}
	for _, d := range [][2]int{{0, 1}, {1, 0}, {1, 1}, {1, -1}} {
		n := 1
		for _, sign := range []int{1, -1} {
			for k := 1; k < 4 && at(row+sign*k*d[0], col+sign*k*d[1]); k++ {
				n++
			}
		}
		if n >= 4 {
			return true
		}
	}
	return false
}

var quoted = regexp.MustCompile(`'([^']{1,40})'`)

// answer writes a short answer that mentions the terms the prompt asks
// for: prompts quote required words ("Mention 'quorum'") and forbidden ones
// ("Do not use the word 'simply'"), so quoted terms are taken from every
// sentence without a "not". A real agent would call a language model here.
func answer(v promptView) string {
	var terms []string
	for _, sentence := range strings.Split(v.Prompt, ". ") {
		if strings.Contains(strings.ToLower(sentence), "not ") {
			continue
		}
		for _, m := range quoted.FindAllStringSubmatch(sentence, -1) {
			terms = append(terms, m[1])
		}
	}
	text := "Here is a short answer in plain prose. The idea is easiest to see through one small example, " +
		"and then the general rule follows from it. Each step builds on the one before it, and the result " +
		"holds because every part agrees on the same facts."
	if len(terms) > 0 {
		text += fmt.Sprintf(" The key terms are %s.", strings.Join(terms, " and "))
	}
	// The whole answer, including anything sent before a reconnect, must
	// fit max_answer_bytes; a chunk that would overflow is refused whole.
	if room := v.MaxAnswerBytes - len(v.Answer); v.MaxAnswerBytes > 0 && len(text) > room {
		text = strings.ToValidUTF8(text[:max(room, 0)], "")
	}
	return text
}
