package arena

import (
	"sync"
)

// Bus fans committed state-machine events out to in-process subscribers
// (the contest runner, websocket hubs). Publishing never blocks: a
// subscriber whose buffer is full is dropped (its channel closed) and must
// resubscribe and resync from the state, as a slow spectator would.
type Bus struct {
	mu   sync.Mutex
	subs map[*Subscription]struct{}
}

// Subscription receives events until it is closed or dropped.
type Subscription struct {
	C       <-chan Event
	ch      chan Event
	bus     *Bus
	dropped bool
}

// NewBus returns an empty bus.
func NewBus() *Bus { return &Bus{subs: map[*Subscription]struct{}{}} }

// Subscribe registers a subscriber with the given buffer size.
func (b *Bus) Subscribe(buffer int) *Subscription {
	ch := make(chan Event, buffer)
	s := &Subscription{C: ch, ch: ch, bus: b}
	b.mu.Lock()
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	return s
}

// Close unsubscribes; safe to call more than once.
func (s *Subscription) Close() {
	s.bus.mu.Lock()
	defer s.bus.mu.Unlock()
	if _, ok := s.bus.subs[s]; ok {
		delete(s.bus.subs, s)
		close(s.ch)
	}
}

// Dropped reports whether the bus dropped this subscriber for falling behind.
func (s *Subscription) Dropped() bool {
	s.bus.mu.Lock()
	defer s.bus.mu.Unlock()
	return s.dropped
}

// Publish delivers events in order to every subscriber that keeps up.
func (b *Bus) Publish(events []Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.subs {
		for _, ev := range events {
			select {
			case s.ch <- ev:
			default:
				s.dropped = true
				delete(b.subs, s)
				close(s.ch)
			}
			if s.dropped {
				break
			}
		}
	}
}
