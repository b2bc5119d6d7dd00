package aijudge

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/agentarena/arena/internal/fuzzseed"
)

func TestParseAIVerdictIsStrict(t *testing.T) {
	cases := []struct {
		name, reply string
		ok          bool
	}{
		{"a valid verdict", `{"ranking":["E2","E1","E3"],"scores":{"E1":0.5,"E2":0.9,"E3":0},"rationale":"E2 is right."}`, true},
		{"equal scores in either listed order", `{"ranking":["E1","E3","E2"],"scores":{"E1":0.5,"E2":0.5,"E3":0.5},"rationale":"All equal."}`, true},
		{"in a code fence, with an extra key", "```json\n" + `{"ranking":["E1","E2","E3"],"scores":{"E1":1,"E2":0.5,"E3":0.25},"rationale":"ok","confidence":0.7}` + "\n```", true},
		{"not JSON", `E2 is best.`, false},
		{"empty", ``, false},
		{"an array", `[{"ranking":["E1"]}]`, false},
		{"text after the object", `{"ranking":["E1","E2","E3"],"scores":{"E1":1,"E2":0.5,"E3":0},"rationale":"ok"} and more`, false},
		{"a second object", `{"ranking":["E1","E2","E3"],"scores":{"E1":1,"E2":0.5,"E3":0},"rationale":"ok"}{}`, false},
		{"a missing label", `{"ranking":["E2","E1"],"scores":{"E1":0.5,"E2":0.9,"E3":0},"rationale":"x"}`, false},
		{"an unknown label", `{"ranking":["E2","E4","E1"],"scores":{"E1":0.5,"E2":0.9,"E4":0},"rationale":"x"}`, false},
		{"a lower-case label", `{"ranking":["E2","e1","E3"],"scores":{"E1":0.5,"E2":0.9,"E3":0},"rationale":"x"}`, false},
		{"a zero-padded label", `{"ranking":["E2","E01","E3"],"scores":{"E1":0.5,"E2":0.9,"E3":0},"rationale":"x"}`, false},
		{"a label ranked twice", `{"ranking":["E2","E2","E3"],"scores":{"E1":0.5,"E2":0.9,"E3":0},"rationale":"x"}`, false},
		{"a label scored twice", `{"ranking":["E2","E1","E3"],"scores":{"E1":0.5,"E2":0.9,"E1":0.1},"rationale":"x"}`, false},
		{"a label missing from scores", `{"ranking":["E2","E1","E3"],"scores":{"E1":0.5,"E2":0.9},"rationale":"x"}`, false},
		{"ranking given twice", `{"ranking":["E1","E2","E3"],"ranking":["E3","E2","E1"],"scores":{"E1":0.5,"E2":0.5,"E3":0.5},"rationale":"x"}`, false},
		{"a score above 1", `{"ranking":["E2","E1","E3"],"scores":{"E1":0.5,"E2":1.2,"E3":0},"rationale":"x"}`, false},
		{"a negative score", `{"ranking":["E2","E1","E3"],"scores":{"E1":0.5,"E2":0.9,"E3":-0.1},"rationale":"x"}`, false},
		{"a score as a string", `{"ranking":["E2","E1","E3"],"scores":{"E1":"0.5","E2":0.9,"E3":0},"rationale":"x"}`, false},
		{"a null score", `{"ranking":["E2","E1","E3"],"scores":{"E1":null,"E2":0.9,"E3":0},"rationale":"x"}`, false},
		{"scores that contradict the ranking", `{"ranking":["E1","E2","E3"],"scores":{"E1":0.5,"E2":0.9,"E3":0},"rationale":"x"}`, false},
		{"no rationale", `{"ranking":["E2","E1","E3"],"scores":{"E1":0.5,"E2":0.9,"E3":0}}`, false},
		{"a blank rationale", `{"ranking":["E2","E1","E3"],"scores":{"E1":0.5,"E2":0.9,"E3":0},"rationale":" "}`, false},
		{"null ranking", `{"ranking":null,"scores":{"E1":0.5,"E2":0.9,"E3":0},"rationale":"x"}`, false},
		{"scores as an array", `{"ranking":["E2","E1","E3"],"scores":[0.5,0.9,0],"rationale":"x"}`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := parseAIVerdict(tc.reply, 3)
			if tc.ok != (err == nil) {
				t.Fatalf("err = %v, want ok %v", err, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrInvalidVerdict) {
				t.Fatalf("err = %v does not wrap ErrInvalidVerdict", err)
			}
			if err == nil && len(p.scores) != 3 {
				t.Fatalf("parsed %+v", p)
			}
		})
	}
	p, _ := parseAIVerdict(cases[0].reply, 3)
	if !slices.Equal(p.ranking, []int{1, 0, 2}) || !slices.Equal(p.scores, []float64{0.5, 0.9, 0}) || p.rationale != "E2 is right." {
		t.Fatalf("parsed %+v", p)
	}
}

func TestRelabelNamesSeats(t *testing.T) {
	got := relabel("E2 beats E1; E10 and E4 are not entries; E1s is a word.", []int{7, 3})
	if want := "seat 3 beats seat 7; E10 and E4 are not entries; E1s is a word."; got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
}

// FuzzParseAIVerdict checks the parser of model replies on arbitrary
// text: no panic, and anything accepted is a complete, consistent
// verdict.
func FuzzParseAIVerdict(f *testing.F) {
	fuzzseed.Add(f, `{"ranking":["E2","E1"],"scores":{"E1":0.5,"E2":0.9},"rationale":"x"}`, 2)
	fuzzseed.Add(f, "```json\n{\"ranking\":[\"E1\"],\"scores\":{\"E1\":1},\"rationale\":\"y\"}\n```", 1)
	fuzzseed.Add(f, `{"ranking":["E1","E1"],"scores":{"E1":1e999},"rationale":""}`, 2)
	for _, reply := range []string{
		`{"ranking":["E2","E1","E3"],"scores":{"E1":0.5,"E2":0.9,"E3":0},"rationale":"E2 is right."}`,
		`{"ranking":["E1","E3","E2"],"scores":{"E1":0.5,"E2":0.5,"E3":0.5},"rationale":"All equal."}`,
		`{"ranking":["E2","E1","E3"],"scores":{"E1":0.5,"E2":0.9,"E1":0.1},"rationale":"x"}`,
		`{"ranking":["E1","E2","E3"],"ranking":["E3","E2","E1"],"scores":{"E1":0.5,"E2":0.5,"E3":0.5},"rationale":"x"}`,
		`{"ranking":["E2","e1","E3"],"scores":{"E1":0.5,"E2":0.9,"E3":0},"rationale":"x"}`,
		`{"ranking":["E2","E01","E3"],"scores":{"E1":0.5,"E2":0.9,"E3":0},"rationale":"x"}`,
		`{"ranking":["E2","E1","E3"],"scores":{"E1":"0.5","E2":0.9,"E3":0},"rationale":"x"}`,
		`{"ranking":["E1","E2","E3"],"scores":{"E1":0.5,"E2":0.9,"E3":0},"rationale":"x"}`,
		`{"ranking":["E2","E1","E3"],"scores":{"E1":0.5,"E2":0.9,"E3":-0.1},"rationale":"x"}`,
		`{"ranking":["E1","E2","E3"],"scores":{"E1":1,"E2":0.5,"E3":0},"rationale":"ok"} and more`,
		"```json\n" + `{"ranking":["E1","E2","E3"],"scores":{"E1":1,"E2":0.5,"E3":0.25},"rationale":"ok","confidence":0.7}` + "\n```",
		`[{"ranking":["E1"]}]`, `E2 is best.`, ``, `{"ranking":null}`, `{"ranking":["E1"],"scores":[1],"rationale":"x"}`,
	} {
		fuzzseed.Add(f, reply, 3)
	}
	f.Fuzz(func(t *testing.T, reply string, n int) {
		n = 1 + abs(n)%6
		p, err := parseAIVerdict(reply, n)
		if err != nil {
			return
		}
		if len(p.ranking) != n || len(p.scores) != n || p.rationale == "" {
			t.Fatalf("incomplete verdict %+v", p)
		}
		seen := make([]bool, n)
		for r, k := range p.ranking {
			if seen[k] {
				t.Fatalf("%d ranked twice", k)
			}
			seen[k] = true
			if r > 0 && p.scores[p.ranking[r-1]] < p.scores[k] {
				t.Fatalf("inconsistent %+v", p)
			}
		}
		for _, s := range p.scores {
			if s < 0 || s > 1 {
				t.Fatalf("score %v", s)
			}
		}
		// What was accepted, written back as a reply, parses the same.
		ranked := make([]string, n)
		scores := map[string]float64{}
		for r, k := range p.ranking {
			ranked[r] = label(k)
			scores[label(k)] = p.scores[k]
		}
		again, _ := json.Marshal(map[string]any{"ranking": ranked, "scores": scores, "rationale": p.rationale})
		q, err := parseAIVerdict(string(again), n)
		if err != nil {
			t.Fatalf("own encoding %s refused: %v", again, err)
		}
		if !slices.Equal(q.ranking, p.ranking) || !slices.Equal(q.scores, p.scores) || q.rationale != p.rationale {
			t.Fatalf("round trip changed %+v into %+v", p, q)
		}
	})
}

func abs(n int) int {
	if n < 0 {
		return -(n + 1)
	}
	return n
}
