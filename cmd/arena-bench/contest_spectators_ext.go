package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// contestSpectatorStats is what the spectators of single contests saw on
// /v1/contests/{id}/stream during an agents run.
type contestSpectatorStats struct {
	Spectators int    `json:"spectators"`
	Nodes      string `json:"nodes"`
	// Attached counts streams opened on a contest (first attachments and
	// re-attachments to the next contest; resumptions not included).
	Attached int64 `json:"streams_opened"`
	// Frames are the event frames delivered inside the measured window.
	Frames int     `json:"event_frames"`
	P50ms  float64 `json:"delivery_p50_ms"`
	P99ms  float64 `json:"delivery_p99_ms"`
	MaxMs  float64 `json:"delivery_max_ms"`
	// Gaps counts events never delivered: seq numbers skipped between two
	// frames of one stream (the protocol promises none). Dups counts
	// events delivered twice.
	Gaps int64 `json:"missed_events"`
	Dups int64 `json:"duplicate_events"`
	// Dropped counts streams the server closed before the spectator did;
	// each was resumed with ?since=N, as the protocol asks.
	Dropped int64 `json:"dropped"`
	// AttachFailed counts attachments that failed: refused by the node
	// (a 404 lasting a second: the contest, learnt from another node's
	// feed, not yet applied there) or not answered; the spectator moved
	// on to another contest.
	AttachFailed int64 `json:"attach_failed"`
}

// runningContests is the set of contests spectators may attach to, learnt
// from the arena's live feed, with how many spectators watch each.
type runningContests struct {
	mu      sync.Mutex
	watch   map[string]int   // contest -> spectators on it
	born    map[string]int64 // contest -> order it was learnt in
	next    int64
	changed chan struct{} // closed (and replaced) when a contest is added
}

func newRunningContests() *runningContests {
	return &runningContests{watch: map[string]int{}, born: map[string]int64{}, changed: make(chan struct{})}
}

// apply folds one live feed change into the set.
func (r *runningContests) apply(c liveChange) {
	r.mu.Lock()
	defer r.mu.Unlock()
	added := false
	switch {
	case c.Reset:
		keep := map[string]bool{}
		for _, id := range c.Running {
			keep[id] = true
			if _, ok := r.watch[id]; !ok {
				r.addLocked(id)
				added = true
			}
		}
		for id := range r.watch {
			if !keep[id] {
				r.removeLocked(id)
			}
		}
	case c.Started != "":
		if _, ok := r.watch[c.Started]; !ok {
			r.addLocked(c.Started)
			added = true
		}
	case c.Ended != "":
		r.removeLocked(c.Ended)
	}
	if added {
		close(r.changed)
		r.changed = make(chan struct{})
	}
}

func (r *runningContests) addLocked(id string) {
	r.next++
	r.watch[id], r.born[id] = 0, r.next
}

func (r *runningContests) removeLocked(id string) { delete(r.watch, id); delete(r.born, id) }

// ended removes a contest a spectator saw end, in case the feed is late.
func (r *runningContests) ended(id string) { r.apply(liveChange{Ended: id}) }

// pick returns the running contest with the fewest spectators (the newest
// among equals: it has the most play left) and counts one more on it; it
// waits for a contest to start when none runs, and returns "" once done
// is closed.
func (r *runningContests) pick(done <-chan struct{}) string {
	for {
		select {
		case <-done:
			return ""
		default:
		}
		r.mu.Lock()
		best := ""
		for id, n := range r.watch {
			if b := r.watch[best]; best == "" || n < b || (n == b && r.born[id] > r.born[best]) {
				best = id
			}
		}
		if best != "" {
			r.watch[best]++
			r.mu.Unlock()
			return best
		}
		changed := r.changed
		r.mu.Unlock()
		select {
		case <-done:
			return ""
		case <-changed:
		}
	}
}

// release counts one spectator fewer on id (if it still runs).
func (r *runningContests) release(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if n, ok := r.watch[id]; ok && n > 0 {
		r.watch[id] = n - 1
	}
}

// watchContests opens n anonymous spectators of single contests, spread
// over nodes. One more connection, on nodes[0]'s live feed, learns which
// contests run; each spectator attaches to the least-watched running
// contest, reads its stream until the contest settles or aborts, then
// attaches to the next. The returned function, called once [from, end]
// is over, closes everything and reports each event frame's delay from
// the leader's proposal (the event's at) to its arrival here, on the same
// machine's clock, as watchLive does for the live feed.
func watchContests(ctx context.Context, nodes []string, arena string, n int, from, end time.Time) (func() contestSpectatorStats, error) {
	feedURL := "ws" + strings.TrimPrefix(nodes[0], "http") + "/v1/arenas/" + arena + "/live"
	feed, resp, err := websocket.DefaultDialer.DialContext(ctx, feedURL, nil)
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("contest discovery on %s: %s", feedURL, resp.Status)
		}
		return nil, fmt.Errorf("contest discovery on %s: %w", feedURL, err)
	}
	w := &contestWatch{running: newRunningContests(), done: make(chan struct{}), from: from, end: end,
		conns: make([]*websocket.Conn, n), lat: make([][]time.Duration, n)}
	w.wg.Add(1)
	go w.discover(ctx, feed, feedURL)
	for i := range n {
		w.wg.Add(1)
		go w.spectate(ctx, i, nodes[i%len(nodes)])
	}
	return func() contestSpectatorStats {
		close(w.done)
		w.mu.Lock()
		w.closing = true
		for _, c := range w.conns {
			if c != nil {
				c.Close()
			}
		}
		if w.feed != nil {
			w.feed.Close()
		}
		w.mu.Unlock()
		w.wg.Wait()
		var all []time.Duration
		for _, l := range w.lat {
			all = append(all, l...)
		}
		sortDurations(all)
		s := contestSpectatorStats{Spectators: n, Nodes: strings.Join(nodes, ","), Attached: w.attached.Load(),
			Frames: len(all), Gaps: w.gaps.Load(), Dups: w.dups.Load(), Dropped: w.dropped.Load(), AttachFailed: w.failed.Load()}
		if len(all) > 0 {
			s.P50ms, s.P99ms, s.MaxMs = msOf(nearest(all, .5)), msOf(nearest(all, .99)), msOf(all[len(all)-1])
		}
		return s
	}, nil
}

// contestWatch is one run's contest spectators and their discovery feed.
type contestWatch struct {
	running   *runningContests
	done      chan struct{} // closed when the run is over
	from, end time.Time

	mu      sync.Mutex // guards closing, conns and feed
	closing bool
	conns   []*websocket.Conn // each spectator's open stream, nil between streams
	feed    *websocket.Conn

	wg                                    sync.WaitGroup
	lat                                   [][]time.Duration // per spectator; only its goroutine appends
	attached, gaps, dups, dropped, failed atomic.Int64
}

// track registers c as spectator i's open stream (i < 0: the feed); it
// refuses (closing c) once the run is closing.
func (w *contestWatch) track(i int, c *websocket.Conn) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closing {
		c.Close()
		return false
	}
	if i < 0 {
		w.feed = c
	} else {
		w.conns[i] = c
	}
	return true
}

func (w *contestWatch) untrack(i int) {
	w.mu.Lock()
	w.conns[i] = nil
	w.mu.Unlock()
}

func (w *contestWatch) isClosing() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.closing
}

// discover reads the live feed into w.running, reconnecting (to a fresh
// snapshot) when the server closes it, until the run closes.
func (w *contestWatch) discover(ctx context.Context, c *websocket.Conn, u string) {
	defer w.wg.Done()
	for {
		if !w.track(-1, c) {
			return
		}
		for {
			_, b, err := c.ReadMessage()
			if err != nil {
				break
			}
			if ch, err := parseLiveChange(b); err == nil {
				w.running.apply(ch)
			}
		}
		c.Close()
		for {
			if w.isClosing() {
				return
			}
			var err error
			if c, _, err = websocket.DefaultDialer.DialContext(ctx, u, nil); err == nil {
				break
			}
			select {
			case <-w.done:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
}

// spectate is spectator i: attach, follow one contest to its end, repeat.
func (w *contestWatch) spectate(ctx context.Context, i int, node string) {
	defer w.wg.Done()
	base := "ws" + strings.TrimPrefix(node, "http") + "/v1/contests/"
	for {
		id := w.running.pick(w.done)
		if id == "" {
			return
		}
		w.follow(ctx, i, base+id+"/stream", id)
		w.running.release(id)
	}
}

// follow reads one contest's stream until it ends or the run closes,
// resuming with ?since=N after the server closes it.
func (w *contestWatch) follow(ctx context.Context, i int, u, id string) {
	var t streamTracker
	first := true
	for tries := 0; ; {
		c, resp, err := websocket.DefaultDialer.DialContext(ctx, u+t.resumeQuery(), http.Header{})
		if err != nil {
			// A contest learnt from another node's feed may not be applied
			// here yet: retry for a while, then give it up.
			if resp != nil && resp.StatusCode == http.StatusNotFound && tries < 20 && !w.isClosing() {
				tries++
				time.Sleep(50 * time.Millisecond)
				continue
			}
			if first && !w.isClosing() {
				w.failed.Add(1)
				// Not a busy loop if the node is gone.
				select {
				case <-w.done:
				case <-time.After(100 * time.Millisecond):
				}
			}
			return
		}
		if !w.track(i, c) {
			return
		}
		if first {
			w.attached.Add(1)
			first = false
		}
		over := w.read(i, c, &t)
		c.Close()
		w.untrack(i)
		if over {
			w.running.ended(id)
			return
		}
		if w.isClosing() {
			return
		}
		w.dropped.Add(1)
	}
}

// read consumes frames from c into spectator i's figures; it reports
// whether the contest is over (false: the connection closed first).
func (w *contestWatch) read(i int, c *websocket.Conn, t *streamTracker) bool {
	for {
		_, b, err := c.ReadMessage()
		if err != nil {
			return false
		}
		now := time.Now()
		s, err := t.observe(b, now)
		if err != nil {
			continue
		}
		if s.Missed > 0 {
			w.gaps.Add(int64(s.Missed))
		}
		if s.Dup {
			w.dups.Add(1)
		}
		if s.Timed && !s.Dup && now.After(w.from) && now.Before(w.end) {
			w.lat[i] = append(w.lat[i], s.Delay)
		}
		if s.Ended {
			return true
		}
	}
}
