package web

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// keyedLimiter is a token bucket per key (an API key or a client address)
// in a table that cannot grow without bound:
//
//   - an entry idle long enough for its bucket to refill completely is
//     indistinguishable from a new one, so a sweep (at most once per
//     refill period, under the same lock) deletes it;
//   - when the table is full anyway, newcomers share one overflow bucket
//     until a sweep makes room. Many addresses then slow each other down,
//     which is the point: they cannot buy memory or extra requests.
type keyedLimiter struct {
	rate  rate.Limit
	burst int
	max   int
	now   func() time.Time
	// idle is how long an untouched bucket takes to refill.
	idle time.Duration

	mu        sync.Mutex
	entries   map[string]*keyedEntry
	overflow  *rate.Limiter
	lastSweep time.Time
}

type keyedEntry struct {
	lim  *rate.Limiter
	last time.Time
}

// newKeyedLimiter returns a limiter of perSecond requests with the given
// burst for each key; perSecond < 0 allows everything.
func newKeyedLimiter(perSecond float64, burst, tracked int, now func() time.Time) *keyedLimiter {
	k := &keyedLimiter{rate: rate.Limit(perSecond), burst: burst, max: tracked, now: now,
		entries: map[string]*keyedEntry{}}
	if perSecond > 0 {
		k.idle = time.Duration(float64(burst) / perSecond * float64(time.Second))
	}
	k.idle = max(k.idle, time.Second)
	k.overflow = rate.NewLimiter(k.rate, burst)
	return k
}

// take spends one token of key's bucket. It returns ok, or how long until
// a token will be there.
func (k *keyedLimiter) take(key string) (retry time.Duration, ok bool) {
	if k.rate < 0 {
		return 0, true
	}
	now := k.now()
	k.mu.Lock()
	defer k.mu.Unlock()
	if now.Sub(k.lastSweep) >= k.idle {
		k.sweep(now)
	}
	e := k.entries[key]
	var lim *rate.Limiter
	switch {
	case e != nil:
		e.last = now
		lim = e.lim
	case len(k.entries) < k.max:
		e = &keyedEntry{lim: rate.NewLimiter(k.rate, k.burst), last: now}
		k.entries[key] = e
		lim = e.lim
	default:
		lim = k.overflow
	}
	r := lim.ReserveN(now, 1)
	if !r.OK() {
		return time.Second, false
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d, false
	}
	return 0, true
}

// sweep forgets every bucket that has refilled; the caller holds mu.
func (k *keyedLimiter) sweep(now time.Time) {
	k.lastSweep = now
	for key, e := range k.entries {
		if now.Sub(e.last) >= k.idle {
			delete(k.entries, key)
		}
	}
}

// size is the number of remembered keys (tests, abuse benchmark).
func (k *keyedLimiter) size() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.entries)
}

// connCounter counts open connections per key against a maximum. An entry
// exists only while its count is positive, so the table is never larger
// than the number of open connections.
type connCounter struct {
	max int
	mu  sync.Mutex
	n   map[string]int
}

// newConnCounter allows limit connections per key; limit < 0 allows any number.
func newConnCounter(limit int) *connCounter {
	return &connCounter{max: limit, n: map[string]int{}}
}

// acquire takes a slot for key, or reports false when key holds max.
func (c *connCounter) acquire(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.max >= 0 && c.n[key] >= c.max {
		return false
	}
	c.n[key]++
	return true
}

// release gives a slot of key back.
func (c *connCounter) release(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n[key] <= 1 {
		delete(c.n, key)
		return
	}
	c.n[key]--
}

// open is the number of slots held in all (tests).
func (c *connCounter) open() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := 0
	for _, n := range c.n {
		t += n
	}
	return t
}
