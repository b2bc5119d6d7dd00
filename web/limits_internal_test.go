package web

import (
	"fmt"
	"testing"
	"time"
)

// fakeClock is a settable clock for the limiter tables.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time      { return c.t }
func (c *fakeClock) add(d time.Duration) { c.t = c.t.Add(d) }
func newFakeClock() *fakeClock           { return &fakeClock{t: time.Unix(1_700_000_000, 0)} }
func addr(i int) string                  { return fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255) }
func mustTake(t *testing.T, k *keyedLimiter, key string) {
	t.Helper()
	if _, ok := k.take(key); !ok {
		t.Fatalf("%s was refused", key)
	}
}

func TestKeyedLimiterTableIsBounded(t *testing.T) {
	clock := newFakeClock()
	k := newKeyedLimiter(10, 20, 1000, clock.now) // refills in 2 s

	t.Run("a flood of addresses never grows the table past its bound", func(t *testing.T) {
		for i := range 100_000 {
			k.take(addr(i))
		}
		if n := k.size(); n != 1000 {
			t.Fatalf("table holds %d entries, want the bound 1000", n)
		}
	})
	t.Run("past the bound newcomers share one overflow bucket", func(t *testing.T) {
		// The overflow bucket was drained by the flood above.
		if _, ok := k.take("192.0.2.1"); ok {
			t.Fatal("a newcomer got a fresh bucket while the table was full")
		}
	})
	t.Run("buckets idle long enough to refill are forgotten", func(t *testing.T) {
		clock.add(2 * time.Second)
		mustTake(t, k, "192.0.2.1") // the sweep runs first, so this one is tracked
		if n := k.size(); n != 1 {
			t.Fatalf("after the refill period the table holds %d entries, want 1", n)
		}
	})
	t.Run("forgetting a refilled bucket changes nothing for its owner", func(t *testing.T) {
		for range 20 {
			mustTake(t, k, "198.51.100.7")
		}
		d, ok := k.take("198.51.100.7")
		if ok || d <= 0 {
			t.Fatalf("21st request in a burst of 20: ok=%v retry=%v", ok, d)
		}
		clock.add(2 * time.Second)
		k.take("203.0.113.9") // triggers a sweep: 198.51.100.7 refilled and goes
		for range 20 {
			mustTake(t, k, "198.51.100.7")
		}
	})
}

func TestKeyedLimiterOff(t *testing.T) {
	k := newKeyedLimiter(-1, 0, 10, time.Now)
	for i := range 1000 {
		if _, ok := k.take(addr(i)); !ok {
			t.Fatal("a switched-off limiter refused")
		}
	}
	if k.size() != 0 {
		t.Fatal("a switched-off limiter remembers keys")
	}
}

func TestConnCounterForgetsClosedKeys(t *testing.T) {
	c := newConnCounter(2)
	for i := range 10_000 {
		if !c.acquire(addr(i)) {
			t.Fatal("first connection refused")
		}
	}
	if !c.acquire(addr(1)) || c.acquire(addr(1)) {
		t.Fatal("the per-key bound of 2 is not enforced")
	}
	c.release(addr(1))
	for i := range 10_000 {
		c.release(addr(i))
	}
	if n := c.open(); n != 0 || len(c.n) != 0 {
		t.Fatalf("after every release: %d open, %d entries", n, len(c.n))
	}
}

func TestClientKey(t *testing.T) {
	for in, want := range map[string]string{
		"127.0.0.1:5555":                   "127.0.0.1",
		"[::ffff:10.0.0.1]:80":             "10.0.0.1",
		"[2001:db8:1:2:3:4:5:6]:443":       "2001:db8:1:2::/64",
		"[2001:db8:1:2:ffff:ffff:0:1]:443": "2001:db8:1:2::/64",
		"pipe":                             "pipe",
	} {
		if got := clientKey(in); got != want {
			t.Errorf("clientKey(%q) = %q, want %q", in, got, want)
		}
	}
}
