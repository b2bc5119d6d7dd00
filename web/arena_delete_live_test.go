package web_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/web"
)

// onArenaRead is the node as the web server reads it, except that its
// next Arena read, once armed, runs a function after reading: the test's
// way into the moment between a handler's check and what follows it.
type onArenaRead struct {
	webContests // named so: a field named Contests would hide the method
	next        atomic.Pointer[func()]
}

type webContests = web.Contests

func (o *onArenaRead) Arena(name string) (arena.Arena, error) {
	a, err := o.webContests.Arena(name)
	if f := o.next.Swap(nil); f != nil {
		(*f)()
	}
	return a, err
}

// TestLiveFeedOpenedAsTheArenaIsDeleted: a spectator whose live feed
// passed the arena's check just before the delete applied, and watched
// the arena just after the delete's event went out, is still told: the
// feed sends deleted and closes 1000 "arena deleted", as it does for a
// delete it sees, rather than send the snapshot of an arena that is gone
// and then nothing, for good. Once the arena is gone, opening its feed is
// refused 404.
func TestLiveFeedOpenedAsTheArenaIsDeleted(t *testing.T) {
	reads := &onArenaRead{}
	_, nodes := plCluster(t, 1, plOptions{web: func(c *web.Config) {
		reads.webContests = c.Node
		c.Contests = reads
	}})
	base := nodes[0].url
	if code := plHTTP(t, "PUT", base+"/v1/arenas/racy", plOperator, map[string]any{"game": "prompt", "seats": 2}, nil); code != 200 {
		t.Fatalf("put: %d", code)
	}
	// A spectator already watching: once it has the deleted frame, the
	// hub has routed the delete's event to every watcher it will reach.
	early, status, body, err := wsDial(base+"/v1/arenas/racy/live", "", nil)
	if err != nil {
		t.Fatalf("live feed: %d %s %v", status, body, err)
	}
	defer early.Close()
	var snap struct{ Type string }
	_ = early.SetReadDeadline(time.Now().Add(10 * time.Second))
	if err := early.ReadJSON(&snap); err != nil || snap.Type != "snapshot" {
		t.Fatalf("first frame %+v, %v", snap, err)
	}

	// The next feed's check finds the arena; the delete then applies and
	// its event goes out before that feed watches the arena.
	deleted := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := nodes[0].node.DeleteArena(ctx, "racy", false); err != nil {
			t.Errorf("delete: %v", err)
			return
		}
		if err := readUntilDeleted(early); err != nil {
			t.Errorf("the spectator already watching: %v", err)
		}
	}
	reads.next.Store(&deleted)
	late, status, body, err := wsDial(base+"/v1/arenas/racy/live", "", nil)
	if err != nil {
		t.Fatalf("live feed opened during the delete: %d %s %v", status, body, err)
	}
	defer late.Close()
	_ = late.SetReadDeadline(time.Now().Add(5 * time.Second))
	if err := readUntilDeleted(late); err != nil {
		t.Fatalf("the feed opened during the delete: %v", err)
	}

	if _, status, _, err := wsDial(base+"/v1/arenas/racy/live", "", nil); err == nil || status != 404 {
		t.Fatalf("a feed opened after the delete: %d %v, want 404", status, err)
	}
}

// readUntilDeleted reads a live feed until its deleted frame for racy,
// which must be followed by the close 1000 "arena deleted".
func readUntilDeleted(conn *websocket.Conn) error {
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		_, msg, err := conn.ReadMessage()
		if err != nil {
			return fmt.Errorf("no deleted frame: %w", err)
		}
		if !strings.Contains(string(msg), `"type":"deleted"`) {
			continue
		}
		if !strings.Contains(string(msg), `"data":{"arena":"racy"}`) {
			return fmt.Errorf("deleted frame %s", msg)
		}
		_, msg, err = conn.ReadMessage()
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != websocket.CloseNormalClosure || ce.Text != "arena deleted" {
			return fmt.Errorf("after the deleted frame: %s, %v; want the feed closed 1000 \"arena deleted\"", msg, err)
		}
		return nil
	}
}
