package web_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestUIOwnerSeesWhetherItsAgentsAreConnected: GET /v1/agents/{id} says
// whether a websocket agent is connected to its owner and the operator
// only, and the owner page showed nothing of it. A spectator still sees
// no connection; the owner types its key in and sees each agent's state,
// which follows the agent's socket; another owner's key is refused, not
// shown as "not connected"; the agent's page says it too.
func TestUIOwnerSeesWhetherItsAgentsAreConnected(t *testing.T) {
	b := newBrowser(t)
	_, nodes := plCluster(t, 1, plOptions{})
	t.Cleanup(b.checkLoopback)
	base := nodes[0].url
	ctx := b.ctx

	ids := plAgents(t, base, "linked", "idle")
	stranger := plAgents(t, base, "stranger")[0] // another owner's
	var a struct {
		Agent struct {
			OwnerID string `json:"owner_id"`
		} `json:"agent"`
	}
	if code := plHTTP(t, "GET", base+"/v1/agents/"+ids[0].agentID, "", nil, &a); code != 200 || a.Agent.OwnerID == "" {
		t.Fatalf("read the agent: %d", code)
	}
	ownerPage := base + "/owners/" + a.Agent.OwnerID
	conn := plDial(t, base+"/v1/agents/connect", ids[0].agentKey)
	conn.expect("hello", 10*time.Second)

	state := func(id string) string {
		return fmt.Sprintf(`document.querySelector('#owner-agents tr[data-agent="%s"] .conn-state')?.dataset.state`, id)
	}
	typeKey := func(key string) {
		t.Helper()
		b.waitJS(ctx, "the key form", `document.querySelector('#owner-key-form')`, 20*time.Second)
		b.run(ctx, "type the key", 20*time.Second,
			chromedp.Click(`#owner-access summary`, chromedp.NodeVisible),
			chromedp.SendKeys(`#owner-key`, key, chromedp.NodeVisible),
			chromedp.Click(`#owner-key-form button[type=submit]`, chromedp.NodeVisible))
	}

	b.run(ctx, "open the owner page", 30*time.Second, chromedp.Navigate(ownerPage))
	b.waitJS(ctx, "the owner's agents and the key form", `document.querySelectorAll('#owner-agents tbody tr').length === 2 && document.querySelector('#owner-key-form')`, 20*time.Second)
	if evalJS[bool](b, ctx, `[...document.querySelectorAll('#owner-agents .conn')].some(e => !e.hidden)`) {
		t.Fatal("a spectator without a key sees a connection column")
	}

	typeKey(stranger.ownerKey)
	b.waitJS(ctx, "another owner's key refused", `document.querySelector('#owner-key-refused')?.textContent.includes("not this owner's")`, 20*time.Second)
	if evalJS[bool](b, ctx, `[...document.querySelectorAll('#owner-agents .conn')].some(e => !e.hidden)`) {
		t.Fatal("with another owner's key the page shows a connection column")
	}
	b.run(ctx, "forget that key", 10*time.Second, chromedp.Click(`#owner-key-forget`, chromedp.NodeVisible))

	typeKey(ids[0].ownerKey)
	b.waitJS(ctx, "linked connected, idle not", state(ids[0].agentID)+` === 'connected' && `+state(ids[1].agentID)+` === 'disconnected'`, 20*time.Second)
	if got := evalJS[string](b, ctx, `document.querySelector('#owner-agents tr[data-agent="`+ids[0].agentID+`"] td.conn').textContent`); !strings.Contains(got, "to "+nodes[0].node.ID()) {
		t.Errorf("the connected agent's cell reads %q, want the node holding its socket (%s)", got, nodes[0].node.ID())
	}
	if evalJS[bool](b, ctx, `document.documentElement.outerHTML.includes(`+jsString(ids[0].ownerKey)+`)`) {
		t.Fatal("the owner key is in the page's HTML")
	}
	if evalJS[string](b, ctx, `sessionStorage.getItem('arena.ownerKey')`) != ids[0].ownerKey {
		t.Fatal("the owner key is not kept in this tab's sessionStorage")
	}

	// The agent's own page says it too, to the owner that typed its key.
	b.run(ctx, "open the agent page", 30*time.Second, chromedp.Navigate(base+"/agents/"+ids[0].agentID))
	b.waitJS(ctx, "the agent's connection", `document.querySelector('#agent-conn') && !document.querySelector('#agent-conn').hidden && document.querySelector('#agent-conn .conn-state')?.dataset.state === 'connected'`, 20*time.Second)

	// The state follows the socket while the page is open.
	b.run(ctx, "back to the owner page", 30*time.Second, chromedp.Navigate(ownerPage))
	b.waitJS(ctx, "linked connected", state(ids[0].agentID)+` === 'connected'`, 20*time.Second)
	conn.conn.Close()
	b.waitJS(ctx, "linked disconnected", state(ids[0].agentID)+` === 'disconnected' &&
		document.querySelector('#owner-agents tr[data-agent="`+ids[0].agentID+`"] td.conn').textContent.includes('last socket closed')`, 30*time.Second)

	b.run(ctx, "forget the key", 10*time.Second, chromedp.Click(`#owner-key-forget`, chromedp.NodeVisible))
	b.waitJS(ctx, "the column gone", `document.querySelector('#owner-key-form') && [...document.querySelectorAll('#owner-agents .conn')].every(e => e.hidden)`, 10*time.Second)
	if evalJS[bool](b, ctx, `sessionStorage.getItem('arena.ownerKey') !== null`) {
		t.Fatal("Forget key left the key in sessionStorage")
	}
}
