package web_test

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestUIOwnerPageAsksOnceForAllItsAgents: the owner page read every
// agent's connection with its own GET /v1/agents/{id} every 5 s, so an
// owner watching a page of 50 agents made 600 requests a minute with its
// key (and more in a second tab) and ran into the per-key limits; and it
// read every agent's rating history, one request each, whenever it was
// opened. It now asks GET /v1/owners/{id}/ratings once when it opens and
// GET /v1/owners/{id}/connections once per look, for the whole page. An
// owner with 120 agents opens its page, types its key in and watches
// three looks: the page asks no agent one by one, and each look is one
// request; hidden, it asks nothing until it shows again; the second page
// shows its own agents' states.
func TestUIOwnerPageAsksOnceForAllItsAgents(t *testing.T) {
	b := newBrowser(t)
	_, nodes := plCluster(t, 1, plOptions{})
	t.Cleanup(b.checkLoopback)
	base := nodes[0].url
	ctx := b.ctx

	names := make([]string, 120)
	for i := range names {
		names[i] = fmt.Sprintf("fleet-%03d", i)
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
	owner := a.Agent.OwnerID
	// The pages list agents in id order: connect the 61st, which the
	// second page shows.
	sorted := slices.Clone(ids)
	slices.SortFunc(sorted, func(x, y plIdentity) int { return strings.Compare(x.agentID, y.agentID) })
	linked, idle := sorted[60], sorted[61]
	conn := plDial(t, base+"/v1/agents/connect", linked.agentKey)
	conn.expect("hello", 10*time.Second)

	state := func(id string) string {
		return fmt.Sprintf(`document.querySelector('#owner-agents tr[data-agent="%s"] .conn-state')?.dataset.state`, id)
	}
	const rows = `document.querySelectorAll('#owner-agents tbody tr').length`
	b.run(ctx, "open the owner page", 30*time.Second, chromedp.Navigate(base+"/owners/"+owner))
	b.waitJS(ctx, "the first page and the key form", rows+` === 50 && document.querySelector('#owner-key-form')`, 30*time.Second)
	b.run(ctx, "type the key", 20*time.Second,
		chromedp.Click(`#owner-access summary`, chromedp.NodeVisible),
		chromedp.SendKeys(`#owner-key`, ids[0].ownerKey, chromedp.NodeVisible),
		chromedp.Click(`#owner-key-form button[type=submit]`, chromedp.NodeVisible))
	// requests counts the pages' requests by kind.
	ratingsPath := "/v1/owners/" + owner + "/ratings"
	requests := func() (pageRatings, agentRatings int) {
		b.rec.mu.Lock()
		defer b.rec.mu.Unlock()
		for _, raw := range b.rec.requests {
			if u, err := url.Parse(raw); err == nil && u.Path == ratingsPath {
				pageRatings++
			} else if err == nil && strings.HasPrefix(u.Path, "/v1/agents/") && strings.HasSuffix(u.Path, "/ratings") {
				agentRatings++
			}
		}
		return
	}
	if page, single := requests(); page != 1 || single != 0 {
		t.Errorf("opening the page asked for the page's ratings %d times and single agents' %d times, want once and never", page, single)
	}
	b.waitJS(ctx, "every agent's state", `[...document.querySelectorAll('#owner-agents td.conn')].every(td => !td.hidden && td.querySelector('.conn-state'))`, 20*time.Second)

	// Three looks from now on, counted from the browser's own record.
	b.rec.mu.Lock()
	mark := len(b.rec.requests)
	b.rec.mu.Unlock()
	connPath := "/v1/owners/" + owner + "/connections"
	var looks, single int
	var other []string
	for deadline := time.Now().Add(60 * time.Second); looks < 3 && time.Now().Before(deadline); {
		time.Sleep(200 * time.Millisecond)
		b.rec.mu.Lock()
		since := slices.Clone(b.rec.requests[mark:])
		b.rec.mu.Unlock()
		looks, single, other = 0, 0, nil
		for _, raw := range since {
			u, err := url.Parse(raw)
			if err != nil {
				t.Fatalf("unparsable request %q", raw)
			}
			switch {
			case u.Path == connPath:
				looks++
			case strings.HasPrefix(u.Path, "/v1/agents/"):
				single++
			case u.Path == "/v1/ui/status": // the header's cluster line
			default:
				other = append(other, u.RequestURI())
			}
		}
	}
	if looks < 3 {
		t.Errorf("the page asked for the page's connections %d times in a minute, want 3 (one every 5 s)", looks)
	}
	if single > 0 {
		t.Errorf("the page asked about single agents %d times while it watched the connections: it should ask once a look for the whole page", single)
	}
	if len(other) > 0 {
		t.Errorf("the watching page also asked %v", other)
	}

	// A hidden tab asks nothing (a tab left in the background polled on
	// the owner's key for good), and asks at once when it shows again.
	visible := func(on bool) string {
		return fmt.Sprintf(`Object.defineProperty(document, 'hidden', {configurable: true, get: () => %t});
			document.dispatchEvent(new Event('visibilitychange'))`, !on)
	}
	b.run(ctx, "hide the tab", 10*time.Second, chromedp.Evaluate[chromedp.Void](visible(false)))
	time.Sleep(time.Second) // a look under way when it hid may still go out
	b.rec.mu.Lock()
	mark = len(b.rec.requests)
	b.rec.mu.Unlock()
	time.Sleep(12 * time.Second) // two looks and six status reads, had it not paused
	b.rec.mu.Lock()
	hidden := slices.Clone(b.rec.requests[mark:])
	b.rec.mu.Unlock()
	for _, raw := range hidden {
		if u, err := url.Parse(raw); err == nil && strings.HasPrefix(u.Path, "/v1/") {
			t.Errorf("the hidden tab asked %s", u.RequestURI())
		}
	}
	b.run(ctx, "show the tab", 10*time.Second, chromedp.Evaluate[chromedp.Void](visible(true)))
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		b.rec.mu.Lock()
		n := 0
		for _, raw := range b.rec.requests[mark:] {
			if u, err := url.Parse(raw); err == nil && u.Path == connPath {
				n++
			}
		}
		b.rec.mu.Unlock()
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the tab shown again did not look at the connections")
		}
	}

	b.run(ctx, "follow the next-page link", 20*time.Second, chromedp.Click(`#owner-pages a[href*="after="]`, chromedp.NodeVisible))
	b.waitJS(ctx, "the second page with the connected agent", rows+` === 50 && `+state(linked.agentID)+` === 'connected' && `+state(idle.agentID)+` === 'disconnected'`, 30*time.Second)
	// The page asks for its own agents: from its cursor on.
	b.rec.mu.Lock()
	var paged bool
	for _, raw := range b.rec.requests {
		if u, err := url.Parse(raw); err == nil && u.Path == connPath && u.Query().Get("cursor") != "" {
			paged = true
		}
	}
	b.rec.mu.Unlock()
	if !paged {
		t.Error("the second page asked for the connections without its cursor")
	}
	if page, single := requests(); page != 2 || single != 0 {
		t.Errorf("two pages asked for their ratings %d times and single agents' %d times, want twice and never", page, single)
	}
}
