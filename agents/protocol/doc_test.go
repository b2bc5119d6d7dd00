package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// serverFrames maps each frame type the server sends to the Go type that
// writes it.
var serverFrames = map[string]any{
	TypeHello:        Hello{},
	TypeContestStart: ContestStart{},
	TypeTurn:         Turn{},
	TypeContestEnd:   ContestEnd{},
	TypeError:        Error{},
	TypeQueued:       Queued{},
	TypeUnqueued:     Unqueued{},
	TypeAck:          Ack{},
	TypePong:         Pong{},
}

// docExample is one JSON value of a ```json block in PROTOCOL.md.
type docExample struct {
	line int // the block's first line in the document
	raw  json.RawMessage
}

// protocolExamples reads every JSON value of every ```json block of
// docs/PROTOCOL.md; a block may hold several values (one frame a line, or
// frames spread over lines). A block that does not parse fails the test:
// agent authors paste these into their code and tests.
func protocolExamples(t *testing.T) (doc string, examples []docExample) {
	t.Helper()
	b, err := os.ReadFile("../../docs/PROTOCOL.md")
	if err != nil {
		t.Fatal(err)
	}
	doc = string(b)
	block := regexp.MustCompile("(?s)```json\n(.*?)```")
	for _, m := range block.FindAllStringSubmatchIndex(doc, -1) {
		line := strings.Count(doc[:m[0]], "\n") + 1
		dec := json.NewDecoder(strings.NewReader(doc[m[2]:m[3]]))
		for {
			var raw json.RawMessage
			err := dec.Decode(&raw)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Errorf("PROTOCOL.md line %d: the example is not JSON: %v", line, err)
				break
			}
			examples = append(examples, docExample{line, raw})
		}
	}
	if len(examples) == 0 {
		t.Fatal("found no JSON examples in PROTOCOL.md")
	}
	return doc, examples
}

// TestProtocolDocExamples: every frame PROTOCOL.md shows is one the
// server could send or would accept. A server frame decodes into its Go
// type with no field the type lacks (a renamed or invented field in the
// document fails here), and an agent frame passes Parse, the server's own
// strict reader.
func TestProtocolDocExamples(t *testing.T) {
	_, examples := protocolExamples(t)
	seen := map[string]bool{}
	for _, ex := range examples {
		var head struct {
			Type string `json:"type"`
		}
		if json.Unmarshal(ex.raw, &head) != nil || head.Type == "" {
			continue // a view, a webhook reply, arena options
		}
		if proto, ok := serverFrames[head.Type]; ok {
			seen[head.Type] = true
			dec := json.NewDecoder(bytes.NewReader(ex.raw))
			dec.DisallowUnknownFields()
			v := reflect.New(reflect.TypeOf(proto)).Interface()
			if err := dec.Decode(v); err != nil {
				t.Errorf("PROTOCOL.md line %d: the %s example is not a frame the server sends: %v\n%s", ex.line, head.Type, err, ex.raw)
			}
			continue
		}
		switch head.Type {
		case TypeQueue, TypeUnqueue, TypeMove, TypeChunk, TypeFinal, TypeResign, TypePing:
			seen[head.Type] = true
			if _, err := Parse(ex.raw); err != nil {
				t.Errorf("PROTOCOL.md line %d: the server refuses the %s example: %v\n%s", ex.line, head.Type, err, ex.raw)
			}
		}
	}
	for typ := range serverFrames {
		if !seen[typ] {
			t.Errorf("PROTOCOL.md shows no example of the %s frame", typ)
		}
	}
	for _, typ := range []string{TypeQueue, TypeUnqueue, TypeMove, TypeChunk, TypeFinal, TypeResign, TypePing} {
		if !seen[typ] {
			t.Errorf("PROTOCOL.md shows no example of the %s frame", typ)
		}
	}
}

// TestProtocolDocNamesEveryField: every field the server can put in a
// frame is named in PROTOCOL.md, so an agent author reading it learns of
// each one (fields may be added, never renamed: an addition must come
// with its line in the document).
func TestProtocolDocNamesEveryField(t *testing.T) {
	doc, _ := protocolExamples(t)
	for typ, proto := range serverFrames {
		for _, name := range jsonFields(reflect.TypeOf(proto)) {
			if !strings.Contains(doc, "`"+name+"`") && !strings.Contains(doc, `"`+name+`"`) {
				t.Errorf("the %s frame's field %q is not in PROTOCOL.md", typ, name)
			}
		}
	}
}

// jsonFields lists the JSON names of a struct's fields and of the structs
// it holds (seats, forfeits, queue tickets).
func jsonFields(t reflect.Type) []string {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || t.PkgPath() != reflect.TypeOf(Hello{}).PkgPath() {
		return nil
	}
	var out []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		out = append(out, name)
		out = append(out, jsonFields(f.Type)...)
	}
	return out
}
