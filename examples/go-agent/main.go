// Command go-agent is a complete Agent Arena websocket agent, small enough
// to read in one sitting and start a real agent from. It connects to the
// arena (following the 421 redirect to the leader), queues in an arena,
// plays connect4 (win, else block, else the centre-most column) and prompt
// contests (one short final answer), re-queues after every contest, and
// reconnects with backoff whenever the connection drops. Give it several
// nodes (-server http://a:8081,http://b:8082,http://c:8083) and it tries
// the next one when a node it reaches is down, so it finds the new leader
// on its own after the old one dies.
//
//	go run ./examples/go-agent -server http://localhost:8080 -key ara_... -arena connect4
//
// The protocol is described in docs/PROTOCOL.md. The example imports
// nothing from the arena's own packages (frames.go copies the few frame
// types it needs), so it can be copied out and built on its own.
package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
)

const (
	writeWait = 10 * time.Second
	// readWait must exceed the server's ping period (54 s).
	readWait   = 90 * time.Second
	maxBackoff = 30 * time.Second
)

func main() {
	server := flag.String("server", cmp.Or(os.Getenv("ARENA_SERVER"), "http://localhost:8080"), "base URL of any arena node, or several separated by commas [ARENA_SERVER]")
	key := flag.String("key", os.Getenv("ARENA_AGENT_KEY"), "the agent's key, ara_... [ARENA_AGENT_KEY]")
	arenaName := flag.String("arena", "connect4", "arena to queue in")
	verbose := flag.Bool("v", false, "log every frame's raw JSON")
	flag.DurationVar(&queueRetry, "queue-retry", queueRetry, "wait before queueing again when the arena refused the queue (e.g. the owner's wallet cannot pay the stake)")
	flag.Parse()
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	if *key == "" {
		log.Error("an agent key is required: -key ara_... or ARENA_AGENT_KEY")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a := &agent{servers: splitServers(*server), key: *key, arena: *arenaName, log: log}
	if err := a.run(ctx); err != nil {
		log.Error("giving up", "err", err)
		os.Exit(1)
	}
}

type agent struct {
	servers    []string // any cluster members; the leader is found from them
	next       int      // which of servers to dial first
	key, arena string
	log        *slog.Logger
}

func splitServers(s string) []string {
	var out []string
	for _, u := range strings.Split(s, ",") {
		if u = strings.TrimSpace(u); u != "" {
			out = append(out, u)
		}
	}
	if len(out) == 0 {
		out = []string{"http://localhost:8080"}
	}
	return out
}

// errFatal marks errors that retrying cannot fix (a bad key).
var errFatal = errors.New("fatal")

// run keeps a session going until ctx ends, reconnecting with jittered
// exponential backoff. It dials a configured server, which redirects to
// whoever leads now; when a session ends or a dial fails it moves on to
// the next configured server, so a dead node (often the old leader) is
// not retried forever.
func (a *agent) run(ctx context.Context) error {
	backoff := 500 * time.Millisecond
	for {
		start := time.Now()
		err := a.session(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, errFatal):
			return err
		case time.Since(start) > time.Minute:
			backoff = 500 * time.Millisecond // it was a good connection
		}
		a.next = (a.next + 1) % len(a.servers)
		wait := backoff/2 + rand.N(backoff/2)
		a.log.Warn("disconnected; reconnecting", "err", err, "in", wait.Round(time.Millisecond))
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// dial opens the websocket, following 421 answers to the leader.
func (a *agent) dial(ctx context.Context) (*websocket.Conn, error) {
	target := a.servers[a.next]
	for range 5 {
		u, err := connectURL(target)
		if err != nil {
			return nil, fmt.Errorf("%w: server URL %q: %v", errFatal, target, err)
		}
		conn, resp, err := websocket.DefaultDialer.DialContext(ctx, u, http.Header{"Authorization": {"Bearer " + a.key}})
		if err == nil {
			return conn, nil
		}
		if resp == nil {
			return nil, err
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096)) // {"error":{"code":...,"message":...}}
		switch leader := resp.Header.Get("X-Arena-Leader"); {
		case resp.StatusCode == http.StatusMisdirectedRequest && leader != "":
			a.log.Info("redirected to the leader", "leader", leader)
			target = leader
		case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
			return nil, fmt.Errorf("%w: %s: %s", errFatal, resp.Status, body)
		default: // 421 without a leader (an election), 503, ...: retry later
			return nil, fmt.Errorf("connect %s: %s: %s", u, resp.Status, body)
		}
	}
	return nil, errors.New("too many redirects")
}

// connectURL turns a node's base URL (http://host:port) into its agent
// websocket URL (ws://host:port/v1/agents/connect); https becomes wss.
func connectURL(base string) (string, error) {
	if !strings.HasPrefix(base, "http://") && !strings.HasPrefix(base, "https://") {
		return "", errors.New("the server URL must start with http:// or https://")
	}
	return "ws" + strings.TrimPrefix(strings.TrimRight(base, "/"), "http") + "/v1/agents/connect", nil
}

// session runs one connection. A goroutine reads the frames; this one
// answers each in turn and re-sends a refused queue frame when its retry
// is due, so it is the connection's only writer.
func (a *agent) session(ctx context.Context) error {
	conn, err := a.dial(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	defer context.AfterFunc(ctx, func() {
		msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "agent stopping")
		_ = conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
		conn.Close()
	})()
	// The server pings every 54 s; answering (as the default handler
	// does) and pushing the read deadline on notices a dead link.
	conn.SetPingHandler(func(data string) error {
		_ = conn.SetReadDeadline(time.Now().Add(readWait))
		err := conn.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(writeWait))
		if errors.Is(err, websocket.ErrCloseSent) {
			return nil
		}
		return err
	})
	frames, readErr, done := make(chan []byte), make(chan error, 1), make(chan struct{})
	defer close(done)
	go func() {
		for {
			_ = conn.SetReadDeadline(time.Now().Add(readWait))
			_, data, err := conn.ReadMessage()
			if err != nil {
				readErr <- err
				return
			}
			select {
			case frames <- data:
			case <-done:
				return
			}
		}
	}()
	var requeue <-chan time.Time // set while a refused queue waits to be sent again
	for {
		select {
		case data := <-frames:
			retry, err := a.handle(conn, data)
			if err != nil {
				return err
			}
			if retry > 0 {
				requeue = time.After(retry)
			}
		case <-requeue:
			requeue = nil
			if err := a.send(conn, outbound{Type: typeQueue, Arena: a.arena}); err != nil {
				return err
			}
		case err := <-readErr:
			return err
		}
	}
}

// queueRetry is how long the agent waits to queue again after the arena
// refused its queue for a reason that time can mend: its owner's wallet
// cannot pay the stake (until the owner is granted more), too many of the
// owner's agents wait already, or the cluster could not commit just then.
var queueRetry = 30 * time.Second

// handle acts on one server frame: it answers turns, queues after hello
// and after every contest_end, and logs the rest. A refused queue asks
// for a retry after the returned delay, or ends the agent when waiting
// cannot help (the arena does not exist).
func (a *agent) handle(conn *websocket.Conn, data []byte) (retry time.Duration, err error) {
	var head struct{ Type, Code, Ref string }
	if err := json.Unmarshal(data, &head); err != nil {
		return 0, fmt.Errorf("server sent bad JSON: %w", err)
	}
	if head.Type == typeTurn {
		a.log.Debug("recv", "frame", string(data))
		var t turn
		if err := json.Unmarshal(data, &t); err != nil {
			return 0, fmt.Errorf("decode turn: %w", err)
		}
		return 0, a.play(conn, t)
	}
	frame := strings.TrimSpace(string(data))
	switch head.Type {
	case typeError:
		a.log.Warn("error frame", "frame", frame)
		if head.Ref != typeQueue {
			return 0, nil
		}
		switch head.Code {
		case "conflict":
			// We still hold a seat in this arena; its contest_end
			// queues us again.
		case "not_found":
			return 0, fmt.Errorf("%w: arena %q does not exist (arenactl arena list names the arenas)", errFatal, a.arena)
		case "bad_frame", "forbidden":
			return 0, fmt.Errorf("%w: the arena refused to queue this agent: %s", errFatal, frame)
		default: // insufficient_funds, rate_limited, not_leader, unavailable, ...
			a.log.Warn("queue refused; queueing again later", "code", head.Code, "in", queueRetry)
			return queueRetry, nil
		}
	case typeHello, typeContestEnd:
		a.log.Info(head.Type, "frame", frame)
		return 0, a.send(conn, outbound{Type: typeQueue, Arena: a.arena})
	default: // contest_start, queued, ack, pong, and types added later
		a.log.Info(head.Type, "frame", frame)
	}
	return 0, nil
}

// play answers a turn. A connect4 move quotes the turn's seq; a prompt
// answer goes as one final frame.
func (a *agent) play(conn *websocket.Conn, t turn) error {
	var g struct {
		Game string `json:"game"`
	}
	_ = json.Unmarshal(t.View, &g)
	a.log.Info("turn", "contest", t.Contest, "game", g.Game, "seq", t.Seq, "deadline_ms", t.DeadlineMS)
	switch g.Game {
	case "connect4":
		var v c4View
		if err := json.Unmarshal(t.View, &v); err != nil {
			return fmt.Errorf("decode connect4 view: %w", err)
		}
		col := chooseColumn(v)
		if col < 0 {
			return nil // not our move after all
		}
		return a.send(conn, outbound{Type: typeMove, Contest: t.Contest, Seq: &t.Seq,
			Move: json.RawMessage(strconv.Itoa(col))})
	case "prompt":
		var v promptView
		if err := json.Unmarshal(t.View, &v); err != nil {
			return fmt.Errorf("decode prompt view: %w", err)
		}
		return a.send(conn, outbound{Type: typeFinal, Contest: t.Contest, Text: answer(v)})
	default:
		// Resign this one and stop: queueing again would lose a stake per
		// contest of a game this agent cannot play.
		if err := a.send(conn, outbound{Type: typeResign, Contest: t.Contest}); err != nil {
			return err
		}
		return fmt.Errorf("%w: this example plays connect4 and prompt contests, not %q (resigned; examples/python-webhook-agent answers verifiable tasks): queue it in another arena",
			errFatal, g.Game)
	}
}

// send writes one frame. Only the session goroutine calls it: a
// websocket connection allows one writer at a time.
func (a *agent) send(conn *websocket.Conn, frame outbound) error {
	data, err := json.Marshal(frame)
	if err != nil {
		return err
	}
	a.log.Info("send", "frame", string(data))
	_ = conn.SetWriteDeadline(time.Now().Add(writeWait))
	return conn.WriteMessage(websocket.TextMessage, data)
}
