package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/agentarena/arena/internal/fuzzseed"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name  string
		frame string
		code  string // "" means accepted
		msg   string // the message, when the test pins it
	}{
		{"a ping is accepted", `{"type":"ping"}`, "", ""},
		{"a queue frame names an arena", `{"type":"queue","arena":"connect4"}`, "", ""},
		{"an unqueue frame names an arena", `{"type":"unqueue","arena":"connect4"}`, "", ""},
		{"an unqueue frame needs an arena", `{"type":"unqueue"}`, "bad_frame", `unqueue frame needs "arena"`},
		{"an unqueue frame takes no contest", `{"type":"unqueue","arena":"a","contest":"c"}`, "bad_frame", ""},
		{"a move quotes contest, seq and move", `{"type":"move","contest":"c1","seq":0,"move":3}`, "", ""},
		{"a chunk carries text", `{"type":"chunk","contest":"c1","text":"hi"}`, "", ""},
		{"a final may be empty", `{"type":"final","contest":"c1"}`, "", ""},
		{"a resign names its contest", `{"type":"resign","contest":"c1"}`, "", ""},
		{"malformed JSON is a bad frame", `{"type":`, "bad_frame", ""},
		{"a frame without type is a bad frame", `{"arena":"x"}`, "bad_frame", ""},
		{"an unknown type is reported as such", `{"type":"dance"}`, "unknown_type", ""},
		{"unknown fields are refused", `{"type":"ping","extra":1}`, "bad_frame", ""},
		{"field names are case-sensitive", `{"TYPE":"ping"}`, "bad_frame", ""},
		{"a field given twice is refused", `{"type":"ping","type":"queue"}`, "bad_frame", ""},
		{"trailing data is refused", `{"type":"ping"} {}`, "bad_frame", ""},
		{"a queue frame needs an arena", `{"type":"queue"}`, "bad_frame", ""},
		{"a move needs seq", `{"type":"move","contest":"c1","move":3}`, "bad_frame", ""},
		{"a move needs a move", `{"type":"move","contest":"c1","seq":1}`, "bad_frame", `move frame needs "move"`},
		{"a move without a contest names only the contest", `{"type":"move","seq":1,"move":3}`, "bad_frame", `move frame needs "contest"`},
		{"a move with an empty contest names only the contest", `{"type":"move","contest":"","seq":1,"move":3}`, "bad_frame", `move frame needs "contest"`},
		{"a move without contest and move names both", `{"type":"move","seq":1}`, "bad_frame", `move frame needs "contest" and "move"`},
		{"a chunk needs text", `{"type":"chunk","contest":"c1"}`, "bad_frame", ""},
		{"invalid UTF-8 is refused", "{\"type\":\"ping\",\"x\":\"\xff\"}", "bad_frame", ""},
		{"an array is not a frame", `[1,2]`, "bad_frame", "a frame must be a JSON object, not an array"},
		{"null is not a frame", ` null `, "bad_frame", "a frame must be a JSON object, not null"},
		{"true is not a frame", `true`, "bad_frame", "a frame must be a JSON object, not a boolean"},
		{"a number type is refused in the protocol's words", `{"type":1}`, "bad_frame", `field "type" must be a string, not a number`},
		{"a final frame takes no seq", `{"type":"final","contest":"c","seq":4,"text":"x"}`, "bad_frame",
			`a final frame takes no "seq" (it takes "contest", "text")`},
		{"a chunk frame takes no move", `{"type":"chunk","contest":"c","text":"x","move":1}`, "bad_frame", ""},
		{"a move frame takes no text", `{"type":"move","contest":"c","seq":0,"move":1,"text":"x"}`, "bad_frame", ""},
		{"a queue frame takes no contest", `{"type":"queue","arena":"a","contest":"c"}`, "bad_frame", ""},
		{"a resign frame takes no seq", `{"type":"resign","contest":"c","seq":0}`, "bad_frame", ""},
		{"a ping takes nothing but its type, not even an empty field", `{"type":"ping","arena":""}`, "bad_frame",
			`a ping frame takes no "arena" (it takes only "type")`},
		{"a null text is refused, not read as an empty final", `{"type":"final","contest":"c","text":null}`, "bad_frame",
			`field "text" must be a string, not null (leave "text" out to end the answer with what was sent)`},
		{"a null chunk text is refused as null", `{"type":"chunk","contest":"c","text":null}`, "bad_frame", `field "text" must be a string, not null`},
		{"a null move is refused", `{"type":"move","contest":"c","seq":1,"move":null}`, "bad_frame", `field "move" must be the game's move, not null`},
		{"a null seq is refused", `{"type":"move","contest":"c","seq":null,"move":1}`, "bad_frame", `field "seq" must be a non-negative integer, not null`},
		{"a null arena is refused", `{"type":"queue","arena":null}`, "bad_frame", `field "arena" must be a string, not null`},
		{"a null contest is refused", `{"type":"resign","contest": null}`, "bad_frame", `field "contest" must be a string, not null`},
		{"a negative seq is refused in the protocol's words", `{"type":"move","contest":"c","seq":-1,"move":1}`, "bad_frame",
			`field "seq" must be a non-negative integer, not a number -1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.frame))
			if tt.code == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Code != tt.code || pe.Message == "" {
				t.Fatalf("got %v, want %s", err, tt.code)
			}
			if tt.msg != "" && pe.Message != tt.msg {
				t.Errorf("message %q, want %q", pe.Message, tt.msg)
			}
		})
	}
}

// FuzzParse: no frame crashes the parser; every refusal is a ParseError
// with a code and a message, and the same bytes are refused the same way
// twice; every accepted frame re-encodes to a frame that parses to the
// same value and the same bytes (encode is a fixed point after one round).
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{"type":"ping"}`, `{"type":"queue","arena":"a"}`, `{"type":"queue","arena":"connect4"}`, `{"type":"unqueue","arena":"connect4"}`,
		`{"type":"move","contest":"c","seq":1,"move":{"a":1}}`, `{"type":"move","contest":"c1","seq":0,"move":3}`,
		`{"type":"move","contest":"c","seq":18446744073709551615,"move":"x"}`, `{"type":"move","contest":"c","seq":-1,"move":1}`,
		`{"type":"move","contest":"c","seq":1.5,"move":1}`, `{"type":"move","contest":"c","seq":1,"move":null}`,
		`{"type":"chunk","contest":"c","text":"x"}`, `{"type":"chunk","contest":"c","text":"\u00e9\ud800"}`,
		`{"type":"final","contest":"c"}`, `{"type":"final","contest":"c","text":"done"}`, `{"type":"resign","contest":"c"}`,
		`{"type":"dance"}`, `{"type":""}`, `{"type":"ping","extra":1}`, `{"type":"ping"} {}`, `{"type":"ping","type":"queue"}`,
		`{"TYPE":"ping"}`, `{}`, `null`, `[]`, `"ping"`, ``, " ", "\xff", "{\"type\":\"ping\",\"x\":\"\xff\"}",
		`{"type":"move","contest":"c","seq":1,"move":` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `}`,
	} {
		fuzzseed.Add(f, []byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := Parse(data)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Code == "" || pe.Message == "" {
				t.Fatalf("refusal without code or message: %v", err)
			}
			if _, err2 := Parse(data); err2 == nil || err2.Error() != err.Error() {
				t.Fatalf("refused %q as %v, then as %v", data, err, err2)
			}
			return
		}
		again, err := json.Marshal(in)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		in2, err := Parse(again)
		if err != nil {
			t.Fatalf("re-encoded frame %s refused: %v", again, err)
		}
		third, _ := json.Marshal(in2)
		if !bytes.Equal(again, third) {
			t.Fatalf("round trip changed the frame:\n%s\n%s", again, third)
		}
		if in2.Type != in.Type || in2.Contest != in.Contest || in2.Arena != in.Arena || in2.Text != in.Text ||
			(in.Seq == nil) != (in2.Seq == nil) || (in.Seq != nil && *in.Seq != *in2.Seq) {
			t.Fatalf("round trip changed %+v into %+v", in, in2)
		}
	})
}

// TestRefusedFramesKeepWhatCanBeRead: PROTOCOL.md says an error frame's
// ref and contest name the frame it answers "when the server could read
// them"; a frame refused for a bad field elsewhere still gives its type
// and contest, so an agent with frames for several contests in flight can
// tell which one was refused.
func TestRefusedFramesKeepWhatCanBeRead(t *testing.T) {
	tests := []struct {
		frame        string
		typ, contest string
	}{
		{`{"type":"move","contest":"c_1","seq":-1,"move":3}`, "move", "c_1"},
		{`{"type":"move","contest":"c_1","seq":"0","move":3}`, "move", "c_1"},
		{`{"type":"ping","x":1}`, "ping", ""},
		{`{"type":"chunk","contest":"c_2","text":"a","Text":"b"}`, "chunk", "c_2"},
		{`{"type":"final","contest":"c_3"} {}`, "final", "c_3"},
		{`{"type":"resign","contest":"c_4","contest":"c_5"}`, "resign", ""},
		{`{"type":"ping","type":"queue"}`, "", ""},
		{`{"TYPE":"ping"}`, "", ""},
		{`{"type":1,"contest":"c_6"}`, "", "c_6"},
		{`{"type":"move","contest":`, "", ""},
		{`[{"type":"ping"}]`, "", ""},
	}
	if in, _ := Parse([]byte(`{"type":"queue","arena":"connect4","x":1}`)); in.Arena != "connect4" {
		t.Errorf("a refused queue frame read as arena %q, want connect4", in.Arena)
	}
	for _, tt := range tests {
		in, err := Parse([]byte(tt.frame))
		if err == nil {
			t.Fatalf("%s: accepted", tt.frame)
		}
		if in.Type != tt.typ || in.Contest != tt.contest {
			t.Errorf("%s: read type %q, contest %q; want %q, %q", tt.frame, in.Type, in.Contest, tt.typ, tt.contest)
		}
	}
}
