package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestUIOwnerPage: an agent page's owner leads to the owner's page, which
// lists the owner's agents with their current Elo in each arena played; an
// unknown owner says so.
func TestUIOwnerPage(t *testing.T) {
	b := newBrowser(t)
	_, nodes := plCluster(t, 1, plOptions{})
	t.Cleanup(b.checkLoopback)
	base := nodes[0].url
	ctx := b.ctx

	const arenaName = "owned"
	def := map[string]any{"game": "connect4", "seats": 2, "move_deadline_ms": 5000}
	if code := plHTTP(t, "PUT", base+"/v1/arenas/"+arenaName, plOperator, def, nil); code != 200 {
		t.Fatalf("create arena: %d", code)
	}
	ids := plAgents(t, base, "alpha", "beta", "idle")
	dial := func(key string) *plConn {
		c := plDial(t, base+"/v1/agents/connect", key)
		c.expect("hello", 10*time.Second)
		return c
	}
	uiFixGame(t, arenaName, dial(ids[0].agentKey), dial(ids[1].agentKey), []int{3, 4, 3, 4, 3, 4, 3})
	var a struct {
		Agent struct {
			OwnerID string `json:"owner_id"`
		} `json:"agent"`
	}
	if code := plHTTP(t, "GET", base+"/v1/agents/"+ids[0].agentID, "", nil, &a); code != 200 || a.Agent.OwnerID == "" {
		t.Fatalf("read the agent: %d", code)
	}
	owner := a.Agent.OwnerID
	var list struct {
		OwnerName string `json:"owner_name"`
	}
	if code := plHTTP(t, "GET", base+"/v1/agents?owner="+owner, "", nil, &list); code != 200 || list.OwnerName != "tester" {
		t.Fatalf("GET /v1/agents?owner=: %d, owner_name %q, want tester", code, list.OwnerName)
	}

	b.run(ctx, "open the agent", 30*time.Second, chromedp.Navigate(base+"/agents/"+ids[0].agentID))
	b.waitJS(ctx, "the owner link", `document.querySelector('a#owner')`, 20*time.Second)
	b.run(ctx, "follow the owner link", 20*time.Second, chromedp.Click(`a#owner`, chromedp.NodeVisible))
	b.waitJS(ctx, "the owner page", `document.querySelector('#owner-agents tbody tr')`, 20*time.Second)
	if got := evalJS[string](b, ctx, `location.pathname`); got != "/owners/"+owner {
		t.Fatalf("the owner link led to %s", got)
	}
	if got := evalJS[string](b, ctx, `document.querySelector('#owner-name').textContent`); got != "tester" {
		t.Errorf("the owner page's heading reads %q, want tester", got)
	}
	rows := evalJS[[]string](b, ctx, `[...document.querySelectorAll('#owner-agents tbody tr')].map(r => r.dataset.agent + ' ' + r.querySelector('.ratings').textContent.trim())`)
	if len(rows) != 3 {
		t.Fatalf("the owner page lists %v, want its 3 agents", rows)
	}
	for i, id := range []string{ids[0].agentID, ids[1].agentID} {
		found := false
		for _, r := range rows {
			found = found || (strings.HasPrefix(r, id+" ") && strings.Contains(r, arenaName+" ") && strings.HasSuffix(r, "(1)"))
		}
		if !found {
			t.Errorf("agent %d (%s) has no %s rating after its one contest: %v", i, id, arenaName, rows)
		}
	}
	for _, r := range rows {
		if strings.HasPrefix(r, ids[2].agentID+" ") && !strings.Contains(r, "no settled contests") {
			t.Errorf("the idle agent's row reads %q", r)
		}
	}

	b.run(ctx, "open the leaderboard", 30*time.Second, chromedp.Navigate(base+"/arenas/"+arenaName))
	b.waitJS(ctx, "owner links on the leaderboard", `document.querySelectorAll('#board-rows td.owner a').length >= 2`, 30*time.Second)
	for _, href := range evalJS[[]string](b, ctx, `[...document.querySelectorAll('#board-rows td.owner a')].map(a => a.getAttribute('href'))`) {
		if href != "/owners/"+owner {
			t.Errorf("a leaderboard owner links to %s, want /owners/%s", href, owner)
		}
	}

	b.run(ctx, "open an unknown owner", 30*time.Second, chromedp.Navigate(base+"/owners/ow_nobody"))
	b.waitJS(ctx, "the unknown-owner message", `document.querySelector('main .err') && document.querySelector('main .err').textContent.includes('No owner ow_nobody')`, 20*time.Second)
}
