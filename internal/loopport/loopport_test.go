package loopport

import "testing"

func TestPortPickerStaysBelowTheEphemeralRange(t *testing.T) {
	pp := NewPicker()
	seen := map[int]bool{}
	for range 30 {
		p, err := pp.Pick()
		if err != nil {
			t.Fatal(err)
		}
		if seen[p] {
			t.Fatalf("port %d picked twice", p)
		}
		seen[p] = true
		if pp.hi-pp.lo >= 1000 && (p < pp.lo || p >= pp.hi) {
			t.Fatalf("port %d outside [%d,%d)", p, pp.lo, pp.hi)
		}
	}
}

func TestPortPickerFallsBackToTheKernel(t *testing.T) {
	pp := &Picker{rng: NewPicker().rng, lo: 10000, hi: 10010, used: map[int]bool{}}
	p, err := pp.Pick()
	if err != nil {
		t.Fatal(err)
	}
	if p >= 10000 && p < 10010 {
		t.Fatalf("picked %d from a range too narrow to use", p)
	}
}
