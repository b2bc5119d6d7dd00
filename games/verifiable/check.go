package verifiable

import (
	"github.com/agentarena/arena/games"

	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/big"
	"regexp"
	"strings"
	"time"
)

// Marker starts the answer line. It must begin a line, in capitals, once.
const Marker = "ANSWER:"

// Result is the checker's verdict on one answer. It is derived from the
// task's Want and the answer text alone, so anyone holding a stored
// contest can recompute it.
type Result struct {
	// Score is the share of checks passed, in [0, 1], rounded to 1e-6;
	// 0 when the answer is not in the task's format.
	Score float64 `json:"score"`
	// Passed is true when every check passed: exactly the answers that
	// score 1. No failing answer can score as high as a passing one.
	Passed bool `json:"passed"`
	// FormatError says why the answer could not be read (no ANSWER: line,
	// not valid JSON, wrong type); empty when it could.
	FormatError string `json:"format_error,omitempty"`
	// Checks are the individual comparisons: one per scalar, per list
	// position, per object field or per puzzle clue.
	Checks []CheckResult `json:"checks,omitempty"`
}

// CheckResult is one comparison of an answer against the ground truth.
type CheckResult struct {
	Name string `json:"name"`
	OK   bool   `json:"ok"`
}

// Check grades answer against want. It never panics on any input.
func Check(want Want, answer string) Result {
	return checkAt(want, answer, games.Rev)
}

// checkAt is Check as generator revision rev worded it: a contest's
// stored verdict and pairs quote the checker, so a replayed contest must
// get the words it got.
func checkAt(want Want, answer string, rev int) Result {
	value, err := extract(answer)
	if err == nil {
		var checks []CheckResult
		checks, err = compare(want, value, rev)
		if err == nil {
			r := scored(checks)
			if want.Kind == KindOrder && rev >= 1 && !r.Passed {
				// An order meets many clues by chance; only the order
				// that meets them all shows the puzzle was solved.
				r.Score = 0
			}
			return r
		}
	}
	return Result{FormatError: err.Error()}
}

func scored(checks []CheckResult) Result {
	ok := 0
	for _, c := range checks {
		if c.OK {
			ok++
		}
	}
	r := Result{Checks: checks}
	if len(checks) > 0 {
		// ok and len are small integers, so the quotient is the same on
		// every CPU; rounding keeps 2/3 from printing 17 digits.
		r.Score = math.Round(float64(ok)/float64(len(checks))*1e6) / 1e6
		r.Passed = ok == len(checks)
	}
	return r
}

// extract returns the value after the single ANSWER: line, trimmed.
func extract(answer string) (string, error) {
	text := strings.ReplaceAll(answer, "\r\n", "\n")
	start := -1
	for off := 0; off <= len(text); {
		end := strings.IndexByte(text[off:], '\n')
		if end < 0 {
			end = len(text) - off
		}
		if strings.HasPrefix(text[off:off+end], Marker) {
			if start >= 0 {
				return "", fmt.Errorf("more than one %s line", Marker)
			}
			start = off + len(Marker)
		}
		off += end + 1
	}
	if start < 0 {
		return "", fmt.Errorf("no line starts with %s", Marker)
	}
	v := strings.TrimSpace(text[start:])
	if v == "" {
		return "", fmt.Errorf("nothing after %s", Marker)
	}
	return v, nil
}

var (
	intRe      = regexp.MustCompile(`^-?(0|[1-9][0-9]*)$`)
	numRe      = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?$`)
	dateRe     = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
	dateTimeRe = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}$`)
)

// compare checks a value against want; an error is a format error.
func compare(want Want, v string, rev int) ([]CheckResult, error) {
	switch want.Kind {
	case KindInteger, KindNumber, KindDate, KindDateTime, KindWord:
		if strings.ContainsAny(v, "\n") {
			if rev == 0 {
				return nil, fmt.Errorf("a %s answer is one line; text follows it", want.Kind)
			}
			return nil, fmt.Errorf("%s answer is one line; text follows it", withArticle(want.Kind))
		}
		got, err := scalar(want, v)
		if err != nil {
			return nil, err
		}
		return []CheckResult{{Name: "value", OK: got == canonical(want.Kind, want.Value)}}, nil
	case KindString:
		var s string
		if err := strictValue(v, &s); err != nil {
			return nil, fmt.Errorf("a string answer is one JSON string literal: %w", err)
		}
		return []CheckResult{{Name: "value", OK: s == want.Value}}, nil
	case KindList:
		return compareList(want, v)
	case KindObject:
		return compareObject(want, v)
	case KindOrder:
		return compareOrder(want, v)
	}
	return nil, fmt.Errorf("task has unknown answer kind %q", want.Kind)
}

// scalar reads a bare scalar of want's kind into its canonical form.
func scalar(want Want, v string) (string, error) {
	switch want.Kind {
	case KindInteger:
		if !intRe.MatchString(v) {
			return "", fmt.Errorf("%q is not a bare integer", clip(v))
		}
	case KindNumber:
		if !numRe.MatchString(v) {
			return "", fmt.Errorf("%q is not a bare decimal number", clip(v))
		}
	case KindDate:
		if !dateRe.MatchString(v) || !validTime("2006-01-02", v) {
			return "", fmt.Errorf("%q is not a date YYYY-MM-DD", clip(v))
		}
	case KindDateTime:
		if !dateTimeRe.MatchString(v) || !validTime("2006-01-02 15:04", v) {
			return "", fmt.Errorf("%q is not a date and time YYYY-MM-DD HH:MM", clip(v))
		}
	case KindWord:
		for _, o := range want.Options {
			if strings.EqualFold(v, o) {
				return o, nil
			}
		}
		return "", fmt.Errorf("%q is not one of %s", clip(v), strings.Join(want.Options, ", "))
	}
	return canonical(want.Kind, v), nil
}

func validTime(layout, v string) bool {
	_, err := time.Parse(layout, v)
	return err == nil
}

// canonical puts a well-formed scalar in one spelling: numbers as exact
// reduced fractions, so 12.50 and 12.5 compare equal; words as given.
func canonical(kind, v string) string {
	switch kind {
	case KindInteger, KindNumber: // FieldInteger and FieldNumber share these names
		if r, ok := new(big.Rat).SetString(v); ok {
			return r.RatString()
		}
	}
	return v
}

// strictValue decodes exactly one JSON value, nothing after it.
func strictValue(v string, into any) error {
	dec := json.NewDecoder(strings.NewReader(v))
	dec.UseNumber()
	if err := dec.Decode(into); err != nil {
		return fmt.Errorf("not valid JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("text after the JSON value")
	}
	return nil
}

func compareList(want Want, v string) ([]CheckResult, error) {
	var raw []json.RawMessage
	if err := strictValue(v, &raw); err != nil || !strings.HasPrefix(v, "[") {
		return nil, fmt.Errorf("the answer is not one JSON array")
	}
	got := make([]string, len(raw))
	for i, r := range raw {
		g, err := field(want.Elem, r)
		if err != nil {
			return nil, fmt.Errorf("item %d: %w", i+1, err)
		}
		got[i] = g
	}
	checks := make([]CheckResult, 0, len(want.Items)+1)
	for i, w := range want.Items {
		checks = append(checks, CheckResult{Name: fmt.Sprintf("item %d", i+1),
			OK: i < len(got) && got[i] == canonical(want.Elem, w)})
	}
	// The count is a check of its own: it is what an empty list is judged
	// on, and it costs an answer that pads a right prefix with extras.
	checks = append(checks, CheckResult{Name: "item count", OK: len(got) == len(want.Items)})
	return checks, nil
}

// field reads one JSON value of a field kind into canonical form.
func field(kind string, r json.RawMessage) (string, error) {
	r = bytes.TrimSpace(r)
	switch kind {
	case FieldString, FieldDate:
		var s string
		if err := json.Unmarshal(r, &s); err != nil {
			return "", fmt.Errorf("want a JSON string")
		}
		if kind == FieldDate && (!dateRe.MatchString(s) || !validTime("2006-01-02", s)) {
			return "", fmt.Errorf("want a date string \"YYYY-MM-DD\"")
		}
		return s, nil
	case FieldInteger:
		if !intRe.Match(r) {
			return "", fmt.Errorf("want a JSON integer")
		}
		return canonical(kind, string(r)), nil
	case FieldNumber:
		if !numRe.Match(r) {
			return "", fmt.Errorf("want a JSON number without exponent")
		}
		return canonical(kind, string(r)), nil
	case FieldBool:
		if s := string(r); s == "true" || s == "false" {
			return s, nil
		}
		return "", fmt.Errorf("want true or false")
	}
	return "", fmt.Errorf("unknown field kind %q", kind)
}

// compareObject gives one check per expected key. A key with a value of
// the wrong type fails its check (the rest of the object still counts);
// keys the schema does not name add one failing check.
func compareObject(want Want, v string) ([]CheckResult, error) {
	obj, err := objectFields(v)
	if err != nil {
		return nil, err
	}
	checks := make([]CheckResult, 0, len(want.Fields)+1)
	known := map[string]bool{}
	for _, f := range want.Fields {
		known[f.Name] = true
		r, ok := obj[f.Name]
		got, err := field(f.Kind, r)
		checks = append(checks, CheckResult{Name: "field " + f.Name,
			OK: ok && err == nil && got == canonical(f.Kind, f.Value)})
	}
	for k := range obj {
		if !known[k] {
			checks = append(checks, CheckResult{Name: "no extra keys", OK: false})
			break
		}
	}
	return checks, nil
}

// objectFields decodes one JSON object, refusing duplicate keys (which
// encoding/json would silently resolve to the last).
func objectFields(v string) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(strings.NewReader(v))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("the answer is not one JSON object")
	}
	out := map[string]json.RawMessage{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("not valid JSON: %v", err)
		}
		k, _ := t.(string)
		var r json.RawMessage
		if err := dec.Decode(&r); err != nil {
			return nil, fmt.Errorf("not valid JSON: %v", err)
		}
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("key %q appears twice", clip(k))
		}
		out[k] = r
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('}') {
		return nil, fmt.Errorf("not valid JSON: unterminated object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("text after the JSON object")
	}
	return out, nil
}

// compareOrder needs every name exactly once; then each clue is a check.
// The clues admit one order only, so passing them all is being right.
func compareOrder(want Want, v string) ([]CheckResult, error) {
	var got []string
	if err := strictValue(v, &got); err != nil || !strings.HasPrefix(v, "[") {
		return nil, fmt.Errorf("the answer is not one JSON array of names")
	}
	at := map[string]int{}
	for i, n := range got {
		at[n] = i
	}
	if len(got) != len(want.Names) || len(at) != len(got) {
		return nil, fmt.Errorf("the answer must name each of the %d people exactly once", len(want.Names))
	}
	for _, n := range want.Names {
		if _, ok := at[n]; !ok {
			return nil, fmt.Errorf("the answer does not name %s", n)
		}
	}
	checks := make([]CheckResult, len(want.Clues))
	for i, c := range want.Clues {
		checks[i] = CheckResult{Name: fmt.Sprintf("clue %d", i+1), OK: c.holds(at)}
	}
	return checks, nil
}

// withArticle is a kind's name after "a" or "an".
func withArticle(kind string) string {
	if strings.IndexByte("aeiou", kind[0]) >= 0 {
		return "an " + kind
	}
	return "a " + kind
}

// clip shortens echoed answer text in error messages.
func clip(s string) string {
	if len(s) > 40 {
		// Cut on a rune boundary so the message stays valid UTF-8.
		for i := 40; i > 36; i-- {
			if s[i]&0xC0 != 0x80 {
				return s[:i] + "..."
			}
		}
		return s[:36] + "..."
	}
	return s
}

// jsonString encodes s as a JSON string literal without HTML escaping.
func jsonString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}
