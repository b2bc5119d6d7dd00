package arena

import (
	"testing"
	"time"
)

func events(from, n int) []Event {
	evs := make([]Event, n)
	for i := range evs {
		evs[i] = Event{Index: uint64(from + i)}
	}
	return evs
}

// A lossless subscriber that reads nothing while bursts far beyond its
// buffer are published still gets every event, in order, and a plain
// subscriber beside it is dropped as before.
func TestSubscribeAllKeepsEveryEventInOrder(t *testing.T) {
	b := NewBus()
	all := b.SubscribeAll(4)
	defer all.Close()
	plain := b.Subscribe(4)
	const bursts, size = 50, 37
	for i := range bursts {
		b.Publish(events(i*size, size))
	}
	if !plain.Dropped() {
		t.Error("a plain subscriber that fell behind was not dropped")
	}
	if got := all.Backlog(); got == 0 {
		t.Error("nothing waits beyond the lossless subscriber's buffer: the test tests nothing")
	}
	for want := range bursts * size {
		select {
		case ev := <-all.C:
			if ev.Index != uint64(want) {
				t.Fatalf("event %d arrived as number %d", ev.Index, want)
			}
			// Publish while the pump drains: new events must queue
			// behind the backlog, not overtake it.
			if want == 100 {
				b.Publish(events(bursts*size, 3))
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("event %d never arrived", want)
		}
	}
	for want := bursts * size; want < bursts*size+3; want++ {
		if ev := <-all.C; ev.Index != uint64(want) {
			t.Fatalf("event %d arrived as number %d", ev.Index, want)
		}
	}
	// The pump counts an event as waiting until its send returns.
	for deadline := time.Now().Add(10 * time.Second); all.Backlog() != 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("backlog %d after everything was read", all.Backlog())
		}
	}
}

// Closing a lossless subscription with a backlog stops its pump (the
// package's goleak check) and closes C; publishing afterwards is a no-op.
func TestSubscribeAllCloseWithABacklog(t *testing.T) {
	b := NewBus()
	s := b.SubscribeAll(1)
	b.Publish(events(0, 100))
	s.Close()
	s.Close()
	b.Publish(events(100, 10))
	deadline := time.After(10 * time.Second)
	for {
		select {
		case _, ok := <-s.C:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatal("C was not closed")
		}
	}
}
