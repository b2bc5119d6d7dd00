package protocol

import (
	"strings"
	"testing"
)

// TestLoneSurrogateEscapesAreRefused: a JSON string may spell a character
// as \uXXXX, and a character past U+FFFF as a pair of UTF-16 surrogate
// escapes. encoding/json turns an escape of half a pair into U+FFFD
// without a word, so a JavaScript agent that cut its answer in the middle
// of an emoji (JSON.stringify writes the halves as "\ud83d" and "\ude00")
// had each half replaced in its answer and never learned it. Such a frame
// is refused, like one that is not UTF-8, and a whole pair still passes.
func TestLoneSurrogateEscapesAreRefused(t *testing.T) {
	tests := []struct {
		name  string
		frame string
		code  string // "" means accepted
	}{
		{"a whole pair is one character", `{"type":"chunk","contest":"c_1","text":"smile \ud83d\ude00"}`, ""},
		{"upper-case hex is the same pair", `{"type":"chunk","contest":"c_1","text":"\uD83D\uDE00"}`, ""},
		{"a plain escape is fine", `{"type":"chunk","contest":"c_1","text":"caf\u00e9 \u0041"}`, ""},
		{"an escaped backslash before a u is text", `{"type":"chunk","contest":"c_1","text":"C:\\ud800"}`, ""},
		{"a high half at the end of a chunk", `{"type":"chunk","contest":"c_1","text":"smile \ud83d"}`, "bad_frame"},
		{"a low half at the start of a chunk", `{"type":"chunk","contest":"c_1","text":"\ude00 there"}`, "bad_frame"},
		{"a high half followed by text", `{"type":"final","contest":"c_1","text":"\ud83dx"}`, "bad_frame"},
		{"two high halves", `{"type":"final","contest":"c_1","text":"\ud83d\ud83d"}`, "bad_frame"},
		{"a half inside a move's text", `{"type":"move","contest":"c_1","seq":0,"move":{"text":"\udfff","final":true}}`, "bad_frame"},
		{"a half in a contest id", `{"type":"resign","contest":"c_\ud800"}`, "bad_frame"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := Parse([]byte(tt.frame))
			code := ""
			if err != nil {
				code = err.(*ParseError).Code
			}
			if code != tt.code {
				t.Fatalf("Parse(%s) = %v, want code %q", tt.frame, err, tt.code)
			}
			if tt.code != "" {
				if !strings.Contains(err.Error(), "surrogate") {
					t.Errorf("the message %q does not say what is wrong", err)
				}
				if in.Type == "" {
					t.Errorf("a refused frame lost its type: %+v", in)
				}
			}
		})
	}
}
