package strictjson

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"unicode/utf8"
)

// CheckKeys closes the three doors encoding/json leaves open on input that
// must mean one thing: object keys it matches to struct fields without
// regard to case ("NAME" fills Name), a key given twice (the last wins
// silently), and invalid UTF-8 (replaced by U+FFFD). It walks data, which
// must already have decoded into v's type without error, beside that type:
// keys of a struct must be a field's JSON name exactly, no object may
// repeat a key, and the whole text must be valid UTF-8. Values the type
// leaves open (json.RawMessage, interfaces, custom unmarshalers) are
// checked for UTF-8 only: their own decoders judge them.
func CheckKeys(data []byte, v any) error {
	if !utf8.Valid(data) {
		return fmt.Errorf("body is not valid UTF-8")
	}
	t := reflect.TypeOf(v)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	w := keyWalker{data: data}
	w.skipSpace()
	return w.value(t)
}

type keyWalker struct {
	data []byte
	i    int
	path []segment // where the walk is, for error messages only
}

// segment is one step of a path: an object key, or an array index.
type segment struct {
	key []byte
	idx int
}

// at names the field key under the current path: "endpoint.model",
// "list[1].name".
func (w *keyWalker) at(key []byte) string {
	var b strings.Builder
	for _, s := range w.path {
		if s.key == nil {
			fmt.Fprintf(&b, "[%d]", s.idx)
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.Write(s.key)
	}
	if b.Len() > 0 {
		b.WriteByte('.')
	}
	b.Write(key)
	return b.String()
}

var (
	rawMessageType  = reflect.TypeFor[json.RawMessage]()
	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
)

var opaqueCache sync.Map // reflect.Type -> bool

// opaque reports whether t decodes its JSON itself, or takes anything.
func opaque(t reflect.Type) bool {
	if t == nil || t == rawMessageType || t.Kind() == reflect.Interface {
		return true
	}
	switch t.Kind() {
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int64, reflect.Uint64, reflect.Float64:
		if t.PkgPath() == "" {
			return false // a predeclared type has no methods
		}
	}
	if v, ok := opaqueCache.Load(t); ok {
		return v.(bool)
	}
	o := t.Implements(unmarshalerType) || reflect.PointerTo(t).Implements(unmarshalerType)
	opaqueCache.Store(t, o)
	return o
}

func (w *keyWalker) value(t reflect.Type) error {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if opaque(t) {
		t = nil // walk for duplicates, check no names
	}
	switch w.data[w.i] {
	case '{':
		return w.object(t)
	case '[':
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		w.i++
		w.skipSpace()
		if w.data[w.i] == ']' {
			w.i++
			return nil
		}
		for n := 0; ; n++ {
			if err := w.child(segment{idx: n}, elem); err != nil {
				return err
			}
			if w.closes(']') {
				return nil
			}
		}
	case '"':
		_, err := w.str()
		return err
	default:
		for w.i < len(w.data) && !strings.ContainsRune(",]} \t\r\n", rune(w.data[w.i])) {
			w.i++
		}
		return nil
	}
}

func (w *keyWalker) object(t reflect.Type) error {
	var fields map[string]reflect.Type
	var elem reflect.Type
	switch {
	case t != nil && t.Kind() == reflect.Struct:
		fields = fieldsOf(t)
	case t != nil && t.Kind() == reflect.Map:
		elem = t.Elem()
	}
	w.i++ // '{'
	w.skipSpace()
	if w.data[w.i] == '}' {
		w.i++
		return nil
	}
	var stack [16][]byte
	seen := stack[:0]
	for {
		key, err := w.str()
		if err != nil {
			return err
		}
		for _, k := range seen {
			if bytes.Equal(k, key) {
				return fmt.Errorf("field %q appears twice", w.at(key))
			}
		}
		seen = append(seen, key)
		next := elem
		if fields != nil {
			ft, ok := fields[string(key)]
			if !ok {
				for name := range fields {
					if strings.EqualFold(name, string(key)) {
						return fmt.Errorf("unknown field %q (field names are case-sensitive: did you mean %q?)", w.at(key), name)
					}
				}
			}
			next = ft
		}
		w.skipSpace()
		w.i++ // ':'
		w.skipSpace()
		if err := w.child(segment{key: key}, next); err != nil {
			return err
		}
		if w.closes('}') {
			return nil
		}
	}
}

// child walks the value at w.i, which the path names by s.
func (w *keyWalker) child(s segment, t reflect.Type) error {
	w.path = append(w.path, s)
	err := w.value(t)
	w.path = w.path[:len(w.path)-1]
	return err
}

// closes steps past what follows a member: the container's closing
// bracket (true), or the comma before the next member.
func (w *keyWalker) closes(bracket byte) bool {
	w.skipSpace()
	if w.data[w.i] == bracket {
		w.i++
		return true
	}
	w.i++ // ','
	w.skipSpace()
	return false
}

// str reads a string at w.i and returns its raw bytes, unescaped only
// where it holds an escape (the common key allocates nothing).
func (w *keyWalker) str() ([]byte, error) {
	start := w.i
	w.i++ // '"'
	escaped := false
	for {
		j := bytes.IndexByte(w.data[w.i:], '"')
		if j < 0 {
			return nil, fmt.Errorf("unterminated string")
		}
		k := bytes.IndexByte(w.data[w.i:w.i+j], '\\')
		if k < 0 {
			w.i += j + 1
			break
		}
		escaped = true
		w.i += k + 2 // the backslash and the character it escapes
	}
	raw := w.data[start:w.i]
	if !escaped {
		return raw[1 : len(raw)-1], nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("read key: %w", err)
	}
	return []byte(s), nil
}

func (w *keyWalker) skipSpace() {
	for w.i < len(w.data) {
		switch w.data[w.i] {
		case ' ', '\t', '\r', '\n':
			w.i++
		default:
			return
		}
	}
}

var fieldCache sync.Map // reflect.Type -> map[string]reflect.Type

// fieldsOf maps a struct's JSON names to their types as encoding/json
// sees them: tag names, Go names where untagged, embedded structs' fields
// promoted, unexported and "-" fields left out.
func fieldsOf(t reflect.Type) map[string]reflect.Type {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	m := map[string]reflect.Type{}
	addFields(m, t)
	fieldCache.Store(t, m)
	return m
}

func addFields(m map[string]reflect.Type, t reflect.Type) {
	// Shallower fields win over promoted ones, as in encoding/json: this
	// level's names first, then the embedded structs'.
	var embedded []reflect.Type
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			et := f.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				embedded = append(embedded, et)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if _, dup := m[name]; !dup {
			m[name] = f.Type
		}
	}
	for _, et := range embedded {
		addFields(m, et)
	}
}
