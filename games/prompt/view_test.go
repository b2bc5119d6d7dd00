package prompt

import (
	"encoding/json"
	"testing"
)

// The public view and public moves are what spectators of a running
// contest receive: these bytes are API, and must never carry answer text.
func TestPublicViewHidesAnswerText(t *testing.T) {
	s := start(t, 3, "")
	mustApply(t, s, 0, move("secret-sauce ", false))
	mustApply(t, s, 1, move("héllo", true))
	s.Forfeit(2)
	b, err := json.Marshal(s.PublicView())
	if err != nil {
		t.Fatal(err)
	}
	want := `{"game":"prompt","prompt_id":"t2","prompt":"Say 'bye'.","answer_bytes":[13,6,0],` +
		`"finals":[false,true,false],"forfeited":[false,false,true],"hidden":true}`
	if string(b) != want {
		t.Fatalf("public view\n got %s\nwant %s", b, want)
	}
}

func TestPublicMoveShowsOnlyTheSize(t *testing.T) {
	g := New(testSet)
	for _, tc := range []struct{ move, want string }{
		{`{"text":"secret-sauce ","final":false}`, `{"bytes":13,"final":false,"hidden":true}`},
		{`{"final":true,"text":"héllo"}`, `{"bytes":6,"final":true,"hidden":true}`},
		{`{"final":true}`, `{"bytes":0,"final":true,"hidden":true}`},
		{`{"text":"x","extra":1}`, ``},
		{`"just text"`, ``},
	} {
		if got := g.PublicMove(json.RawMessage(tc.move)); string(got) != tc.want {
			t.Errorf("PublicMove(%s) = %s, want %q", tc.move, got, tc.want)
		}
	}
	if got := g.PublicMove(json.RawMessage(`{"text":"x","extra":1}`)); got != nil {
		t.Errorf("a bad move must be hidden entirely (nil), got %q", got)
	}
}
