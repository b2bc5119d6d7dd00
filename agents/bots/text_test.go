package bots

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func textBots() []Bot {
	var out []Bot
	for _, b := range All(1) {
		if b.Game() == GamePrompt {
			out = append(out, b)
		}
	}
	return out
}

func promptViewJSON(prompt string, maxBytes int) json.RawMessage {
	raw, _ := json.Marshal(map[string]any{
		"game": "prompt", "prompt_id": "p001", "prompt": prompt,
		"max_answer_bytes": maxBytes, "you": 0, "final": false, "answer": "",
	})
	return raw
}

func answer(t *testing.T, bot Bot, prompt string, maxBytes int) string {
	t.Helper()
	raw, err := bot.Move(context.Background(), promptViewJSON(prompt, maxBytes))
	if err != nil {
		t.Fatalf("%s: %v", bot.Name(), err)
	}
	var m struct {
		Text  string `json:"text"`
		Final *bool  `json:"final"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s: move %s: %v", bot.Name(), raw, err)
	}
	if m.Final == nil || !*m.Final {
		t.Fatalf("%s: move %s is not final", bot.Name(), raw)
	}
	return m.Text
}

const samplePrompt = `Explain how Raft elects a leader in 40 to 80 words. Mention "term" and "vote", and do not use the word "simply".`

func TestTextBotsAnswerInOneFinalMoveWithinTheLimit(t *testing.T) {
	for _, bot := range textBots() {
		for _, limit := range []int{4096, 100, 7} {
			text := answer(t, bot, samplePrompt, limit)
			if len(text) > limit || !utf8.ValidString(text) {
				t.Errorf("%s: limit %d: answer of %d bytes (valid UTF-8: %v)", bot.Name(), limit, len(text), utf8.ValidString(text))
			}
			if limit == 4096 && strings.TrimSpace(text) == "" {
				t.Errorf("%s: empty answer", bot.Name())
			}
		}
	}
}

func TestTextBotsAreDeterministic(t *testing.T) {
	for _, bot := range textBots() {
		if a, b := answer(t, bot, samplePrompt, 4096), answer(t, bot, samplePrompt, 4096); a != b {
			t.Errorf("%s answered differently twice:\n%s\n%s", bot.Name(), a, b)
		}
	}
}

func TestTextBotsHaveDistinctStrategies(t *testing.T) {
	seen := map[string]string{}
	for _, bot := range textBots() {
		text := answer(t, bot, samplePrompt, 4096)
		if other, dup := seen[text]; dup {
			t.Errorf("%s and %s give the same answer", bot.Name(), other)
		}
		seen[text] = bot.Name()
	}
	if n := countWords(answer(t, NewTextVerbose(), samplePrompt, 4096)); n < 300 {
		t.Errorf("verbose answer has %d words, want several hundred", n)
	}
	if got := answer(t, NewTextEcho(), samplePrompt, 4096); got != samplePrompt {
		t.Errorf("echo answered %q", got)
	}
	if got := answer(t, NewTextTerse(), samplePrompt, 4096); strings.Count(got, ".") != 1 || strings.Contains(got, "\n") {
		t.Errorf("terse answer is not one sentence: %q", got)
	}
}

func TestTextBotsCloseAnAlreadyStartedAnswer(t *testing.T) {
	// A retried turn after a partial stream: the bot must not resend text.
	raw, _ := json.Marshal(map[string]any{"game": "prompt", "prompt": samplePrompt, "answer": "partial", "final": false})
	for _, bot := range textBots() {
		got, err := bot.Move(context.Background(), raw)
		if err != nil || string(got) != `{"text":"","final":true}` {
			t.Errorf("%s: %s, %v", bot.Name(), got, err)
		}
	}
}

func TestTextBotsRejectBadViews(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, bot := range textBots() {
		for name, view := range map[string]string{
			"not json":      `[`,
			"wrong game":    `{"game":"connect4"}`,
			"already final": `{"game":"prompt","final":true}`,
		} {
			if _, err := bot.Move(context.Background(), json.RawMessage(view)); err == nil {
				t.Errorf("%s: %s: want an error", bot.Name(), name)
			}
		}
		if _, err := bot.Move(ctx, promptViewJSON(samplePrompt, 100)); err == nil {
			t.Errorf("%s: cancelled context: want an error", bot.Name())
		}
	}
}

func TestTaskTopicDropsTheVerbAndTheConstraints(t *testing.T) {
	cases := map[string]string{
		samplePrompt: "how Raft elects a leader",
		`Describe a quorum as JSON with keys "definition" and "example".`:   "a quorum",
		`List three benefits of code review as a bulleted list of 3 items.`: "three benefits of code review",
		`Summarise the CAP theorem in one line.`:                            "the CAP theorem",
		`What is a mutex?`:                                                  "what is a mutex",
		``:                                                                  "",
		`Return a JSON object with keys "a" and "b".`:                       "",
		`Give 5 bullet points on onboarding, with at most 60 words in total.`:            "onboarding",
		`Write a short story of 80 to 120 words about a robot.`:                          "a short story about a robot",
		`Write at least 120 words about logging.`:                                        "logging",
		`List exactly 7 household uses for baking soda as a numbered list ('1.', '2.').`: "household uses for baking soda",
	}
	for prompt, want := range cases {
		if got := taskTopic(prompt); got != want {
			t.Errorf("taskTopic(%q) = %q, want %q", prompt, got, want)
		}
	}
}

func TestCarefulMeetsTheConstraintsItReads(t *testing.T) {
	cases := []struct {
		prompt string
		check  func(t *testing.T, text string)
	}{
		{samplePrompt, func(t *testing.T, text string) {
			wantWords(t, text, 40, 80)
			wantTerms(t, text, []string{"term", "vote"}, []string{"simply"})
		}},
		{`Give exactly 25 words on caching. End with "Done."`, func(t *testing.T, text string) {
			wantWords(t, text, 25, 25)
			if !strings.HasSuffix(text, "Done.") {
				t.Errorf("does not end with Done.: %q", text)
			}
		}},
		{`List 4 tips for code review as a bulleted list. Each should mention "reviewer".`, func(t *testing.T, text string) {
			lines := strings.Split(text, "\n")
			if len(lines) != 4 || !allPrefixed(lines, "- ") {
				t.Errorf("want 4 bullet lines, got %q", text)
			}
			wantTerms(t, text, []string{"reviewer"}, nil)
		}},
		{`Give a numbered list of 3 to 5 steps for a safe deploy, in at most 60 words. Include "rollback".`, func(t *testing.T, text string) {
			lines := strings.Split(text, "\n")
			if len(lines) < 3 || len(lines) > 5 || !strings.HasPrefix(lines[0], "1. ") {
				t.Errorf("want 3-5 numbered lines, got %q", text)
			}
			wantWords(t, text, 1, 60)
			wantTerms(t, text, []string{"rollback"}, nil)
		}},
		{`Describe a quorum as JSON with keys "definition" and "example". Use "majority".`, func(t *testing.T, text string) {
			var obj map[string]string
			if err := json.Unmarshal([]byte(text), &obj); err != nil || obj["definition"] == "" || obj["example"] == "" {
				t.Errorf("want a JSON object with both keys, got %q (%v)", text, err)
			}
			wantTerms(t, text, []string{"majority"}, nil)
		}},
		{`Summarise the CAP theorem in one sentence of at most 20 words.`, func(t *testing.T, text string) {
			wantWords(t, text, 1, 20)
			if strings.Contains(text, "\n") || strings.Count(text, ".") != 1 {
				t.Errorf("want one sentence on one line, got %q", text)
			}
		}},
		{`Write about logging in at least 120 words. Keep sentences under 12 words. Avoid "very".`, func(t *testing.T, text string) {
			wantWords(t, text, 120, 0)
			wantTerms(t, text, nil, []string{"very"})
			if avg := float64(countWords(text)) / float64(strings.Count(text, ".")); avg > 12 {
				t.Errorf("average sentence %.1f words, want <= 12", avg)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.prompt, func(t *testing.T) {
			tc.check(t, answer(t, NewTextCareful(), tc.prompt, 4096))
		})
	}
}

func wantWords(t *testing.T, text string, lo, hi int) {
	t.Helper()
	if n := countWords(text); n < lo || hi > 0 && n > hi {
		t.Errorf("%d words, want %d..%d: %q", n, lo, hi, text)
	}
}

func wantTerms(t *testing.T, text string, required, forbidden []string) {
	t.Helper()
	for _, r := range required {
		if !containsWord(text, r) {
			t.Errorf("missing %q: %q", r, text)
		}
	}
	for _, f := range forbidden {
		if containsWord(text, f) {
			t.Errorf("contains forbidden %q: %q", f, text)
		}
	}
}

func allPrefixed(lines []string, p string) bool {
	return !slices.ContainsFunc(lines, func(l string) bool { return !strings.HasPrefix(l, p) })
}

func TestFillersShareNoTrigram(t *testing.T) {
	// The careful bot pads with fillers; a shared trigram between two of
	// them would cost it under the rubric's repetition check.
	seen := map[string]int{}
	for i, f := range append(slices.Clone(fillers), termTemplates...) {
		var w []string
		for _, x := range strings.Fields(strings.ToLower(f)) {
			w = append(w, strings.Trim(x, ".,;:!?%"))
		}
		for j := 0; j+2 < len(w); j++ {
			k := strings.Join(w[j:j+3], " ")
			if prev, dup := seen[k]; dup && prev != i {
				t.Errorf("trigram %q appears in sentences %d and %d", k, prev, i)
			}
			seen[k] = i
		}
	}
}
