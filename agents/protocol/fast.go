package protocol

import (
	"encoding/json"
	"unicode/utf8"
)

// The fast path. Nearly every frame an agent sends is a small object of
// plain fields: {"type":"move","contest":"c_…","seq":2,"move":3}, a ping,
// a queue. parseFast reads exactly those, without a json.Decoder, and
// accepts a frame only where parseStrict would accept it and give the
// same Inbound; for anything else (an escape, a null, an unknown or
// repeated key, a nested move, a field the type does not take, a missing
// one, trailing data) it gives up, and parseStrict decides, so every
// refusal and every error frame still comes from one place.
// FuzzParseFast holds the two to agreement.

// Field bits of the keys parseFast knows.
const (
	fType uint8 = 1 << iota
	fArena
	fContest
	fSeq
	fMove
	fText
)

// fastTakes is takes as field bits: the fields besides "type" each frame
// type takes.
var fastTakes = map[string]uint8{
	TypePing:    0,
	TypeQueue:   fArena,
	TypeUnqueue: fArena,
	TypeMove:    fContest | fSeq | fMove,
	TypeChunk:   fContest | fText,
	TypeFinal:   fContest | fText,
	TypeResign:  fContest,
}

// fastTypes maps an inbound type's spelling to its constant, so a
// frame's type costs no allocation.
var fastTypes = map[string]string{
	TypePing: TypePing, TypeQueue: TypeQueue, TypeUnqueue: TypeUnqueue, TypeMove: TypeMove,
	TypeChunk: TypeChunk, TypeFinal: TypeFinal, TypeResign: TypeResign,
}

// parseFast decodes data when it is one JSON object of the frame keys,
// each once, whose strings hold no escape and no control character,
// whose seq is a plain non-negative integer, whose move is a number, a
// plain string, true or false, and which parseStrict accepts as it is.
// ok is false for everything else, and then in is the zero Inbound.
func parseFast(data []byte) (in Inbound, ok bool) {
	var (
		seen                      uint8
		typ                       string
		arena, contest, text, mov []byte
		seq                       uint64
	)
	i := skipSpace(data, 0)
	if i == len(data) || data[i] != '{' {
		return Inbound{}, false
	}
	i++
	for {
		i = skipSpace(data, i)
		key, next, good := plainString(data, i)
		if !good {
			return Inbound{}, false
		}
		var bit uint8
		switch string(key) {
		case "type":
			bit = fType
		case "arena":
			bit = fArena
		case "contest":
			bit = fContest
		case "seq":
			bit = fSeq
		case "move":
			bit = fMove
		case "text":
			bit = fText
		default:
			return Inbound{}, false
		}
		if seen&bit != 0 {
			return Inbound{}, false
		}
		seen |= bit
		i = skipSpace(data, next)
		if i == len(data) || data[i] != ':' {
			return Inbound{}, false
		}
		i = skipSpace(data, i+1)
		switch bit {
		case fSeq:
			seq, next, good = plainUint(data, i)
		case fMove:
			if next, good = plainScalar(data, i); good {
				mov = data[i:next]
			}
		default:
			var s []byte
			s, next, good = plainString(data, i)
			switch bit {
			case fType:
				typ, good = fastTypes[string(s)]
			case fArena:
				arena = s
			case fContest:
				contest = s
			case fText:
				text = s
			}
		}
		if !good {
			return Inbound{}, false
		}
		i = skipSpace(data, next)
		if i == len(data) {
			return Inbound{}, false
		}
		if data[i] == '}' {
			break
		}
		if data[i] != ',' {
			return Inbound{}, false
		}
		i++
	}
	if skipSpace(data, i+1) != len(data) || seen&fType == 0 || seen&^(fType|fastTakes[typ]) != 0 {
		return Inbound{}, false
	}
	// What parseStrict requires of each type; a frame short of it is
	// refused there.
	var complete bool
	switch typ {
	case TypePing:
		complete = true
	case TypeQueue, TypeUnqueue:
		complete = len(arena) > 0
	case TypeMove:
		complete = len(contest) > 0 && seen&fMove != 0 && seen&fSeq != 0
	case TypeChunk:
		complete = len(contest) > 0 && len(text) > 0
	case TypeFinal, TypeResign:
		complete = len(contest) > 0
	}
	if !complete {
		return Inbound{}, false
	}
	in.Type = typ
	if seen&fArena != 0 {
		in.Arena = string(arena)
	}
	if seen&fContest != 0 {
		in.Contest = string(contest)
	}
	if seen&fText != 0 {
		in.Text = string(text)
	}
	if seen&fSeq != 0 {
		in.Seq = new(uint64)
		*in.Seq = seq
	}
	if seen&fMove != 0 {
		// A copy, as json.RawMessage decodes: the frame's buffer is not
		// kept.
		in.Move = append(json.RawMessage(nil), mov...)
	}
	return in, true
}

// skipSpace steps past JSON white space from i.
func skipSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// plainString reads the JSON string at i when it holds no escape and no
// control character and is valid UTF-8: its contents are then the
// decoded string's bytes. next is the index past its closing quote.
func plainString(data []byte, i int) (s []byte, next int, ok bool) {
	if i == len(data) || data[i] != '"' {
		return nil, 0, false
	}
	ascii := true
	for j := i + 1; j < len(data); j++ {
		switch c := data[j]; {
		case c == '"':
			s = data[i+1 : j]
			if !ascii && !utf8.Valid(s) {
				return nil, 0, false
			}
			return s, j + 1, true
		case c == '\\' || c < 0x20:
			return nil, 0, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return nil, 0, false
}

// plainUint reads a JSON integer at i that is 0 or has no leading zero,
// no sign, no fraction or exponent, and fits in a uint64.
func plainUint(data []byte, i int) (v uint64, next int, ok bool) {
	j := i
	for ; j < len(data) && data[j] >= '0' && data[j] <= '9'; j++ {
		d := uint64(data[j] - '0')
		if v > (1<<64-1-d)/10 {
			return 0, 0, false
		}
		v = v*10 + d
	}
	if j == i || (data[i] == '0' && j > i+1) {
		return 0, 0, false
	}
	return v, j, true
}

// plainScalar reads a move at i that is a JSON number, a plain string
// (plainString), true or false; next is the index past it.
func plainScalar(data []byte, i int) (next int, ok bool) {
	if i == len(data) {
		return 0, false
	}
	switch c := data[i]; {
	case c == '"':
		_, next, ok = plainString(data, i)
		return next, ok
	case c == 't':
		return literal(data, i, "true")
	case c == 'f':
		return literal(data, i, "false")
	case c == '-' || (c >= '0' && c <= '9'):
		return number(data, i)
	}
	return 0, false
}

func literal(data []byte, i int, lit string) (next int, ok bool) {
	if len(data)-i < len(lit) || string(data[i:i+len(lit)]) != lit {
		return 0, false
	}
	return i + len(lit), true
}

// number reads a JSON number at i: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func number(data []byte, i int) (next int, ok bool) {
	j := i
	if data[j] == '-' {
		j++
	}
	switch {
	case j < len(data) && data[j] == '0':
		j++
	case j < len(data) && data[j] >= '1' && data[j] <= '9':
		j = digits(data, j)
	default:
		return 0, false
	}
	if j < len(data) && data[j] == '.' {
		k := digits(data, j+1)
		if k == j+1 {
			return 0, false
		}
		j = k
	}
	if j < len(data) && (data[j] == 'e' || data[j] == 'E') {
		j++
		if j < len(data) && (data[j] == '+' || data[j] == '-') {
			j++
		}
		k := digits(data, j)
		if k == j {
			return 0, false
		}
		j = k
	}
	return j, true
}

func digits(data []byte, i int) int {
	for i < len(data) && data[i] >= '0' && data[i] <= '9' {
		i++
	}
	return i
}
