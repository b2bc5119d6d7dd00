package aijudge

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/agentarena/arena/judges"
)

// ErrInvalidVerdict wraps every reason a model's reply was refused: not
// one JSON object, a label missing, unknown or repeated, a score that is
// not a number in [0, 1], no rationale, or a ranking its own scores
// contradict. A wrong ranking is worse than none, so nothing is guessed.
var ErrInvalidVerdict = errors.New("invalid verdict")

// maxRationale caps the rationale kept from a reply.
const maxRationale = 4 << 10

// parsedVerdict is a reply that passed every check. scores[k] is the
// score of the entry shown k-th (label E<k+1>).
type parsedVerdict struct {
	ranking   []int // presentation positions, best first
	scores    []float64
	rationale string
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidVerdict, fmt.Sprintf(format, args...))
}

// parseAIVerdict checks a reply for n entries. One Markdown code fence
// around the object is tolerated, since some servers ignore json_object
// mode; keys other than ranking, scores and rationale are ignored, since
// they cannot change the outcome.
func parseAIVerdict(content string, n int) (parsedVerdict, error) {
	body := judges.StripFence(content)
	if body == "" {
		return parsedVerdict{}, invalid("empty reply")
	}
	top, err := objectFields([]byte(body))
	if err != nil {
		return parsedVerdict{}, err
	}
	var p parsedVerdict
	if p.ranking, err = parseRanking(top.get("ranking"), n); err != nil {
		return parsedVerdict{}, err
	}
	if p.scores, err = parseScores(top.get("scores"), n); err != nil {
		return parsedVerdict{}, err
	}
	raw := top.get("rationale")
	if raw == nil || json.Unmarshal(raw, &p.rationale) != nil || strings.TrimSpace(p.rationale) == "" {
		return parsedVerdict{}, invalid(`"rationale" must be a non-empty string`)
	}
	p.rationale = capRationale(strings.TrimSpace(p.rationale))
	for r := 1; r < len(p.ranking); r++ {
		hi, lo := p.ranking[r-1], p.ranking[r]
		if p.scores[hi] < p.scores[lo] {
			return parsedVerdict{}, invalid("ranking puts %s above %s but scores it lower (%v < %v)",
				label(hi), label(lo), p.scores[hi], p.scores[lo])
		}
	}
	return p, nil
}

// parseRanking reads an array naming every label once.
func parseRanking(raw json.RawMessage, n int) ([]int, error) {
	var names []string
	if raw == nil || isNull(raw) || json.Unmarshal(raw, &names) != nil {
		return nil, invalid(`"ranking" must be an array of labels`)
	}
	if len(names) != n {
		return nil, invalid(`"ranking" has %d labels, want %d`, len(names), n)
	}
	seen := make([]bool, n)
	out := make([]int, n)
	for r, name := range names {
		k, ok := parseLabel(name, n)
		if !ok {
			return nil, invalid(`"ranking" names unknown entry %q`, cut(name))
		}
		if seen[k] {
			return nil, invalid(`"ranking" names %s twice`, name)
		}
		seen[k] = true
		out[r] = k
	}
	return out, nil
}

// parseScores reads an object with a number in [0, 1] for every label.
func parseScores(raw json.RawMessage, n int) ([]float64, error) {
	if raw == nil || isNull(raw) {
		return nil, invalid(`"scores" is missing`)
	}
	fields, err := objectFields(raw)
	if err != nil {
		return nil, invalid(`"scores" must be an object of label to score`)
	}
	out := make([]float64, n)
	for _, f := range fields {
		name, v := f.key, f.value
		k, ok := parseLabel(name, n)
		if !ok {
			return nil, invalid(`"scores" names unknown entry %q`, cut(name))
		}
		var s float64
		if isNull(v) || v[0] == '"' || json.Unmarshal(v, &s) != nil {
			return nil, invalid(`score of %s is not a number`, name)
		}
		if s < 0 || s > 1 {
			return nil, invalid(`score of %s is %v, outside [0, 1]`, name, s)
		}
		out[k] = s
	}
	if len(fields) != n {
		return nil, invalid(`"scores" has %d labels, want %d`, len(fields), n)
	}
	return out, nil
}

// field is one key and value of a JSON object.
type field struct {
	key   string
	value json.RawMessage
}

type fields []field

// get returns the value of key, or nil.
func (fs fields) get(key string) json.RawMessage {
	for _, f := range fs {
		if f.key == key {
			return f.value
		}
	}
	return nil
}

// objectFields decodes one JSON object into its fields in order, refusing
// duplicate keys (encoding/json would keep the last one silently) and
// anything after the object.
func objectFields(data []byte) (fields, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, invalid("not a JSON object")
	}
	var out fields
	for dec.More() {
		t, err := dec.Token()
		key, ok := t.(string)
		if err != nil || !ok {
			return nil, invalid("malformed JSON object")
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, invalid("malformed JSON value for %q", cut(key))
		}
		if out.get(key) != nil {
			return nil, invalid("key %q appears twice", cut(key))
		}
		out = append(out, field{key, v})
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('}') {
		return nil, invalid("malformed JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, invalid("text after the JSON object")
	}
	return out, nil
}

// parseLabel reads "E<k>" for 1 <= k <= n exactly: no padding, no other
// case, no spaces, so "E01" or "e1" is an unknown entry, not a guess.
func parseLabel(s string, n int) (int, bool) {
	if len(s) < 2 || s[0] != 'E' || s[1] == '0' {
		return 0, false
	}
	k, err := strconv.Atoi(s[1:])
	if err != nil || k < 1 || k > n || strconv.Itoa(k) != s[1:] {
		return 0, false
	}
	return k - 1, true
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// cut shortens model text quoted in an error.
func cut(s string) string {
	if len(s) > 40 {
		return capTo(s, 40) + "…"
	}
	return s
}

func capRationale(s string) string {
	if len(s) > maxRationale {
		return capTo(s, maxRationale) + "…"
	}
	return s
}

// capTo cuts s to at most n bytes on a rune boundary.
func capTo(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
