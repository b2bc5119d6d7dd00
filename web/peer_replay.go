package web

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// peerGuard is a node's state for checking peer signatures: the v2
// nonces it believed, and the count of signatures by form and result.
// The zero value checks but counts nothing (register makes the counter).
type peerGuard struct {
	nonces replayCache
	sigs   *prometheus.CounterVec
}

func (g *peerGuard) register(reg prometheus.Registerer) {
	g.sigs = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "arena_peer_signatures_total",
		Help: "Signed node-to-node requests received, by signature form (v1, v2) and result (accepted, or why the signature was not believed).",
	}, []string{"form", "result"})
	for _, r := range []string{peerAccepted, peerInvalid, peerExpired, peerRetired} {
		g.sigs.WithLabelValues("v1", r)
	}
	for _, r := range []string{peerAccepted, peerInvalid, peerExpired, peerReplayed, peerUnverifiable, peerBodyMismatch} {
		g.sigs.WithLabelValues("v2", r)
	}
	if reg != nil {
		reg.MustRegister(g.sigs)
	}
}

func (g *peerGuard) count(form, result string) {
	if g.sigs != nil {
		g.sigs.WithLabelValues(form, result).Inc()
	}
}

// A v2 peer signature (peer.go) carries a random nonce, and the receiver
// remembers every nonce it accepted while the signature's time is still
// inside the ±peerSigSkew window, so a captured request is believed at
// most once. Only requests whose MAC already verified reach the cache, so
// only members (holders of the secrets key) can fill it; still, its memory
// is bounded: each sender keeps at most maxNoncesPerSender nonces, and at
// most maxNonceSenders senders are tracked.
//
// A sender that signs faster than its share can hold over the window
// (65,536 nonces in 2 minutes, about 550 requests a second) loses its
// oldest nonces before they expire. The cache then cannot tell a replay
// of those from a first arrival, so it raises the sender's floor to the
// newest signing time it forgot and refuses every signature at or below
// it ("unverifiable"). Timestamps are the sender's own milliseconds, so
// the floor compares the sender's clock with itself: a request is refused
// only when it arrives after 65,536 requests that the same sender signed
// later, which at 10,000 requests a second means more than 6.5 s in flight.
const (
	maxNoncesPerSender = 1 << 16
	maxNonceSenders    = 64
)

// nonceResult is what the cache says of one accepted-looking signature.
type nonceResult int

const (
	nonceFresh        nonceResult = iota // first sight: recorded
	nonceReplayed                        // seen before within the window
	nonceUnverifiable                    // older than what the cache still holds, or no room for the sender
)

type nonceAt struct {
	nonce [16]byte
	ts    int64 // the signature's time, Unix milliseconds (the sender's clock)
}

// senderNonces is one sender's nonces in the order they arrived.
type senderNonces struct {
	seen  map[[16]byte]struct{}
	order []nonceAt // order[head:] is live
	head  int
	// floor: a signature at or before it (ms) is refused, since a nonce
	// of that time was forgotten before it expired.
	floor int64
}

// replayCache is the receiver's memory of nonces; the zero value is ready.
type replayCache struct {
	mu        sync.Mutex
	senders   map[string]*senderNonces
	lastSweep time.Time
}

// admit records from's nonce signed at ts (Unix ms) and reports whether
// it is fresh. now is the receiver's clock. The caller has verified the
// signature and that ts is within the window.
func (rc *replayCache) admit(from string, nonce [16]byte, ts int64, now time.Time) nonceResult {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	// A nonce is kept until its signature would be refused as too old
	// anyway (now > ts + skew, by the receiver's clock).
	expireBefore := now.Add(-peerSigSkew).UnixMilli()
	if now.Sub(rc.lastSweep) > peerSigSkew {
		rc.sweep(expireBefore)
		rc.lastSweep = now
	}
	sn := rc.senders[from]
	if sn == nil {
		if len(rc.senders) >= maxNonceSenders {
			rc.sweep(expireBefore)
			if len(rc.senders) >= maxNonceSenders {
				return nonceUnverifiable
			}
		}
		if rc.senders == nil {
			rc.senders = map[string]*senderNonces{}
		}
		sn = &senderNonces{seen: map[[16]byte]struct{}{}}
		rc.senders[from] = sn
	}
	sn.expire(expireBefore)
	if _, ok := sn.seen[nonce]; ok {
		return nonceReplayed
	}
	if ts <= sn.floor {
		return nonceUnverifiable
	}
	if len(sn.seen) >= maxNoncesPerSender {
		old := sn.pop()
		sn.floor = max(sn.floor, old.ts)
	}
	sn.seen[nonce] = struct{}{}
	sn.order = append(sn.order, nonceAt{nonce: nonce, ts: ts})
	return nonceFresh
}

// expire forgets the nonces, oldest first, whose signatures are older
// than expireBefore. Signing times from one sender arrive nearly in
// order; one that arrived out of order is kept a little longer, never
// dropped early.
func (sn *senderNonces) expire(expireBefore int64) {
	for sn.head < len(sn.order) && sn.order[sn.head].ts < expireBefore {
		sn.pop()
	}
}

func (sn *senderNonces) pop() nonceAt {
	old := sn.order[sn.head]
	delete(sn.seen, old.nonce)
	sn.order[sn.head] = nonceAt{}
	sn.head++
	switch {
	case sn.head == len(sn.order):
		sn.order, sn.head = sn.order[:0], 0
	case sn.head >= 1024 && sn.head*2 >= len(sn.order):
		n := copy(sn.order, sn.order[sn.head:])
		sn.order, sn.head = sn.order[:n], 0
	}
	return old
}

// sweep expires every sender's nonces and forgets the senders left with
// none whose floor can no longer matter (every signature at or below it
// is outside the window). Caller holds rc.mu.
func (rc *replayCache) sweep(expireBefore int64) {
	for from, sn := range rc.senders {
		sn.expire(expireBefore)
		if len(sn.seen) == 0 && sn.floor < expireBefore {
			delete(rc.senders, from)
		}
	}
}

// size is the number of nonces held, for tests.
func (rc *replayCache) size() (senders, nonces int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, sn := range rc.senders {
		nonces += len(sn.seen)
	}
	return len(rc.senders), nonces
}
