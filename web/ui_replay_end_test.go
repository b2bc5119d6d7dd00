package web_test

import (
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestUIReplayEndsAsTheContestPage: at its last event a judged contest's
// replay showed each answer's place but not the judges' score that the
// contest page shows on the same card; it shows both now.
func TestUIReplayEndsAsTheContestPage(t *testing.T) {
	b := newBrowser(t)
	_, nodes := plCluster(t, 1, plOptions{})
	t.Cleanup(b.checkLoopback)
	base := nodes[0].url
	ctx := b.ctx

	const arenaName = "judged"
	def := map[string]any{"game": "prompt", "seats": 2, "move_deadline_ms": 20000, "judges": []string{"rubric"}}
	if code := plHTTP(t, "PUT", base+"/v1/arenas/"+arenaName, plOperator, def, nil); code != 200 {
		t.Fatalf("create arena: %d", code)
	}
	ids := plAgents(t, base, "careful", "brief")
	var conns []*plConn
	for _, id := range ids {
		c := plDial(t, base+"/v1/agents/connect", id.agentKey)
		c.expect("hello", 10*time.Second)
		c.send(map[string]string{"type": "queue", "arena": arenaName})
		c.expect("queued", 10*time.Second)
		conns = append(conns, c)
	}
	answers := []string{"A careful answer: it names the subject, gives three reasons and a conclusion, in plain English.", "Yes."}
	var contest string
	for i, c := range conns {
		var start struct {
			Contest string `json:"contest"`
		}
		c.expect("contest_start", 10*time.Second).decode(t, &start)
		contest = start.Contest
		c.send(map[string]string{"type": "final", "contest": start.Contest, "text": answers[i]})
	}
	for _, c := range conns {
		c.expect("contest_end", 30*time.Second)
	}

	const cards = `[...document.querySelectorAll('.answer h3')].map((h) => h.textContent)`
	b.run(ctx, "open the contest", 30*time.Second, chromedp.Navigate(base+"/contests/"+contest))
	b.waitJS(ctx, "the judged cards", `document.querySelector('#verdict') && `+cards+`.every((t) => t.includes('score '))`, 20*time.Second)
	page := evalJS[[]string](b, ctx, cards)

	b.run(ctx, "open the replay", 30*time.Second, chromedp.Navigate(base+"/contests/"+contest+"/replay"))
	b.waitJS(ctx, "the replay", `document.querySelector('#replay-step')`, 20*time.Second)
	b.run(ctx, "the End key", 10*time.Second, chromedp.KeyEvent(kb.End))
	b.waitJS(ctx, "the last event", `document.querySelector('#verdict')`, 10*time.Second)
	if replay := evalJS[[]string](b, ctx, cards); !slices.Equal(page, replay) {
		t.Errorf("at its end the replay's answer cards read %q, the contest page's %q", replay, page)
	}
}
