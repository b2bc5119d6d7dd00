package verifiable

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/agentarena/arena/internal/strictjson"
)

// Answer size limits in bytes: room for working before the ANSWER: line,
// and a ceiling that keeps a contest's replicated state small.
const (
	DefaultMaxAnswerBytes = 4096
	MaxAnswerBytesLimit   = 64 << 10
)

// Options is the arena's game configuration (games.Setup.Options).
//
// Held-out tasks exist so that an evaluation arena can measure agents on
// problems no training arena ever produced a preference pair for: a
// family listed in HeldOut, and every instance whose number falls in the
// lowest HeldOutPercent of the instance space, appear only where Eval is
// true. A training arena and its evaluation arena should list the same
// HeldOut and HeldOutPercent.
type Options struct {
	// Families restricts the families drawn from; empty means all.
	Families []string `json:"families,omitempty"`
	// Levels restricts the difficulty levels (1-3); empty means all.
	Levels []int `json:"levels,omitempty"`
	// HeldOut families are drawn only when Eval is true.
	HeldOut []string `json:"held_out,omitempty"`
	// HeldOutPercent (0-99) of instances, by instance number, are drawn
	// only when Eval is true.
	HeldOutPercent int `json:"held_out_percent,omitempty"`
	// Eval makes this an evaluation arena: it draws only held-out tasks.
	Eval bool `json:"eval,omitempty"`
	// MaxAnswerBytes caps each seat's whole answer; 0 means the default.
	MaxAnswerBytes int `json:"max_answer_bytes,omitempty"`
}

// ParseOptions reads arena options; nil, empty or null means defaults.
// Unknown fields, unknown families and pools with no task in them are
// errors, so a bad arena is refused when it is created.
func ParseOptions(raw json.RawMessage) (Options, error) {
	var o Options
	if t := bytes.TrimSpace(raw); len(t) > 0 && !bytes.Equal(t, []byte("null")) {
		if err := strictjson.UnmarshalNamed(t, &o, "value"); err != nil {
			return Options{}, fmt.Errorf("verifiable options: %w", err)
		}
	}
	if o.MaxAnswerBytes == 0 {
		o.MaxAnswerBytes = DefaultMaxAnswerBytes
	}
	if o.MaxAnswerBytes < 1 || o.MaxAnswerBytes > MaxAnswerBytesLimit {
		return Options{}, fmt.Errorf("verifiable options: max_answer_bytes %d not in 1..%d", o.MaxAnswerBytes, MaxAnswerBytesLimit)
	}
	for _, list := range [][]string{o.Families, o.HeldOut} {
		for _, f := range list {
			if _, ok := familyByName(f); !ok {
				return Options{}, fmt.Errorf("verifiable options: unknown family %q (known: %v)", f, Families())
			}
		}
	}
	for _, l := range o.Levels {
		if l < 1 || l > MaxLevel {
			return Options{}, fmt.Errorf("verifiable options: level %d not in 1..%d", l, MaxLevel)
		}
	}
	if o.HeldOutPercent < 0 || o.HeldOutPercent > 99 {
		return Options{}, fmt.Errorf("verifiable options: held_out_percent %d not in 0..99", o.HeldOutPercent)
	}
	if len(o.pool()) == 0 {
		return Options{}, fmt.Errorf("verifiable options: every family is held out; a training arena has nothing to draw")
	}
	if o.Eval && o.HeldOutPercent == 0 && !slices.ContainsFunc(o.pool(), func(f string) bool { return slices.Contains(o.HeldOut, f) }) {
		return Options{}, fmt.Errorf("verifiable options: an eval arena needs held_out families among its families or a held_out_percent")
	}
	return o, nil
}

// pool is the families this arena draws from, in generator order: for a
// training arena the chosen families less the held-out ones; for an eval
// arena the chosen families (held-out instances of any of them count).
func (o Options) pool() []string {
	var out []string
	for _, f := range Families() {
		if len(o.Families) > 0 && !slices.Contains(o.Families, f) {
			continue
		}
		if !o.Eval && slices.Contains(o.HeldOut, f) {
			continue
		}
		out = append(out, f)
	}
	return out
}

func (o Options) levels() []int {
	if len(o.Levels) == 0 {
		return []int{1, 2, 3}
	}
	return o.Levels
}
