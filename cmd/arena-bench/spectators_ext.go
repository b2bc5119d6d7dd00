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

// watchLive opens n anonymous spectators on the arena's live feed, spread
// over nodes, and returns a function that, once [from, end] is over,
// closes them and reports each contest frame's delay from the leader's
// proposal to its arrival here (one machine, one clock) and how many
// streams the server closed before the end.
func watchLive(ctx context.Context, nodes []string, arena string, n int, from, end time.Time) (func() spectatorStats, error) {
	conns := make([]*websocket.Conn, 0, n)
	for i := range n {
		u := "ws" + strings.TrimPrefix(nodes[i%len(nodes)], "http") + "/v1/arenas/" + arena + "/live"
		c, resp, err := websocket.DefaultDialer.DialContext(ctx, u, http.Header{})
		if err != nil {
			for _, c := range conns {
				c.Close()
			}
			if resp != nil {
				return nil, fmt.Errorf("spectator %d on %s: %s", i, u, resp.Status)
			}
			return nil, fmt.Errorf("spectator %d on %s: %w", i, u, err)
		}
		conns = append(conns, c)
	}
	var closing atomic.Bool
	var dropped atomic.Int64
	lat := make([][]time.Duration, len(conns))
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf bytes.Buffer
			for {
				b, err := readFrame(c, &buf)
				if err != nil {
					if !closing.Load() {
						dropped.Add(1)
					}
					return
				}
				now := time.Now()
				at, ok := contestFrameAt(b)
				if ok && now.After(from) && now.Before(end) {
					lat[i] = append(lat[i], now.Sub(at))
				}
			}
		}()
	}
	return func() spectatorStats {
		closing.Store(true)
		for _, c := range conns {
			c.Close()
		}
		wg.Wait()
		var all []time.Duration
		for _, l := range lat {
			all = append(all, l...)
		}
		sortDurations(all)
		s := spectatorStats{Spectators: len(conns), Nodes: strings.Join(nodes, ","), Frames: len(all), Dropped: dropped.Load()}
		if len(all) > 0 {
			s.P50ms, s.P99ms, s.MaxMs = msOf(nearest(all, .5)), msOf(nearest(all, .99)), msOf(all[len(all)-1])
		}
		return s
	}, nil
}
