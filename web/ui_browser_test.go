package web_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/arena/arenatest"
)

// TestUIBrowser walks the spectator pages in headless Chromium against a
// two-node cluster whose bots play: live moves without reload, the same
// contest on a follower, a dropped stream that recovers, a leaderboard that
// moves, a replay stepped by keyboard and buttons, and the operator page.
// Every request the pages make must stay on loopback.
func TestUIBrowser(t *testing.T) {
	b := newBrowser(t)
	c, nodes := uiCluster(t, 2)
	t.Cleanup(b.checkLoopback)
	leader, follower := uiRoles(t, c, nodes)
	wctx, stopWriter := context.WithCancel(context.Background())
	t.Cleanup(stopWriter)
	pace := 400 * time.Millisecond
	if os.Getenv("ARENA_SCREENSHOTS") != "" {
		pace = 1500 * time.Millisecond // time to photograph a running prompt contest twice
	}
	writer := slowWriter(wctx, t, leader, pace)

	t.Run("a live contest followed from the home page shows new moves without reload", func(t *testing.T) {
		b := b.on(t)
		ctx := b.ctx
		b.run(ctx, "open the home page", 30*time.Second, chromedp.Navigate(leader.url+"/"))
		for try := 0; ; try++ {
			if try == 5 {
				t.Fatal("five live contests in a row ended before two more moves arrived")
			}
			b.waitJS(ctx, "a running connect4 contest on the home page",
				`[...document.querySelectorAll('#running li')].some(li => li.textContent.includes('connect4'))`, 40*time.Second)
			href := evalJS[string](b, ctx, `(() => {
				const li = [...document.querySelectorAll('#running li')].find(li => li.textContent.includes('connect4'));
				const a = li.querySelector('a'); a.click(); return a.getAttribute('href'); })()`)
			if !strings.HasPrefix(href, "/contests/") {
				t.Fatalf("running contest link %q", href)
			}
			b.waitJS(ctx, "the contest page", `document.querySelector('.c4[data-moves]') && document.querySelector('#contest-status[data-status]')`, 20*time.Second)
			if evalJS[string](b, ctx, `location.pathname`) != href {
				t.Fatalf("the link led to %s, not %s", evalJS[string](b, ctx, `location.pathname`), href)
			}
			// A marker on window survives only if the page never reloads.
			start := evalJS[int](b, ctx, `(window.__noReload = true, document.querySelectorAll('#events li[data-type=move]').length)`)
			b.waitJS(ctx, "two more moves or the end", fmt.Sprintf(`document.querySelectorAll('#events li[data-type=move]').length >= %d ||
				document.querySelector('#contest-status').dataset.status !== 'running'`, start+2), 30*time.Second)
			now := evalJS[int](b, ctx, `document.querySelectorAll('#events li[data-type=move]').length`)
			if now >= start+2 {
				if !evalJS[bool](b, ctx, `window.__noReload === true`) {
					t.Fatal("the page reloaded")
				}
				// One evaluation, so no move lands between the two reads.
				if got := evalJS[[]int](b, ctx, `[Number(document.querySelector('.c4').dataset.moves), document.querySelectorAll('.c4 .disc').length]`); got[0] != got[1] {
					t.Fatalf("board says %d moves but shows %d discs", got[0], got[1])
				}
				t.Logf("contest %s: %d moves at open, %d later", href, start, now)
				return
			}
			b.run(ctx, "back home", 20*time.Second, chromedp.Navigate(leader.url+"/"))
		}
	})

	t.Run("a follower's page shows the same live contest as the leader's", func(t *testing.T) {
		b := b.on(t)
		id := freshContest(t, leader, "connect4")
		lctx, fctx := b.ctx, b.tab()
		b.run(lctx, "open on the leader", 30*time.Second, chromedp.Navigate(leader.url+"/contests/"+id))
		b.run(fctx, "open on the follower", 30*time.Second, chromedp.Navigate(follower.url+"/contests/"+id))
		for _, ctx := range []context.Context{lctx, fctx} {
			b.waitJS(ctx, "the contest page", `document.querySelector('.c4[data-moves]')`, 20*time.Second)
		}
		atOpen := evalJS[int](b, fctx, `document.querySelectorAll('#events li[data-type=move]').length`)
		for _, ctx := range []context.Context{lctx, fctx} {
			b.waitJS(ctx, "the end of the contest", `document.querySelector('#contest-status').dataset.status === 'settled'`, 60*time.Second)
		}
		const events = `[...document.querySelectorAll('#events li')].map(li => li.dataset.seq + ' ' + li.textContent).join('\n')`
		const board = `[...document.querySelectorAll('.c4 .cell')].map(c => c.firstChild ? c.firstChild.className.match(/s\d/)[0] : '.').join('')`
		le, fe := evalJS[string](b, lctx, events), evalJS[string](b, fctx, events)
		if le != fe {
			t.Fatalf("the pages disagree on the events:\nleader:\n%s\nfollower:\n%s", le, fe)
		}
		if lb, fb := evalJS[string](b, lctx, board), evalJS[string](b, fctx, board); lb != fb {
			t.Fatalf("the boards differ: leader %s, follower %s", lb, fb)
		}
		final := evalJS[int](b, fctx, `document.querySelectorAll('#events li[data-type=move]').length`)
		if final < atOpen+1 {
			t.Fatalf("the follower's page saw no move live (%d at open, %d at the end)", atOpen, final)
		}
		for _, ctx := range []context.Context{lctx, fctx} {
			b.waitJS(ctx, "the verdict", `document.querySelector('#verdict table')`, 20*time.Second)
		}
	})

	t.Run("a dropped stream shows a message and the page catches up when the node returns", func(t *testing.T) {
		b := b.on(t)
		ctx := b.ctx
		id := freshContest(t, follower, "connect4")
		b.run(ctx, "open on the follower", 30*time.Second, chromedp.Navigate(follower.url+"/contests/"+id))
		b.waitJS(ctx, "the contest page", `document.querySelector('.c4[data-moves]')`, 20*time.Second)
		follower.stopHTTP()
		// Serving again even if this test fails half-way, so that the
		// tests after it do not fail for want of the follower.
		t.Cleanup(follower.startHTTP)
		// The limits here and below are generous: on a starved two-core
		// machine Chromium itself may take many seconds to run a check.
		b.waitJS(ctx, "the lost-connection message",
			`!document.querySelector('#banner').hidden && document.querySelector('#banner').textContent.includes('Lost the live connection')`, 60*time.Second)
		if !evalJS[bool](b, ctx, `!!document.querySelector('.c4 .cell') && document.querySelector('main').textContent.trim().length > 0`) {
			t.Fatal("the page went blank when the stream dropped")
		}
		time.Sleep(2 * uiBotDelay) // the contest moves on without the page
		follower.startHTTP()
		b.waitJS(ctx, "the message to clear", `document.querySelector('#banner').hidden ||
			document.querySelector('#banner').textContent.includes('restored')`, 30*time.Second)
		// Caught up: the page has every event up to the node's, with no gap.
		deadline := time.Now().Add(30 * time.Second)
		for {
			con, err := follower.node.Contest(id)
			if err != nil {
				t.Fatal(err)
			}
			seqs := evalJS[[]int](b, ctx, `[...document.querySelectorAll('#events li')].map(li => Number(li.dataset.seq))`)
			if len(seqs) > 0 && uint64(seqs[len(seqs)-1]) == con.Seq {
				for i, s := range seqs {
					if s != i+1 {
						t.Fatalf("events after the reconnect are not 1..%d: %v", con.Seq, seqs)
					}
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the page shows events %v, the node is at %d", seqs, con.Seq)
			}
			time.Sleep(200 * time.Millisecond)
		}
	})

	t.Run("the leaderboard changes live when a contest settles", func(t *testing.T) {
		b := b.on(t)
		ctx := b.ctx
		b.run(ctx, "open the home page", 30*time.Second, chromedp.Navigate(leader.url+"/"))
		b.waitJS(ctx, "the arena links", `document.querySelector('#nav-arenas a[href="/arenas/connect4"]')`, 20*time.Second)
		b.run(ctx, "follow the arena link", 20*time.Second, chromedp.Click(`#nav-arenas a[href="/arenas/connect4"]`, chromedp.NodeVisible))
		b.waitJS(ctx, "leaderboard rows", `document.querySelectorAll('#board-rows tr[data-agent]').length >= 2`, 30*time.Second)
		const games = `[...document.querySelectorAll('#board-rows tr[data-agent]')].map(r => r.dataset.agent + '=' + r.dataset.games).sort().join(',')`
		before := evalJS[string](b, ctx, `(window.__noReload = true, `+games+`)`)
		b.waitJS(ctx, "a row to change", games+` !== `+jsString(before), 40*time.Second)
		if !evalJS[bool](b, ctx, `window.__noReload === true`) {
			t.Fatal("the page reloaded")
		}
		// Sorting by a header keeps every row.
		b.run(ctx, "sort by games", 10*time.Second, chromedp.Click(`button[data-sort="games"]`, chromedp.NodeVisible))
		b.waitJS(ctx, "sorted by games", `document.querySelector('button[data-sort="games"]').parentElement.getAttribute('aria-sort') === 'descending'`, 10*time.Second)
	})

	t.Run("a settled contest's replay steps move by move", func(t *testing.T) {
		b := b.on(t)
		ctx := b.ctx
		id := settledContest(t, leader, "connect4")
		b.run(ctx, "open the replay", 30*time.Second, chromedp.Navigate(leader.url+"/contests/"+id+"/replay"))
		b.waitJS(ctx, "the replay", `document.querySelector('#replay-step') && document.querySelector('.c4')`, 20*time.Second)
		b.run(ctx, "two steps", 10*time.Second, chromedp.Click(`#replay-next`, chromedp.NodeVisible), chromedp.Click(`#replay-next`, chromedp.NodeVisible))
		b.waitJS(ctx, "two discs", `document.querySelector('.c4').dataset.moves === '2' && document.querySelector('#replay-step').textContent.startsWith('Event 2 of')`, 10*time.Second)
		b.run(ctx, "the End key", 10*time.Second, chromedp.KeyEvent(kb.End))
		b.waitJS(ctx, "the last event", `(() => { const m = document.querySelector('#replay-step').textContent.match(/^Event (\d+) of (\d+)/);
			return m && m[1] === m[2] && document.querySelector('#verdict'); })()`, 10*time.Second)
		b.run(ctx, "the left arrow", 10*time.Second, chromedp.KeyEvent(kb.ArrowLeft))
		b.waitJS(ctx, "one step back", `(() => { const m = document.querySelector('#replay-step').textContent.match(/^Event (\d+) of (\d+)/);
			return m && Number(m[1]) === Number(m[2]) - 1; })()`, 10*time.Second)
	})

	t.Run("a running prompt contest shows progress, not answers, until all are final", func(t *testing.T) {
		b := b.on(t)
		ctx := b.ctx
		id := runningContestOf(t, leader, writer)
		b.run(ctx, "open the prompt contest", 30*time.Second, chromedp.Navigate(leader.url+"/contests/"+id))
		b.waitJS(ctx, "progress while running", `document.querySelector('.answers progress') &&
			document.querySelector('#contest-status').dataset.status === 'running' &&
			document.querySelector('.note').textContent.includes('revealed when all are final')`, 20*time.Second)
		if evalJS[bool](b, ctx, `document.body.textContent.includes(`+jsString(uiSecret)+`)`) {
			t.Fatal("the page shows an answer while the contest runs")
		}
		b.waitJS(ctx, "the answers once judged", `document.querySelector('#contest-status').dataset.status === 'settled' &&
			document.querySelector('.answer pre') && document.body.textContent.includes(`+jsString(uiSecret)+`)`, 60*time.Second)
	})

	t.Run("the operator page shows every node's hash with a token kept in the tab", func(t *testing.T) {
		b := b.on(t)
		ctx := b.ctx
		b.run(ctx, "open the operator page", 30*time.Second, chromedp.Navigate(leader.url+"/ops"))
		b.run(ctx, "enter the token", 20*time.Second,
			chromedp.SendKeys(`#ops-token`, arenatest.OperatorToken, chromedp.NodeVisible),
			chromedp.Click(`#ops-form button[type=submit]`, chromedp.NodeVisible))
		b.waitJS(ctx, "both nodes with hashes", `document.querySelectorAll('#ops-nodes tbody tr td.mono span[title]').length === 2`, 20*time.Second)
		if evalJS[bool](b, ctx, `document.documentElement.outerHTML.includes(`+jsString(arenatest.OperatorToken)+`)`) {
			t.Fatal("the operator token is in the page's HTML")
		}
		if evalJS[string](b, ctx, `sessionStorage.getItem('arena.operatorToken')`) != arenatest.OperatorToken {
			t.Fatal("the token is not kept in sessionStorage")
		}
		b.run(ctx, "forget it", 10*time.Second, chromedp.Click(`#ops-forget`, chromedp.NodeVisible))
		if evalJS[bool](b, ctx, `sessionStorage.getItem('arena.operatorToken') !== null`) {
			t.Fatal("Forget token left it in sessionStorage")
		}
	})

	t.Run("money is shown in the ledger's units", func(t *testing.T) { uiMoney(t, b.on(t), leader) })
	t.Run("skip to content moves focus and leaves the page as it was", func(t *testing.T) { uiSkipLink(t, b.on(t), leader) })
	t.Run("a settled contest labels seats, answers and results one way", func(t *testing.T) { uiSettledLabels(t, b.on(t), leader) })
	t.Run("connect4 reads as a chess site's game", func(t *testing.T) { uiConnect4(t, b.on(t), leader) })
	t.Run("owners are named", func(t *testing.T) { uiOwners(t, b.on(t), leader) })
	t.Run("a phone-width page keeps its numbers", func(t *testing.T) { uiNarrow(t, b.on(t), leader) })

	t.Run("screenshots at desktop and phone widths", func(t *testing.T) {
		if os.Getenv("ARENA_SCREENSHOTS") == "" {
			t.Skip("set ARENA_SCREENSHOTS=<dir> (make screenshots) to write them")
		}
		uiScreenshots(t, b.on(t), leader, writer)
	})

	// Last: it cuts the leader off, and the cluster elects again.
	t.Run("a contest watched on a follower pauses without a leader and resumes", func(t *testing.T) {
		uiPausedContest(t, b.on(t), c, leader, follower)
	})
}

// uiRoles returns the leader's and a follower's uiNode.
func uiRoles(t *testing.T, c *arenatest.Cluster, nodes []*uiNode) (leader, follower *uiNode) {
	t.Helper()
	l := c.Leader()
	for _, n := range nodes {
		if n.node == l {
			leader = n
		} else if follower == nil {
			follower = n
		}
	}
	if leader == nil || follower == nil {
		t.Fatal("no leader and follower")
	}
	return leader, follower
}

// freshContest waits for a running contest of the arena that has only just
// begun, so a page opened now sees it move.
func freshContest(t *testing.T, n *uiNode, arenaName string) string {
	t.Helper()
	deadline := time.Now().Add(40 * time.Second)
	for time.Now().Before(deadline) {
		list, _, err := n.node.Contests(arena.ContestFilter{Arena: arenaName, Status: arena.StatusRunning, Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range list {
			if c.Turn <= 4 {
				return c.ID
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no fresh %s contest within 40 s", arenaName)
	return ""
}

// runningContestOf waits until the agent plays a contest that has only just
// begun (at most the start and one bot's answer so far).
func runningContestOf(t *testing.T, n *uiNode, agentID string) string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		list, _, err := n.node.Contests(arena.ContestFilter{Agent: agentID, Status: arena.StatusRunning, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) > 0 && list[0].Seq <= 2 {
			return list[0].ID
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("agent %s began no contest within 60 s", agentID)
	return ""
}

// settledContest waits for a settled contest of the arena.
func settledContest(t *testing.T, n *uiNode, arenaName string) string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		list, _, err := n.node.Contests(arena.ContestFilter{Arena: arenaName, Status: arena.StatusSettled, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) > 0 {
			return list[0].ID
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no settled %s contest within 60 s", arenaName)
	return ""
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	return "decodeURIComponent('" + strings.ReplaceAll(url.QueryEscape(s), "+", "%20") + "')"
}
