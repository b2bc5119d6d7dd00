package bots

import (
	"context"
	"encoding/json"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/agentarena/arena/internal/fuzzseed"
)

// FuzzTextBots feeds arbitrary prompts to every text bot: none may panic,
// exceed the byte limit, emit invalid UTF-8 from valid input, or take long.
func FuzzTextBots(f *testing.F) {
	fuzzseed.Add(f, samplePrompt, 4096)
	fuzzseed.Add(f, `List 100000 tips as a numbered list in at least 99999 words. End with "x".`, 300)
	fuzzseed.Add(f, `Return JSON with keys "a", "b". Don't use 'a'. Mention 'b'.`, 50)
	fuzzseed.Add(f, `'''"""“”‘’`+"``", 10)
	f.Fuzz(func(t *testing.T, prompt string, limit int) {
		limit = 1 + abs(limit)%8192
		view, _ := json.Marshal(map[string]any{"game": "prompt", "prompt": prompt, "max_answer_bytes": limit})
		for _, b := range textBots() {
			start := time.Now()
			raw, err := b.Move(context.Background(), view)
			if err != nil {
				t.Fatalf("%s: %v", b.Name(), err)
			}
			var m textMove
			if err := json.Unmarshal(raw, &m); err != nil || !m.Final {
				t.Fatalf("%s: bad move %s: %v", b.Name(), raw, err)
			}
			if len(m.Text) > limit {
				t.Fatalf("%s: %d bytes over a limit of %d", b.Name(), len(m.Text), limit)
			}
			if utf8.ValidString(prompt) && !utf8.ValidString(m.Text) {
				t.Fatalf("%s: invalid UTF-8 answer %q", b.Name(), m.Text)
			}
			if d := time.Since(start); d > time.Second {
				t.Fatalf("%s: took %v", b.Name(), d)
			}
		}
	})
}

// FuzzConnect4View feeds arbitrary views to the connect4 bots: they must
// answer a legal offered column or an error, never panic.
func FuzzConnect4View(f *testing.F) {
	fuzzseed.Add(f, []byte(newRefBoard().view(0)))
	fuzzseed.Add(f, []byte(`{"game":"connect4","board":[[0,0,0,0,0,0,0],[1,1,1,1,1,1,1],[0,0,0,0,0,0,0],[1,1,1,1,1,1,1],[0,0,0,0,0,0,0],[1,1,1,1,1,1,1]],"you":0,"legal":[0,1,2,3,4,5,6]}`))
	fuzzseed.Add(f, []byte(`{"game":"connect4","board":[[9,-5,0,0,0,0,0],[1,1,1,1,1,1,1],[0,0,0,0,0,0,0],[1,1,1,1,1,1,1],[0,0,0,0,0,0,0],[1,1,1,1,1,1,1]],"you":7,"legal":[99,-1]}`))
	f.Fuzz(func(t *testing.T, view []byte) {
		var v c4View
		_ = json.Unmarshal(view, &v)
		for _, b := range c4Bots(1) {
			raw, err := b.Move(context.Background(), view)
			if err != nil {
				continue
			}
			var c int
			if json.Unmarshal(raw, &c) != nil || c < 0 || c > 6 {
				t.Fatalf("%s: move %s is not a column", b.Name(), raw)
			}
			offered := false
			for _, l := range v.Legal {
				offered = offered || l == c
			}
			if !offered {
				t.Fatalf("%s: column %d was not offered (%v)", b.Name(), c, v.Legal)
			}
		}
	})
}
