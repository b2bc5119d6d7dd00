package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/agentarena/arena/agents/webhook"
)

// TestWebhookPromptAnswerStreamsWhenItIsTheLastOpen: a webhook agent that
// answers a prompt turn with "final": false is POSTed again with its
// answer so far until it answers "final": true (PROTOCOL.md, "Webhook
// agents"), also when every other seat is already final, so the contest
// settles without waiting for the deadline.
func TestWebhookPromptAnswerStreamsWhenItIsTheLastOpen(t *testing.T) {
	_, nodes := plCluster(t, 1, plOptions{})
	base := nodes[0].url
	rivalFinal := make(chan struct{})
	answers := make(chan string, 8)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Header.Get(webhook.EventHeader) != "turn" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		var turn struct {
			View struct {
				Answer string `json:"answer"`
			} `json:"view"`
		}
		_ = json.Unmarshal(body, &turn)
		answers <- turn.View.Answer
		move := map[string]any{"text": "The rest.", "final": true}
		if turn.View.Answer == "" {
			// Answer the first part only once the rival is final, so
			// this seat's is the only answer still open.
			select {
			case <-rivalFinal:
			case <-time.After(10 * time.Second):
			}
			move = map[string]any{"text": "Part one. ", "final": false}
		}
		json.NewEncoder(w).Encode(map[string]any{"move": move})
	}))
	defer hook.Close()

	ws := plAgents(t, base, "socket")[0]
	var created struct {
		Agent struct{ ID string } `json:"agent"`
	}
	if code := plHTTP(t, "POST", base+"/v1/agents", ws.ownerKey, map[string]string{"name": "hooky", "kind": "webhook", "webhook_url": hook.URL + "/turn"}, &created); code != 201 {
		t.Fatalf("create webhook agent: %d", code)
	}
	if code := plHTTP(t, "POST", base+"/v1/agents/"+created.Agent.ID+"/queue", ws.ownerKey, map[string]any{"arena": "prompt"}, nil); code != 200 {
		t.Fatalf("queue the webhook agent: %d", code)
	}
	c := plDial(t, base+"/v1/agents/connect", ws.agentKey)
	c.send(map[string]string{"type": "queue", "arena": "prompt"})
	var tr struct {
		Contest  string    `json:"contest"`
		Deadline time.Time `json:"deadline"`
	}
	c.expect("turn", 10*time.Second).decode(t, &tr)
	c.send(map[string]string{"type": "final", "contest": tr.Contest, "text": "Done at once."})
	c.expect("ack", 5*time.Second)
	close(rivalFinal)
	var end struct {
		Status string `json:"status"`
	}
	// Two webhook round trips and the rubric's judging: seconds under
	// -race beside two busy loops, still well inside the 30 s deadline
	// that waiting for it would have taken.
	c.expect("contest_end", 25*time.Second).decode(t, &end)
	if end.Status != "settled" || !time.Now().Before(tr.Deadline) {
		t.Fatalf("contest_end %+v at %v; want it settled before the deadline %v", end, time.Now(), tr.Deadline)
	}
	if first, second := <-answers, <-answers; first != "" || second != "Part one. " {
		t.Fatalf("webhook saw answers %q then %q, want \"\" then \"Part one. \"", first, second)
	}
}
