package web_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestUIReadability checks, in Chromium against one node without bots,
// what a spectator could not read: the connection banner in the dark
// scheme (white on light red, 2.5:1), Bradley–Terry bars that did not line
// up (each started after its rating's digits), no interval at all at
// phone width, judges' flags shown as codes (non_answer), "1 games", and a
// running list cut at 20 that did not say so, a points table that hid the
// checker's partial credit the answer cards showed, and a replay button
// seen as "Back" but named "Previous event", and a leaderboard that
// stayed empty, without a word, when the node could not answer for it,
// a header that kept the arenas of the moment the tab opened, and a node
// line that said "ready" while the node was down and, a live region, was
// rebuilt (read out again) every two seconds, and agent kinds shown as
// their codes ("builtin agent", "openai agent").
func TestUIReadability(t *testing.T) {
	b := newBrowser(t)
	_, nodes := plCluster(t, 1, plOptions{})
	t.Cleanup(b.checkLoopback)
	base := nodes[0].url
	ctx := b.ctx

	const arenaName = "readable"
	def := map[string]any{"game": "connect4", "seats": 2, "move_deadline_ms": 5000}
	if code := plHTTP(t, "PUT", base+"/v1/arenas/"+arenaName, plOperator, def, nil); code != 200 {
		t.Fatalf("create arena: %d", code)
	}
	ids := plAgents(t, base, "alpha", "beta")
	alpha := plDial(t, base+"/v1/agents/connect", ids[0].agentKey)
	beta := plDial(t, base+"/v1/agents/connect", ids[1].agentKey)
	alpha.expect("hello", 10*time.Second)
	beta.expect("hello", 10*time.Second)
	uiFixGame(t, arenaName, alpha, beta, []int{3, 4, 3, 4, 3, 4, 3})

	t.Run("the banner reads in both schemes", func(t *testing.T) {
		b := b.on(t)
		b.run(ctx, "open the home page", 30*time.Second, chromedp.Navigate(base+"/"))
		b.waitJS(ctx, "the arena cards", `document.querySelector('.arena-card')`, 20*time.Second)
		t.Cleanup(func() { b.run(ctx, "light scheme", 10*time.Second, colorScheme("")) })
		for _, scheme := range []string{"light", "dark"} {
			b.run(ctx, scheme+" scheme", 10*time.Second, colorScheme(scheme))
			// The two banners a spectator sees: the connection lost, and
			// restored.
			for _, state := range []string{"down", "up"} {
				ratio := awaitJS[float64](b, ctx, importUtil(`(() => {
					if ('`+state+`' === 'down') m.reportDown('test', 'Lost the live connection to this node. Reconnecting…');
					else m.reportUp('test');
					const el = document.querySelector('#banner'), st = getComputedStyle(el);
					const rgb = (c) => c.match(/[\d.]+/g).slice(0, 3).map(Number);
					const lum = (c) => { const [r, g, b] = rgb(c).map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
						return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
					const a = lum(st.color), bg = lum(st.backgroundColor);
					return el.hidden ? 0 : (Math.max(a, bg) + 0.05) / (Math.min(a, bg) + 0.05);
				})()`))
				if ratio < 4.5 {
					t.Errorf("in the %s scheme the %s banner's text has contrast %.2f:1, want at least 4.5:1", scheme, state, ratio)
				}
			}
		}
	})

	t.Run("the home card counts one game as one", func(t *testing.T) {
		b := b.on(t)
		b.run(ctx, "open the home page", 30*time.Second, chromedp.Navigate(base+"/"))
		card := `document.querySelector('.arena-card[data-arena="` + arenaName + `"]')`
		b.waitJS(ctx, "the arena's top agents", card+`?.querySelectorAll('ol li').length === 2`, 20*time.Second)
		got := evalJS[string](b, ctx, card+`.querySelector('ol').textContent`)
		if !strings.Contains(got, "· 1 game") || strings.Contains(got, "1 games") {
			t.Errorf("the card reads %q, want \"· 1 game\" for each agent", got)
		}
	})

	t.Run("a running list cut short says so", func(t *testing.T) {
		b := b.on(t)
		// The node lists at most 20 running contests: here it answers as
		// a busy node would, 25 running in the arena and 20 listed.
		evalJS[bool](b, ctx, `(() => {
			const real = window.fetch;
			window.fetch = async (u, o) => {
				const r = await real(u, o);
				if (!String(u).startsWith('/v1/ui/home')) return r;
				const d = await r.json();
				const a = d.arenas.find((x) => x.arena.name === '`+arenaName+`');
				a.running = 25;
				d.running = Array.from({ length: 20 }, (_, i) => ({ id: 'c_fake' + i, arena: a.arena.name, game: 'connect4', turn: i, created_at: new Date().toISOString(),
					status: 'running', seats: [{ agent_id: 'a', name: 'x' }, { agent_id: 'b', name: 'y' }] }));
				return new Response(JSON.stringify(d), { status: 200, headers: { 'Content-Type': 'application/json' } });
			};
			return true; })()`)
		b.waitJS(ctx, "the list", `document.querySelectorAll('#running li[data-key]').length === 20`, 20*time.Second)
		b.waitJS(ctx, "the note", `document.querySelector('#running-more')`, 20*time.Second)
		want := "The newest 20 of 25 running contests"
		if got := evalJS[string](b, ctx, `document.querySelector('#running-more').textContent`); !strings.HasPrefix(got, want) {
			t.Errorf("the note reads %q, want it to start %q", got, want)
		}
	})

	t.Run("Bradley–Terry intervals share one scale and read at phone width", func(t *testing.T) {
		b := b.on(t)
		// Ratings of three and four digits, as a real table has them.
		b.run(ctx, "open the arena", 30*time.Second, chromedp.Navigate(base+"/arenas/"+arenaName))
		b.waitJS(ctx, "the table", `document.querySelectorAll('#board-rows tr[data-agent]').length === 2`, 20*time.Second)
		evalJS[bool](b, ctx, `(() => {
			const real = window.fetch;
			window.fetch = async (u, o) => {
				const r = await real(u, o);
				if (!String(u).endsWith('/leaderboard')) return r;
				const d = await r.json();
				const bts = [{ rating: 1616.4, lower: 1301.6, upper: 1777.2 }, { rating: 384.2, lower: 95.1, upper: 610.8 }];
				d.entries.forEach((e, i) => { e.bt = { ...bts[i], rank: i + 1, battles: 1 }; });
				return new Response(JSON.stringify(d), { status: 200, headers: { 'Content-Type': 'application/json' } });
			};
			const p = location.pathname;
			history.pushState(null, '', '/');
			history.pushState(null, '', p);
			dispatchEvent(new PopStateEvent('popstate'));
			return true; })()`)
		b.waitJS(ctx, "the stubbed ratings", `[...document.querySelectorAll('#board-rows .bt-num')].map((e) => e.textContent).join(' ') === '1616 384'`, 20*time.Second)
		// The rating at the bar's left end is the same number in every
		// row, so each bar's scale must start at the same x.
		got := evalJS[[]float64](b, ctx, `[...document.querySelectorAll('#board-rows svg.bt-bar')].map((s) => s.getBoundingClientRect().left)`)
		if len(got) != 2 || got[0] != got[1] {
			t.Errorf("the Bradley–Terry bars start at x = %v, want one x for every row", got)
		}
		b.run(ctx, "phone width", 10*time.Second, chromedp.EmulateViewport(375, 812))
		t.Cleanup(func() { b.run(ctx, "desktop width", 10*time.Second, chromedp.EmulateViewport(1280, 900)) })
		b.waitJS(ctx, "the narrow layout", `getComputedStyle(document.querySelector('#board-rows svg.bt-bar')).display === 'none'`, 10*time.Second)
		cells := evalJS[[]string](b, ctx, `[...document.querySelectorAll('#board-rows td.bt')].map((td) => td.innerText.replace(/\s+/g, ' ').trim())`)
		if want := []string{"1616 1302–1777", "384 95–611"}; fmt.Sprint(cells) != fmt.Sprint(want) {
			t.Errorf("at phone width the BT cells read %q, want %q: the rating and its 95%% interval", cells, want)
		}
	})

	t.Run("a leaderboard the node could not read says so and is read again", func(t *testing.T) {
		b := b.on(t)
		b.run(ctx, "open the arena", 30*time.Second, chromedp.Navigate(base+"/arenas/"+arenaName))
		b.waitJS(ctx, "the table", `document.querySelectorAll('#board-rows tr[data-agent]').length === 2`, 20*time.Second)
		// The next two reads of the table fail as a busy or rate-limiting
		// node answers; no contest settles meanwhile to prompt another.
		evalJS[bool](b, ctx, `(() => {
			window.__fails = 2; window.__banners = [];
			const real = window.fetch;
			window.fetch = async (u, o) => {
				if (String(u).endsWith('/leaderboard') && window.__fails > 0) {
					window.__fails--;
					return new Response(JSON.stringify({ error: { code: 'unavailable', message: 'node busy' } }), { status: 503, headers: { 'Content-Type': 'application/json' } });
				}
				return real(u, o);
			};
			new MutationObserver(() => { const el = document.querySelector('#banner'); if (!el.hidden) window.__banners.push(el.textContent); })
				.observe(document.querySelector('#banner'), { attributes: true, childList: true, subtree: true, characterData: true });
			const p = location.pathname;
			history.pushState(null, '', '/');
			history.pushState(null, '', p);
			dispatchEvent(new PopStateEvent('popstate'));
			return true; })()`)
		b.waitJS(ctx, "the table read again", `window.__fails === 0 && document.querySelectorAll('#board-rows tr[data-agent]').length === 2`, 30*time.Second)
		banners := evalJS[[]string](b, ctx, `window.__banners`)
		said := false
		for _, m := range banners {
			said = said || strings.HasPrefix(m, "Could not read the leaderboard (node busy). Retrying…")
		}
		if !said {
			t.Errorf("while the table could not be read the banner read %q, want it to say so", banners)
		}
	})

	t.Run("the header follows the arenas an operator creates and deletes", func(t *testing.T) {
		b := b.on(t)
		b.run(ctx, "open the arena", 30*time.Second, chromedp.Navigate(base+"/arenas/"+arenaName))
		b.waitJS(ctx, "the header's arenas", `document.querySelector('#nav-arenas a[href="/arenas/`+arenaName+`"]')`, 20*time.Second)
		nav := `[...document.querySelectorAll('#nav-arenas a')].map((a) => a.textContent).join(' ')`
		if code := plHTTP(t, "PUT", base+"/v1/arenas/newcomer", plOperator, def, nil); code != 200 {
			t.Fatalf("create arena: %d", code)
		}
		// A move to another page reads them again…
		b.run(ctx, "go home", 20*time.Second, chromedp.Click(`a.brand`, chromedp.NodeVisible))
		b.waitJS(ctx, "the new arena in the header", `document.querySelector('#nav-arenas a[href="/arenas/newcomer"]')`, 20*time.Second)
		// …and the home page follows them at every poll.
		if code := plHTTP(t, "DELETE", base+"/v1/arenas/newcomer", plOperator, nil, nil); code != 200 && code != 204 {
			t.Fatalf("delete arena: %d", code)
		}
		b.waitJS(ctx, "the deleted arena gone from the header", `!document.querySelector('#nav-arenas a[href="/arenas/newcomer"]')`, 20*time.Second)
		if got := evalJS[string](b, ctx, nav); !strings.Contains(got, arenaName) || strings.Contains(got, "newcomer") {
			t.Errorf("the header lists %q", got)
		}
	})

	t.Run("the header's node line says when the node stops answering, and is not read out again unchanged", func(t *testing.T) {
		b := b.on(t)
		b.run(ctx, "open the operator page", 30*time.Second, chromedp.Navigate(base+"/ops")) // it polls nothing else without a token
		b.waitJS(ctx, "the node line", `document.querySelector('#cluster-line').textContent.includes('ready')`, 20*time.Second)
		evalJS[bool](b, ctx, `(() => {
			window.__status = 0; window.__down = false; window.__mutations = 0;
			const real = window.fetch;
			window.fetch = (u, o) => {
				if (String(u).startsWith('/v1/ui/status')) {
					window.__status++;
					if (window.__down) return Promise.reject(new TypeError('Failed to fetch'));
				}
				return real(u, o);
			};
			new MutationObserver((ms) => { window.__mutations += ms.length; })
				.observe(document.querySelector('#cluster-line'), { childList: true, subtree: true, characterData: true });
			return true; })()`)
		// Two polls with nothing new: the live region must not change.
		b.waitJS(ctx, "two status polls", `window.__status >= 3`, 20*time.Second)
		if n := evalJS[int](b, ctx, `window.__mutations`); n != 0 {
			t.Errorf("the node line (a live region) changed %d times while the node's status did not", n)
		}
		evalJS[bool](b, ctx, `(window.__down = true)`)
		b.waitJS(ctx, "the line to say the node is not answering", `document.querySelector('#cluster-line').textContent.includes('not answering') &&
			document.querySelector('#cluster-line .dot.bad')`, 20*time.Second)
		evalJS[bool](b, ctx, `(window.__down = false, true)`)
		b.waitJS(ctx, "the line back", `/ · the leader · ready$/.test(document.querySelector('#cluster-line').textContent.trim()) &&
			!document.querySelector('#cluster-line .dot.bad')`, 20*time.Second)
	})

	t.Run("an agent's kind is said in words", func(t *testing.T) {
		b := b.on(t)
		b.run(ctx, "open alpha's page", 30*time.Second, chromedp.Navigate(base+"/agents/"+ids[0].agentID))
		b.waitJS(ctx, "the agent", `document.querySelector('#earnings')`, 20*time.Second)
		if got := evalJS[string](b, ctx, `document.querySelector('main h1 + p').textContent`); !strings.HasPrefix(got, "websocket agent · version 1 · owner") {
			t.Errorf("the agent page reads %q", got)
		}
		got := awaitJS[string](b, ctx, importUtil(`['builtin', 'websocket', 'webhook', 'openai'].map(m.kindName).join('|')`))
		if want := "built-in bot|websocket agent|webhook agent|model endpoint (OpenAI API)"; got != want {
			t.Errorf("the kinds read %q, want %q", got, want)
		}
	})

	t.Run("a checker's partial credit shows beside the points", func(t *testing.T) {
		b := b.on(t)
		b.run(ctx, "open a page of the node", 30*time.Second, chromedp.Navigate(base+"/ops")) // its modules are imported below
		for _, tc := range []struct {
			game, scores, want string
		}{
			// Checked answers: 1 point, but the checker gave 0.833.
			{"verifiable", "[1, 0.833333]", "Place|Agent|Points|Judge score|Elo change|Payout 1|1.000 0|0.833"},
			// A rules game whose scores are its points: no second column.
			{"connect4", "[1, 0]", "Place|Agent|Points|Elo change|Payout 1 0"},
		} {
			got := awaitJS[string](b, ctx, `import('/ui/js/games.js').then((g) => {
				const el = g.verdictPanel({ id: 'c_x', game: '`+tc.game+`', status: 'settled', reason: 'checked', ranks: [0, 1],
					seats: [{ agent_id: 'a', name: 'ann' }, { agent_id: 'b', name: 'bob' }], verdict: { scores: `+tc.scores+` } });
				return [[...el.querySelectorAll('th')].map((th) => th.textContent).join('|'),
					...[...el.querySelectorAll('tbody tr')].map((tr) => [...tr.querySelectorAll('td.score, td.judge-score')].map((td) => td.textContent).join('|'))].join(' ');
			})`)
			if got != tc.want {
				t.Errorf("%s with scores %s reads %q, want %q", tc.game, tc.scores, got, tc.want)
			}
		}
	})

	t.Run("replay buttons are named by their visible words", func(t *testing.T) {
		b := b.on(t)
		var list struct {
			Contests []struct{ ID string } `json:"contests"`
		}
		if code := plHTTP(t, "GET", base+"/v1/contests?arena="+arenaName+"&limit=1", "", nil, &list); code != 200 || len(list.Contests) != 1 {
			t.Fatalf("the arena's contest: %d, %d listed", code, len(list.Contests))
		}
		b.run(ctx, "open the replay", 30*time.Second, chromedp.Navigate(base+"/contests/"+list.Contests[0].ID+"/replay"))
		b.waitJS(ctx, "the controls", `document.querySelectorAll('.controls button').length === 5`, 20*time.Second)
		bad := evalJS[[]string](b, ctx, `[...document.querySelectorAll('.controls button')].filter((btn) =>
			!btn.getAttribute('aria-label').toLowerCase().startsWith(btn.textContent.replace(/[«‹›»]/g, '').trim().toLowerCase()))
			.map((btn) => btn.textContent + ' is named ' + btn.getAttribute('aria-label'))`)
		if len(bad) != 0 {
			t.Errorf("replay buttons whose name does not start with their visible word: %q", bad)
		}
	})

	t.Run("judges' flags are named in words", func(t *testing.T) {
		b := b.on(t)
		b.run(ctx, "open a page of the node", 30*time.Second, chromedp.Navigate(base+"/ops")) // its modules are imported below
		got := awaitJS[string](b, ctx, `import('/ui/js/games.js').then((g) => g.verdictPanel({
			id: 'c_x', game: 'prompt', status: 'settled', reason: 'judged', ranks: [0, 1],
			seats: [{ agent_id: 'a', name: 'ann' }, { agent_id: 'b', name: 'bob' }],
			verdict: { scores: [0.9, 0.1], flags: [
				{ entry: 1, kind: 'non_answer', detail: 'copies the prompt' },
				{ entry: 1, kind: 'judge_addressing', detail: 'addresses the judge' },
				{ entry: 0, kind: 'template', detail: '' }, { entry: 0, kind: 'copied', detail: '' },
				{ entry: -1, kind: 'low_agreement', detail: '' }, { entry: 0, kind: 'brand_new', detail: '' }] },
		})).then((el) => [...el.querySelectorAll('li[data-kind] strong')].map((s) => s.textContent).join('|'))`)
		if want := "not an answer|addresses the judge|template answer|copied answer|judges disagree|brand new"; got != want {
			t.Errorf("the flags read %q, want %q", got, want)
		}
	})
}

// TestUIMoveListKeepsItsPlace: the move list of a live contest scrolled
// to its end at every event, so a spectator who scrolled up to read an
// earlier move was thrown back down at the next one. It now follows the
// newest move only while the reader is at the end. The agents here play
// only when the test says, so the game lasts as long as it needs.
func TestUIMoveListKeepsItsPlace(t *testing.T) {
	b := newBrowser(t)
	_, nodes := plCluster(t, 1, plOptions{})
	t.Cleanup(b.checkLoopback)
	base := nodes[0].url
	ctx := b.ctx
	def := map[string]any{"game": "connect4", "seats": 2, "move_deadline_ms": 600000}
	if code := plHTTP(t, "PUT", base+"/v1/arenas/slow", plOperator, def, nil); code != 200 {
		t.Fatalf("create arena: %d", code)
	}
	ids := plAgents(t, base, "alpha", "beta")
	conns := make([]*plConn, 2)
	for i, id := range ids {
		conns[i] = plDial(t, base+"/v1/agents/connect", id.agentKey)
		conns[i].expect("hello", 10*time.Second)
	}
	seats := make([]*plConn, 2)
	var contest string
	for _, c := range conns {
		c.send(map[string]string{"type": "queue", "arena": "slow"})
	}
	for _, c := range conns {
		var st struct {
			Contest string `json:"contest"`
			Seat    int    `json:"seat"`
		}
		c.expect("contest_start", 10*time.Second).decode(t, &st)
		seats[st.Seat], contest = c, st.Contest
	}
	// Columns 0 and 1 filled, then column 3: eighteen moves, no four in
	// a row (each column alternates colours, and column 2 stays empty).
	cols := []int{0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 3, 3, 3, 3, 3, 3}
	played := 0
	play := func(n int) {
		t.Helper()
		for ; n > 0; n-- {
			c := seats[played%2]
			var turn struct {
				Seq uint64 `json:"seq"`
			}
			c.expect("turn", 10*time.Second).decode(t, &turn)
			c.send(map[string]any{"type": "move", "contest": contest, "seq": turn.Seq, "move": cols[played]})
			played++
		}
	}
	play(16)
	b.run(ctx, "open the contest", 30*time.Second, chromedp.Navigate(base+"/contests/"+contest))
	const list = `document.querySelector('#events')`
	b.waitJS(ctx, "sixteen moves", list+`?.querySelectorAll('li[data-type="move"]').length === 16`, 20*time.Second)
	if !evalJS[bool](b, ctx, list+`.scrollHeight > `+list+`.clientHeight + 50`) {
		t.Fatal("the move list does not scroll: the test cannot tell")
	}
	evalJS[bool](b, ctx, `(`+list+`.scrollTop = 0, true)`)
	play(1)
	b.waitJS(ctx, "the next move", list+`.querySelectorAll('li[data-type="move"]').length === 17`, 20*time.Second)
	if top := evalJS[float64](b, ctx, list+`.scrollTop`); top != 0 {
		t.Errorf("a reader scrolled to the first move was moved to %v px down by the next move", top)
	}
	evalJS[bool](b, ctx, `(`+list+`.scrollTop = `+list+`.scrollHeight, true)`)
	play(1)
	b.waitJS(ctx, "the last move", list+`.querySelectorAll('li[data-type="move"]').length === 18`, 20*time.Second)
	if gap := evalJS[float64](b, ctx, list+`.scrollHeight - `+list+`.scrollTop - `+list+`.clientHeight`); gap > 8 {
		t.Errorf("a reader at the end of the list was left %v px above the newest move", gap)
	}
}

// TestUIRunningListAges: an arena page's running list said "started just
// now" of a contest until another event in the arena repainted it, so a
// contest an hour old read as just begun. It now ages on screen. Two
// agents start a contest and make no move (its deadline is ten minutes
// away), so nothing else repaints the list.
func TestUIRunningListAges(t *testing.T) {
	b := newBrowser(t)
	_, nodes := plCluster(t, 1, plOptions{})
	t.Cleanup(b.checkLoopback)
	base := nodes[0].url
	ctx := b.ctx
	def := map[string]any{"game": "connect4", "seats": 2, "move_deadline_ms": 600000}
	if code := plHTTP(t, "PUT", base+"/v1/arenas/still", plOperator, def, nil); code != 200 {
		t.Fatalf("create arena: %d", code)
	}
	ids := plAgents(t, base, "alpha", "beta")
	conns := make([]*plConn, 2)
	for i, id := range ids {
		conns[i] = plDial(t, base+"/v1/agents/connect", id.agentKey)
		conns[i].expect("hello", 10*time.Second)
		conns[i].send(map[string]string{"type": "queue", "arena": "still"})
	}
	for _, c := range conns {
		c.expect("contest_start", 10*time.Second)
	}
	b.run(ctx, "open the arena", 30*time.Second, chromedp.Navigate(base+"/arenas/still"))
	b.waitJS(ctx, "the running contest", `document.querySelector('#arena-live li[data-key]')?.textContent.includes('started')`, 20*time.Second)
	// fmtAgo says "just now" under 5 s, then counts seconds.
	b.waitJS(ctx, "the contest's age", `/started \d+ s ago/.test(document.querySelector('#arena-live li[data-key]').textContent)`, 30*time.Second)
}
