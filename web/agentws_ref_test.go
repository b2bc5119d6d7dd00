package web_test

import (
	"strings"
	"testing"
	"time"
)

// TestRefusedFrameErrorsNameTheFrame: an error frame's ref and contest
// name the frame it answers whenever the server could read them
// (PROTOCOL.md, "error"), also when the frame was refused for a bad field
// elsewhere: an agent with frames for several contests in flight learns
// which one was refused. They are left out only when the frame gives no
// readable type or contest.
func TestRefusedFrameErrorsNameTheFrame(t *testing.T) {
	_, nodes := plCluster(t, 1, plOptions{})
	base := nodes[0].url
	ids := plAgents(t, base, "reader")
	a := plDial(t, base+"/v1/agents/connect", ids[0].agentKey)
	a.expect("hello", 5*time.Second)
	tests := []struct {
		frame, ref, contest string
	}{
		{`{"type":"move","contest":"c_1","seq":-1,"move":3}`, "move", "c_1"},
		{`{"type":"ping","x":1}`, "ping", ""},
		{`{"type":"final","contest":"c_3","Text":"done"}`, "final", "c_3"},
		{`{"type":"chunk","contest":"c_2","text":"a"} {}`, "chunk", "c_2"},
		{`{"type":"move","contest":`, "", ""},
	}
	for _, tt := range tests {
		a.sendRaw(tt.frame)
		var e struct {
			Code    string `json:"code"`
			Ref     string `json:"ref"`
			Contest string `json:"contest"`
		}
		a.expect("error", 5*time.Second).decode(t, &e)
		if e.Code != "bad_frame" || e.Ref != tt.ref || e.Contest != tt.contest {
			t.Errorf("%s: error %+v, want bad_frame with ref %q and contest %q", tt.frame, e, tt.ref, tt.contest)
		}
	}

	// Echoes are cut to 128 bytes, on a character boundary: a frame of 60
	// KB of junk in "type" is not sent back whole.
	for _, tt := range []struct {
		frame, ref, contest string
	}{
		{`{"type":"` + strings.Repeat("x", 60000) + `"}`, strings.Repeat("x", 128) + "…", ""},
		{`{"type":"move","contest":"` + strings.Repeat("é", 100) + `","seq":0,"move":3}`, "move", strings.Repeat("é", 64) + "…"},
	} {
		a.sendRaw(tt.frame)
		var e struct {
			Ref     string `json:"ref"`
			Contest string `json:"contest"`
		}
		a.expect("error", 5*time.Second).decode(t, &e)
		if e.Ref != tt.ref || e.Contest != tt.contest {
			t.Errorf("a frame of %d bytes: error echoes ref of %d bytes and contest of %d, want %d and %d",
				len(tt.frame), len(e.Ref), len(e.Contest), len(tt.ref), len(tt.contest))
		}
	}
}

// TestQueueErrorsNameTheArena: an agent that queues in several arenas at
// once reads which queue frame an error answers from its arena, as it
// reads which one succeeded from queued's arena.
func TestQueueErrorsNameTheArena(t *testing.T) {
	_, nodes := plCluster(t, 1, plOptions{})
	base := nodes[0].url
	ids := plAgents(t, base, "queuer")
	a := plDial(t, base+"/v1/agents/connect", ids[0].agentKey)
	a.expect("hello", 5*time.Second)
	for _, tt := range []struct{ frame, code, arena string }{
		{`{"type":"queue","arena":"nosuch"}`, "not_found", "nosuch"},
		{`{"type":"queue","arena":"prompt","x":1}`, "bad_frame", "prompt"},
	} {
		a.sendRaw(tt.frame)
		var e struct {
			Code  string `json:"code"`
			Ref   string `json:"ref"`
			Arena string `json:"arena"`
		}
		a.expect("error", 5*time.Second).decode(t, &e)
		if e.Code != tt.code || e.Ref != "queue" || e.Arena != tt.arena {
			t.Errorf("%s: error %+v, want %s answering queue in arena %q", tt.frame, e, tt.code, tt.arena)
		}
	}
}
