package protocol

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/agentarena/arena/internal/fuzzseed"
)

// fastFrames are frames parseFast must decode itself (fast) or leave to
// parseStrict (!fast); either way Parse must answer as parseStrict does.
var fastFrames = []struct {
	frame string
	fast  bool
}{
	// The common frames, as agents in several languages spell them.
	{`{"type":"move","contest":"c_18ecb911e8043861d1d01ec4","seq":2,"move":3}`, true},
	{`{"type": "move", "contest": "c_1", "seq": 2, "move": 3}`, true},
	{" \r\n\t{ \"type\" : \"move\" ,\n\t\"contest\" : \"c\" , \"seq\" : 0 , \"move\" : 6 }\n", true},
	{`{"move":3,"seq":2,"contest":"c","type":"move"}`, true},
	{`{"type":"ping"}`, true},
	{`{"type":"ping"}` + "\n", true},
	{`{"type":"queue","arena":"connect4"}`, true},
	{`{"type":"unqueue","arena":"connect4"}`, true},
	{`{"type":"resign","contest":"c"}`, true},
	{`{"type":"chunk","contest":"c","text":"A quorum is a majority"}`, true},
	{`{"type":"chunk","contest":"c","text":"é ü 日本 🙂 \u00e9"}`, false}, // an escape
	{`{"type":"chunk","contest":"c","text":"é ü 日本 🙂"}`, true},
	{`{"type":"final","contest":"c"}`, true},
	{`{"type":"final","contest":"c","text":""}`, true},
	{`{"type":"final","contest":"c","text":"done"}`, true},
	{`{"type":"chunk","contest":"c","text":"` + strings.Repeat("x", 1<<16) + `"}`, true},
	// Moves: scalars are read here, anything nested by parseStrict.
	{`{"type":"move","contest":"c","seq":18446744073709551615,"move":-0.5e+10}`, true},
	{`{"type":"move","contest":"c","seq":1,"move":"e2e4"}`, true},
	{`{"type":"move","contest":"c","seq":1,"move":""}`, true},
	{`{"type":"move","contest":"c","seq":1,"move":true}`, true},
	{`{"type":"move","contest":"c","seq":1,"move":false}`, true},
	{`{"type":"move","contest":"c","seq":1,"move":0}`, true},
	{`{"type":"move","contest":"c","seq":1,"move":1E9}`, true},
	{`{"type":"move","contest":"c","seq":1,"move":123456789012345678901234567890}`, true},
	{`{"type":"move","contest":"c","seq":1,"move":{"text":"x","final":true}}`, false},
	{`{"type":"move","contest":"c","seq":1,"move":[1,2]}`, false},
	{`{"type":"move","contest":"c","seq":1,"move":{"a":1,"a":2}}`, false},
	{`{"type":"move","contest":"c","seq":1,"move":"\ud800"}`, false},
	{`{"type":"move","contest":"c","seq":1,"move":null}`, false},
	{`{"type":"move","contest":"c","seq":1,"move":nul}`, false},
	{`{"type":"move","contest":"c","seq":1,"move":tru}`, false},
	{`{"type":"move","contest":"c","seq":1,"move":truex}`, false},
	{`{"type":"move","contest":"c","seq":1,"move":01}`, false},
	{`{"type":"move","contest":"c","seq":1,"move":-}`, false},
	{`{"type":"move","contest":"c","seq":1,"move":1.}`, false},
	{`{"type":"move","contest":"c","seq":1,"move":.5}`, false},
	{`{"type":"move","contest":"c","seq":1,"move":1e}`, false},
	{`{"type":"move","contest":"c","seq":1,"move":+1}`, false},
	{`{"type":"move","contest":"c","seq":1,"move":NaN}`, false},
	{`{"type":"move","contest":"c","seq":1,"move":3`, false},
	{`{"type":"move","contest":"c","seq":1,"move":`, false},
	// Seq: only a plain non-negative integer that fits.
	{`{"type":"move","contest":"c","seq":18446744073709551616,"move":3}`, false},
	{`{"type":"move","contest":"c","seq":99999999999999999999,"move":3}`, false},
	{`{"type":"move","contest":"c","seq":-1,"move":3}`, false},
	{`{"type":"move","contest":"c","seq":-0,"move":3}`, false},
	{`{"type":"move","contest":"c","seq":01,"move":3}`, false},
	{`{"type":"move","contest":"c","seq":1.0,"move":3}`, false},
	{`{"type":"move","contest":"c","seq":1e2,"move":3}`, false},
	{`{"type":"move","contest":"c","seq":"1","move":3}`, false},
	{`{"type":"move","contest":"c","seq":null,"move":3}`, false},
	{`{"type":"move","contest":"c","seq":true,"move":3}`, false},
	// Missing, empty, null, repeated, unknown and misspelt fields.
	{`{"type":"move","contest":"c","move":3}`, false},
	{`{"type":"move","contest":"c","seq":1}`, false},
	{`{"type":"move","seq":1,"move":3}`, false},
	{`{"type":"move","contest":"","seq":1,"move":3}`, false},
	{`{"type":"move","contest":null,"seq":1,"move":3}`, false},
	{`{"type":"move","contest":"c","contest":"c","seq":1,"move":3}`, false},
	{`{"type":"move","contest":"c","seq":1,"seq":1,"move":3}`, false},
	{`{"type":"move","contest":"c","seq":1,"move":3,"move":3}`, false},
	{`{"type":"ping","type":"ping"}`, false},
	{`{"type":"ping","type":"queue"}`, false},
	{`{"type":"move","Contest":"c","seq":1,"move":3}`, false},
	{`{"TYPE":"ping"}`, false},
	{`{"type":"ping","extra":1}`, false},
	{`{"type":"ping","arena":""}`, false},
	{`{"type":"ping","contest":"c"}`, false},
	{`{"type":"queue"}`, false},
	{`{"type":"queue","arena":""}`, false},
	{`{"type":"queue","arena":null}`, false},
	{`{"type":"queue","arena":"a","contest":"c"}`, false},
	{`{"type":"queue","arena":1}`, false},
	{`{"type":"move","contest":"c","seq":1,"move":3,"text":"x"}`, false},
	{`{"type":"final","contest":"c","seq":4,"text":"x"}`, false},
	{`{"type":"final","contest":"c","text":null}`, false},
	{`{"type":"chunk","contest":"c"}`, false},
	{`{"type":"chunk","contest":"c","text":""}`, false},
	{`{"type":"chunk","contest":"c","text":"a","move":1}`, false},
	{`{"type":"resign","contest":"c","seq":0}`, false},
	{`{"type":"resign"}`, false},
	{`{"arena":"x"}`, false},
	{`{"type":""}`, false},
	{`{"type":"dance"}`, false},
	{`{"type":"Ping"}`, false},
	{`{"type":"pong"}`, false},
	{`{"type":1}`, false},
	{`{"type":"p\u0069ng"}`, false},
	{`{"typ\u0065":"ping"}`, false},
	{`{}`, false},
	{`{ }`, false},
	// Strings: escapes, control characters, invalid UTF-8, surrogates.
	{`{"type":"queue","arena":"a\"b"}`, false},
	{`{"type":"queue","arena":"a\\b"}`, false},
	{`{"type":"queue","arena":"a\nb"}`, false},
	{"{\"type\":\"queue\",\"arena\":\"a\tb\"}", false},
	{"{\"type\":\"queue\",\"arena\":\"a\x00b\"}", false},
	{"{\"type\":\"queue\",\"arena\":\"a\x7fb\"}", true},
	{"{\"type\":\"queue\",\"arena\":\"a\xffb\"}", false},
	{"{\"type\":\"queue\",\"arena\":\"a\xed\xa0\x80b\"}", false},
	{"{\"type\":\"queue\",\"arena\":\"\xef\xbf\xbd\"}", true},
	{"{\"type\":\"chunk\",\"contest\":\"c\",\"text\":\"\xe2\x80\xa8\"}", true},
	{`{"type":"chunk","contest":"c","text":"\ud83d\ude00"}`, false},
	{`{"type":"chunk","contest":"c","text":"\udc00"}`, false},
	{"{\"type\":\"ping\",\"x\":\"\xff\"}", false},
	// Not one object: trailing data, truncation, other values, a BOM.
	{`{"type":"ping"} {}`, false},
	{`{"type":"ping"}x`, false},
	{`{"type":"ping"}}`, false},
	{`{"type":"ping"},`, false},
	{`{"type":"ping"`, false},
	{`{"type":"ping",}`, false},
	{`{"type":"ping",`, false},
	{`{"type" "ping"}`, false},
	{`{"type":"ping" "arena":"a"}`, false},
	{`{,"type":"ping"}`, false},
	{`{"type":`, false},
	{`{"type`, false},
	{"\ufeff{\"type\":\"ping\"}", false},
	{"{\"type\":\"ping\"}\x00", false},
	{"{\"type\":\"ping\"}\v", false},
	{"\u00a0{\"type\":\"ping\"}", false},
	{`[{"type":"ping"}]`, false},
	{`"ping"`, false},
	{` null `, false},
	{`true`, false},
	{`1`, false},
	{``, false},
	{` `, false},
	{`{`, false},
	{`}`, false},
}

// TestParseFastAgrees: for every frame, Parse gives what parseStrict
// gives (the same value, or the same refusal with the same echo), and
// parseFast takes exactly the frames it is meant to.
func TestParseFastAgrees(t *testing.T) {
	for _, tt := range fastFrames {
		checkFastAgrees(t, []byte(tt.frame))
		if _, ok := parseFast([]byte(tt.frame)); ok != tt.fast {
			t.Errorf("%.80q: parseFast took it: %v, want %v", tt.frame, ok, tt.fast)
		}
	}
}

// checkFastAgrees fails t unless parseFast accepts data only as
// parseStrict does, with the same value, and Parse answers data as
// parseStrict does.
func checkFastAgrees(t *testing.T, data []byte) {
	t.Helper()
	want, wantErr := parseStrict(data)
	if fast, ok := parseFast(data); ok {
		if wantErr != nil {
			t.Fatalf("%.80q: parseFast accepted %+v, parseStrict refused: %v", data, fast, wantErr)
		}
		if !reflect.DeepEqual(fast, want) {
			t.Fatalf("%.80q: parseFast read %s, parseStrict %s", data, show(fast), show(want))
		}
	} else if fast.Type != "" || fast.Arena != "" || fast.Contest != "" || fast.Seq != nil || fast.Move != nil || fast.Text != "" {
		t.Fatalf("%.80q: parseFast gave up but returned %s", data, show(fast))
	}
	got, gotErr := Parse(data)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%.80q: Parse read %s, parseStrict %s", data, show(got), show(want))
	}
	var gotPE, wantPE *ParseError
	if (gotErr == nil) != (wantErr == nil) || (gotErr != nil && (!errors.As(gotErr, &gotPE) || !errors.As(wantErr, &wantPE) || *gotPE != *wantPE)) {
		t.Fatalf("%.80q: Parse answered %v, parseStrict %v", data, gotErr, wantErr)
	}
}

func show(in Inbound) string {
	seq := "nil"
	if in.Seq != nil {
		seq = "&" + strings.TrimSpace(strings.Repeat(" ", 0)) + uitoa(*in.Seq)
	}
	return "{Type:" + in.Type + " Arena:" + in.Arena + " Contest:" + in.Contest + " Seq:" + seq +
		" Move:" + string(in.Move) + " Text:" + in.Text + "}"
}

func uitoa(v uint64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + v%10)
		if v /= 10; v == 0 {
			return string(b[i:])
		}
	}
}

// FuzzParseFast: parseFast accepts a frame only where parseStrict
// accepts it, and reads the same value; Parse answers every input as
// parseStrict does (the same value, or the same refusal and echo).
func FuzzParseFast(f *testing.F) {
	for _, tt := range fastFrames {
		if len(tt.frame) < 1024 {
			fuzzseed.Add(f, []byte(tt.frame))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkFastAgrees(t, data)
	})
}

// TestParseFastAllocations: the common frames decode with an allocation
// per field they carry (the strings, seq's pointer and the move's copy)
// and none else; a ping with none.
func TestParseFastAllocations(t *testing.T) {
	tests := []struct {
		frame string
		max   float64
	}{
		{`{"type":"ping"}`, 0},
		{`{"type":"queue","arena":"connect4"}`, 1},
		{`{"type":"move","contest":"c_18ecb911e8043861d1d01ec4","seq":2,"move":3}`, 3},
	}
	for _, tt := range tests {
		data := []byte(tt.frame)
		if n := testing.AllocsPerRun(100, func() {
			if _, err := Parse(data); err != nil {
				t.Fatal(err)
			}
		}); n > tt.max {
			t.Errorf("%s: %v allocations, want at most %v", tt.frame, n, tt.max)
		}
	}
}

// benchFrames are the frames a playing agent sends most.
var benchFrames = []struct{ name, frame string }{
	{"move", `{"type":"move","contest":"c_18ecb911e8043861d1d01ec4","seq":2,"move":3}`},
	{"move_spaced", `{"type": "move", "contest": "c_18ecb911e8043861d1d01ec4", "seq": 2, "move": 3}`},
	{"ping", `{"type":"ping"}`},
	{"queue", `{"type":"queue","arena":"connect4"}`},
	{"chunk", `{"type":"chunk","contest":"c_18ecb911e8043861d1d01ec4","text":"A quorum is a majority"}`},
}

// BenchmarkParse: one agent frame through Parse (the fast path) and
// through parseStrict, the decoder Parse was before it (go test -run '^$'
// -bench Parse -benchmem ./agents/protocol/).
func BenchmarkParse(b *testing.B) {
	for _, path := range []struct {
		name  string
		parse func([]byte) (Inbound, error)
	}{{"fast", Parse}, {"strict", parseStrict}} {
		for _, bf := range benchFrames {
			data := []byte(bf.frame)
			b.Run(path.name+"/"+bf.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := path.parse(data); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
