package judges

import (
	"fmt"
	"testing"
)

// TestTermPatternCacheIsBoundedAndExact: terms can come from answers, so
// the cache of compiled patterns must not grow with them, and a cached
// pattern must match exactly what a fresh one does.
func TestTermPatternCacheIsBoundedAndExact(t *testing.T) {
	c := patternCache{m: map[patternKey]patternEntry{}, cap: 64}
	for i := range 3 * c.cap {
		if _, err := c.get(fmt.Sprintf("term%d", i), i%2 == 0); err != nil {
			t.Fatal(err)
		}
		if len(c.m) > c.cap {
			t.Fatalf("%d patterns cached, cap %d", len(c.m), c.cap)
		}
	}
	for _, tc := range []struct {
		term, text string
		plural     bool
	}{
		{"storm", "three storms came", true},
		{"storm", "three storms came", false},
		{"API key", "rotate the API   keys", true},
		{"a.b", "axb and a.b", false},
		{"(", "an open ( paren", false},
	} {
		for range 2 { // the first compiles, the second hits
			re, err := c.get(tc.term, tc.plural)
			fresh, ferr := compileTermPattern(tc.term, tc.plural)
			if (err == nil) != (ferr == nil) || err == nil && re.MatchString(tc.text) != fresh.MatchString(tc.text) {
				t.Errorf("%q plural=%v on %q: cached (%v, %v) differs from fresh (%v)", tc.term, tc.plural, tc.text, re, err, ferr)
			}
		}
	}
}
