package verifiable

import (
	"fmt"
	"strings"
)

// Answer kinds: the shape of the value after "ANSWER:". Each kind has one
// exact format (docs/PROTOCOL.md lists them), stated in every task's text.
const (
	KindInteger  = "integer"  // a bare integer: 42, -7
	KindNumber   = "number"   // a bare decimal number: 12.5, -3, 0.25
	KindDate     = "date"     // 2026-03-14
	KindDateTime = "datetime" // 2026-03-14 09:05
	KindWord     = "word"     // one of the options the task names, any case
	KindString   = "string"   // a JSON string literal: "olleh"
	KindList     = "list"     // a JSON array of integers or strings
	KindObject   = "object"   // a JSON object with exactly the named keys
	KindOrder    = "order"    // a JSON array naming every person once, in order
)

// Field kinds inside a KindObject answer: the JSON type a value must have.
const (
	FieldString  = "string"  // JSON string, compared exactly
	FieldInteger = "integer" // JSON number without fraction or exponent
	FieldNumber  = "number"  // JSON number, compared as an exact decimal
	FieldDate    = "date"    // JSON string "YYYY-MM-DD"
	FieldBool    = "bool"    // true or false
)

// Want is a task's ground truth: what the checker compares an answer to.
// It is stored with the task, so a stored contest is re-checked without
// regenerating anything.
type Want struct {
	Kind string `json:"kind"`
	// Value is the canonical scalar answer (integer, number, date,
	// datetime, word, string kinds).
	Value string `json:"value,omitempty"`
	// Options are the words a KindWord answer may be.
	Options []string `json:"options,omitempty"`
	// Elem is a KindList's element kind (FieldInteger or FieldString) and
	// Items its canonical elements in order.
	Elem  string   `json:"elem,omitempty"`
	Items []string `json:"items,omitempty"`
	// Fields are a KindObject's keys in the order the task names them.
	Fields []Field `json:"fields,omitempty"`
	// Names and Clues are a KindOrder puzzle: the answer must order every
	// name so that each clue holds. The clues admit exactly one order.
	Names []string `json:"names,omitempty"`
	Clues []Clue   `json:"clues,omitempty"`
}

// Field is one key of an object answer.
type Field struct {
	Name  string `json:"name"`
	Kind  string `json:"kind"`
	Value string `json:"value"` // canonical: "true"/"false" for bools
}

// Clue kinds of an order puzzle; positions are 1-based from the left.
const (
	ClueBefore      = "before"       // A stands somewhere left of B
	ClueAdjacent    = "adjacent"     // A and B stand next to each other
	ClueNotAdjacent = "not_adjacent" // A and B do not stand next to each other
	CluePosition    = "position"     // A stands at Pos
	ClueNotPosition = "not_position" // A does not stand at Pos
)

// Clue is one constraint of an order puzzle.
type Clue struct {
	Kind string `json:"kind"`
	A    string `json:"a"`
	B    string `json:"b,omitempty"`
	Pos  int    `json:"pos,omitempty"`
}

// holds reports whether the clue is true of order (index by name).
func (c Clue) holds(at map[string]int) bool {
	a, b := at[c.A], at[c.B]
	switch c.Kind {
	case ClueBefore:
		return a < b
	case ClueAdjacent:
		return a-b == 1 || b-a == 1
	case ClueNotAdjacent:
		return a-b != 1 && b-a != 1
	case CluePosition:
		return a == c.Pos-1
	case ClueNotPosition:
		return a != c.Pos-1
	}
	return false
}

// String is the clue in plain English, as the task text states it.
func (c Clue) String() string {
	switch c.Kind {
	case ClueBefore:
		return fmt.Sprintf("%s stands somewhere to the left of %s.", c.A, c.B)
	case ClueAdjacent:
		return fmt.Sprintf("%s stands right next to %s.", c.A, c.B)
	case ClueNotAdjacent:
		return fmt.Sprintf("%s does not stand next to %s.", c.A, c.B)
	case CluePosition:
		return fmt.Sprintf("%s stands in position %d.", c.A, c.Pos)
	case ClueNotPosition:
		return fmt.Sprintf("%s is not in position %d.", c.A, c.Pos)
	}
	return ""
}

// Render writes want as an answer value in its kind's exact format (what
// follows "ANSWER: "). The checker accepts it with full marks.
func (w Want) Render() string {
	switch w.Kind {
	case KindString:
		return jsonString(w.Value)
	case KindList:
		parts := make([]string, len(w.Items))
		for i, it := range w.Items {
			parts[i] = renderField(w.Elem, it)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case KindObject:
		parts := make([]string, len(w.Fields))
		for i, f := range w.Fields {
			parts[i] = jsonString(f.Name) + ": " + renderField(f.Kind, f.Value)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case KindOrder:
		parts := make([]string, len(w.Names))
		for i, n := range w.Names {
			parts[i] = jsonString(n)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return w.Value
}

// renderField writes one canonical value as JSON of its field kind.
func renderField(kind, v string) string {
	switch kind {
	case FieldString, FieldDate:
		return jsonString(v)
	}
	return v
}

// formatHelp is the sentence each task ends with: how to write the answer.
func (w Want) formatHelp() string {
	var f string
	switch w.Kind {
	case KindInteger:
		f = "a bare integer, digits only with an optional leading minus (no units, no separators), e.g. ANSWER: 42"
	case KindNumber:
		f = "a bare decimal number with a point as the decimal mark (no units, no separators, no exponent), e.g. ANSWER: 12.5"
	case KindDate:
		f = "a date as YYYY-MM-DD, e.g. ANSWER: 2026-03-14"
	case KindDateTime:
		f = "a date and 24-hour time as YYYY-MM-DD HH:MM, e.g. ANSWER: 2026-03-14 09:05"
	case KindWord:
		f = "exactly one of: " + strings.Join(w.Options, ", ")
	case KindString:
		f = `a JSON string literal in double quotes, e.g. ANSWER: "like this"`
	case KindList:
		if w.Elem == FieldInteger {
			f = "a JSON array of integers, e.g. ANSWER: [3, 1, 2]"
		} else {
			f = `a JSON array of strings, e.g. ANSWER: ["a", "b"]`
		}
	case KindObject:
		keys := make([]string, len(w.Fields))
		for i, fl := range w.Fields {
			keys[i] = fmt.Sprintf("%q (%s)", fl.Name, fieldHelp[fl.Kind])
		}
		f = "a JSON object with exactly these keys: " + strings.Join(keys, ", ")
	case KindOrder:
		f = `a JSON array of every name exactly once, leftmost first, e.g. ANSWER: ["Name1", "Name2", "Name3"]`
	}
	return "Answer format: end your reply with one line that starts with \"ANSWER:\" followed by " + f +
		". Anything before that line is ignored; nothing may follow the value."
}

var fieldHelp = map[string]string{
	FieldString:  "string",
	FieldInteger: "integer",
	FieldNumber:  "number",
	FieldDate:    `string "YYYY-MM-DD"`,
	FieldBool:    "true or false",
}
