package web_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestFramesRefuseFieldsTheirTypeDoesNotTake: a field that the frame's
// type does not take is refused with bad_frame instead of dropped in
// silence. A final frame quoting a seq used to be accepted, seq unread,
// and an agent that meant it as a guard against a stale turn finalised
// its answer all the same.
func TestFramesRefuseFieldsTheirTypeDoesNotTake(t *testing.T) {
	_, nodes := plCluster(t, 1, plOptions{})
	base := nodes[0].url
	ids := plAgents(t, base, "first", "second")
	conns := []*plConn{plDial(t, base+"/v1/agents/connect", ids[0].agentKey), plDial(t, base+"/v1/agents/connect", ids[1].agentKey)}
	for _, c := range conns {
		c.expect("hello", 5*time.Second)
		c.send(map[string]string{"type": "queue", "arena": "prompt"})
		c.expect("queued", 5*time.Second)
	}
	var tr struct {
		Contest string `json:"contest"`
		Seq     uint64 `json:"seq"`
	}
	a := conns[0]
	a.expect("turn", 10*time.Second).decode(t, &tr)
	for _, frame := range []string{
		fmt.Sprintf(`{"type":"final","contest":%q,"seq":%d,"text":"guarded"}`, tr.Contest, tr.Seq+5),
		fmt.Sprintf(`{"type":"chunk","contest":%q,"text":"x","move":{"text":"x","final":true}}`, tr.Contest),
		`{"type":"ping","contest":"c_1"}`,
	} {
		a.sendRaw(frame)
		var e struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		}
		a.expect("error", 5*time.Second).decode(t, &e)
		if e.Code != "bad_frame" || !strings.Contains(e.Message, "takes no") {
			t.Fatalf("%s: got %+v, want bad_frame naming the field", frame, e)
		}
	}
	// Nothing was played: the answer is still open and takes a final.
	a.send(map[string]string{"type": "final", "contest": tr.Contest, "text": "my answer"})
	var ack struct {
		Ref string `json:"ref"`
	}
	a.expect("ack", 5*time.Second).decode(t, &ack)
	if ack.Ref != "final" {
		t.Fatalf("ack %+v, want the final's", ack)
	}
}
