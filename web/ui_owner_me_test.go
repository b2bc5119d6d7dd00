package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestUIOwnersMeIsTheKeysOwner: /owners/me (the API's owner=me) asked the
// node for owner=me without a key and showed "Could not load the owner:
// owner=me needs an owner API key"; it now asks for the key, and with it
// shows that owner's page at the owner's own address. A key the node
// refuses is said so and forgotten.
func TestUIOwnersMeIsTheKeysOwner(t *testing.T) {
	b := newBrowser(t)
	_, nodes := plCluster(t, 1, plOptions{})
	t.Cleanup(b.checkLoopback)
	base := nodes[0].url
	ctx := b.ctx

	ids := plAgents(t, base, "mine")
	var a struct {
		Agent struct {
			OwnerID string `json:"owner_id"`
		} `json:"agent"`
	}
	if code := plHTTP(t, "GET", base+"/v1/agents/"+ids[0].agentID, "", nil, &a); code != 200 {
		t.Fatalf("read the agent: %d", code)
	}
	typeKey := func(key string) {
		t.Helper()
		b.run(ctx, "type the key", 20*time.Second,
			chromedp.SendKeys(`#owner-key`, key, chromedp.NodeVisible),
			chromedp.Click(`#owner-key-form button[type=submit]`, chromedp.NodeVisible))
	}

	b.run(ctx, "open /owners/me", 30*time.Second, chromedp.Navigate(base+"/owners/me"))
	b.waitJS(ctx, "the key form", `document.querySelector('#owner-key-form')`, 20*time.Second)
	if got := evalJS[string](b, ctx, `document.querySelector('main').textContent`); strings.Contains(got, "Could not") {
		t.Errorf("without a key /owners/me reads %q", got)
	}

	typeKey("aro_notakeyanyoneholds0000000000000")
	b.waitJS(ctx, "the key refused", `document.querySelector('#owner-key-refused')?.textContent.includes('refused the key') && document.querySelector('#owner-key-form')`, 20*time.Second)
	if evalJS[bool](b, ctx, `sessionStorage.getItem('arena.ownerKey') !== null`) {
		t.Error("a refused key stays in sessionStorage")
	}

	typeKey(ids[0].ownerKey)
	b.waitJS(ctx, "the owner's page", `location.pathname === '/owners/`+a.Agent.OwnerID+`' &&
		document.querySelector('#owner-agents tr[data-agent="`+ids[0].agentID+`"] .conn-state')`, 20*time.Second)
}
