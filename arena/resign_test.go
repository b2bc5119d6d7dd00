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
	if !ok || code != "not_your_turn" || !strings.Contains(msg, "nothing left to resign: its answer is final, and is judged") {
		t.Fatalf("got %v, want not_your_turn saying there is nothing left to resign, as the final answer is judged", r.Err)
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

// TestResigningTwiceSaysTheSeatForfeited: a seat that resigned already is
// told so when it resigns again, not that the contest goes on without an
// answer that is, in the other case, judged.
func TestResigningTwiceSaysTheSeatForfeited(t *testing.T) {
	d := newDriver(t)
	a := DefaultArenas()[1]
	a.Name, a.Seats = "prompt3", 3
	d.must(CmdArenaPut, arenaPutCmd{Arena: a})
	d.must(CmdContestCreate, contestCreateCmd{ID: "p3", Arena: "prompt3", Agents: []string{"ag_a", "ag_b", "ag_c"}, Seed: 1, KeepTerms: true})
	d.must(CmdContestForfeit, contestForfeitCmd{Contest: "p3", AgentID: "ag_c", Reason: "resigned"})
	before := hashOf(t, d.f)
	r := d.apply(CmdContestForfeit, contestForfeitCmd{Contest: "p3", AgentID: "ag_c", Reason: "resigned"})
	code, msg, ok := MoveErrorOf(r.Err)
	if !ok || code != "not_your_turn" || !strings.Contains(msg, "nothing left to resign: it forfeited already") {
		t.Fatalf("got %v, want not_your_turn saying the seat forfeited already", r.Err)
	}
	if hashOf(t, d.f) != before {
		t.Fatal("the refused resign changed the state")
	}
}
