package web_test

import (
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestUILargeLeaderboardStaysLight: an arena's page showed every row of
// its leaderboard (a board of 900 agents was 20,000 elements, rebuilt at
// each read) and read the whole table and every agent's trend again 250 ms
// after each settlement, so a spectator of a busy arena made 50 reads a
// minute, 20 MB. A board of 120 agents now shows its first 100 rows and
// the rest on request, sorted over all of them; and settlements in a row
// are read at most once per 10 s (a board longer than a page), counted
// against the time they and the page took, so a slow machine only loosens
// the bound.
func TestUILargeLeaderboardStaysLight(t *testing.T) {
	b := newBrowser(t)
	_, nodes := plCluster(t, 1, plOptions{})
	t.Cleanup(b.checkLoopback)
	base := nodes[0].url
	ctx := b.ctx

	const arenaName = "crowded"
	def := map[string]any{"game": "connect4", "seats": 2, "move_deadline_ms": 5000, "max_queued_per_owner": 1000}
	if code := plHTTP(t, "PUT", base+"/v1/arenas/"+arenaName, plOperator, def, nil); code != 200 {
		t.Fatalf("create arena: %d", code)
	}
	names := make([]string, 120)
	for i := range names {
		names[i] = fmt.Sprintf("crowd-%03d", i)
	}
	ids := plAgents(t, base, names...)
	// play has agents i and i+1 play one contest, the first winning.
	play := func(i int) {
		t.Helper()
		x := plDial(t, base+"/v1/agents/connect", ids[i].agentKey)
		y := plDial(t, base+"/v1/agents/connect", ids[i+1].agentKey)
		x.expect("hello", 10*time.Second)
		y.expect("hello", 10*time.Second)
		uiFixGame(t, arenaName, x, y, []int{3, 4, 3, 4, 3, 4, 3})
		x.conn.Close()
		y.conn.Close()
	}
	for i := 0; i < len(ids); i += 2 {
		play(i)
	}

	const rows = `document.querySelectorAll('#board-rows tr').length`
	b.run(ctx, "open the arena", 30*time.Second, chromedp.Navigate(base+"/arenas/"+arenaName))
	b.waitJS(ctx, "the first 100 rows and the offer of the rest", rows+` === 100 && document.querySelector('#board-more-toggle')?.textContent === 'Show all 120'`, 30*time.Second)
	if got := evalJS[string](b, ctx, `document.querySelector('#board-more').textContent`); got != "Showing the first 100 of 120 agents (sort by a column to see others first). Show all 120" {
		t.Errorf("the note under the table reads %q", got)
	}
	// The sort covers every row, shown or not: the lowest Elo first is a
	// loser, whichever rows the first 100 were.
	b.run(ctx, "sort by Elo", 10*time.Second, chromedp.Click(`button[data-sort="elo"]`, chromedp.NodeVisible))
	b.run(ctx, "sort by Elo, lowest first", 10*time.Second, chromedp.Click(`button[data-sort="elo"]`, chromedp.NodeVisible))
	b.waitJS(ctx, "the losers first", `[...document.querySelectorAll('#board-rows tr')].slice(0, 60).every(r => r.querySelector('td.wdl').textContent === '0/0/1')`, 10*time.Second)
	b.run(ctx, "show all", 10*time.Second, chromedp.Click(`#board-more-toggle`, chromedp.NodeVisible))
	b.waitJS(ctx, "every row", rows+` === 120 && document.querySelector('#board-more-toggle').textContent === 'Show the first 100 only'`, 10*time.Second)
	b.run(ctx, "show fewer", 10*time.Second, chromedp.Click(`#board-more-toggle`, chromedp.NodeVisible))
	b.waitJS(ctx, "100 rows again", rows+` === 100`, 10*time.Second)
	b.run(ctx, "show all again", 10*time.Second, chromedp.Click(`#board-more-toggle`, chromedp.NodeVisible))
	b.waitJS(ctx, "every row again", rows+` === 120`, 10*time.Second)

	// Ten settlements in a row, each between two agents that have not met
	// (the matchmaker makes no instant rematches).
	reads := func() int {
		b.rec.mu.Lock()
		defer b.rec.mu.Unlock()
		n := 0
		for _, raw := range b.rec.requests {
			if u, err := url.Parse(raw); err == nil && u.Path == "/v1/arenas/"+arenaName+"/leaderboard" {
				n++
			}
		}
		return n
	}
	before, start := reads(), time.Now()
	for i := 1; i < 21; i += 2 {
		play(i)
		// Spaced past the 250 ms the page waited for more before it read
		// the table, as a busy arena's settlements come.
		time.Sleep(400 * time.Millisecond)
	}
	// The last contest's winner's second game shows on the page once it
	// has read the table after the burst.
	last := ids[19].agentID
	b.waitJS(ctx, "the burst on the page", fmt.Sprintf(`[...document.querySelectorAll('#board-rows tr')].some(r => r.dataset.agent === %q && r.dataset.games === '2')`, last), 60*time.Second)
	elapsed := time.Since(start)
	got := reads() - before
	if bound := int(elapsed/(10*time.Second)) + 2; got > bound {
		t.Errorf("the page read the table %d times for 10 settlements in %v, want at most %d (one read per 10 s, and one more)", got, elapsed.Round(time.Millisecond), bound)
	}
}
