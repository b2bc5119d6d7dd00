package main

// The attackers of an abuse run and the honest agent playing beside them.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/agentarena/arena/client"
)

// playHonestly is a well-behaved agent: it queues for connect4, plays the
// first legal column each turn, and queues again after each contest.
func playHonestly(ctx context.Context, base, key string, done *atomic.Int64) {
	for ctx.Err() == nil {
		conn, _, err := dialerFrom("127.0.0.1").DialContext(ctx, strings.Replace(base, "http://", "ws://", 1)+"/v1/agents/connect",
			http.Header{"Authorization": {"Bearer " + key}})
		if err != nil {
			sleepCtx(ctx, 200*time.Millisecond)
			continue
		}
		stop := context.AfterFunc(ctx, func() { conn.Close() })
		_ = conn.WriteJSON(map[string]string{"type": "queue", "arena": "connect4"})
		for {
			var f struct {
				Type    string `json:"type"`
				Contest string `json:"contest"`
				Seq     uint64 `json:"seq"`
				Status  string `json:"status"`
				View    struct {
					Legal []int `json:"legal"`
				} `json:"view"`
			}
			if err := conn.ReadJSON(&f); err != nil {
				break
			}
			switch f.Type {
			case "turn":
				if len(f.View.Legal) > 0 {
					_ = conn.WriteJSON(map[string]any{"type": "move", "contest": f.Contest, "seq": f.Seq, "move": f.View.Legal[0]})
				}
			case "contest_end":
				if f.Status == "settled" {
					done.Add(1)
				}
				_ = conn.WriteJSON(map[string]string{"type": "queue", "arena": "connect4"})
			}
		}
		stop()
		conn.Close()
	}
}

func sleepCtx(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// floodConns makes o.Conns connection attempts from two addresses, 1024
// at a time, each held for up to two seconds: raw TCP connections that
// send nothing, and websocket upgrades that never read. Two addresses, so
// the per-address limits (not just the node's capacity) are what is
// tested.
func floodConns(ctx context.Context, o AbuseOptions, addr string, t *tally) {
	sem := make(chan struct{}, 1024)
	var wg sync.WaitGroup
	for i := 0; i < o.Conns && ctx.Err() == nil; i++ {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			ip := o.attackIP(i % 2)
			if i%2 == 0 {
				d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
				c, err := d.DialContext(ctx, "tcp", addr)
				if err != nil {
					t.add("tcp: dial failed")
					return
				}
				defer c.Close()
				c.SetReadDeadline(time.Now().Add(2 * time.Second))
				if _, err := c.Read(make([]byte, 1)); err != nil {
					if ne, ok := err.(net.Error); ok && ne.Timeout() {
						t.add("tcp: held open (within limits)")
					} else {
						t.add("tcp: closed by the node")
					}
				}
				return
			}
			c, res, err := dialerFrom(ip).DialContext(ctx, "ws://"+addr+"/v1/arenas/connect4/live", nil)
			if err != nil {
				switch {
				case res != nil && res.StatusCode == http.StatusTooManyRequests:
					t.add("ws: refused 429")
				case res != nil:
					t.add(fmt.Sprintf("ws: refused %d", res.StatusCode))
				default:
					t.add("ws: dial failed or cut off")
				}
				return
			}
			t.add("ws: opened (within limits)")
			sleepCtx(ctx, 2*time.Second)
			c.Close()
		}()
	}
	wg.Wait()
}

// zeros is an endless JSON string body.
type zeros struct{ started bool }

func (z *zeros) Read(p []byte) (int, error) {
	i := 0
	if !z.started {
		i = copy(p, `{"name":"`)
		z.started = true
	}
	for ; i < len(p); i++ {
		p[i] = 'a'
	}
	return len(p), nil
}

// floodBodies posts o.Bodies bodies of o.BodyBytes, 16 at a time. It
// speaks raw HTTP on purpose: the body is no request the API client could
// send (megabytes of one byte, streamed with a declared length).
func floodBodies(ctx context.Context, o AbuseOptions, base string, t *tally) {
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for i := 0; i < o.Bodies && ctx.Err() == nil; i++ {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			c := clientFrom(o.attackIP(i))
			defer c.CloseIdleConnections()
			req, _ := http.NewRequestWithContext(ctx, "POST", base+"/v1/owners", io.LimitReader(&zeros{}, o.BodyBytes))
			req.ContentLength = o.BodyBytes
			req.Header.Set("Content-Type", "application/json")
			res, err := c.Do(req)
			if err != nil {
				t.add("body: cut off mid-upload")
				return
			}
			io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
			res.Body.Close()
			t.add(fmt.Sprintf("body: %d", res.StatusCode))
		}()
	}
	wg.Wait()
}

// minFloodFrames is what floodFrames's first session sends at least: past
// the default frame burst (web.DefaultLimits.FrameBurst, 200).
const minFloodFrames = 1000

// floodFrames connects the attacker's own agent and sends malformed,
// oversized and far too many frames, reconnecting whenever it is closed.
func floodFrames(ctx context.Context, o AbuseOptions, base, key string, t *tally) {
	frames := [][]byte{
		[]byte(`not json at all`),
		[]byte(`{"type":"nope"}`),
		[]byte(`{}`),
		[]byte(`{"type":"move","contest":"c_nope","seq":1,"move":99}`),
		[]byte(`{"type":"queue","arena":"does-not-exist"}`),
		[]byte(`{"type":"chunk","contest":"c_nope","text":"` + strings.Repeat("x", 1000) + `"}`),
		[]byte(`[1,2,3`),
	}
	huge := []byte(`{"type":"ping","pad":"` + strings.Repeat("x", 200<<10) + `"}`)
	url := strings.Replace(base, "http://", "ws://", 1) + "/v1/agents/connect"
	// The first session runs even when a starved machine reaches it after
	// the attack's time is up, and sends until the node closes it (30 s at
	// most), so the rate limit is always exercised: on a starved machine
	// the node may read the first thousand frames only after the attack's
	// time is up, and frames still unread when the client hangs up are
	// lost with the connection.
	for i := 0; i == 0 || ctx.Err() == nil; i++ {
		dctx := ctx
		if i == 0 {
			var cancel context.CancelFunc
			dctx, cancel = context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
		}
		conn, res, err := dialerFrom(o.attackIP(i)).DialContext(dctx, url, http.Header{"Authorization": {"Bearer " + key}})
		if err != nil {
			if res != nil {
				t.add(fmt.Sprintf("frames: connect refused %d", res.StatusCode))
			}
			sleepCtx(ctx, 50*time.Millisecond)
			continue
		}
		t.add("frames: sessions opened")
		var closed atomic.Bool
		go func() { // read what the node says, to see how it closes
			defer closed.Store(true)
			for {
				if _, _, err := conn.ReadMessage(); err != nil {
					var ce *websocket.CloseError
					if errors.As(err, &ce) {
						t.add(fmt.Sprintf("frames: closed by the node with %d", ce.Code))
					}
					return
				}
			}
		}()
		first := i == 0
		for j := 0; !closed.Load() && ((first && (j < minFloodFrames || dctx.Err() == nil)) || ctx.Err() == nil); j++ {
			msg, typ := frames[j%len(frames)], websocket.TextMessage
			switch {
			case i%4 == 3 && j == 10:
				msg = huge
			case j%11 == 5:
				typ = websocket.BinaryMessage
			}
			conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
			if err := conn.WriteMessage(typ, msg); err != nil {
				break
			}
			t.add("frames: written")
		}
		conn.Close()
	}
}

// burstRequests fires o.Waves bursts of o.WaveSize requests at once:
// anonymous reads (each wave from one attack address), reads with the
// attacker's key, and writes the attacker may not make.
func burstRequests(ctx context.Context, o AbuseOptions, base string, who identity, t *tally) {
	hcs := make([]*http.Client, max(o.AttackIPs, 1))
	anon := make([]*client.Client, len(hcs))  // per attack address, no key
	keyed := make([]*client.Client, len(hcs)) // per attack address, the attacker's key
	for i := range hcs {
		hcs[i] = clientFrom(o.attackIP(i))
		var err error
		if anon[i], err = apiFrom(hcs[i], base, ""); err == nil {
			keyed[i], err = apiFrom(hcs[i], base, who.ownerKey)
		}
		if err != nil {
			t.add("requests: no client: " + err.Error())
			return
		}
	}
	defer httpDrain(hcs...)
	gap := o.Duration / time.Duration(max(o.Waves, 1)+1)
	// The first wave fires even when a starved machine gets here after the
	// attack's time is up, so the limits always meet a burst.
	for w := 0; w < o.Waves && (w == 0 || ctx.Err() == nil); w++ {
		var wg sync.WaitGroup
		for i := range o.WaveSize {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Like the attacker's, a request once sent is not called
				// back when the attack's time is up.
				ctx := context.Background()
				a := w % len(hcs)
				var err error
				switch i % 4 {
				case 0, 1:
					_, err = anon[a].ListArenas(ctx)
				case 2:
					_, err = keyed[a].Me(ctx)
				default:
					_, err = keyed[a].Grant(ctx, client.GrantRequest{OwnerID: who.ownerID, Amount: 1000000})
				}
				var apiErr *client.APIError
				switch {
				case err == nil:
					t.add("requests: 200") // every one of these routes answers 200
				case errors.As(err, &apiErr):
					t.add(fmt.Sprintf("requests: %d", apiErr.Status))
				default:
					t.add("requests: failed")
				}
			}()
		}
		wg.Wait()
		sleepCtx(ctx, gap)
	}
}

// slowLoris opens o.Slow connections that send their header a byte every
// 200 ms and counts how many the node cuts off.
func slowLoris(ctx context.Context, o AbuseOptions, addr string, t *tally) {
	var wg sync.WaitGroup
	header := "GET /v1/arenas HTTP/1.1\r\nHost: x\r\nX-Pad: " + strings.Repeat("a", 4000) + "\r\n\r\n"
	for i := range o.Slow {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(o.attackIP(i))}, Timeout: 5 * time.Second}
			c, err := d.DialContext(ctx, "tcp", addr)
			if err != nil {
				t.add("slow: dial failed")
				return
			}
			defer c.Close()
			tick := time.NewTicker(200 * time.Millisecond)
			defer tick.Stop()
			for j := range len(header) {
				if _, err := c.Write([]byte{header[j]}); err != nil {
					t.add("slow: cut off by the node")
					return
				}
				select {
				case <-ctx.Done():
					t.add("slow: still sending at the end")
					return
				case <-tick.C:
				}
			}
			t.add("slow: whole header sent")
		}()
	}
	wg.Wait()
}
