package web_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/agentarena/arena/arena/arenatest"
)

// uiScreenshots visits every page and saves it at desktop and phone width
// into $ARENA_SCREENSHOTS, for the README (make screenshots).
func uiScreenshots(t *testing.T, b *browser, n *uiNode, writer string) {
	ctx := b.ctx
	both := func(name string) {
		b.shoot(ctx, name, 1280, 900)
		b.shoot(ctx, name, 375, 812)
	}
	// Let a few contests settle, so the tables and charts have something
	// to show.
	settledContest(t, n, "prompt")
	time.Sleep(3 * time.Second)

	b.run(ctx, "home", 30*time.Second, chromedp.Navigate(n.url+"/"))
	b.waitJS(ctx, "home data", `document.querySelectorAll('#recent li a').length > 0 && document.querySelectorAll('.arena-card').length > 0`, 30*time.Second)
	both("home")

	// A game photographed mid-play: some bots lose in seven moves, so try
	// a few contests until one is still running with a dozen discs down.
	for try := 0; ; try++ {
		id := freshContest(t, n, "connect4")
		b.run(ctx, "live contest", 30*time.Second, chromedp.Navigate(n.url+"/contests/"+id))
		b.waitJS(ctx, "some moves", `Number(document.querySelector('.c4')?.dataset.moves) >= 12 || document.querySelector('#contest-status')?.dataset.status === 'settled'`, 30*time.Second)
		if try == 8 || evalJS[string](b, ctx, `document.querySelector('#contest-status').dataset.status`) == "running" {
			break
		}
	}
	both("contest-connect4")

	id := runningContestOf(t, n, writer)
	b.run(ctx, "live prompt contest", 30*time.Second, chromedp.Navigate(n.url+"/contests/"+id))
	b.waitJS(ctx, "the answers", `document.querySelector('.answers progress')`, 30*time.Second)
	time.Sleep(time.Second) // let the progress bars grow
	both("contest-prompt-running")
	b.waitJS(ctx, "the verdict", `document.querySelector('#verdict table') && document.querySelector('.answer pre')`, 60*time.Second)
	both("contest-prompt-settled")

	// The same page in the dark scheme, as a reader whose system prefers it
	// sees it.
	b.run(ctx, "dark scheme", 10*time.Second, colorScheme("dark"))
	both("contest-prompt-settled-dark")
	b.run(ctx, "light scheme", 10*time.Second, colorScheme(""))

	b.run(ctx, "leaderboard", 30*time.Second, chromedp.Navigate(n.url+"/arenas/connect4"))
	b.waitJS(ctx, "rows", `document.querySelectorAll('#board-rows tr[data-agent]').length >= 3`, 30*time.Second)
	both("leaderboard")
	b.run(ctx, "dark scheme", 10*time.Second, colorScheme("dark"))
	both("leaderboard-dark")
	b.run(ctx, "light scheme", 10*time.Second, colorScheme(""))

	b.run(ctx, "agent", 30*time.Second, chromedp.Navigate(n.url+"/agents/ag_bot_c4-alphabeta-5"))
	b.waitJS(ctx, "the chart", `document.querySelector('#h-hist') && document.querySelector('#earnings')`, 30*time.Second)
	both("agent")

	id = settledContest(t, n, "connect4")
	b.run(ctx, "replay", 30*time.Second, chromedp.Navigate(n.url+"/contests/"+id+"/replay"))
	b.waitJS(ctx, "the replay", `document.querySelector('#replay-step')`, 30*time.Second)
	for range 5 {
		b.run(ctx, "step", 10*time.Second, chromedp.Click(`#replay-next`, chromedp.NodeVisible))
	}
	both("replay")

	b.run(ctx, "ops", 30*time.Second, chromedp.Navigate(n.url+"/ops"))
	b.run(ctx, "token", 20*time.Second, chromedp.SendKeys(`#ops-token`, arenatest.OperatorToken, chromedp.NodeVisible),
		chromedp.Click(`#ops-form button[type=submit]`, chromedp.NodeVisible))
	b.waitJS(ctx, "nodes", `document.querySelectorAll('#ops-nodes tbody tr').length === 2`, 20*time.Second)
	both("ops")

	// The slow writer's owner, seen with the operator token just typed:
	// its agent's connection shows, as its owner with its key sees it.
	var a struct {
		Agent struct {
			OwnerID string `json:"owner_id"`
		} `json:"agent"`
	}
	if code := plHTTP(t, "GET", n.url+"/v1/agents/"+writer, "", nil, &a); code != 200 {
		t.Fatalf("read the slow writer: %d", code)
	}
	b.run(ctx, "owner", 30*time.Second, chromedp.Navigate(n.url+"/owners/"+a.Agent.OwnerID))
	b.waitJS(ctx, "its connection", `document.querySelector('#owner-agents .conn-state[data-state="connected"]')`, 20*time.Second)
	both("owner")
}

// colorScheme emulates prefers-color-scheme ("" restores the default).
func colorScheme(scheme string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		p := emulation.SetEmulatedMediaParams{}
		if scheme != "" {
			p.Features = []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}
		}
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, p)
		return err
	})
}
