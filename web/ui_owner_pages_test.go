package web_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestUIOwnerPageListsEveryAgentPageByPage: an owner page listed the
// first 50 agents and said so, with no way to see the others; it now links
// the next page (the list's own cursor, which the node takes) and back to
// the first, and says which agents each page shows (an owner of a
// thousand clicked through twenty pages that never said where it was).
func TestUIOwnerPageListsEveryAgentPageByPage(t *testing.T) {
	b := newBrowser(t)
	_, nodes := plCluster(t, 1, plOptions{})
	t.Cleanup(b.checkLoopback)
	base := nodes[0].url
	ctx := b.ctx

	names := make([]string, 52)
	for i := range names {
		names[i] = fmt.Sprintf("fleet-%02d", i)
	}
	ids := plAgents(t, base, names...)
	var a struct {
		Agent struct {
			OwnerID string `json:"owner_id"`
		} `json:"agent"`
	}
	if code := plHTTP(t, "GET", base+"/v1/agents/"+ids[0].agentID, "", nil, &a); code != 200 {
		t.Fatalf("read an agent: %d", code)
	}

	const rows = `document.querySelectorAll('#owner-agents tbody tr').length`
	b.run(ctx, "open the owner page", 30*time.Second, chromedp.Navigate(base+"/owners/"+a.Agent.OwnerID))
	b.waitJS(ctx, "the first page", rows+` === 50`, 30*time.Second)
	if got := evalJS[string](b, ctx, `document.querySelector('#owner-range')?.textContent`); got != "Agents 1–50" {
		t.Errorf("the first page says %q, want Agents 1–50", got)
	}
	b.run(ctx, "follow the next-page link", 20*time.Second, chromedp.Click(`#owner-pages a[href*="after="]`, chromedp.NodeVisible))
	b.waitJS(ctx, "the second page", rows+` === 2`, 30*time.Second)
	if got := evalJS[string](b, ctx, `document.querySelector('#owner-range')?.textContent`); got != "Agents 51–52 of 52" {
		t.Errorf("the last page says %q, want Agents 51–52 of 52", got)
	}
	seen := map[string]bool{}
	for _, id := range evalJS[[]string](b, ctx, `[...document.querySelectorAll('#owner-agents tbody tr')].map(r => r.dataset.agent)`) {
		seen[id] = true
	}
	if evalJS[bool](b, ctx, `!!document.querySelector('#owner-pages a[href*="after="]')`) {
		t.Error("the last page links a next page")
	}
	b.run(ctx, "back to the first page", 20*time.Second, chromedp.Click(`#owner-pages a`, chromedp.NodeVisible))
	b.waitJS(ctx, "the first page again", rows+` === 50 && !location.search`, 30*time.Second)
	for _, id := range evalJS[[]string](b, ctx, `[...document.querySelectorAll('#owner-agents tbody tr')].map(r => r.dataset.agent)`) {
		if seen[id] {
			t.Errorf("agent %s is on both pages", id)
		}
		seen[id] = true
	}
	if len(seen) != len(ids) {
		t.Errorf("the two pages list %d agents, want all %d", len(seen), len(ids))
	}
}
