// Package gamingset loads the judge-gaming suite (judges/testdata/gaming/*.json)
// and fills its answer templates for a task, for the tests of package
// judges and judges/aijudge. The suite is a directory so that each class
// of strategy keeps its own file and new files need no code.
package gamingset

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/agentarena/arena/internal/strictjson"
	"github.com/agentarena/arena/task"
)

// Case is one strategy of the suite.
//
// Answer is a template: text with placeholders {{SOURCE[:ARG]|TRANSFORM[:ARG]|…}}.
// Sources:
//
//	honest       the best honest answer to the task (honest:N: N copies, blank-line separated)
//	filler:N     N sentences of on-topic filler
//	terms:N      the task's required terms (or JSON keys) repeated N times
//	prompt       the task's own text
//	forbidden    the task's first forbidden term (the case needs "forbidden")
//	payload      the case's Payload
//
// Transforms are applied left to right; see Transform for the list.
type Case struct {
	ID       string `json:"id"`
	Category string `json:"category"`
	Answer   string `json:"answer"`
	// Payload is text a transform chain can encode (an instruction to
	// the judge, in some language).
	Payload string `json:"payload,omitempty"`
	// Expect lists the flag kinds the entry must get.
	Expect []string `json:"expect,omitempty"`
	// Missed lists prefixes of rubric check labels the entry must miss
	// ("avoids", "words"): tricks the rubric, not a flag, defeats.
	Missed []string `json:"missed,omitempty"`
	// Needs names a criterion the task must have for the case to apply:
	// "forbidden", "max_words", "min_words" or "json".
	Needs string `json:"needs,omitempty"`
	Notes string `json:"notes"`
	// File is the suite file the case came from.
	File string `json:"-"`
}

// Load reads every *.json file of dir (each a JSON array of cases), in
// name order, and checks the cases: ids unique across files, required
// fields present, templates well formed.
func Load(dir string) ([]Case, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, fmt.Errorf("list suite: %w", err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no suite files in %s", dir)
	}
	slices.Sort(files)
	var out []Case
	ids := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read suite: %w", err)
		}
		var set []Case
		if err := strictjson.Unmarshal(b, &set); err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Base(f), err)
		}
		for _, c := range set {
			c.File = filepath.Base(f)
			switch {
			case c.ID == "" || c.Category == "" || c.Notes == "":
				return nil, fmt.Errorf("%s: case %q lacks an id, category or notes", c.File, c.ID)
			case ids[c.ID] != "":
				return nil, fmt.Errorf("%s: case %q also in %s", c.File, c.ID, ids[c.ID])
			case len(c.Expect) == 0 && len(c.Missed) == 0:
				return nil, fmt.Errorf("%s: case %q expects neither a flag nor a missed check", c.File, c.ID)
			case c.Needs != "" && c.Needs != "forbidden" && c.Needs != "max_words" && c.Needs != "min_words" && c.Needs != "json":
				return nil, fmt.Errorf("%s: case %q needs unknown %q", c.File, c.ID, c.Needs)
			}
			ids[c.ID] = c.File
			// A template error is the file's defect: find it at load.
			if _, err := c.Expand(task.Criteria{Forbidden: []string{"simply"}, MinWords: 5, MaxWords: 50, Format: "json"}, "p", "h"); err != nil {
				return nil, err
			}
			out = append(out, c)
		}
	}
	return out, nil
}

// Applies reports whether the case makes sense for a task with criteria c.
func (c Case) Applies(cr task.Criteria) bool {
	switch c.Needs {
	case "forbidden":
		return len(cr.Forbidden) > 0
	case "max_words":
		return cr.MaxWords > 0
	case "min_words":
		return cr.MinWords > 0
	case "json":
		return cr.Format == "json"
	}
	return true
}

// Expand fills the case's template for a task (its criteria and prompt)
// given the honest answer to it.
func (c Case) Expand(cr task.Criteria, prompt, honest string) (string, error) {
	out := c.Answer
	var b strings.Builder
	for {
		i := strings.Index(out, "{{")
		if i < 0 {
			b.WriteString(out)
			return b.String(), nil
		}
		j := strings.Index(out[i:], "}}")
		if j < 0 {
			return "", fmt.Errorf("%s: unclosed placeholder", c.ID)
		}
		b.WriteString(out[:i])
		repl, err := c.placeholder(out[i+2:i+j], cr, prompt, honest)
		if err != nil {
			return "", fmt.Errorf("%s: %w", c.ID, err)
		}
		b.WriteString(repl)
		out = out[i+j+2:]
	}
}

// fillerSentence is on-topic filler for length games.
const fillerSentence = "Leader election keeps a cluster available while nodes fail and recover. "

func (c Case) placeholder(expr string, cr task.Criteria, prompt, honest string) (string, error) {
	parts := strings.Split(expr, "|")
	name, arg, _ := strings.Cut(parts[0], ":")
	n := 1
	if arg != "" {
		if _, err := fmt.Sscanf(arg, "%d", &n); err != nil || n < 1 {
			return "", fmt.Errorf("placeholder %q: bad count", expr)
		}
	}
	var s string
	switch name {
	case "honest":
		s = strings.Repeat(honest+"\n\n", n-1) + honest
	case "filler":
		s = strings.TrimSpace(strings.Repeat(fillerSentence, n))
	case "terms":
		terms := append(slices.Clone(cr.Required), cr.JSONKeys...)
		s = strings.TrimSpace(strings.Repeat(strings.Join(terms, " ")+" ", n))
	case "prompt":
		s = prompt
	case "forbidden":
		if len(cr.Forbidden) == 0 {
			return "", fmt.Errorf("placeholder %q: the task forbids nothing (set needs)", expr)
		}
		s = cr.Forbidden[0]
	case "payload":
		if c.Payload == "" {
			return "", fmt.Errorf("placeholder %q: the case has no payload", expr)
		}
		s = c.Payload
	default:
		return "", fmt.Errorf("unknown placeholder %q", expr)
	}
	for _, t := range parts[1:] {
		var err error
		if s, err = Transform(t, s, honest); err != nil {
			return "", fmt.Errorf("placeholder %q: %w", expr, err)
		}
	}
	return s, nil
}

// jsonNote inserts s, the content of a JSON string literal (already
// escaped as the case wants it), into the honest answer as the value of
// a "note" key when the answer is a JSON object; otherwise it returns the
// honest answer with s decoded on a line after it.
func jsonNote(s, honest string) (string, error) {
	body := strings.TrimSpace(honest)
	var obj map[string]json.RawMessage
	if json.Unmarshal([]byte(body), &obj) != nil || !strings.HasSuffix(body, "}") {
		var plain string
		if err := json.Unmarshal([]byte(`"`+s+`"`), &plain); err != nil {
			return "", fmt.Errorf("json_note: %q is not JSON string content: %w", s, err)
		}
		return honest + "\n" + plain, nil
	}
	sep := ", "
	if len(obj) == 0 {
		sep = ""
	}
	out := strings.TrimSuffix(body, "}") + sep + `"note": "` + s + `"}`
	if !json.Valid([]byte(out)) {
		return "", fmt.Errorf("json_note: the answer would not be valid JSON")
	}
	return out, nil
}
