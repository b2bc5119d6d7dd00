package web

import (
	"strconv"
	"testing"
	"time"

	"github.com/agentarena/arena/internal/fuzzseed"
)

func TestForwardExpired(t *testing.T) {
	now := time.UnixMilli(1_800_000_000_000)
	tests := []struct {
		name   string
		header string
		want   bool
	}{
		{"passed", strconv.FormatInt(now.UnixMilli()-1, 10), true},
		{"now", strconv.FormatInt(now.UnixMilli(), 10), false},
		{"ahead", strconv.FormatInt(now.UnixMilli()+10_000, 10), false},
		{"missing (an older node)", "", false},
		{"not a number", "soon", false},
		{"overflows", "99999999999999999999", false},
		{"negative", "-5", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := forwardExpired(tt.header, now); got != tt.want {
				t.Errorf("forwardExpired(%q) = %v, want %v", tt.header, got, tt.want)
			}
		})
	}
}

// FuzzForwardExpired: any header value is answered without a panic, and
// only a number that parses can expire a forward.
func FuzzForwardExpired(f *testing.F) {
	for _, s := range []string{"", "0", "1800000000000", "-1", "+12", "1e3", "99999999999999999999", " 1", "x"} {
		fuzzseed.Add(f, s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		_, err := strconv.ParseInt(v, 10, 64)
		if forwardExpired(v, time.Now()) && err != nil {
			t.Fatalf("unparseable deadline %q expired a forward", v)
		}
	})
}
