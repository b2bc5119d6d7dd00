package web_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/arena/arenatest"
	"github.com/agentarena/arena/ledger"
)

// What spectators tripped on (issue 18), each checked in Chromium against
// the running cluster of TestUIBrowser: money in the ledger's units, a
// skip link that leaves the page alone, seats numbered one way, results
// in the order they say, connect4 read as chess sites read a game, and a
// phone-width page that keeps its numbers.

// wantMoney formats minor units as the pages must: the ledger's exponent
// and currency, "1.00 ARC" for 100.
func wantMoney(minor int64) string {
	unit := int64(1)
	for range ledger.DefaultExponent {
		unit *= 10
	}
	sign := ""
	if minor < 0 {
		sign, minor = "−", -minor
	}
	return fmt.Sprintf("%s%d.%0*d %s", sign, minor/unit, ledger.DefaultExponent, minor%unit, ledger.DefaultCurrency)
}

// importUtil is an expression for awaitJS: expr with the pages' own
// util.js module bound to m.
func importUtil(expr string) string {
	return `import('/ui/js/util.js').then((m) => (` + expr + `))`
}

// awaitJS evaluates an expression that yields a promise and returns what
// it resolves to.
func awaitJS[T any](b *browser, ctx context.Context, expr string) T {
	b.t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(tctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

func uiMoney(t *testing.T, b *browser, n *uiNode) {
	ctx := b.ctx
	b.run(ctx, "open the home page", 30*time.Second, chromedp.Navigate(n.url+"/"))
	b.waitJS(ctx, "the arena cards", `document.querySelector('.arena-card[data-arena="connect4"]')`, 30*time.Second)

	t.Run("amounts follow the currency's exponent", func(t *testing.T) {
		b := b.on(t)
		for _, tc := range []struct {
			code         string
			exponent     int
			minor        int64
			sign, noCode bool
			want         string
		}{
			{"ARC", 2, 100, false, false, "1.00 ARC"},
			{"ARC", 2, 0, false, false, "0.00 ARC"},
			{"ARC", 2, 5, false, false, "0.05 ARC"},
			{"ARC", 2, 123456, false, false, "1234.56 ARC"},
			{"ARC", 2, -250, false, false, "−2.50 ARC"},
			{"ARC", 2, 2700, true, false, "+27.00 ARC"},
			{"ARC", 2, 0, true, false, "0.00 ARC"},
			{"ARC", 2, 200, false, true, "2.00"},
			{"XYZ", 0, 7, false, false, "7 XYZ"},
			{"XYZ", 3, 1234, false, false, "1.234 XYZ"},
		} {
			got := awaitJS[string](b, ctx, importUtil(fmt.Sprintf(
				`(m.setCurrency({code: %q, exponent: %d}), m.fmtMoney(%d, {sign: %t, code: %t}))`,
				tc.code, tc.exponent, tc.minor, tc.sign, !tc.noCode)))
			if got != tc.want {
				t.Errorf("%d minor units of %s (exponent %d): %q, want %q", tc.minor, tc.code, tc.exponent, got, tc.want)
			}
		}
		// Put back what the node said, for the pages below.
		awaitJS[bool](b, ctx, importUtil(`fetch('/v1/arenas').then((r) => r.json()).then((d) => (m.setCurrency(d.currency), true))`))
	})

	t.Run("the home page shows stakes in credits, not minor units", func(t *testing.T) {
		b := b.on(t)
		a, err := n.node.Arena("connect4")
		if err != nil {
			t.Fatal(err)
		}
		want := "stake " + wantMoney(a.Stake)
		b.waitJS(ctx, want, `document.querySelector('.arena-card[data-arena="connect4"]').textContent.includes(`+jsString(want)+`)`, 10*time.Second)
	})

	t.Run("a settled contest shows payouts in credits", func(t *testing.T) {
		b := b.on(t)
		id := settledContest(t, n, "connect4")
		con, err := n.node.Contest(id)
		if err != nil {
			t.Fatal(err)
		}
		b.run(ctx, "open the contest", 30*time.Second, chromedp.Navigate(n.url+"/contests/"+id))
		b.waitJS(ctx, "the verdict", `document.querySelectorAll('#verdict tr[data-seat] td.payout').length === 2`, 20*time.Second)
		for seat, p := range con.Payouts {
			got := evalJS[string](b, ctx, fmt.Sprintf(`document.querySelector('#verdict tr[data-seat="%d"] td.payout').textContent`, seat))
			if got != wantMoney(p) {
				t.Errorf("seat %d's payout shows %q, want %q (%d minor units)", seat, got, wantMoney(p), p)
			}
		}
		// The default connect4 arena: two stakes, no fee, all to the winner.
		a, err := n.node.Arena("connect4")
		if err != nil || con.Terms == nil {
			t.Fatalf("arena %v, terms %+v: a staked contest keeps its terms", err, con.Terms)
		}
		want := "Pot " + wantMoney(2*a.Stake) + "; house fee 0%; the rest by place: 1st 100%"
		if got := evalJS[string](b, ctx, `document.querySelector('#terms')?.textContent ?? ''`); !strings.HasPrefix(got, want) {
			t.Errorf("the terms line says %q, want it to start %q", got, want)
		}
		if got, want := evalJS[string](b, ctx, `document.querySelector('#contest-pot')?.textContent ?? ''`), "pot "+wantMoney(2*a.Stake)+", 100% to first place"; got != want {
			t.Errorf("the contest's header says %q, want %q", got, want)
		}
	})

	t.Run("an agent's earnings and payouts are in credits", func(t *testing.T) {
		b := b.on(t)
		b.run(ctx, "open an agent", 30*time.Second, chromedp.Navigate(n.url+"/agents/ag_bot_c4-alphabeta-5"))
		b.waitJS(ctx, "the earnings", `document.querySelector('#earnings') && document.querySelector('td.payout')`, 30*time.Second)
		if got := evalJS[string](b, ctx, `document.querySelector('#earnings').textContent`); !moneyRE.MatchString(got) {
			t.Errorf("earnings %q, want a signed amount like +27.00 ARC", got)
		}
		for _, cell := range evalJS[[]string](b, ctx, `[...document.querySelectorAll('td.payout')].map((td) => td.textContent)`) {
			if cell != "—" && !amountRE.MatchString(cell) {
				t.Errorf("payout cell %q, want an amount like 2.00", cell)
			}
		}
	})
}

func uiSkipLink(t *testing.T, b *browser, leader *uiNode) {
	ctx := b.ctx
	skip := func(what string) {
		t.Helper()
		b.run(ctx, "skip to content: "+what, 10*time.Second, chromedp.Focus(`a.skip`), chromedp.KeyEvent(kb.Enter))
		b.waitJS(ctx, "focus on the main content", `document.activeElement === document.querySelector('main')`, 10*time.Second)
		if h := evalJS[string](b, ctx, `location.hash`); h != "" {
			t.Errorf("%s: the skip link set the URL hash to %q", what, h)
		}
	}

	t.Run("on a replay, it keeps the position", func(t *testing.T) {
		b := b.on(t)
		id := settledContest(t, leader, "connect4")
		b.run(ctx, "open the replay", 30*time.Second, chromedp.Navigate(leader.url+"/contests/"+id+"/replay"))
		b.waitJS(ctx, "the replay", `document.querySelector('#replay-step')`, 20*time.Second)
		for range 5 {
			b.run(ctx, "step", 10*time.Second, chromedp.Click(`#replay-next`, chromedp.NodeVisible))
		}
		b.waitJS(ctx, "event 5", `document.querySelector('#replay-step').textContent.startsWith('Event 5 of')`, 10*time.Second)
		evalJS[bool](b, ctx, `(document.querySelector('#replay-stage').__kept = true)`)
		skip("replay")
		time.Sleep(300 * time.Millisecond) // a re-render, if any, would be done
		if got := evalJS[string](b, ctx, `document.querySelector('#replay-step').textContent`); !strings.HasPrefix(got, "Event 5 of") {
			t.Errorf("after the skip link the replay says %q, want event 5", got)
		}
		if !evalJS[bool](b, ctx, `document.querySelector('#replay-stage').__kept === true`) {
			t.Error("the skip link rebuilt the replay page")
		}
	})

	t.Run("on a live contest, it keeps the stream", func(t *testing.T) {
		b := b.on(t)
		id := freshContest(t, leader, "connect4")
		b.run(ctx, "open the contest", 30*time.Second, chromedp.Navigate(leader.url+"/contests/"+id))
		b.waitJS(ctx, "the contest page", `document.querySelector('.c4[data-moves]')`, 20*time.Second)
		streams := func() int {
			b.rec.mu.Lock()
			defer b.rec.mu.Unlock()
			k := 0
			for _, u := range b.rec.requests {
				if strings.Contains(u, "/contests/"+id+"/stream") {
					k++
				}
			}
			return k
		}
		before := streams()
		evalJS[bool](b, ctx, `(document.querySelector('#events').__kept = true)`)
		skip("live contest")
		time.Sleep(500 * time.Millisecond)
		if !evalJS[bool](b, ctx, `document.querySelector('#events').__kept === true`) {
			t.Error("the skip link rebuilt the contest page")
		}
		if after := streams(); after != before {
			t.Errorf("the skip link reopened the contest stream (%d streams before, %d after)", before, after)
		}
	})
}

func uiSettledLabels(t *testing.T, b *browser, leader *uiNode) {
	ctx := b.ctx
	id := settledContest(t, leader, "prompt")
	con, err := leader.node.Contest(id)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("seats are numbered as the rationale numbers them", func(t *testing.T) {
		b := b.on(t)
		b.run(ctx, "open the contest", 30*time.Second, chromedp.Navigate(leader.url+"/contests/"+id))
		b.waitJS(ctx, "the verdict", `document.querySelector('#verdict table')`, 20*time.Second)
		labels := evalJS[[]string](b, ctx, `[...document.querySelectorAll('#seats .seat-label')].map((x) => x.textContent)`)
		if len(labels) != len(con.Seats) {
			t.Fatalf("legend seat labels %q for %d seats", labels, len(con.Seats))
		}
		for i, l := range labels {
			if want := fmt.Sprintf("seat %d", i); !strings.HasPrefix(l, want) {
				t.Errorf("legend labels seat %d %q, want %q as the judges count", i, l, want)
			}
		}
		rationale := evalJS[string](b, ctx, `document.querySelector('#verdict pre')?.textContent || ''`)
		for _, m := range seatRE.FindAllStringSubmatch(rationale, -1) {
			var k int
			fmt.Sscan(m[1], &k)
			if k >= len(con.Seats) {
				t.Errorf("the rationale names %q but seats count from 0 to %d", m[0], len(con.Seats)-1)
			}
		}
	})

	t.Run("the replay's start says no answer is final yet", func(t *testing.T) {
		b := b.on(t)
		b.run(ctx, "open the replay", 30*time.Second, chromedp.Navigate(leader.url+"/contests/"+id+"/replay"))
		b.waitJS(ctx, "the start", `document.querySelector('#replay-step')?.textContent.startsWith('Start') && document.querySelector('.note')`, 20*time.Second)
		note := evalJS[string](b, ctx, `document.querySelector('.note').textContent`)
		cards := evalJS[string](b, ctx, `[...document.querySelectorAll('.answer pre')].map((p) => p.textContent).join('|')`)
		if strings.Contains(note, "All answers are final") || strings.Contains(cards, "(no answer)") {
			t.Errorf("at the start the replay says %q above %q", note, cards)
		}
		b.run(ctx, "the End key", 10*time.Second, chromedp.KeyEvent(kb.End))
		b.waitJS(ctx, "all final at the end", `document.querySelector('.note').textContent.includes('All answers are final')`, 10*time.Second)
	})

	t.Run("recent results are listed by end time and say so", func(t *testing.T) {
		b := b.on(t)
		b.run(ctx, "open the home page", 30*time.Second, chromedp.Navigate(leader.url+"/"))
		b.waitJS(ctx, "results", `document.querySelectorAll('#recent li[data-ended]').length >= 2`, 30*time.Second)
		ended := evalJS[[]string](b, ctx, `[...document.querySelectorAll('#recent li[data-ended]')].map((li) => li.dataset.ended)`)
		for i := 1; i < len(ended); i++ {
			a, _ := time.Parse(time.RFC3339Nano, ended[i-1])
			c, _ := time.Parse(time.RFC3339Nano, ended[i])
			if c.After(a) {
				t.Errorf("result %d ended at %s, after the one above it (%s)", i, ended[i], ended[i-1])
			}
		}
		if !evalJS[bool](b, ctx, `[...document.querySelectorAll('#recent li[data-ended]')].every((li) => li.textContent.includes('ended '))`) {
			t.Error("a result does not say when it ended")
		}
	})

	// Under load leadership can move while the browser tests run, so the
	// node opened as the leader may be a follower by now: either role is
	// right, named once.
	t.Run("the header names the node's role once", func(t *testing.T) {
		b := b.on(t)
		line := evalJS[string](b, ctx, `document.querySelector('#cluster-line').textContent`)
		roles := strings.Count(line, "the leader") + strings.Count(line, "follower")
		if strings.Contains(line, "leader · leader") || roles != 1 {
			t.Errorf("the header reads %q: want the node's role named once", line)
		}
	})
}

func uiConnect4(t *testing.T, b *browser, leader *uiNode) {
	ctx := b.ctx
	id := settledContest(t, leader, "connect4")
	b.run(ctx, "open the contest", 30*time.Second, chromedp.Navigate(leader.url+"/contests/"+id))
	b.waitJS(ctx, "the verdict", `document.querySelector('#verdict table') && document.querySelector('#events li[data-type=move]')`, 20*time.Second)

	t.Run("moves are numbered from 1", func(t *testing.T) {
		b := b.on(t)
		nums := evalJS[[]int](b, ctx, `[...document.querySelectorAll('#events li[data-type=move]')].map((li) => li.value)`)
		for i, v := range nums {
			if v != i+1 {
				t.Fatalf("moves are numbered %v, want 1..%d", nums, len(nums))
			}
		}
	})

	t.Run("a falling disc stays inside the board", func(t *testing.T) {
		b := b.on(t)
		// Put a disc at the start of its longest fall (the bottom row)
		// and hit-test every point of it above the board's top edge,
		// where the seat legend is.
		got := evalJS[string](b, ctx, `(() => {
			const board = document.querySelector('.c4'), cell = board.querySelector('.cell[data-r="5"][data-c="0"]');
			const d = document.createElement('div');
			d.className = 'disc s0 drop'; d.style.setProperty('--fall', '6');
			cell.replaceChildren(d);
			const a = d.getAnimations()[0]; a.pause(); a.currentTime = 0;
			const top = board.getBoundingClientRect().top, r = d.getBoundingClientRect();
			if (r.top >= top) return 'the disc does not start above the board';
			for (let y = Math.ceil(r.top) + 1; y < top - 1; y += 2) {
				const el = document.elementFromPoint(r.left + r.width / 2, y);
				if (el === d) return 'the disc is drawn at y=' + y + ', above the board (top ' + top + '), over ' + document.querySelector('#seats').getBoundingClientRect().bottom;
			}
			return '';
		})()`)
		if got != "" {
			t.Error(got)
		}
	})

	t.Run("results read 1–0, 0–1 and ½–½", func(t *testing.T) {
		b := b.on(t)
		for _, tc := range []struct {
			ranks  string
			line   string
			scores string
		}{
			{"[0, 1]", "1–0", "1,0"},
			{"[1, 0]", "0–1", "0,1"},
			{"[0, 0]", "½–½", "½,½"},
		} {
			got := awaitJS[[]string](b, ctx, `import('/ui/js/games.js').then((g) => {
				const el = g.verdictPanel({ id: 'c_x', game: 'connect4', status: 'settled', reason: 'draw', ranks: `+tc.ranks+`,
					seats: [{ agent_id: 'ag_a', name: 'a' }, { agent_id: 'ag_b', name: 'b' }], verdict: { scores: [1, 1] }, payouts: [100, 100] });
				return [el.querySelector('#score-line strong').textContent,
					[...el.querySelectorAll('tr[data-seat]')].sort((x, y) => x.dataset.seat - y.dataset.seat).map((tr) => tr.querySelector('td.score').textContent).join(',')];
			})`)
			if len(got) != 2 || got[0] != tc.line || got[1] != tc.scores {
				t.Errorf("ranks %s: %q, want %s with scores %s", tc.ranks, got, tc.line, tc.scores)
			}
		}
	})
}

// uiNarrow checks the pages at a phone's width (375 px).
func uiNarrow(t *testing.T, b *browser, leader *uiNode) {
	ctx := b.ctx
	b.run(ctx, "phone width", 10*time.Second, chromedp.EmulateViewport(375, 812))
	t.Cleanup(func() { b.run(ctx, "desktop width", 10*time.Second, chromedp.EmulateViewport(1280, 900)) })

	t.Run("the agent page's chart labels are readable and its payouts in view", func(t *testing.T) {
		b := b.on(t)
		con, err := leader.node.Contest(settledContest(t, leader, "connect4"))
		if err != nil {
			t.Fatal(err)
		}
		b.run(ctx, "open an agent", 30*time.Second, chromedp.Navigate(leader.url+"/agents/"+con.Seats[0].AgentID))
		b.waitJS(ctx, "the chart and table", `document.querySelector('.chart text') && document.querySelector('#h-recent ~ .table-wrap th')`, 30*time.Second)
		time.Sleep(300 * time.Millisecond) // the chart redraws for its width
		if min := evalJS[float64](b, ctx, `Math.min(...[...document.querySelectorAll('.chart text')].map((x) => x.getBoundingClientRect().height))`); min < 10 {
			t.Errorf("chart labels are %.1f px tall at 375 px, want at least 10", min)
		}
		if clip := evalJS[string](b, ctx, `(() => {
			const th = [...document.querySelectorAll('#h-recent ~ .table-wrap th')].pop(), wrap = th.closest('.table-wrap');
			const r = th.getBoundingClientRect(), w = wrap.getBoundingClientRect();
			return r.right <= w.right + 1 && r.width > 0 ? '' : th.textContent + ' ends at ' + r.right + ', its table at ' + w.right;
		})()`); clip != "" {
			t.Errorf("the payout column is clipped: %s", clip)
		}
	})

	t.Run("the leaderboard keeps games and W/D/L", func(t *testing.T) {
		b := b.on(t)
		b.run(ctx, "open the leaderboard", 30*time.Second, chromedp.Navigate(leader.url+"/arenas/connect4"))
		b.waitJS(ctx, "rows", `document.querySelectorAll('#board-rows tr[data-agent]').length >= 2`, 30*time.Second)
		for _, sel := range []string{`button[data-sort="games"]`, `button[data-sort="wdl"]`, `#board-rows td.games`, `#board-rows td.wdl`} {
			// In view without scrolling the table sideways.
			if !evalJS[bool](b, ctx, `(() => { const el = document.querySelector('`+sel+`'); if (!el || el.getClientRects().length === 0) return false;
				const r = el.getBoundingClientRect(), w = el.closest('.table-wrap').getBoundingClientRect(); return r.left >= w.left && r.right <= w.right + 1; })()`) {
				t.Errorf("%s is not in view at 375 px", sel)
			}
		}
		if w := evalJS[int](b, ctx, `document.documentElement.scrollWidth`); w > 375 {
			t.Errorf("the page is %d px wide at 375 px", w)
		}
	})
}

// uiOwners checks that owners are named, not shown by id.
func uiOwners(t *testing.T, b *browser, leader *uiNode) {
	ctx := b.ctx
	o, err := leader.node.GetOwner(arena.HouseOwnerID)
	if err != nil {
		t.Fatal(err)
	}
	b.run(ctx, "open the leaderboard", 30*time.Second, chromedp.Navigate(leader.url+"/arenas/connect4"))
	b.waitJS(ctx, "rows", `document.querySelectorAll('#board-rows td.owner').length >= 2`, 30*time.Second)
	for _, cell := range evalJS[[]string](b, ctx, `[...document.querySelectorAll('#board-rows td.owner')].map((td) => td.textContent)`) {
		if strings.HasPrefix(cell, "ow_") {
			t.Errorf("the leaderboard shows owner %q by id", cell)
		}
	}
	b.run(ctx, "open an agent", 30*time.Second, chromedp.Navigate(leader.url+"/agents/ag_bot_c4-alphabeta-5"))
	b.waitJS(ctx, "the owner", `document.querySelector('#owner')`, 30*time.Second)
	if got := evalJS[string](b, ctx, `document.querySelector('#owner').textContent`); got != o.Name {
		t.Errorf("the agent page names its owner %q, want %q", got, o.Name)
	}
}

// uiPausedContest watches a contest on the follower while the leader is cut
// off: the page must say the game is paused and its clocks stopped, not
// "running", and say when it resumes. It partitions the cluster, so it
// runs last.
func uiPausedContest(t *testing.T, b *browser, c *arenatest.Cluster, leader, follower *uiNode) {
	ctx := b.ctx
	var id string
	for try := 0; ; try++ {
		if try == 5 {
			t.Fatal("five contests in a row ended before the leader was cut off")
		}
		id = freshContest(t, leader, "connect4")
		b.run(ctx, "open on the follower", 30*time.Second, chromedp.Navigate(follower.url+"/contests/"+id))
		b.waitJS(ctx, "the live contest", `document.querySelector('#contest-status')?.dataset.status !== undefined`, 20*time.Second)
		c.Partition(c.Index(leader.node))
		c.Eventually(20*time.Second, func() error {
			if ok, _ := follower.node.Ready(); ok {
				return errors.New("the follower still has a leader")
			}
			return nil
		})
		if con, err := follower.node.Contest(id); err == nil && con.Status == arena.StatusRunning {
			break // frozen while running: what a spectator would see
		}
		c.Heal()
		c.LeaderAmong(0, 1)
	}
	b.waitJS(ctx, "the paused notice", `document.querySelector('#contest-status').dataset.status === 'paused' &&
		!document.querySelector('#banner').hidden && document.querySelector('#banner').textContent.includes('Paused — no leader; clocks are stopped')`, 30*time.Second)
	header := evalJS[string](b, ctx, `document.querySelector('#cluster-line').textContent + ' | ' + document.querySelector('#contest-status').textContent`)
	if !strings.Contains(header, "no leader") || strings.Contains(header, "· ready") || strings.Contains(header, "running") {
		t.Errorf("while paused the page reads %q", header)
	}
	c.Heal()
	b.waitJS(ctx, "the resumed event", `document.querySelector('#events li[data-type=resumed]') &&
		document.querySelector('#contest-pause').textContent.startsWith('resumed')`, 60*time.Second)
	if got := evalJS[string](b, ctx, `document.querySelector('#events li[data-type=resumed]').textContent`); !strings.Contains(got, "resumed after a leader change") {
		t.Errorf("the resumed event reads %q", got)
	}
	b.waitJS(ctx, "the status to leave paused", `document.querySelector('#contest-status').dataset.status !== 'paused'`, 30*time.Second)
}

var (
	moneyRE  = regexp.MustCompile(`^[+−]?\d+\.\d{2} ARC$`)
	amountRE = regexp.MustCompile(`^\d+\.\d{2}$`)
	seatRE   = regexp.MustCompile(`seat (\d+)`)
)
