package web

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"

	"github.com/gorilla/websocket"

	"github.com/agentarena/arena/api"
	"github.com/agentarena/arena/arena"
)

// Hub routes the node's committed events to spectator streams. One
// goroutine reads the bus and hands each event to the streams that watch
// its contest or arena, without ever waiting on them: a stream whose buffer
// is full is dropped (its channel closed) and its websocket closed, as in
// gorilla/websocket's chat example. Every node runs a hub, so spectators
// can watch from followers as well as the leader.
type Hub struct {
	bus *arena.Bus

	mu       sync.Mutex
	contests map[string]map[*watcher]struct{}
	arenas   map[string]map[*watcher]struct{}
}

// watcher is one spectator stream's mailbox.
type watcher struct {
	ch   chan *hubEvent
	once sync.Once
	// stopping is set before ch closes when the hub stops (the node is
	// shutting down): the stream did not fall behind, and its close says
	// so (closeCode, streams.go's reasons).
	stopping atomic.Bool
}

// hubEvent is an event on its way to many streams. Its wire frames are
// encoded once, by whichever stream needs them first, and shared: with
// thousands of spectators, encoding per connection would dominate.
type hubEvent struct {
	arena.Event
	once [frameVariants]sync.Once
	pm   [frameVariants]*websocket.PreparedMessage
}

// The wire frames one event can become: a contest stream's event frame,
// whole or with its move hidden while the game keeps it private, and an
// arena live feed's frame.
const (
	frameEvent = iota
	frameEventRedacted
	frameArena
	frameVariants
)

// prepared returns the event's frame in variant v, building it with build
// the first time.
func (e *hubEvent) prepared(v int, build func() any) *websocket.PreparedMessage {
	e.once[v].Do(func() {
		data, err := json.Marshal(build())
		if err == nil {
			e.pm[v], _ = websocket.NewPreparedMessage(websocket.TextMessage, data)
		}
	})
	return e.pm[v]
}

func (w *watcher) close() { w.once.Do(func() { close(w.ch) }) }

// closeCode is the websocket close code for a stream whose mailbox
// closed: going away when the node stops, else the stream fell behind.
func (w *watcher) closeCode() int {
	if w.stopping.Load() {
		return websocket.CloseGoingAway
	}
	return closeTooSlow
}

// why says why a stream's mailbox closed, for its close frame.
func (w *watcher) why() string {
	if w.stopping.Load() {
		return "node shutting down"
	}
	return "spectator fell behind"
}

// NewHub returns a hub; Run feeds it.
func NewHub(bus *arena.Bus) *Hub {
	return &Hub{bus: bus, contests: map[string]map[*watcher]struct{}{}, arenas: map[string]map[*watcher]struct{}{}}
}

// Run routes events until ctx ends.
func (h *Hub) Run(ctx context.Context) {
	sub := h.bus.Subscribe(1 << 16)
	defer func() { sub.Close() }()
	for {
		select {
		case <-ctx.Done():
			h.closeAll(true)
			return
		case ev, ok := <-sub.C:
			if !ok {
				// The hub itself fell behind: every stream may have missed
				// events, so close them all; clients resync with ?since.
				h.closeAll(false)
				sub = h.bus.Subscribe(1 << 16)
				continue
			}
			h.route(ev)
		}
	}
}

func (h *Hub) route(raw arena.Event) {
	ev := &hubEvent{Event: raw}
	var contest, arenaName string
	switch d := raw.Data.(type) {
	case arena.ContestEvent:
		contest = d.Contest
		if c, ok := d.Data.(arena.Contest); ok {
			arenaName = c.Arena
		}
	case arena.LeaderboardChange:
		arenaName = d.Arena
	case api.Arena:
		arenaName = d.Name
	case arena.ArenaDeleted:
		arenaName = d.Name
	default:
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if contest != "" {
		h.deliver(h.contests[contest], ev)
	}
	if arenaName != "" {
		h.deliver(h.arenas[arenaName], ev)
	}
}

func (h *Hub) deliver(set map[*watcher]struct{}, ev *hubEvent) {
	for w := range set {
		select {
		case w.ch <- ev:
		default:
			delete(set, w)
			w.close()
		}
	}
}

// closeAll closes every stream's mailbox; stopping: because the hub
// stops with its node.
func (h *Hub) closeAll(stopping bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, m := range []map[string]map[*watcher]struct{}{h.contests, h.arenas} {
		for k, set := range m {
			for w := range set {
				if stopping {
					w.stopping.Store(true)
				}
				w.close()
			}
			delete(m, k)
		}
	}
}

// watch registers a mailbox for a contest or an arena; cancel unregisters.
func (h *Hub) watch(m map[string]map[*watcher]struct{}, key string, buffer int) (*watcher, func()) {
	w := &watcher{ch: make(chan *hubEvent, buffer)}
	h.mu.Lock()
	if m[key] == nil {
		m[key] = map[*watcher]struct{}{}
	}
	m[key][w] = struct{}{}
	h.mu.Unlock()
	return w, func() {
		h.mu.Lock()
		if set := m[key]; set != nil {
			delete(set, w)
			if len(set) == 0 {
				delete(m, key)
			}
		}
		h.mu.Unlock()
		w.close()
	}
}

// WatchContest subscribes to one contest's events.
func (h *Hub) WatchContest(id string, buffer int) (*watcher, func()) {
	return h.watch(h.contests, id, buffer)
}

// WatchArena subscribes to an arena's contest starts/ends and leaderboard.
func (h *Hub) WatchArena(name string, buffer int) (*watcher, func()) {
	return h.watch(h.arenas, name, buffer)
}

// Watchers counts registered streams (metrics, tests).
func (h *Hub) Watchers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, m := range []map[string]map[*watcher]struct{}{h.contests, h.arenas} {
		for _, set := range m {
			n += len(set)
		}
	}
	return n
}
