package prompt

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/agentarena/arena/task"
)

func TestDefaultSet(t *testing.T) {
	set := DefaultSet()
	if len(set) < 60 {
		t.Fatalf("default set has %d prompts, want at least 60", len(set))
	}
	if err := ValidateSet(set); err != nil {
		t.Fatalf("default set:\n%v", err)
	}
	id := regexp.MustCompile(`^p\d{3}$`)
	formats := map[string]int{}
	for i, p := range set {
		if want := fmt.Sprintf("p%03d", i+1); p.ID != want || !id.MatchString(p.ID) {
			t.Errorf("prompt %d has id %q, want %q", i, p.ID, want)
		}
		formats[p.Criteria.Format]++
		if strings.Contains(p.Text, "\n") {
			t.Errorf("%s: text has a newline", p.ID)
		}
	}
	// The set should exercise every format the rubric judge checks.
	for _, f := range []string{"", "plain", "bullets", "numbered", "json", "one_line"} {
		if formats[f] == 0 {
			t.Errorf("no prompt uses format %q", f)
		}
	}
	set[0].ID = "changed"
	if DefaultSet()[0].ID != "p001" {
		t.Error("DefaultSet returned shared data")
	}
}

func TestValidateRejects(t *testing.T) {
	ok := Prompt{ID: "x1", Text: "In 10 to 20 words, mention 'a'. Do not use 'b'.",
		Criteria: task.Criteria{MinWords: 10, MaxWords: 20, Required: []string{"a"}, Forbidden: []string{"b"}}}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid prompt rejected: %v", err)
	}
	tests := []struct {
		name   string
		change func(p *Prompt)
	}{
		{"an empty id", func(p *Prompt) { p.ID = "" }},
		{"an id with spaces", func(p *Prompt) { p.ID = "x 1" }},
		{"empty text", func(p *Prompt) { p.Text = " " }},
		{"an unknown format", func(p *Prompt) { p.Criteria.Format = "yaml" }},
		{"inverted word limits", func(p *Prompt) { p.Criteria.MinWords, p.Criteria.MaxWords = 20, 10 }},
		{"negative words", func(p *Prompt) { p.Criteria.MinWords = -1 }},
		{"items without a list format", func(p *Prompt) { p.Criteria.MinItems = 1 }},
		{"json keys without the json format", func(p *Prompt) { p.Criteria.JSONKeys = []string{"a"} }},
		{"a required term not quoted in the text", func(p *Prompt) { p.Criteria.Required = []string{"mention"} }},
		{"a forbidden term not quoted in the text", func(p *Prompt) { p.Criteria.Forbidden = []string{"use"} }},
		{"an empty required term", func(p *Prompt) { p.Criteria.Required = []string{""} }},
		{"an ends-with not quoted in the text", func(p *Prompt) { p.Criteria.EndsWith = "Done." }},
		{"a limit the text does not state", func(p *Prompt) { p.Criteria.MaxWords = 2 }},
		{"a sentence limit the text does not state", func(p *Prompt) { p.Criteria.MaxSentenceWords = 30 }},
		{"a required phrase holding a forbidden word", func(p *Prompt) {
			p.Text += " Say 'a b'."
			p.Criteria.Required = []string{"a b"}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := ok
			p.Criteria.Required = append([]string{}, ok.Criteria.Required...)
			tt.change(&p)
			if err := p.Validate(); err == nil {
				t.Error("accepted")
			}
		})
	}
	t.Run("a set with a duplicate id", func(t *testing.T) {
		if ValidateSet([]Prompt{ok, ok}) == nil {
			t.Error("accepted")
		}
	})
	t.Run("an empty set", func(t *testing.T) {
		if ValidateSet(nil) == nil {
			t.Error("accepted")
		}
	})
}

func TestContainsNumber(t *testing.T) {
	tests := []struct {
		text string
		n    int
		want bool
	}{
		{"at most 5 words", 5, true},
		{"at most 50 words", 5, false},
		{"at most 15 words", 5, false},
		{"5", 5, true},
		{"15 and 5", 5, true},
		{"", 5, false},
	}
	for _, tt := range tests {
		if got := containsNumber(tt.text, tt.n); got != tt.want {
			t.Errorf("containsNumber(%q, %d) = %v", tt.text, tt.n, got)
		}
	}
}
