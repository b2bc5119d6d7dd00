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

	// A lossless subscription (SubscribeAll) keeps what does not fit its
	// channel in backlog, guarded by the bus's mutex; backlog[0] is the
	// event its pump is handing over, so Publish sends straight to the
	// channel only while the backlog is empty, and order holds.
	lossless bool
	backlog  []Event
	wake     chan struct{}
	done     chan struct{}
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

// SubscribeAll registers a subscriber that is never dropped: events that
// do not fit its buffer wait in a backlog, in order, and reach C as it
// reads. For a consumer that must act on every event (the contest runner
// tells agents their contests ended): a burst costs it latency, never an
// event. Memory grows with the backlog, so only a consumer that keeps up
// on average may use it.
func (b *Bus) SubscribeAll(buffer int) *Subscription {
	ch := make(chan Event, buffer)
	s := &Subscription{C: ch, ch: ch, bus: b, lossless: true, wake: make(chan struct{}, 1), done: make(chan struct{})}
	b.mu.Lock()
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	go s.pump()
	return s
}

// pump moves a lossless subscription's backlog into its channel. It alone
// closes the channel, when the subscription is closed, so no send can
// race the close.
func (s *Subscription) pump() {
	defer close(s.ch)
	for {
		select {
		case <-s.wake:
		case <-s.done:
			return
		}
		for {
			s.bus.mu.Lock()
			if len(s.backlog) == 0 {
				s.bus.mu.Unlock()
				break
			}
			ev := s.backlog[0]
			s.bus.mu.Unlock()
			select {
			case s.ch <- ev:
			case <-s.done:
				return
			}
			s.bus.mu.Lock()
			s.backlog[0] = Event{}
			s.backlog = s.backlog[1:]
			if len(s.backlog) == 0 {
				s.backlog = nil // let a burst's array go
			}
			s.bus.mu.Unlock()
		}
	}
}

// Backlog is how many events wait for a lossless subscriber beyond its
// channel's buffer.
func (s *Subscription) Backlog() int {
	s.bus.mu.Lock()
	defer s.bus.mu.Unlock()
	return len(s.backlog)
}

// Close unsubscribes; safe to call more than once.
func (s *Subscription) Close() {
	s.bus.mu.Lock()
	defer s.bus.mu.Unlock()
	if _, ok := s.bus.subs[s]; ok {
		delete(s.bus.subs, s)
		if s.lossless {
			close(s.done)
			return
		}
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
		if s.lossless {
			s.publishAll(events)
			continue
		}
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

// publishAll queues events for a lossless subscriber; the bus's mutex is
// held.
func (s *Subscription) publishAll(events []Event) {
	for i, ev := range events {
		if len(s.backlog) > 0 {
			s.backlog = append(s.backlog, events[i:]...)
			return
		}
		select {
		case s.ch <- ev:
		default:
			s.backlog = append(s.backlog, events[i:]...)
			select {
			case s.wake <- struct{}{}:
			default:
			}
			return
		}
	}
}
