package proccpu

import (
	"os"
	"slices"
	"testing"
)

func TestSecondsGrowsWithWork(t *testing.T) {
	self := []int{os.Getpid()}
	before := Seconds(self)
	x := 0
	for Seconds(self) < before+0.05 {
		for i := range 1_000_000 {
			x += i
		}
	}
	if x == 0 {
		t.Fatal("the loop did not run")
	}
	if got := Seconds([]int{1 << 30}); got != 0 {
		t.Fatalf("a process that does not exist used %v s, want 0", got)
	}
}

func TestParsePIDs(t *testing.T) {
	tests := []struct {
		in      string
		want    []int
		wantErr bool
	}{
		{"", nil, false},
		{"12", []int{12}, false},
		{"12, 34,", []int{12, 34}, false},
		{"12,x", nil, true},
		{"0", nil, true},
		{"-3", nil, true},
	}
	for _, tt := range tests {
		got, err := ParsePIDs(tt.in)
		if (err != nil) != tt.wantErr || !slices.Equal(got, tt.want) {
			t.Errorf("ParsePIDs(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}
