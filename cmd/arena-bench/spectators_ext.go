package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// spectatorStats is what the spectators of an agents run saw.
type spectatorStats struct {
	Spectators int     `json:"spectators"`
	Nodes      string  `json:"nodes"`
	Frames     int     `json:"contest_frames"`
	P50ms      float64 `json:"delivery_p50_ms"`
	P99ms      float64 `json:"delivery_p99_ms"`
	MaxMs      float64 `json:"delivery_max_ms"`
	Dropped    int64   `json:"dropped"`
}

// liveFrame is a frame of /v1/arenas/{name}/live; a contest frame's data
// is the event, whose at is the leader's clock when it proposed the
// command that made it.
type liveFrame struct {
	Type string `json:"type"`
	Data struct {
		At time.Time `json:"at"`
	} `json:"data"`
}

var (
	contestFramePrefix = []byte(`{"type":"contest","data":{`)
	atField            = []byte(`"at":"`)
)

// contestFrameAt returns the event time of a live feed's contest frame (ok
// false for any other frame). The spectators share the machine with the
// nodes they measure, so the common case skips decoding the whole frame
// (a created or settled event carries the whole contest): the server
// encodes the event's fields in order, and at, its fourth, comes before
// any nested value. Anything else is decoded in full.
func contestFrameAt(b []byte) (time.Time, bool) {
	if rest, ok := bytes.CutPrefix(b, contestFramePrefix); ok {
		if i := bytes.Index(rest, atField); i >= 0 && !bytes.Contains(rest[:i], []byte("{")) {
			v := rest[i+len(atField):]
			if j := bytes.IndexByte(v, '"'); j > 0 {
				if at, err := time.Parse(time.RFC3339Nano, string(v[:j])); err == nil {
					return at, true
				}
			}
		}
	}
	var f liveFrame
	if json.Unmarshal(b, &f) != nil || f.Type != "contest" || f.Data.At.IsZero() {
		return time.Time{}, false
	}
	return f.Data.At, true
}

// readFrame reads the next message into buf, reusing its storage.
func readFrame(c *websocket.Conn, buf *bytes.Buffer) ([]byte, error) {
	_, r, err := c.NextReader()
	if err != nil {
		return nil, err
	}
	buf.Reset()
	if _, err := buf.ReadFrom(r); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// liveWatch is a run's spectators of the arena's live feed.
type liveWatch struct {
	nodes   []string
	conns   []*websocket.Conn
	window  atomic.Pointer[[2]time.Time] // [from, end]; nil until measure
	closing atomic.Bool
	dropped atomic.Int64
	lat     [][]time.Duration // per spectator; only its reader appends
	wg      sync.WaitGroup
}

// watchLive opens n anonymous spectators on the arena's live feed, spread
// over nodes. Each one reads from the moment it connects, so a spectator
// that connected early never queues frames while the others connect; the
// delays of the contest frames that arrive within the window given to
// measure, from the leader's proposal to the arrival here (one machine,
// one clock), are what stop reports, with the streams the server closed
// before the end.
func watchLive(ctx context.Context, nodes []string, arena string, n int) (*liveWatch, error) {
	w := &liveWatch{nodes: nodes, conns: make([]*websocket.Conn, 0, n), lat: make([][]time.Duration, n)}
	for i := range n {
		u := "ws" + strings.TrimPrefix(nodes[i%len(nodes)], "http") + "/v1/arenas/" + arena + "/live"
		c, resp, err := websocket.DefaultDialer.DialContext(ctx, u, http.Header{})
		if err != nil {
			w.stop()
			if resp != nil {
				return nil, fmt.Errorf("spectator %d on %s: %s", i, u, resp.Status)
			}
			return nil, fmt.Errorf("spectator %d on %s: %w", i, u, err)
		}
		w.conns = append(w.conns, c)
		w.wg.Add(1)
		go w.read(i, c)
	}
	return w, nil
}

// measure sets the window whose frames count.
func (w *liveWatch) measure(from, end time.Time) { w.window.Store(&[2]time.Time{from, end}) }

func (w *liveWatch) read(i int, c *websocket.Conn) {
	defer w.wg.Done()
	var buf bytes.Buffer
	for {
		b, err := readFrame(c, &buf)
		if err != nil {
			if !w.closing.Load() {
				w.dropped.Add(1)
			}
			return
		}
		now := time.Now()
		at, ok := contestFrameAt(b)
		if win := w.window.Load(); ok && win != nil && now.After(win[0]) && now.Before(win[1]) {
			w.lat[i] = append(w.lat[i], now.Sub(at))
		}
	}
}

// stop closes the spectators and reports what they measured.
func (w *liveWatch) stop() spectatorStats {
	w.closing.Store(true)
	for _, c := range w.conns {
		c.Close()
	}
	w.wg.Wait()
	var all []time.Duration
	for _, l := range w.lat {
		all = append(all, l...)
	}
	sortDurations(all)
	s := spectatorStats{Spectators: len(w.conns), Nodes: strings.Join(w.nodes, ","), Frames: len(all), Dropped: w.dropped.Load()}
	if len(all) > 0 {
		s.P50ms, s.P99ms, s.MaxMs = msOf(nearest(all, .5)), msOf(nearest(all, .99)), msOf(all[len(all)-1])
	}
	return s
}
