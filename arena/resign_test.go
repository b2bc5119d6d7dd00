package arena

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestResigningAFinalAnswerIsRefused: a seat whose answer is final (or
// that forfeited already) has nothing left to resign; the forfeit is
// refused, not acknowledged, and nothing is written: the seat's answer is
// still judged and may win, as it always was.
func TestResigningAFinalAnswerIsRefused(t *testing.T) {
	d := newDriver(t)
	d.must(CmdArenaPut, arenaPutCmd{Arena: DefaultArenas()[1]}) // prompt
	d.must(CmdContestCreate, contestCreateCmd{ID: "p1", Arena: "prompt", Agents: []string{"ag_a", "ag_b"}, Seed: 1, KeepTerms: true})
	d.must(CmdContestMove, contestMoveCmd{Contest: "p1", AgentID: "ag_a", Move: json.RawMessage(`{"text":"my whole answer","final":true}`)})
	before := hashOf(t, d.f)
	r := d.apply(CmdContestForfeit, contestForfeitCmd{Contest: "p1", AgentID: "ag_a", Reason: "resigned"})
	code, msg, ok := MoveErrorOf(r.Err)
	if !ok || code != "not_your_turn" || !strings.Contains(msg, "nothing left to resign") {
		t.Fatalf("got %v, want not_your_turn saying there is nothing left to resign", r.Err)
	}
	if hashOf(t, d.f) != before {
		t.Fatal("the refused resign changed the state")
	}
	// The seat still answering resigns: the contest goes to judging with
	// the final answer in it.
	d.must(CmdContestForfeit, contestForfeitCmd{Contest: "p1", AgentID: "ag_b", Reason: "resigned"})
	if c := d.contest("p1"); c.Status != StatusJudging {
		t.Fatalf("status %s after the other seat resigned, want judging", c.Status)
	}
}
