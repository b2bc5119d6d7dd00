package verifiable

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// TestFormsStateTheExtractionsFactsAsLabelledLines: a form must carry the
// same facts as the note it replaces, want the same answer, and not keep
// one line order a solver could learn by position.
func TestFormsStateTheExtractionsFactsAsLabelledLines(t *testing.T) {
	orders := map[string]bool{}
	for seed := uint64(0); seed < 300; seed++ {
		level := 1 + int(seed%MaxLevel)
		r := newRNG(seed, "forms-test")
		in := genForms(r, level).(formsInput)
		note := in.extractInput
		if got, want := in.want(), note.want(); !reflect.DeepEqual(got, want) {
			t.Fatalf("seed %d: the form wants %+v, the same note wants %+v", seed, got, want)
		}
		text := in.prompt()
		lines := formLines(note)
		if len(in.Order) != len(lines) {
			t.Fatalf("seed %d: %d lines ordered, the form has %d", seed, len(in.Order), len(lines))
		}
		for _, l := range lines {
			if !strings.Contains(text, "\n"+l+"\n") {
				t.Fatalf("seed %d: line %q is missing from the form:\n%s", seed, l, text)
			}
		}
		if strings.Contains(text, "Note:") || strings.Contains(text, "Email:") || strings.Contains(text, "Message:") {
			t.Fatalf("seed %d: the form repeats the extraction's wording:\n%s", seed, text)
		}
		orders[fmt.Sprint(in.Mode, in.Order)] = true
	}
	if len(orders) < 10 {
		t.Fatalf("300 forms used only %d line orders", len(orders))
	}
}
