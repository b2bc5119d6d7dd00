package strictjson

import "testing"

// TestLoneSurrogate: an escape of half a UTF-16 surrogate pair is named,
// a whole pair (either case) or an escaped backslash before a "u" is not.
func TestLoneSurrogate(t *testing.T) {
	tests := []struct {
		name, json, want string
	}{
		{"a whole pair is one character", `"smile \ud83d\ude00"`, ""},
		{"upper-case hex is the same pair", `"\uD83D\uDE00"`, ""},
		{"a plain escape is fine", `"caf\u00e9"`, ""},
		{"an escaped backslash before a u is text", `"C:\\ud800"`, ""},
		{"a high half at the end", `"smile \ud83d"`, `\ud83d`},
		{"a low half first", `{"a":"\uDE00 there"}`, `\uDE00`},
		{"a high half followed by text", `"\ud83dx"`, `\ud83d`},
		{"two high halves", `"\ud83d\ud83d"`, `\ud83d`},
		{"a half after a whole pair", `"\ud83d\ude00\udfff"`, `\udfff`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := LoneSurrogate([]byte(tt.json)); got != tt.want {
				t.Errorf("LoneSurrogate(%s) = %q, want %q", tt.json, got, tt.want)
			}
		})
	}
}
