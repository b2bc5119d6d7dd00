package web_test

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestUIRepaintsKeepFocus: the pages that follow the node repainted by
// rebuilding: the home page every two seconds, the leaderboard at every
// settlement, the operator page every three seconds, a prompt contest's
// answer cards at every chunk. A keyboard user's
// focus fell back to the top of the document at each repaint (a sort
// button, an agent link, an arena link), a click that straddled a repaint
// was lost, and an operator's selected state hash was unselected. Nodes
// that did not change now stay, and a leaderboard row follows its agent.
func TestUIRepaintsKeepFocus(t *testing.T) {
	b := newBrowser(t)
	_, nodes := plCluster(t, 1, plOptions{})
	t.Cleanup(b.checkLoopback)
	base := nodes[0].url
	ctx := b.ctx

	const arenaName = "focus"
	def := map[string]any{"game": "connect4", "seats": 2, "move_deadline_ms": 5000}
	if code := plHTTP(t, "PUT", base+"/v1/arenas/"+arenaName, plOperator, def, nil); code != 200 {
		t.Fatalf("create arena: %d", code)
	}
	ids := plAgents(t, base, "alpha", "beta", "gamma", "delta")
	conns := make([]*plConn, len(ids))
	for i, id := range ids {
		conns[i] = plDial(t, base+"/v1/agents/connect", id.agentKey)
		conns[i].expect("hello", 10*time.Second)
	}
	win := []int{3, 4, 3, 4, 3, 4, 3} // seat 0 stacks column 3
	uiFixGame(t, arenaName, conns[0], conns[1], win)

	t.Run("on the leaderboard, at a settlement", func(t *testing.T) {
		b := b.on(t)
		b.run(ctx, "open the arena", 30*time.Second, chromedp.Navigate(base+"/arenas/"+arenaName))
		b.waitJS(ctx, "two rows", `document.querySelectorAll('#board-rows tr[data-agent]').length === 2`, 20*time.Second)
		// A sort button, then an agent link, each held by reference.
		evalJS[bool](b, ctx, `(() => {
			window.__sort = document.querySelector('button.sort[data-sort="games"]');
			window.__sort.click(); window.__sort.focus();
			window.__link = document.querySelector('#board-rows tr[data-agent="`+ids[0].agentID+`"] a.agent-name');
			return true; })()`)
		uiFixGame(t, arenaName, conns[2], conns[3], win)
		b.waitJS(ctx, "the new rows", `document.querySelectorAll('#board-rows tr[data-agent]').length === 4`, 20*time.Second)
		if got := evalJS[string](b, ctx, `document.activeElement === window.__sort ? 'kept' : document.activeElement.outerHTML.slice(0, 80)`); got != "kept" {
			t.Errorf("after the table was read again the focus is on %s, want the Games sort button", got)
		}
		if got := evalJS[string](b, ctx, `document.querySelector('th[aria-sort="descending"] button.sort')?.dataset.sort || ''`); got != "games" {
			t.Errorf("the table is sorted by %q, want games", got)
		}
		evalJS[bool](b, ctx, `(window.__link.focus(), true)`)
		uiFixGame(t, arenaName, conns[3], conns[1], win) // delta beats beta: the rows reorder
		b.waitJS(ctx, "delta's win", `document.querySelector('#board-rows tr[data-agent="`+ids[3].agentID+`"]')?.dataset.games === '2'`, 20*time.Second)
		if got := evalJS[string](b, ctx, `document.activeElement === window.__link && window.__link.closest('tr').dataset.agent === '`+ids[0].agentID+`' ? 'kept' : document.activeElement.outerHTML.slice(0, 80)`); got != "kept" {
			t.Errorf("after the rows moved the focus is on %s, want alpha's link in alpha's row", got)
		}
	})

	t.Run("on a running prompt contest, as answers grow", func(t *testing.T) {
		b := b.on(t)
		var contest string
		writers := make([]*plConn, 2)
		for i, name := range []string{"writer-a", "writer-b"} {
			id := plAgents(t, base, name)[0] // owners of their own
			writers[i] = plDial(t, base+"/v1/agents/connect", id.agentKey)
			writers[i].expect("hello", 10*time.Second)
			writers[i].send(map[string]string{"type": "queue", "arena": "prompt"})
		}
		for _, c := range writers {
			var st struct {
				Contest string `json:"contest"`
			}
			c.expect("contest_start", 10*time.Second).decode(t, &st)
			contest = st.Contest
		}
		chunk := func(c *plConn, text string) {
			c.send(map[string]string{"type": "chunk", "contest": contest, "text": text})
		}
		chunk(writers[0], "A first part. ")
		b.run(ctx, "open the contest", 30*time.Second, chromedp.Navigate(base+"/contests/"+contest))
		b.waitJS(ctx, "the answer cards", `document.querySelectorAll('.answer progress').length === 2 &&
			[...document.querySelectorAll('.answer progress')].some((p) => p.value > 0)`, 20*time.Second)
		evalJS[bool](b, ctx, `(() => {
			window.__link = document.querySelector('.answer h3 a');
			window.__link.focus();
			window.__bytes = [...document.querySelectorAll('.answer progress')].map((p) => p.value).join(',');
			return true; })()`)
		chunk(writers[1], "Another part, longer than the first one. ")
		b.waitJS(ctx, "the other answer's growth", `[...document.querySelectorAll('.answer progress')].map((p) => p.value).join(',') !== window.__bytes`, 20*time.Second)
		if got := evalJS[string](b, ctx, `document.activeElement === window.__link ? 'kept' : document.activeElement.outerHTML.slice(0, 80)`); got != "kept" {
			t.Errorf("after an answer grew the focus is on %s, want the first card's agent link", got)
		}
		// End the contest and wait for it, so no move is still being
		// applied when the test ends.
		for _, c := range writers {
			c.send(map[string]string{"type": "final", "contest": contest, "text": "Done."})
		}
		for _, c := range writers {
			c.expect("contest_end", 20*time.Second)
		}
	})

	t.Run("on the home page, across its polls", func(t *testing.T) {
		b := b.on(t)
		b.run(ctx, "open the home page", 30*time.Second, chromedp.Navigate(base+"/"))
		card := `document.querySelector('.arena-card[data-arena="` + arenaName + `"]')`
		b.waitJS(ctx, "the arena's card", card+`?.querySelectorAll('ol li').length === 3`, 20*time.Second)
		evalJS[bool](b, ctx, `(() => {
			window.__polls = 0;
			const real = window.fetch;
			window.fetch = (u, o) => { if (String(u).startsWith('/v1/ui/home')) window.__polls++; return real(u, o); };
			window.__link = `+card+`.querySelector('h3 a');
			window.__link.focus();
			window.__recent = document.querySelector('#recent li a');
			const r = document.createRange(); r.selectNodeContents(window.__recent);
			getSelection().removeAllRanges(); getSelection().addRange(r);
			window.__selected = getSelection().toString();
			return true; })()`)
		// Two polls answered and painted since.
		b.waitJS(ctx, "two more polls", `window.__polls >= 3`, 20*time.Second)
		if got := evalJS[string](b, ctx, `document.activeElement === window.__link ? 'kept' : document.activeElement.outerHTML.slice(0, 80)`); got != "kept" {
			t.Errorf("after two polls the focus is on %s, want the arena's link", got)
		}
		if got := evalJS[string](b, ctx, `window.__recent.isConnected && getSelection().toString() === window.__selected ? 'kept' : 'lost: ' + getSelection().toString()`); got != "kept" {
			t.Errorf("the selected result is %s", got)
		}
	})

	t.Run("on the operator page, across its polls", func(t *testing.T) {
		b := b.on(t)
		b.run(ctx, "open the operator page", 30*time.Second, chromedp.Navigate(base+"/ops"))
		b.waitJS(ctx, "the token form", `document.querySelector('#ops-token')`, 20*time.Second)
		evalJS[bool](b, ctx, `(() => {
			document.querySelector('#ops-token').value = '`+plOperator+`';
			window.__polls = 0;
			const real = window.fetch;
			window.fetch = (u, o) => { if (String(u).startsWith('/v1/ui/cluster')) window.__polls++; return real(u, o); };
			document.querySelector('#ops-form').requestSubmit();
			return true; })()`)
		b.waitJS(ctx, "the members", `document.querySelector('#ops-nodes tbody tr td span[title]')`, 20*time.Second)
		evalJS[bool](b, ctx, `(() => {
			window.__hash = document.querySelector('#ops-nodes tbody tr td span[title]');
			const r = document.createRange(); r.selectNodeContents(window.__hash);
			getSelection().removeAllRanges(); getSelection().addRange(r);
			window.__selected = getSelection().toString();
			window.__polls = 0;
			return true; })()`)
		b.waitJS(ctx, "two more polls", `window.__polls >= 2 && document.querySelector('#ops-nodes')`, 30*time.Second)
		if got := evalJS[string](b, ctx, `window.__hash.isConnected && getSelection().toString() === window.__selected ? 'kept' : 'lost: ' + getSelection().toString()`); got != "kept" {
			t.Errorf("the selected state hash is %s", got)
		}
	})
}
