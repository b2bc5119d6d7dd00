package strictjson

import (
	"errors"
	"testing"
)

func TestUnmarshal(t *testing.T) {
	type doc struct {
		A int `json:"a"`
	}
	for _, tc := range []struct {
		name, in, err string
	}{
		{"one object", `{"a":1}`, ""},
		{"white space around", " \n{\"a\":1}\t ", ""},
		{"unknown field", `{"a":1,"b":2}`, `json: unknown field "b"`},
		{"a second value", `{"a":1} {"a":2}`, "trailing data after JSON value"},
		{"garbage after", `{"a":1}x`, "trailing data after JSON value"},
		{"a wrong type", `{"a":"1"}`, "json: cannot unmarshal string into Go struct field doc.a of type int"},
		{"empty", ``, "EOF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var d doc
			err := Unmarshal([]byte(tc.in), &d)
			switch {
			case tc.err == "" && err != nil:
				t.Fatalf("err = %v", err)
			case tc.err == "" && d.A != 1:
				t.Fatalf("decoded %+v", d)
			case tc.err != "" && (err == nil || err.Error() != tc.err):
				t.Fatalf("err = %v, want %q", err, tc.err)
			}
		})
	}
}

func TestUnmarshalNamedKeepsTheCallersText(t *testing.T) {
	var v []int
	err := UnmarshalNamed([]byte(`[1] [2]`), &v, "state")
	if err == nil || err.Error() != "trailing data after state" || !errors.Is(err, ErrTrailingData) {
		t.Fatalf("err = %v", err)
	}
}
