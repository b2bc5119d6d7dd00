package strictjson

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/agentarena/arena/internal/fuzzseed"
)

type inner struct {
	Model string `json:"model"`
}

type Base struct {
	Kind string `json:"kind"`
}

type body struct {
	Base
	Name     string            `json:"name"`
	Count    int               `json:"count,omitempty"`
	Endpoint *inner            `json:"endpoint"`
	List     []inner           `json:"list"`
	Labels   map[string]inner  `json:"labels"`
	Options  json.RawMessage   `json:"options"`
	Any      any               `json:"any"`
	Untagged string            //nolint: the Go name is its JSON name
	Skip     string            `json:"-"`
	Extra    map[string]string `json:"extra"`
}

func TestCheckKeys(t *testing.T) {
	for _, tc := range []struct {
		name, in, err string
	}{
		{"exact names", `{"name":"a","count":1,"kind":"k","Untagged":"u"}`, ""},
		{"nested exact", `{"endpoint":{"model":"m"},"list":[{"model":"a"},{"model":"b"}],"labels":{"X":{"model":"c"}}}`, ""},
		{"a key in the wrong case", `{"NAME":"a"}`, `unknown field "NAME" (field names are case-sensitive: did you mean "name"?)`},
		{"a promoted key in the wrong case", `{"Kind":"k"}`, `unknown field "Kind" (field names are case-sensitive: did you mean "kind"?)`},
		{"a nested key in the wrong case", `{"endpoint":{"Model":"m"}}`, `unknown field "endpoint.Model" (field names are case-sensitive: did you mean "model"?)`},
		{"in a list", `{"list":[{"model":"a"},{"MODEL":"b"}]}`, `unknown field "list[1].MODEL"`},
		{"in a map's values", `{"labels":{"x":{"Model":"c"}}}`, `unknown field "labels.x.Model"`},
		{"a duplicate key", `{"name":"b","name":"c"}`, `field "name" appears twice`},
		{"a duplicate spelled with an escape", `{"name":"b","n\u0061me":"c"}`, `field "name" appears twice`},
		{"a duplicate map key", `{"extra":{"a":"1","a":"2"}}`, `field "extra.a" appears twice`},
		{"a duplicate inside raw JSON", `{"options":{"x":1,"x":2}}`, `field "options.x" appears twice`},
		{"raw JSON keeps its own names", `{"options":{"NAME":1},"any":{"Whatever":[1,{"K":null}]}}`, ""},
		{"strings with quotes and braces", `{"name":"a \"}{\" b","extra":{"k\"":"v"}}`, ""},
		{"invalid UTF-8", "{\"name\":\"\xff\xfe\"}", "body is not valid UTF-8"},
		{"white space everywhere", " {\n \"name\" : \"a\" ,\t\"list\" : [ ] , \"labels\" : { } } ", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b body
			if err := json.Unmarshal([]byte(tc.in), &b); err != nil && tc.err != "body is not valid UTF-8" {
				t.Fatalf("test input does not decode: %v", err)
			}
			err := CheckKeys([]byte(tc.in), &b)
			switch {
			case tc.err == "" && err != nil:
				t.Fatalf("err = %v", err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Fatalf("err = %v, want %q", err, tc.err)
			}
		})
	}
}

// FuzzCheckKeys: on any text that decodes strictly into the type, the
// walk ends without panicking; and what it accepts, encoded again by
// encoding/json, it accepts too (it refuses nothing encoding/json writes).
func FuzzCheckKeys(f *testing.F) {
	fuzzseed.Add(f, []byte(`{"name":"a","endpoint":{"model":"m"},"list":[{"model":"x"}],"labels":{"k":{"model":"y"}},"options":{"a":[1,2]}}`))
	fuzzseed.Add(f, []byte(`{"NAME":"a","name":"b"}`))
	fuzzseed.Add(f, []byte(`{"extra":{"\u00e9":"\\\""},"any":[{"a":{}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var b body
		if Unmarshal(data, &b) != nil {
			return
		}
		if CheckKeys(data, &b) != nil {
			return
		}
		again, err := json.Marshal(b)
		if err != nil {
			return
		}
		var b2 body
		if Unmarshal(again, &b2) != nil {
			return
		}
		if err := CheckKeys(again, &b2); err != nil {
			t.Fatalf("refused encoding/json's own output %s: %v", again, err)
		}
	})
}

func BenchmarkCheckKeys(b *testing.B) {
	type grant struct {
		ID      string `json:"id"`
		OwnerID string `json:"owner_id"`
		Amount  int64  `json:"amount"`
		Memo    string `json:"memo"`
	}
	data := []byte(`{"id":"t-000000123","owner_id":"ow_0123456789abcdef","amount":1,"memo":"` + strings.Repeat("m", 256) + `"}`)
	var g grant
	if err := Unmarshal(data, &g); err != nil {
		b.Fatal(err)
	}
	b.Run("decode", func(b *testing.B) {
		for b.Loop() {
			_ = Unmarshal(data, &g)
		}
	})
	b.Run("check keys", func(b *testing.B) {
		for b.Loop() {
			_ = CheckKeys(data, &g)
		}
	})
}
