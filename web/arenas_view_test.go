package web_test

import (
	"encoding/json"
	"testing"
	"time"
)

// TestEveryPlaceShowsAnArenaAlike: an arena with void_all_forfeit and
// one_deadline_per_answer off is sent the same, both rules shown as false,
// by every place that shows one: the arena routes, the live feed's
// snapshot and arena frames, and the home page's list. A client that
// builds its PUT from any of them (a PUT that leaves the rules out turns
// them on) keeps them off. Before, the live feed and GET /v1/ui/home left
// both out.
func TestEveryPlaceShowsAnArenaAlike(t *testing.T) {
	_, nodes := plCluster(t, 1, plOptions{})
	base := nodes[0].url
	const name = "rules-off"
	def := map[string]any{"game": "verifiable", "seats": 2, "stake": 5, "move_deadline_ms": 20000,
		"void_all_forfeit": false, "one_deadline_per_answer": false}
	if code := plHTTP(t, "PUT", base+"/v1/arenas/"+name, plOperator, def, nil); code != 200 {
		t.Fatalf("PUT: status %d", code)
	}
	// Watching before the change, to see its arena frame.
	feed := plDial(t, base+"/v1/arenas/"+name+"/live", "")
	feed.expect("snapshot", 10*time.Second)

	def["move_deadline_ms"] = 25000
	var put struct{ Arena json.RawMessage }
	if code := plHTTP(t, "PUT", base+"/v1/arenas/"+name, plOperator, def, &put); code != 200 {
		t.Fatalf("PUT again: status %d", code)
	}
	shown := map[string]json.RawMessage{"PUT /v1/arenas/{name}": put.Arena}

	// The first PUT's own frame may come first: the hub can route its
	// event after the feed began to watch.
	for {
		var frame struct {
			Data json.RawMessage
		}
		feed.expect("arena", 10*time.Second).decode(t, &frame)
		var a struct {
			MoveDeadlineMS int64 `json:"move_deadline_ms"`
		}
		if err := json.Unmarshal(frame.Data, &a); err != nil {
			t.Fatal(err)
		}
		if a.MoveDeadlineMS == 25000 {
			shown["the live feed's arena frame"] = frame.Data
			break
		}
	}

	var snap struct{ Arena json.RawMessage }
	plDial(t, base+"/v1/arenas/"+name+"/live", "").expect("snapshot", 10*time.Second).decode(t, &snap)
	shown["the live feed's snapshot"] = snap.Arena

	var one struct{ Arena json.RawMessage }
	if code := plHTTP(t, "GET", base+"/v1/arenas/"+name, "", nil, &one); code != 200 {
		t.Fatalf("GET: status %d", code)
	}
	shown["GET /v1/arenas/{name}"] = one.Arena

	var list struct{ Arenas []json.RawMessage }
	if code := plHTTP(t, "GET", base+"/v1/arenas", "", nil, &list); code != 200 {
		t.Fatalf("GET /v1/arenas: status %d", code)
	}
	for _, a := range list.Arenas {
		if arenaName(t, a) == name {
			shown["GET /v1/arenas"] = a
		}
	}

	var home struct {
		Arenas []struct{ Arena json.RawMessage }
	}
	if code := plHTTP(t, "GET", base+"/v1/ui/home", "", nil, &home); code != 200 {
		t.Fatalf("GET /v1/ui/home: status %d", code)
	}
	for _, a := range home.Arenas {
		if arenaName(t, a.Arena) == name {
			shown["GET /v1/ui/home"] = a.Arena
		}
	}

	const want = "PUT /v1/arenas/{name}"
	wantJSON := canonicalJSON(t, shown[want])
	for _, place := range []string{want, "the live feed's arena frame", "the live feed's snapshot",
		"GET /v1/arenas/{name}", "GET /v1/arenas", "GET /v1/ui/home"} {
		raw, ok := shown[place]
		if !ok {
			t.Errorf("%s shows no arena %s", place, name)
			continue
		}
		var fields map[string]any
		if err := json.Unmarshal(raw, &fields); err != nil {
			t.Fatalf("%s: %v", place, err)
		}
		for _, k := range []string{"void_all_forfeit", "one_deadline_per_answer"} {
			if v, present := fields[k]; !present || v != false {
				t.Errorf("%s: %s = %v (present %v), want false shown", place, k, v, present)
			}
		}
		if got := canonicalJSON(t, raw); got != wantJSON {
			t.Errorf("%s shows the arena as\n%s\nwhile %s shows\n%s", place, got, want, wantJSON)
		}
	}
}

func arenaName(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var a struct{ Name string }
	if err := json.Unmarshal(raw, &a); err != nil {
		t.Fatalf("arena %s: %v", raw, err)
	}
	return a.Name
}

// canonicalJSON is raw with its object keys sorted, so that two encodings
// of the same fields compare equal whatever their order.
func canonicalJSON(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
