package web_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestUIFixes checks, in Chromium against one node without bots, what an
// outside QA pass found wrong with the spectator pages: an unknown arena
// that retried its stream forever, a literal "null" on the agent page, home
// cards numbered 1, 2, 3 whatever the ranks, earnings that did not say what
// they covered, an arena page deaf to the operator's changes, and links to
// deleted agents. The agents play their few games through the agent
// websocket, so every number is known.
func TestUIFixes(t *testing.T) {
	b := newBrowser(t)
	_, nodes := plCluster(t, 1, plOptions{})
	t.Cleanup(b.checkLoopback)
	base := nodes[0].url
	ctx := b.ctx

	// A staked arena ranked by Bradley–Terry, whose agents all stay
	// provisional (fewer than 10 games): the table still starts at rank 1
	// (it started at 2), and agents the few battles cannot tell apart share
	// a rank.
	const arenaName = "uifix"
	def := map[string]any{"game": "connect4", "seats": 2, "move_deadline_ms": 5000, "stake": 100, "rewards": []int{100}, "rank_by": "bt"}
	if code := plHTTP(t, "PUT", base+"/v1/arenas/"+arenaName, plOperator, def, nil); code != 200 {
		t.Fatalf("create arena: %d", code)
	}
	ids := plAgents(t, base, "alpha", "beta")
	gamma := plAgents(t, base, "gamma")[0] // another owner's: deleted below
	dial := func(key string) *plConn {
		c := plDial(t, base+"/v1/agents/connect", key)
		c.expect("hello", 10*time.Second)
		return c
	}
	alpha, beta, gc := dial(ids[0].agentKey), dial(ids[1].agentKey), dial(gamma.agentKey)
	win := []int{3, 4, 3, 4, 3, 4, 3} // seat 0 stacks column 3
	uiFixGame(t, arenaName, alpha, beta, win)
	uiFixGame(t, arenaName, alpha, gc, win)

	t.Run("an unknown arena says so and opens no stream", func(t *testing.T) {
		b := b.on(t)
		b.run(ctx, "open an unknown arena", 30*time.Second, chromedp.Navigate(base+"/arenas/no-such-arena"))
		b.waitJS(ctx, "the unknown-arena message", `document.querySelector('#arena-unknown') &&
			document.querySelector('main h1').textContent === 'Unknown arena'`, 20*time.Second)
		time.Sleep(time.Second) // a stream opened meanwhile, or retried, would show by now
		if evalJS[bool](b, ctx, `!document.querySelector('#banner').hidden`) {
			t.Errorf("the banner reads %q", evalJS[string](b, ctx, `document.querySelector('#banner').textContent`))
		}
		b.rec.mu.Lock()
		defer b.rec.mu.Unlock()
		for _, u := range b.rec.requests {
			if strings.Contains(u, "/v1/arenas/no-such-arena/live") {
				t.Errorf("the page opened the unknown arena's stream: %s", u)
			}
		}
	})

	t.Run("conditional children are left out, not shown as null", func(t *testing.T) {
		b := b.on(t)
		if got := awaitJS[string](b, ctx, importUtil(`m.fill(document.createElement('p'), null, 'a', undefined, false, ['b', null, [false]], 0).textContent`)); got != "ab0" {
			t.Errorf("fill(p, null, 'a', undefined, false, ['b', null, [false]], 0) reads %q, want ab0", got)
		}
		b.run(ctx, "open an agent without a description", 30*time.Second, chromedp.Navigate(base+"/agents/"+ids[0].agentID))
		b.waitJS(ctx, "the agent page", `document.querySelector('#earnings') && document.querySelector('#recent-contests')`, 20*time.Second)
		if got := evalJS[string](b, ctx, `document.querySelector('main').textContent`); strings.Contains(got, "null") {
			t.Errorf("the agent page shows null: %q", got)
		}
	})

	t.Run("the agent page says which contests earnings and opponents cover", func(t *testing.T) {
		b := b.on(t)
		// alpha has played two settled contests, all it has.
		for sel, want := range map[string]string{
			"#earnings-window":  "over all 2 of its settled contests.",
			"#opponents-window": "Over all 2 of its settled contests.",
			"#recent-window":    "All 2 of its contests, newest first.",
		} {
			if got := evalJS[string](b, ctx, `document.querySelector('`+sel+`')?.textContent || ''`); !strings.HasSuffix(got, want) {
				t.Errorf("%s reads %q, want it to end %q", sel, got, want)
			}
		}
		var list struct {
			Contests []struct {
				Seats []struct {
					AgentID string `json:"agent_id"`
				} `json:"seats"`
				Payouts []int64 `json:"payouts"`
				Stakes  []int64 `json:"stakes"`
			} `json:"contests"`
		}
		plHTTP(t, "GET", base+"/v1/contests?agent="+ids[0].agentID, "", nil, &list)
		var paid, staked int64
		for _, c := range list.Contests {
			for i, s := range c.Seats {
				if s.AgentID == ids[0].agentID && len(c.Payouts) > i && len(c.Stakes) > i {
					paid, staked = paid+c.Payouts[i], staked+c.Stakes[i]
				}
			}
		}
		want := wantMoney(paid) + " paid out against " + wantMoney(staked) + " in stakes"
		if got := evalJS[string](b, ctx, `document.querySelector('#earnings-window').textContent`); !strings.HasPrefix(got, want) || staked == 0 {
			t.Errorf("earnings read %q, want %q… (stakes from the contests' stakes)", got, want)
		}

		// An agent with more contests than the page reads: the node's
		// answer is stretched to 200 contests with more to come, and the
		// page is opened again in place.
		evalJS[bool](b, ctx, `(() => {
			const real = window.fetch;
			window.fetch = async (u, o) => {
				const r = await real(u, o);
				if (!String(u).startsWith('/v1/contests?agent=')) return r;
				const d = await r.json(), cs = [];
				while (cs.length < 200) cs.push(...d.contests);
				return new Response(JSON.stringify({ contests: cs.slice(0, 200), next_cursor: 'older' }), { status: 200, headers: { 'Content-Type': 'application/json' } });
			};
			const p = location.pathname;
			history.pushState(null, '', '/');
			history.pushState(null, '', p);
			dispatchEvent(new PopStateEvent('popstate'));
			return true;
		})()`)
		b.waitJS(ctx, "the page over 200 contests", `document.querySelector('#recent-window')?.textContent.startsWith('Its latest')`, 20*time.Second)
		if n := evalJS[int](b, ctx, `document.querySelectorAll('#recent-contests tbody tr').length`); n != 30 {
			t.Errorf("the table lists %d contests, want 30", n)
		}
		const latest = "its latest 200 settled contests (the settled ones among its latest 200 contests; older ones are not counted)."
		for sel, want := range map[string]string{
			"#earnings-window":  "over " + latest,
			"#opponents-window": "Over " + latest,
			"#recent-window":    "Its latest 30 contests, newest first.",
		} {
			if got := evalJS[string](b, ctx, `document.querySelector('`+sel+`').textContent`); !strings.HasSuffix(got, want) {
				t.Errorf("%s reads %q, want it to end %q", sel, got, want)
			}
		}
	})

	t.Run("home cards number agents by their rank", func(t *testing.T) {
		b := b.on(t)
		var home struct {
			Arenas []struct {
				Arena struct{ Name string } `json:"arena"`
				Top   []struct {
					Rank        int  `json:"rank"`
					Provisional bool `json:"provisional"`
				} `json:"top"`
			} `json:"arenas"`
		}
		plHTTP(t, "GET", base+"/v1/ui/home", "", nil, &home)
		var want []int
		for _, a := range home.Arenas {
			if a.Arena.Name == arenaName {
				for _, e := range a.Top {
					want = append(want, e.Rank)
				}
			}
		}
		if len(want) != 3 || want[0] != 1 {
			t.Fatalf("the node ranks the provisional agents %v: want three, from rank 1 (nobody is established)", want)
		}
		b.run(ctx, "open the home page", 30*time.Second, chromedp.Navigate(base+"/"))
		card := `document.querySelector('.arena-card[data-arena="` + arenaName + `"]')`
		b.waitJS(ctx, "the arena's top agents", card+`?.querySelectorAll('ol li').length === 3`, 20*time.Second)
		got := evalJS[[]int](b, ctx, `[...`+card+`.querySelectorAll('ol li')].map((li) => li.value)`)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("the card numbers its agents %v, the node ranks them %v", got, want)
		}
		t.Logf("ranks %v", got)
	})

	t.Run("the arena page follows the operator's changes", func(t *testing.T) {
		b := b.on(t)
		b.run(ctx, "open the arena", 30*time.Second, chromedp.Navigate(base+"/arenas/"+arenaName))
		b.waitJS(ctx, "three provisional rows", `document.querySelectorAll('#board-rows tr[data-agent]').length === 3 &&
			document.querySelectorAll('#board-rows .badge.provisional').length === 3 &&
			document.querySelector('#arena-info').textContent.includes('5 s per move')`, 20*time.Second)
		// Nobody is established: the table starts at 1 all the same.
		if got := evalJS[string](b, ctx, `document.querySelector('#board-rows tr[data-agent] td').textContent`); got != "1" {
			t.Errorf("the first provisional row is ranked %q, want 1", got)
		}
		evalJS[bool](b, ctx, `(window.__noReload = true)`)
		def["move_deadline_ms"], def["stake"], def["provisional_games"] = 7000, 250, 1
		if code := plHTTP(t, "PUT", base+"/v1/arenas/"+arenaName, plOperator, def, nil); code != 200 {
			t.Fatalf("change the arena: %d", code)
		}
		b.waitJS(ctx, "the new settings", `document.querySelector('#arena-info').textContent.includes('7 s per move · stake `+wantMoney(250)+`')`, 20*time.Second)
		// Every agent has played a game: none is provisional now, and the
		// best share rank 1.
		b.waitJS(ctx, "the table read again", `document.querySelectorAll('#board-rows tr[data-agent]').length === 3 &&
			document.querySelectorAll('#board-rows .badge.provisional').length === 0 &&
			document.querySelector('#board-rows tr[data-agent] td').textContent === '1'`, 20*time.Second)
		if !evalJS[bool](b, ctx, `window.__noReload === true`) {
			t.Error("the page reloaded")
		}
	})

	t.Run("a deleted agent is named without a link", func(t *testing.T) {
		b := b.on(t)
		if got := awaitJS[string](b, ctx, importUtil(`(() => { const el = m.agentName({ agent_id: 'ag_x', name: 'x', deleted: true });
			return el.tagName + ' ' + el.textContent + ' ' + el.querySelectorAll('a').length; })()`)); got != "SPAN x (deleted) 0" {
			t.Errorf("a deleted row's name renders as %q, want a span reading \"x (deleted)\" without a link", got)
		}
		if code := plHTTP(t, "DELETE", base+"/v1/agents/"+gamma.agentID, gamma.ownerKey, nil, nil); code != 204 && code != 200 {
			t.Fatalf("delete gamma: %d", code)
		}
		var lb struct {
			Entries []struct {
				AgentID string `json:"agent_id"`
				Deleted bool   `json:"deleted"`
			} `json:"entries"`
		}
		plHTTP(t, "GET", base+"/v1/arenas/"+arenaName+"/leaderboard", "", nil, &lb)
		served := false
		for _, e := range lb.Entries {
			served = served || e.AgentID == gamma.agentID && e.Deleted
		}
		if !served {
			t.Skip("the node does not mark the deleted agent's row `deleted` yet (server side not landed)")
		}
		row := `document.querySelector('#board-rows tr[data-agent="` + gamma.agentID + `"] th')`
		b.run(ctx, "open the arena", 30*time.Second, chromedp.Navigate(base+"/arenas/"+arenaName))
		b.waitJS(ctx, "gamma's row", row, 20*time.Second)
		if got := evalJS[string](b, ctx, `(() => { const th = `+row+`; return th.querySelectorAll('a').length + ' ' + th.textContent; })()`); !strings.HasPrefix(got, "0 gamma (deleted)") {
			t.Errorf("on the arena page the deleted agent's cell reads %q, want no link and \"gamma (deleted)\"", got)
		}
		item := `document.querySelector('.arena-card[data-arena="` + arenaName + `"] li[data-agent="` + gamma.agentID + `"]')`
		b.run(ctx, "open the home page", 30*time.Second, chromedp.Navigate(base+"/"))
		b.waitJS(ctx, "gamma on the card", item, 20*time.Second)
		if got := evalJS[string](b, ctx, `(() => { const li = `+item+`; return li.querySelectorAll('a').length + ' ' + li.textContent; })()`); !strings.HasPrefix(got, "0 gamma (deleted)") {
			t.Errorf("on the home card the deleted agent reads %q, want no link and \"gamma (deleted)\"", got)
		}

		// Its opponents' pages and its contests name it too: those links
		// led to "No agent ag_…".
		var cs struct {
			Contests []struct {
				ID    string `json:"id"`
				Seats []struct {
					AgentID string `json:"agent_id"`
					Deleted bool   `json:"deleted"`
				} `json:"seats"`
			} `json:"contests"`
		}
		if code := plHTTP(t, "GET", base+"/v1/contests?agent="+gamma.agentID, "", nil, &cs); code != 200 || len(cs.Contests) != 1 {
			t.Fatalf("gamma's contests: %d, %d listed", code, len(cs.Contests))
		}
		c := cs.Contests[0]
		for _, st := range c.Seats {
			if want := st.AgentID == gamma.agentID; st.Deleted != want {
				t.Errorf("contest %s lists seat %s with deleted %v, want %v", c.ID, st.AgentID, st.Deleted, want)
			}
		}
		opp := `document.querySelector('#h-opp')?.parentElement.querySelector('tbody')`
		b.run(ctx, "open alpha's page", 30*time.Second, chromedp.Navigate(base+"/agents/"+ids[0].agentID))
		b.waitJS(ctx, "alpha's opponents", opp+` && `+opp+`.rows.length === 2`, 20*time.Second)
		if got := evalJS[string](b, ctx, `[...`+opp+`.rows].map((r) => r.cells[0].querySelectorAll('a').length + ' ' + r.cells[0].textContent).sort().join('|')`); got != "0 gamma (deleted)|1 beta" {
			t.Errorf("alpha's opponents read %q, want beta linked and gamma unlinked, marked deleted", got)
		}
		if got := evalJS[string](b, ctx, `[...document.querySelectorAll('#recent-contests tbody tr')].map((r) => r.cells[2].textContent).sort().join('|')`); got != "beta|gamma (deleted)" {
			t.Errorf("alpha's recent contests name the opponents %q, want beta and gamma (deleted)", got)
		}
		for _, page := range []string{"/contests/" + c.ID, "/contests/" + c.ID + "/replay"} {
			b.run(ctx, "open "+page, 30*time.Second, chromedp.Navigate(base+page))
			b.waitJS(ctx, "the seats of "+page, `document.querySelectorAll('#seats li').length === 2`, 20*time.Second)
			if got := evalJS[string](b, ctx, `[...document.querySelectorAll('#seats li')].map((li) => li.querySelectorAll('a').length + ' ' + li.querySelector('a, .agent-deleted').textContent).join('|')`); got != "1 alpha|0 gamma (deleted)" {
				t.Errorf("%s seats read %q, want alpha linked and gamma unlinked, marked deleted", page, got)
			}
			if page == "/contests/"+c.ID {
				b.waitJS(ctx, "the verdict", `document.querySelector('#verdict tbody')`, 20*time.Second)
				if got := evalJS[string](b, ctx, `[...document.querySelectorAll('#verdict tbody a[href^="/agents/"]')].map((a) => a.textContent).join('|')`); got != "alpha" {
					t.Errorf("the verdict links %q, want alpha only", got)
				}
			}
		}
	})
}

// uiFixGame seats two connected agents in the arena and plays moves for
// both until the contest settles.
func uiFixGame(t *testing.T, arenaName string, a, b *plConn, moves []int) {
	t.Helper()
	for _, c := range []*plConn{a, b} {
		c.send(map[string]string{"type": "queue", "arena": arenaName})
		c.expect("queued", 10*time.Second)
	}
	a.expect("contest_start", 10*time.Second)
	b.expect("contest_start", 10*time.Second)
	ended := make(chan plEnd, 2)
	autoplay(t, a, moves, ended)
	autoplay(t, b, moves, ended)
	for range 2 {
		if e := waitEnd(t, ended); e.Status != "settled" {
			t.Fatalf("a contest in %s ended %+v", arenaName, e)
		}
	}
}
