package judges

import (
	"strings"
	"testing"

	"github.com/agentarena/arena/task"
)

func TestLookAlikeAndHiddenSpellingsDoNotAvoidAForbiddenTerm(t *testing.T) {
	c := task.Criteria{Forbidden: []string{"simply"}, Required: []string{"vote"}}
	cases := []struct {
		name      string
		text      string
		avoids    bool
		disguised bool
	}{
		{"the plain word", "Raft is simply a vote.", false, false},
		{"a Cyrillic s", "Raft is \u0455imply a vote.", false, true},
		{"Greek and Cyrillic letters", "Raft is sіmрlу a vote.", false, true},
		{"a zero-width space inside", "Raft is sim\u200bply a vote.", false, false},
		{"a soft hyphen inside", "Raft is sim\u00adply a vote.", false, false},
		{"a tag character inside", "Raft is sim\U000E0041ply a vote.", false, false},
		{"a Hangul filler inside", "Raft is sim\u3164ply a vote.", false, true},
		{"mathematical bold", "Raft is 𝐬𝐢𝐦𝐩𝐥𝐲 a vote.", false, false},
		{"full-width letters", "Raft is ｓｉｍｐｌｙ a vote.", false, false},
		{"a combining mark on every letter", "Raft is s̵i̵m̵p̵l̵y̵ a vote.", false, true},
		{"capitals", "Raft is SIMPLY a vote.", false, false},
		{"a JSON escape", `{"a": "Raft is \u0073imply a vote."}`, false, true},
		{"an HTML entity", "Raft is &#115;imply a vote.", false, true},
		{"a longer word", "Raft favours simplicity in a vote.", true, false},
		{"absent", "Raft is a vote.", true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checks := criteriaChecks(c, tc.text)
			var avoid check
			for _, ch := range checks {
				if strings.HasPrefix(ch.label, "avoids") {
					avoid = ch
				}
			}
			if avoid.met != tc.avoids {
				t.Fatalf("avoids met = %v, want %v (%q)", avoid.met, tc.avoids, avoid.label)
			}
			if got := strings.Contains(avoid.label, "look-alike"); got != tc.disguised {
				t.Fatalf("label %q: disguised note %v, want %v", avoid.label, got, tc.disguised)
			}
		})
	}
}

func TestWordsAreCountedAsAReaderSeesThem(t *testing.T) {
	ws := strings.Fields(strings.Repeat("word ", 280))
	cases := []struct {
		name   string
		joiner string
		want   int
	}{
		{"spaces", " ", 280},
		{"no-break spaces", "\u00a0", 280},
		{"em spaces", "\u2003", 280},
		{"ideographic spaces", "\u3000", 280},
		{"Hangul fillers", "\u3164", 280},
		{"half-width Hangul fillers", "\uffa0", 280},
		{"choseong fillers", "\u115f", 280},
		{"braille blanks", "\u2800", 280},
		{"private-use characters", "\ue000", 280},
		{"control characters", "\x01", 280},
		{"zero-width spaces (no gap on screen)", "\u200b", 1},
	}
	for _, tc := range cases {
		t.Run("joined by "+tc.name, func(t *testing.T) {
			text := strings.Join(ws, tc.joiner)
			if n := len(words(readerView(text).text)); n != tc.want {
				t.Fatalf("counted %d words, want %d", n, tc.want)
			}
		})
	}
}

func TestTheRationaleNamesTheCharactersNormalisationUndid(t *testing.T) {
	tk := Task{Prompt: "Explain Raft in at most 20 words.", Criteria: task.Criteria{MaxWords: 20, Forbidden: []string{"simply"}}}
	text := strings.Repeat("word\u3164", 30) + "ѕimply\u200b."
	_, checks := scoreEntry(tk, text, nil)
	line := rationaleLine(0, 0, checks)
	for _, want := range []string{"words 31 (want ≤ 20)", `avoids "simply" (found spelled with look-alike`, "1 invisible characters removed", "30 blank-looking characters read as spaces"} {
		if !strings.Contains(line, want) {
			t.Errorf("rationale lacks %q:\n%s", want, line)
		}
	}
}

func TestDecodeEscapes(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"JSON unicode escapes", `\u0049gnore \u00e9t\u00E9`, "Ignore été"},
		{"a surrogate pair", `\ud83d\ude00!`, "😀!"},
		{"a lone surrogate", `\ud83d!`, "\ufffd!"},
		{"JSON control escapes", `a\nb\tc\"d\\e\/f`, "a\nb\tc\"d\\e/f"},
		{"JavaScript code point escapes", `\u{1F600}`, "😀"},
		{"HTML references", "&#73;gnore &#x61;ll &amp; &lt;b&gt;", "Ignore all & <b>"},
		{"doubly encoded references", "&amp;#73;", "I"},
		{"URL encoding", "Ignore%20all%20previous", "Ignore all previous"},
		{"UTF-8 URL encoding", "%E5%BF%BD%E7%95%A5", "忽略"},
		{"a percent sign in prose", "50% off, 100%!", "50% off, 100%!"},
		{"a stray backslash", `C:\path\x`, `C:\path\x`},
		{"a truncated escape", `\u00`, `\u00`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := decodeEscapes(tc.in); got != tc.want {
				t.Fatalf("decodeEscapes(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestSkeletonEquatesLookAlikes(t *testing.T) {
	same := [][2]string{{"simply", "ѕіmрlу"}, {"paypal", "рауpаl"}, {"vote", "ᴠote"}, {"ignore", "іgnоrе"}, {"term", "𝐭𝐞𝐫𝐦"}}
	for _, p := range same {
		if skeleton(p[0]) != skeleton(p[1]) {
			t.Errorf("skeleton(%q) = %q, skeleton(%q) = %q: want equal", p[0], skeleton(p[0]), p[1], skeleton(p[1]))
		}
	}
	if skeleton("vote") == skeleton("note") {
		t.Error("different words share a skeleton")
	}
	if len(confusableTable) < 6000 {
		t.Errorf("confusables table has %d entries, want Unicode's ~6300", len(confusableTable))
	}
}
