package arena

import (
	"bytes"
	"testing"

	"github.com/agentarena/arena/internal/fuzzseed"
	"github.com/agentarena/arena/internal/strictjson"
)

// FuzzDecodeCanonicalEnvelope: whatever the canonical reader accepts, the
// strict decoder reads to the same envelope; and EncodeCommand's output
// always takes the canonical path.
func FuzzDecodeCanonicalEnvelope(f *testing.F) {
	for _, s := range []string{
		`{"v":1,"type":"counter.add","ts":5,"data":{"name":"c","delta":1}}`,
		`{"v":1,"type":"x","ts":-1,"data":null}`,
		`{"v":1,"type":"x","ts":01,"data":{}}`,
		`{"v":1,"type":"x","ts":1,"data": {}}`,
		`{"v":1,"type":"x","ts":1,"data":{} }`,
		`{"v":1,"type":"x","ts":1,"data":{},"data":{}}`,
		`{"v":1,"type":"x\u0041","ts":1,"data":"}"}`,
		`{"v":2,"type":"x","ts":1,"data":{}}`,
	} {
		fuzzseed.Add(f, []byte(s), "counter.add", int64(1))
	}
	f.Fuzz(func(t *testing.T, b []byte, typ string, ts int64) {
		if got, ok := decodeCanonicalEnvelope(b); ok {
			var want Envelope
			if err := strictjson.Unmarshal(b, &want); err != nil {
				t.Fatalf("%q: canonical read %+v, strict decoder refused it: %v", b, got, err)
			}
			if got.V != want.V || got.Type != want.Type || got.TS != want.TS || !bytes.Equal(got.Data, want.Data) {
				t.Fatalf("%q: canonical read %+v, strict decoder %+v", b, got, want)
			}
		}
		enc, err := EncodeCommand(typ, ts, map[string]any{"s": typ})
		if err != nil {
			t.Fatal(err)
		}
		env, ok := decodeCanonicalEnvelope(enc)
		if plain := plainType(typ); ok != plain || (ok && (env.Type != typ || env.TS != ts)) {
			t.Fatalf("EncodeCommand(%q, %d) = %s: canonical read %+v, %v (plain type: %v)", typ, ts, enc, env, ok, plain)
		}
	})
}

// plainType: json.Marshal writes the type as it is.
func plainType(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}
