package web

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/agentarena/arena/agents/protocol"
)

// The runner may have a contest's next turn (the opponent answered at
// once) or its contest_end ready before the session has sent the ack of
// the action that caused it. Both wait for that ack; frames of other
// contests, and frames of a contest with nothing in flight, go at once.
func TestTurnsAndEndsWaitForTheAckOfTheirContest(t *testing.T) {
	out := &wsOut{out: make(chan any, 16)}
	a := &agentSession{out: out}
	sent := func() []string {
		var got []string
		for len(out.out) > 0 {
			switch f := (<-out.out).(type) {
			case protocol.Turn:
				got = append(got, "turn "+f.Contest)
			case protocol.ContestEnd:
				got = append(got, "end "+f.Contest)
			case protocol.Ack:
				got = append(got, "ack "+f.Contest)
			}
		}
		return got
	}
	answered := a.begin("c_1")
	a.Send(protocol.Turn{Type: protocol.TypeTurn, Contest: "c_1"})
	a.Send(protocol.ContestEnd{Type: protocol.TypeContestEnd, Contest: "c_1"})
	a.Send(protocol.Turn{Type: protocol.TypeTurn, Contest: "c_2"})
	if got := sent(); len(got) != 1 || got[0] != "turn c_2" {
		t.Fatalf("sent before the ack: %v, want only c_2's turn", got)
	}
	a.send(protocol.Ack{Type: protocol.TypeAck, Contest: "c_1"})
	answered()
	got := sent()
	want := []string{"ack c_1", "turn c_1", "end c_1"}
	if len(got) != len(want) {
		t.Fatalf("sent %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("sent %v, want %v", got, want)
		}
	}
	a.Send(protocol.Turn{Type: protocol.TypeTurn, Contest: "c_1"})
	if got := sent(); len(got) != 1 {
		t.Errorf("with nothing in flight a turn was held: %v", got)
	}
}

// stallingOut records the frames a session queues, in queue order, and
// holds the first one until gate is closed: a session's writer queue
// caught in the middle of taking a frame.
type stallingOut struct {
	mu      sync.Mutex
	got     []string
	calls   int
	stalled chan struct{} // closed when the first frame is held
	gate    chan struct{}
}

func (o *stallingOut) trySend(frame any) bool {
	o.mu.Lock()
	o.calls++
	if o.calls == 1 {
		o.mu.Unlock()
		close(o.stalled)
		<-o.gate
		o.mu.Lock()
	}
	defer o.mu.Unlock()
	switch f := frame.(type) {
	case protocol.Turn:
		o.got = append(o.got, "turn "+f.Contest)
	case protocol.ContestEnd:
		o.got = append(o.got, "end "+f.Contest)
	}
	return true
}

func (o *stallingOut) send(frame any) bool { return o.trySend(frame) }
func (o *stallingOut) close(int, string)   {}
func (o *stallingOut) readerStopped()      {}

// A turn held behind an ack (the opponent answered at once) is released
// when the ack is out; a contest_end the runner sends meanwhile (the
// opponent then resigned) must queue behind it. Released after the
// session's mutex, the held turn could be overtaken, and the agent read
// the contest's end and then a turn of it.
func TestAFrameSentWhileHeldFramesAreReleasedQueuesBehindThem(t *testing.T) {
	out := &stallingOut{stalled: make(chan struct{}), gate: make(chan struct{})}
	a := &agentSession{out: out}
	answered := a.begin("c_1")
	a.Send(protocol.Turn{Type: protocol.TypeTurn, Contest: "c_1"})

	released := make(chan struct{})
	go func() { answered(); close(released) }()
	<-out.stalled // the held turn is being queued
	ended := make(chan struct{})
	go func() {
		a.Send(protocol.ContestEnd{Type: protocol.TypeContestEnd, Contest: "c_1"})
		close(ended)
	}()
	// With the release in order the contest_end waits for the turn, so
	// this only gives an overtaking contest_end the time to show.
	select {
	case <-ended:
	case <-time.After(100 * time.Millisecond):
	}
	close(out.gate)
	<-released
	<-ended
	if want := []string{"turn c_1", "end c_1"}; !slices.Equal(out.got, want) {
		t.Fatalf("queued %v, want %v", out.got, want)
	}
}
