package main

import (
	"testing"
)

func TestParseDevice(t *testing.T) {
	for _, tc := range []struct {
		in      string
		ordinal int
		cuda    bool
		bad     bool
	}{
		{"cpu", 0, false, false},
		{"cuda", 0, true, false},
		{"cuda:0", 0, true, false},
		{"cuda:3", 3, true, false},
		{"cuda:-1", 0, false, true},
		{"cuda:x", 0, false, true},
		{"gpu", 0, false, true},
		{"CUDA", 0, false, true},
	} {
		n, cuda, err := parseDevice(tc.in)
		if (err != nil) != tc.bad || n != tc.ordinal || cuda != tc.cuda {
			t.Errorf("parseDevice(%q) = %d, %v, %v", tc.in, n, cuda, err)
		}
	}
}
