package web_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/ledger"
)

const plOperator = "arop_testoperatortoken000000000000000"

func TestArenaAdministration(t *testing.T) {
	_, nodes := plCluster(t, 1, plOptions{})
	base := nodes[0].url
	owner := plAgents(t, base, "x")[0]
	tests := []struct {
		name   string
		key    string
		arena  string
		body   map[string]any
		status int
	}{
		{"an anonymous caller cannot create an arena", "", "a1", map[string]any{"game": "connect4", "seats": 2}, 401},
		{"an owner cannot create an arena", owner.ownerKey, "a1", map[string]any{"game": "connect4", "seats": 2}, 403},
		{"an unknown game is refused", plOperator, "a1", map[string]any{"game": "chess", "seats": 2}, 400},
		{"a seat count the game cannot take is refused", plOperator, "a1", map[string]any{"game": "connect4", "seats": 3}, 400},
		{"a bad name is refused", plOperator, "Bad_Name", map[string]any{"game": "connect4", "seats": 2}, 400},
		{"a bad forfeit rule is refused", plOperator, "a1", map[string]any{"game": "connect4", "seats": 2, "forfeit": "coin"}, 400},
		{"rewards over 100 percent are refused", plOperator, "a1", map[string]any{"game": "prompt", "seats": 3, "rewards": []int{80, 30}}, 400},
		{"an operator creates an arena", plOperator, "a1", map[string]any{"game": "prompt", "seats": 4, "rewards": []int{50, 30, 20}}, 200},
		{"its game cannot change later", plOperator, "a1", map[string]any{"game": "connect4", "seats": 2}, 409},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code := plHTTP(t, "PUT", base+"/v1/arenas/"+tt.arena, tt.key, tt.body, nil); code != tt.status {
				t.Fatalf("status %d, want %d", code, tt.status)
			}
		})
	}
	var got struct {
		Arena struct {
			Judges []string `json:"judges"`
			Seats  int      `json:"seats"`
		} `json:"arena"`
	}
	plHTTP(t, "GET", base+"/v1/arenas/a1", "", nil, &got)
	if got.Arena.Seats != 4 || len(got.Arena.Judges) != 1 || got.Arena.Judges[0] != "rubric" {
		t.Fatalf("arena a1 = %+v", got.Arena)
	}
	var list struct {
		Arenas []struct{ Name string } `json:"arenas"`
	}
	plHTTP(t, "GET", base+"/v1/arenas", "", nil, &list)
	if len(list.Arenas) != len(arena.DefaultArenas())+1 {
		t.Fatalf("arenas = %+v, want the %d defaults and a1", list.Arenas, len(arena.DefaultArenas()))
	}

	// a1 needs four agents, so one queued agent waits and is counted.
	queued := func() (one int, all map[string]int) {
		var a struct {
			Queued int `json:"queued"`
		}
		var l struct {
			Queued map[string]int `json:"queued"`
		}
		plHTTP(t, "GET", base+"/v1/arenas/a1", "", nil, &a)
		plHTTP(t, "GET", base+"/v1/arenas", "", nil, &l)
		return a.Queued, l.Queued
	}
	if one, all := queued(); one != 0 || all["a1"] != 0 {
		t.Fatalf("empty queue counted as %d / %v", one, all)
	}
	q := "/v1/agents/" + owner.agentID + "/queue"
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if code := plHTTP(t, "POST", base+q, owner.ownerKey, map[string]string{}, &e); code != 400 || !strings.Contains(e.Error.Message, "arena is required") {
		t.Fatalf("queue without an arena: %d %+v, want 400 naming the missing arena", code, e.Error)
	}
	if code := plHTTP(t, "POST", base+q, owner.ownerKey, map[string]string{"arena": "a1"}, nil); code != 200 {
		t.Fatalf("queue: %d", code)
	}
	if one, all := queued(); one != 1 || all["a1"] != 1 {
		t.Fatalf("one queued agent counted as %d / %v", one, all)
	}
	if code := plHTTP(t, "DELETE", base+q+"/a1", owner.ownerKey, nil, nil); code != 204 {
		t.Fatalf("unqueue: %d", code)
	}
	if one, all := queued(); one != 0 || all["a1"] != 0 {
		t.Fatalf("after leaving, queue counted as %d / %v", one, all)
	}
}

func TestPromptAnswersStayHiddenUntilEveryAnswerIsFinal(t *testing.T) {
	_, nodes := plCluster(t, 1, plOptions{})
	base := nodes[0].url
	duel := map[string]any{"game": "prompt", "seats": 2, "move_deadline_ms": 30000}
	if code := plHTTP(t, "PUT", base+"/v1/arenas/duel", plOperator, duel, nil); code != 200 {
		t.Fatalf("create arena: %d", code)
	}
	ids := plAgents(t, base, "alpha", "beta")
	a := plDial(t, base+"/v1/agents/connect", ids[0].agentKey)
	b := plDial(t, base+"/v1/agents/connect", ids[1].agentKey)
	for _, c := range []*plConn{a, b} {
		c.send(map[string]string{"type": "queue", "arena": "duel"})
	}
	var start struct {
		Contest string `json:"contest"`
	}
	a.expect("contest_start", 5*time.Second).decode(t, &start)
	b.expect("contest_start", 5*time.Second)
	a.send(map[string]string{"type": "chunk", "contest": start.Contest, "text": "secret-sauce "})
	a.expect("ack", 5*time.Second)

	body := func() string {
		var raw json.RawMessage
		plHTTP(t, "GET", base+"/v1/contests/"+start.Contest, "", nil, &raw)
		return string(raw)
	}
	t.Run("a running contest shows sizes, not text", func(t *testing.T) {
		if got := body(); strings.Contains(got, "secret-sauce") || !strings.Contains(got, `"hidden":true`) {
			t.Fatalf("running contest leaks or lacks the hidden marker: %s", got)
		}
		s := plDial(t, base+"/v1/contests/"+start.Contest+"/stream?since=0", "")
		for i := 0; i < 2; i++ {
			if f := <-s.frames; strings.Contains(string(f.Raw), "secret-sauce") {
				t.Fatalf("stream leaked an answer: %s", f.Raw)
			}
		}
	})
	t.Run("once every answer is final the text is shown", func(t *testing.T) {
		a.send(map[string]string{"type": "final", "contest": start.Contest})
		b.send(map[string]string{"type": "final", "contest": start.Contest, "text": "my answer"})
		a.expect("contest_end", 10*time.Second)
		if got := body(); !strings.Contains(got, "secret-sauce") {
			t.Fatalf("settled contest hides answers: %s", got)
		}
		var v struct {
			Verdict struct {
				Judge     string    `json:"judge"`
				Scores    []float64 `json:"scores"`
				Rationale string    `json:"rationale"`
			} `json:"verdict"`
		}
		if code := plHTTP(t, "GET", base+"/v1/contests/"+start.Contest+"/verdict", "", nil, &v); code != 200 || v.Verdict.Judge == "" || len(v.Verdict.Scores) != 2 || v.Verdict.Rationale == "" {
			t.Fatalf("verdict %d %+v", code, v)
		}
	})
}

// TestArenaPutRefusesWhatCannotApply: a definition the arena would accept
// but not honour (judges its game never calls, options its game ignores,
// a stake whose escrow no owners could ever fill: more than the ledger's
// credit cap, 2^53-1) is refused with a 400 naming the field,
// instead of being stored and shown to readers as if it applied.
func TestArenaPutRefusesWhatCannotApply(t *testing.T) {
	_, nodes := plCluster(t, 1, plOptions{})
	base := nodes[0].url
	tests := []struct {
		name   string
		body   map[string]any
		status int
		want   string
	}{
		{"a rule game listing a judge is refused", map[string]any{"game": "connect4", "seats": 2, "judges": []string{"rubric"}}, 400, "referee"},
		{"a rule game listing a panel is refused", map[string]any{"game": "verifiable", "seats": 2, "judges": []string{"referee", "ai"}}, 400, "referee"},
		{"a judged game listing the referee is refused", map[string]any{"game": "prompt", "seats": 2, "judges": []string{"referee"}}, 400, "referee"},
		{"a judge listed twice is refused", map[string]any{"game": "prompt", "seats": 2, "judges": []string{"rubric", "rubric"}}, 400, "twice"},
		{"an unknown judge is still named as such", map[string]any{"game": "connect4", "seats": 2, "judges": []string{"oracle"}}, 400, "unknown judge"},
		{"options for a game without options are refused", map[string]any{"game": "connect4", "seats": 2, "options": map[string]int{"x": 1}}, 400, "no options"},
		{"a stake whose escrow overflows is refused", map[string]any{"game": "verifiable", "seats": 8, "stake": int64(1) << 61}, 400, "escrow"},
		{"a stake whose escrow no owners could ever pay is refused", map[string]any{"game": "connect4", "seats": 2, "stake": ledger.MaxCredit/2 + 1}, 400, "at most 4503599627370495"},
		{"a stake the credit cap could never fill over 8 seats is refused", map[string]any{"game": "verifiable", "seats": 8, "stake": ledger.MaxCredit / 4}, 400, "in circulation"},
		{"a rule game with the referee is accepted", map[string]any{"game": "connect4", "seats": 2, "judges": []string{"referee"}, "options": map[string]any{}}, 200, ""},
		{"a judged game with a panel is accepted", map[string]any{"game": "prompt", "seats": 2, "judges": []string{"rubric", "ai"}}, 200, ""},
		{"the largest stake that fits is accepted", map[string]any{"game": "connect4", "seats": 2, "stake": ledger.MaxCredit / 2}, 200, ""},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			code := plHTTP(t, "PUT", base+"/v1/arenas/"+fmt.Sprintf("put-%d", i), plOperator, tt.body, &e)
			if code != tt.status || (tt.status == 400 && (e.Error.Code != "invalid" || !strings.Contains(e.Error.Message, tt.want))) {
				t.Fatalf("status %d %+v, want %d naming %q", code, e.Error, tt.status, tt.want)
			}
		})
	}
}

// TestArenaReadBackAndPutAgainKeepsItsRules: the docs tell an operator
// that a PUT replaces the whole definition, so to send every field to
// keep. An arena with void_all_forfeit or one_deadline_per_answer off was
// shown without them (its JSON leaves false out), and a PUT without them
// turns them on: reading the arena and putting it back, changed nothing
// else, turned both rules on.
func TestArenaReadBackAndPutAgainKeepsItsRules(t *testing.T) {
	_, nodes := plCluster(t, 1, plOptions{})
	base := nodes[0].url
	def := map[string]any{"game": "verifiable", "seats": 2, "stake": 5, "void_all_forfeit": false, "one_deadline_per_answer": false}
	if code := plHTTP(t, "PUT", base+"/v1/arenas/rules-off", plOperator, def, nil); code != 200 {
		t.Fatalf("PUT: status %d", code)
	}
	read := func(path string) map[string]any {
		t.Helper()
		var out map[string]json.RawMessage
		if code := plHTTP(t, "GET", base+path, "", nil, &out); code != 200 {
			t.Fatalf("GET %s: status %d", path, code)
		}
		raw := out["arena"]
		if path == "/v1/arenas" {
			var list []map[string]any
			if err := json.Unmarshal(out["arenas"], &list); err != nil {
				t.Fatal(err)
			}
			for _, a := range list {
				if a["name"] == "rules-off" {
					return a
				}
			}
			t.Fatalf("GET /v1/arenas lists no rules-off")
		}
		var a map[string]any
		if err := json.Unmarshal(raw, &a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	for _, path := range []string{"/v1/arenas/rules-off", "/v1/arenas"} {
		a := read(path)
		for _, k := range []string{"void_all_forfeit", "one_deadline_per_answer"} {
			if v, ok := a[k]; !ok || v != false {
				t.Errorf("GET %s: %s = %v (present %v), want false shown", path, k, v, ok)
			}
		}
	}
	a := read("/v1/arenas/rules-off")
	for _, k := range []string{"name", "created_at", "updated_at"} {
		delete(a, k)
	}
	var put struct{ Arena map[string]any }
	if code := plHTTP(t, "PUT", base+"/v1/arenas/rules-off", plOperator, a, &put); code != 200 {
		t.Fatalf("PUT back: status %d", code)
	}
	for _, k := range []string{"void_all_forfeit", "one_deadline_per_answer"} {
		if put.Arena[k] != false {
			t.Errorf("after the read-back PUT %s = %v, want false", k, put.Arena[k])
		}
	}
}
