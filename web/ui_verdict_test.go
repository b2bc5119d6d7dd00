package web_test

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestUIVerdictTable: how a settled contest's result table reads.
//
// A connect4 draw showed a "Judge score" column reading 1.000 for both
// seats beside their ½ points (the referee scores a draw 1 and 1), as if
// both had won; a rules game's table now shows its points only. And a
// verifiable contest's table has six columns (place, agent, points, the
// checker's score, Elo change, payout), which at 375 px pushed the payout
// past the card's edge; a phone now drops the points there (the score
// line above the table says them).
func TestUIVerdictTable(t *testing.T) {
	b := newBrowser(t)
	_, nodes := plCluster(t, 1, plOptions{})
	t.Cleanup(b.checkLoopback)
	ctx := b.ctx
	b.run(ctx, "open a page", 30*time.Second, chromedp.Navigate(nodes[0].url+"/"))
	b.waitJS(ctx, "the home page", `document.querySelector('#arenas')`, 20*time.Second)

	// render shows a settled 2-seat draw of game with the judge's scores
	// and answers its column headers, whether its last column is in view,
	// and whether its points are.
	render := func(b *browser, game, scores string) []any {
		return awaitJS[[]any](b, ctx, `import('/ui/js/games.js').then((g) => {
			const el = g.verdictPanel({ id: 'c_x', game: '`+game+`', status: 'settled', reason: 'draw', ranks: [0, 0],
				seats: [{ agent_id: 'ag_a', name: 'vt-good' }, { agent_id: 'ag_b', name: 'vt-exact' }],
				verdict: { judge: 'checker-v2', scores: `+scores+` }, rating_deltas: [4.3, -4.3], payouts: [100, 100] });
			document.querySelector('main').replaceChildren(el);
			const th = [...el.querySelectorAll('th')].pop(), wrap = th.closest('.table-wrap');
			return [[...el.querySelectorAll('th')].map((th) => th.textContent).join('|'),
				th.getBoundingClientRect().right <= wrap.getBoundingClientRect().right + 1,
				el.querySelector('td.score').getClientRects().length > 0];
		})`)
	}

	t.Run("a connect4 draw shows its points, not the referee's 1 for each seat", func(t *testing.T) {
		b := b.on(t)
		if got, want := render(b, "connect4", "[1, 1]")[0], "Place|Agent|Points|Elo change|Payout"; got != want {
			t.Errorf("the table's columns are %q, want %q", got, want)
		}
	})

	t.Run("a phone keeps the payout in view", func(t *testing.T) {
		b := b.on(t)
		b.run(ctx, "phone width", 10*time.Second, chromedp.EmulateViewport(375, 812))
		t.Cleanup(func() { b.run(ctx, "desktop width", 10*time.Second, chromedp.EmulateViewport(1280, 900)) })
		for _, tc := range []struct {
			game, scores string
			points       bool // the points column in view
		}{
			{"verifiable", "[1, 0.83]", false}, // the checker's score beside them
			{"connect4", "[1, 1]", true},
		} {
			got := render(b, tc.game, tc.scores)
			if got[1] != true {
				t.Errorf("%s: the last column of %v is not in view at 375 px", tc.game, got[0])
			}
			if got[2] != tc.points {
				t.Errorf("%s: points in view %v, want %v", tc.game, got[2], tc.points)
			}
		}
	})
}
