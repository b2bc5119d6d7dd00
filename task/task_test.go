package task

import (
	"encoding/json"
	"testing"
)

// The criteria are stored inside every prompt contest's replicated state:
// their JSON names and omitempty rules are part of the state machine.
func TestCriteriaJSONIsStable(t *testing.T) {
	for _, tc := range []struct {
		c    Criteria
		want string
	}{
		{Criteria{}, `{}`},
		{Criteria{MinWords: 1, MaxWords: 2, Required: []string{"a"}, Forbidden: []string{"b"}, Format: "json",
			MinItems: 3, MaxItems: 4, JSONKeys: []string{"k"}, MaxSentenceWords: 5, EndsWith: "."},
			`{"min_words":1,"max_words":2,"required":["a"],"forbidden":["b"],"format":"json","min_items":3,` +
				`"max_items":4,"json_keys":["k"],"max_sentence_words":5,"ends_with":"."}`},
	} {
		b, err := json.Marshal(tc.c)
		if err != nil || string(b) != tc.want {
			t.Errorf("Marshal(%+v) = %s, %v; want %s", tc.c, b, err, tc.want)
		}
	}
}
