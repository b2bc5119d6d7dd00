package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestUILongAndHostileNames plays one contest between an agent with the
// longest name allowed, 64 bytes without a space, and one named with HTML,
// then opens every page that names them at a phone's width: no page may
// be wider than the screen (a long name widened the agent, contest and
// replay pages to four screens), and the HTML shows as text, never runs.
func TestUILongAndHostileNames(t *testing.T) {
	b := newBrowser(t)
	_, nodes := plCluster(t, 1, plOptions{})
	t.Cleanup(b.checkLoopback)
	base := nodes[0].url
	ctx := b.ctx

	const arenaName = "names"
	def := map[string]any{"game": "connect4", "seats": 2, "move_deadline_ms": 5000}
	if code := plHTTP(t, "PUT", base+"/v1/arenas/"+arenaName, plOperator, def, nil); code != 200 {
		t.Fatalf("create arena: %d", code)
	}
	long := strings.Repeat("W", 64)
	const hostile = `<img src=x onerror="window.__xss=1">`
	ids := plAgents(t, base, long, hostile)
	dial := func(key string) *plConn {
		c := plDial(t, base+"/v1/agents/connect", key)
		c.expect("hello", 10*time.Second)
		return c
	}
	uiFixGame(t, arenaName, dial(ids[0].agentKey), dial(ids[1].agentKey), []int{3, 4, 3, 4, 3, 4, 3})
	var cs struct {
		Contests []struct{ ID string } `json:"contests"`
	}
	if code := plHTTP(t, "GET", base+"/v1/contests?agent="+ids[0].agentID, "", nil, &cs); code != 200 || len(cs.Contests) != 1 {
		t.Fatalf("the contest: %d, %d listed", code, len(cs.Contests))
	}
	contest := cs.Contests[0].ID

	b.run(ctx, "a phone's width", 10*time.Second, chromedp.EmulateViewport(375, 800))
	for _, p := range []struct{ path, ready string }{
		{"/agents/" + ids[0].agentID, `document.querySelector('#recent-contests tbody tr')`},
		{"/agents/" + ids[1].agentID, `document.querySelector('#recent-contests tbody tr')`},
		{"/contests/" + contest, `document.querySelector('#verdict tbody tr')`},
		{"/contests/" + contest + "/replay", `document.querySelector('#seats li')`},
		{"/arenas/" + arenaName, `document.querySelectorAll('#board-rows tr[data-agent]').length === 2`},
		{"/", `document.querySelector('.arena-card[data-arena="` + arenaName + `"] li')`},
	} {
		b.run(ctx, "open "+p.path, 30*time.Second, chromedp.Navigate(base+p.path))
		b.waitJS(ctx, p.path, p.ready, 20*time.Second)
		if got := evalJS[string](b, ctx, `(() => { const d = document.documentElement; if (d.scrollWidth <= d.clientWidth) return '';
			// The innermost elements past the screen's edge say what widened it.
			const past = [...document.querySelectorAll('main *')].filter((e) => e.getBoundingClientRect().right > d.clientWidth + 1 && ![...e.children].some((c) => c.getBoundingClientRect().right > d.clientWidth + 1));
			return d.scrollWidth + ' px wide on a ' + d.clientWidth + ' px screen, past its edge: ' + past.slice(0, 3).map((e) => e.tagName + (e.id ? '#' + e.id : '') + (e.className ? '.' + e.className : '') + ' (' + e.parentElement.tagName + '.' + e.parentElement.className + ')').join(', '); })()`); got != "" {
			t.Errorf("%s is %s", p.path, got)
		}
		if !evalJS[bool](b, ctx, `document.querySelector('main').textContent.includes(`+jsString(hostile)+`)`) {
			t.Errorf("%s does not show the name %s as text", p.path, hostile)
		}
		if evalJS[bool](b, ctx, `window.__xss === 1 || !!document.querySelector('main img')`) {
			t.Fatalf("%s ran the name %s as HTML", p.path, hostile)
		}
	}
}
