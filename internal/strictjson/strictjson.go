// Package strictjson decodes JSON that must mean exactly one thing:
// replicated commands, stored game states, agents' moves. It refuses
// unknown object fields and anything after the value, where
// encoding/json would ignore both.
package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
)

// ErrTrailingData is matched (errors.Is) by the error for data after the
// value, whatever the value was named.
var ErrTrailingData = errors.New("trailing data")

// trailingError names the value after which data was found. Callers
// choose the name because their error texts reach agents, clients and
// the command log, and must stay as they were.
type trailingError struct{ after string }

func (e trailingError) Error() string      { return "trailing data after " + e.after }
func (trailingError) Is(target error) bool { return target == ErrTrailingData }

// Unmarshal decodes exactly one JSON value from data into v with unknown
// fields refused. Data after the value (other than white space) is an
// error reading "trailing data after JSON value".
func Unmarshal(data []byte, v any) error { return UnmarshalNamed(data, v, "JSON value") }

// UnmarshalNamed is Unmarshal with the value named in the trailing-data
// error ("trailing data after <name>").
func UnmarshalNamed(data []byte, v any, name string) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return trailingError{after: name}
	}
	return nil
}
