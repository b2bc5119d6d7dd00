package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// dropFirstMove wraps the page's WebSocket so that the first connect4 move
// event a stream delivers never reaches the page: the next event shows it a
// gap, it asks for the state again, and the node answers with a state frame
// (which carries no events), as after a spectator was dropped for being
// slow.
const dropFirstMove = `(() => {
  const W = window.WebSocket;
  window.WebSocket = class extends W {
    set onmessage(fn) {
      super.onmessage = (m) => {
        try {
          const f = JSON.parse(m.data);
          if (!window.__dropped && f.type === 'event' && f.event.type === 'move') { window.__dropped = f.event.seq; return; }
        } catch {}
        fn(m);
      };
    }
    get onmessage() { return super.onmessage; }
  };
})();`

// TestUIContestLogAfterAResync: a contest page that missed events and was
// sent the contest's state lists every event once, in order (it listed the
// events after the state frame only, with a hole where the missed ones
// were).
func TestUIContestLogAfterAResync(t *testing.T) {
	b := newBrowser(t)
	_, nodes := plCluster(t, 1, plOptions{})
	t.Cleanup(b.checkLoopback)
	base := nodes[0].url
	ctx := b.ctx

	const arenaName = "resync"
	// A long deadline: the page may take seconds to open on a busy machine,
	// and no seat may move by the clock meanwhile.
	def := map[string]any{"game": "connect4", "seats": 2, "move_deadline_ms": 120000}
	if code := plHTTP(t, "PUT", base+"/v1/arenas/"+arenaName, plOperator, def, nil); code != 200 {
		t.Fatalf("create arena: %d", code)
	}
	ids := plAgents(t, base, "north", "south")
	var conns []*plConn
	for _, id := range ids {
		c := plDial(t, base+"/v1/agents/connect", id.agentKey)
		c.expect("hello", 10*time.Second)
		c.send(map[string]string{"type": "queue", "arena": arenaName})
		c.expect("queued", 10*time.Second)
		conns = append(conns, c)
	}
	var start struct {
		Contest string `json:"contest"`
	}
	conns[0].expect("contest_start", 20*time.Second).decode(t, &start)
	conns[1].expect("contest_start", 20*time.Second)

	b.run(ctx, "install the dropping socket", 10*time.Second, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: dropFirstMove})
		return err
	}))
	b.run(ctx, "open the contest", 30*time.Second, chromedp.Navigate(base+"/contests/"+start.Contest))
	b.waitJS(ctx, "the contest page", `document.querySelector('.c4[data-moves]') && document.querySelectorAll('#events li').length > 0`, 20*time.Second)

	ended := make(chan plEnd, 2)
	win := []int{3, 4, 3, 4, 3, 4, 3}
	for _, c := range conns {
		autoplay(t, c, win, ended)
	}
	for range 2 {
		if e := waitEnd(t, ended); e.Status != "settled" {
			t.Fatalf("the contest ended %+v", e)
		}
	}
	var d struct {
		Contest struct {
			Seq uint64 `json:"seq"`
		} `json:"contest"`
	}
	resp, err := http.Get(base + "/v1/contests/" + start.Contest)
	if err != nil {
		t.Fatal(err)
	}
	err = json.NewDecoder(resp.Body).Decode(&d)
	resp.Body.Close()
	if err != nil || d.Contest.Seq == 0 {
		t.Fatalf("read the contest: %v", err)
	}
	b.waitJS(ctx, "the last event on the page", `[...document.querySelectorAll('#events li')].some(li => Number(li.dataset.seq) === `+jsonNumber(d.Contest.Seq)+`)`, 30*time.Second)
	if dropped := evalJS[int](b, ctx, `window.__dropped || 0`); dropped == 0 {
		t.Fatal("no move event was dropped: the test did not make the page resync")
	}
	// The refill is asynchronous: give it the time a busy machine needs.
	deadline := time.Now().Add(20 * time.Second)
	for {
		seqs := evalJS[[]int](b, ctx, `[...document.querySelectorAll('#events li')].map(li => Number(li.dataset.seq))`)
		ok := uint64(len(seqs)) == d.Contest.Seq
		for i, s := range seqs {
			ok = ok && s == i+1
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the log after the resync lists events %v, want 1..%d", seqs, d.Contest.Seq)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if moves := evalJS[int](b, ctx, `document.querySelectorAll('#events li[data-type="move"]').length`); moves != len(win) {
		t.Errorf("the log lists %d moves, want %d", moves, len(win))
	}
}

func jsonNumber(n uint64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
