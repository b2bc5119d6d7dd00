package gpu

import (
	"slices"
	"testing"
)

func TestEncodeMarksTheResponseAndClipsToTheWindow(t *testing.T) {
	tok := byteTok{}
	e := encode(tok, []Sequence{{"ab", "xyz"}, {"", "q"}}, 16)
	// Row 0: a b x y z EOS → inputs a b x y z, targets from position 1.
	if e.batch.B != 2 || e.batch.T != 5 {
		t.Fatalf("batch %dx%d, want 2x5", e.batch.B, e.batch.T)
	}
	wantIn := []int32{'a', 'b', 'x', 'y', 'z'}
	wantTg := []int32{-1, 'x', 'y', 'z', 256}
	if !slices.Equal(e.batch.Inputs[:5], wantIn) || !slices.Equal(e.batch.Targets[:5], wantTg) {
		t.Fatalf("row 0: inputs %v targets %v", e.batch.Inputs[:5], e.batch.Targets[:5])
	}
	// Row 1: an empty prompt reads as end-of-answer; padding is unscored.
	if !slices.Equal(e.batch.Inputs[5:7], []int32{256, 'q'}) || !slices.Equal(e.batch.Targets[5:], []int32{'q', 256, -1, -1, -1}) {
		t.Fatalf("row 1: inputs %v targets %v", e.batch.Inputs[5:], e.batch.Targets[5:])
	}
	if !slices.Equal(e.tokens, []int{4, 2}) {
		t.Fatalf("scored tokens %v", e.tokens)
	}

	// Too long for an 8-token window: the prompt keeps its end (at least
	// a quarter of the window), the response its start, without the
	// end-of-answer token it no longer reaches.
	e = encode(tok, []Sequence{{"0123456789", "abcdefghij"}}, 8)
	row := e.batch.Inputs[:e.batch.T]
	if e.batch.T != 8 || string(bytes32(row[:2])) != "89" || e.tokens[0] != 7 || slices.Contains(e.batch.Targets, 256) {
		t.Fatalf("clipped row %q, targets %v, scored %d", bytes32(row), e.batch.Targets, e.tokens[0])
	}
}

func bytes32(ids []int32) []byte {
	b := make([]byte, len(ids))
	for i, x := range ids {
		b[i] = byte(x)
	}
	return b
}
