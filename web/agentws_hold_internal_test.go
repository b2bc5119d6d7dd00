package web

import (
	"testing"

	"github.com/agentarena/arena/agents/protocol"
)

// The runner may have a contest's next turn (the opponent answered at
// once) or its contest_end ready before the session has sent the ack of
// the action that caused it. Both wait for that ack; frames of other
// contests, and frames of a contest with nothing in flight, go at once.
func TestTurnsAndEndsWaitForTheAckOfTheirContest(t *testing.T) {
	a := &agentSession{out: &wsOut{out: make(chan any, 16)}}
	sent := func() []string {
		var got []string
		for len(a.out.out) > 0 {
			switch f := (<-a.out.out).(type) {
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
