package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestUILeaderboardNamesTheProvisionalThreshold: an agent with 27 games
// was marked provisional under an arena's provisional_games of 30, and
// nothing on the page said how many games it takes; the leaderboard's
// note and every provisional badge (there and on the home page) now say
// the arena's threshold, and follow an operator's change live.
func TestUILeaderboardNamesTheProvisionalThreshold(t *testing.T) {
	b := newBrowser(t)
	_, nodes := plCluster(t, 1, plOptions{})
	t.Cleanup(b.checkLoopback)
	base := nodes[0].url
	ctx := b.ctx

	const arenaName = "novice"
	def := map[string]any{"game": "connect4", "seats": 2, "move_deadline_ms": 5000, "provisional_games": 3}
	if code := plHTTP(t, "PUT", base+"/v1/arenas/"+arenaName, plOperator, def, nil); code != 200 {
		t.Fatalf("create arena: %d", code)
	}
	ids := plAgents(t, base, "first", "second")
	dial := func(key string) *plConn {
		c := plDial(t, base+"/v1/agents/connect", key)
		c.expect("hello", 10*time.Second)
		return c
	}
	uiFixGame(t, arenaName, dial(ids[0].agentKey), dial(ids[1].agentKey), []int{3, 4, 3, 4, 3, 4, 3})

	const badges = `[...document.querySelectorAll('#board-rows .badge.provisional')].map(e => e.title)`
	b.run(ctx, "open the leaderboard", 30*time.Second, chromedp.Navigate(base+"/arenas/"+arenaName))
	b.waitJS(ctx, "two provisional rows", badges+`.length === 2`, 20*time.Second)
	if got := evalJS[string](b, ctx, `document.querySelector('#board-provisional').textContent`); !strings.Contains(got, "fewer than 3 settled contests in this arena") {
		t.Errorf("the leaderboard's note reads %q, want the arena's threshold (3)", got)
	}
	for _, title := range evalJS[[]string](b, ctx, badges) {
		if !strings.HasPrefix(title, "Fewer than 3 settled contests") {
			t.Errorf("a provisional badge's title reads %q, want the arena's threshold (3)", title)
		}
	}

	// The operator lowers the threshold: the open page follows.
	def["provisional_games"] = 1
	if code := plHTTP(t, "PUT", base+"/v1/arenas/"+arenaName, plOperator, def, nil); code != 200 {
		t.Fatalf("update arena: %d", code)
	}
	b.waitJS(ctx, "no provisional rows", badges+`.length === 0 && document.querySelector('#board-provisional').textContent.includes('fewer than 1 settled contest ')`, 20*time.Second)

	def["provisional_games"] = 5
	if code := plHTTP(t, "PUT", base+"/v1/arenas/"+arenaName, plOperator, def, nil); code != 200 {
		t.Fatalf("update arena: %d", code)
	}
	b.run(ctx, "open the home page", 30*time.Second, chromedp.Navigate(base+"/"))
	const homeBadges = `[...document.querySelectorAll('.arena-card[data-arena="` + arenaName + `"] .badge.provisional')].map(e => e.title)`
	b.waitJS(ctx, "the arena's top agents, provisional", homeBadges+`.length === 2`, 20*time.Second)
	for _, title := range evalJS[[]string](b, ctx, homeBadges) {
		if !strings.HasPrefix(title, "Fewer than 5 settled contests") {
			t.Errorf("a home-page provisional badge's title reads %q, want the arena's threshold (5)", title)
		}
	}
}
