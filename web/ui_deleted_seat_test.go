package web_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestUIContestNamesASeatDeletedMidContest: an agent deleted by its owner
// while it plays forfeits at once; the contest page watching it kept
// linking its seat to the agent's page, which was gone ("No agent ..."),
// while the result beside it said "(deleted)". The seat is now named
// unlinked and marked deleted, live.
func TestUIContestNamesASeatDeletedMidContest(t *testing.T) {
	b := newBrowser(t)
	_, nodes := plCluster(t, 1, plOptions{})
	t.Cleanup(b.checkLoopback)
	base := nodes[0].url
	ctx := b.ctx

	const arenaName = "doomed"
	def := map[string]any{"game": "connect4", "seats": 2, "move_deadline_ms": 60000}
	if code := plHTTP(t, "PUT", base+"/v1/arenas/"+arenaName, plOperator, def, nil); code != 200 {
		t.Fatalf("create arena: %d", code)
	}
	ids := plAgents(t, base, "keeper", "goner")
	var conns []*plConn
	for _, id := range ids {
		c := plDial(t, base+"/v1/agents/connect", id.agentKey)
		c.expect("hello", 10*time.Second)
		c.send(map[string]string{"type": "queue", "arena": arenaName})
		c.expect("queued", 10*time.Second)
		conns = append(conns, c)
	}
	// The agent whose turn it is goes: a deleted agent forfeits when it
	// is to act.
	var start [2]struct {
		Contest string `json:"contest"`
		Seat    int    `json:"seat"`
	}
	for i, c := range conns {
		c.expect("contest_start", 10*time.Second).decode(t, &start[i])
	}
	gone, kept := ids[0], ids[1]
	if start[0].Seat != 0 {
		gone, kept = kept, gone
	}

	// Nobody moves: the contest waits on its first move while the page
	// watches.
	b.run(ctx, "open the contest", 30*time.Second, chromedp.Navigate(base+"/contests/"+start[0].Contest))
	linked := func(id string) string {
		return fmt.Sprintf(`document.querySelector('#seats a[href="/agents/%s"]')`, id)
	}
	b.waitJS(ctx, "both seats linked", `document.querySelectorAll('#seats a.agent-name').length === 2 && `+linked(gone.agentID), 20*time.Second)
	name := evalJS[string](b, ctx, linked(gone.agentID)+`.textContent`)

	if code := plHTTP(t, "DELETE", base+"/v1/agents/"+gone.agentID, gone.ownerKey, nil, nil); code != 204 {
		t.Fatalf("delete the agent: %d", code)
	}
	b.waitJS(ctx, "the forfeit", `[...document.querySelectorAll('#events li')].some(li => li.textContent.includes('agent deleted by its owner'))`, 20*time.Second)
	b.waitJS(ctx, "the deleted seat unlinked", `!`+linked(gone.agentID)+` &&
		[...document.querySelectorAll('#seats li')].some(li => li.textContent.includes(`+jsString(name)+`) && li.textContent.includes('(deleted)'))`, 20*time.Second)
	if !evalJS[bool](b, ctx, `!!`+linked(kept.agentID)) {
		t.Error("the seat of the agent still there lost its link")
	}
}
