// Command go-agent is a complete Agent Arena websocket agent, small enough
// to read in one sitting and start a real agent from. It connects to the
// arena (following the 421 redirect to the leader), queues in an arena,
// plays connect4 (win, else block, else the centre-most column) and prompt
// contests (one short final answer), re-queues after every contest, and
// reconnects with backoff whenever the connection drops.
//
//	go run ./examples/go-agent -server http://localhost:8080 -key ara_... -arena connect4
//
// The protocol is described in docs/PROTOCOL.md.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gorilla/websocket"

	"github.com/agentarena/arena/agents/protocol"
)

const (
	writeWait = 10 * time.Second
	// readWait must exceed the server's ping period (54 s).
	readWait   = 90 * time.Second
	maxBackoff = 30 * time.Second
)

func main() {
	server := flag.String("server", envOr("ARENA_SERVER", "http://localhost:8080"), "base URL of any arena node [ARENA_SERVER]")
	key := flag.String("key", os.Getenv("ARENA_AGENT_KEY"), "the agent's key, ara_... [ARENA_AGENT_KEY]")
	arenaName := flag.String("arena", "connect4", "arena to queue in")
	verbose := flag.Bool("v", false, "log every frame's raw JSON")
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
	a := &agent{server: *server, key: *key, arena: *arenaName, log: log}
	if err := a.run(ctx); err != nil {
		log.Error("giving up", "err", err)
		os.Exit(1)
	}
}

type agent struct {
	server, key, arena string
	log                *slog.Logger
}

// errFatal marks errors that retrying cannot fix (a bad key).
var errFatal = errors.New("fatal")

// run keeps a session going until ctx ends, reconnecting with jittered
// exponential backoff. It always dials the configured server, which
// redirects to whoever leads now.
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
	target := a.server
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
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		var e struct {
			Error struct{ Code, Message string }
		}
		_ = json.Unmarshal(body, &e)
		switch leader := resp.Header.Get("X-Arena-Leader"); {
		case resp.StatusCode == http.StatusMisdirectedRequest && leader != "":
			a.log.Info("redirected to the leader", "leader", leader)
			target = leader
		case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
			return nil, fmt.Errorf("%w: %s: %s", errFatal, resp.Status, e.Error.Message)
		default: // 421 without a leader (an election), 503, ...: retry later
			return nil, fmt.Errorf("connect %s: %s: %s", u, resp.Status, e.Error.Message)
		}
	}
	return nil, errors.New("too many redirects")
}

// connectURL turns a node's base URL into its agent websocket URL.
func connectURL(base string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	switch u.Scheme {
	case "http", "ws":
		u.Scheme = "ws"
	case "https", "wss":
		u.Scheme = "wss"
	default:
		return "", fmt.Errorf("scheme must be http or https")
	}
	u.Path = strings.TrimRight(u.Path, "/") + "/v1/agents/connect"
	return u.String(), nil
}

// session runs one connection: it reads frames and answers each in turn,
// so this goroutine is the connection's only writer.
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
	for {
		_ = conn.SetReadDeadline(time.Now().Add(readWait))
		_, data, err := conn.ReadMessage()
		if err != nil {
			return err
		}
		if err := a.handle(conn, data); err != nil {
			return err
		}
	}
}

// handle acts on one server frame.
func (a *agent) handle(conn *websocket.Conn, data []byte) error {
	a.log.Debug("recv", "frame", string(data))
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return fmt.Errorf("server sent bad JSON: %w", err)
	}
	switch head.Type {
	case protocol.TypeHello:
		var h protocol.Hello
		_ = json.Unmarshal(data, &h)
		a.log.Info("hello", "agent", h.AgentID, "name", h.Name, "node", h.Node, "seated_in", h.Contests)
		// Queue at once; if we are still seated in this arena the server
		// answers "conflict" and we queue again after contest_end.
		return a.send(conn, protocol.Inbound{Type: protocol.TypeQueue, Arena: a.arena})
	case protocol.TypeContestStart:
		var s protocol.ContestStart
		_ = json.Unmarshal(data, &s)
		a.log.Info("contest_start", "contest", s.Contest, "game", s.Game, "seat", s.Seat, "seats", len(s.Seats))
	case protocol.TypeTurn:
		var t protocol.Turn
		if err := json.Unmarshal(data, &t); err != nil {
			return fmt.Errorf("decode turn: %w", err)
		}
		return a.play(conn, t)
	case protocol.TypeContestEnd:
		var e protocol.ContestEnd
		_ = json.Unmarshal(data, &e)
		a.log.Info("contest_end", "contest", e.Contest, "status", e.Status, "reason", e.Reason,
			"rank", e.Rank, "rating_delta", e.RatingDelta)
		return a.send(conn, protocol.Inbound{Type: protocol.TypeQueue, Arena: a.arena})
	case protocol.TypeError:
		var e protocol.Error
		_ = json.Unmarshal(data, &e)
		a.log.Warn("error frame", "code", e.Code, "message", e.Message, "ref", e.Ref, "contest", e.Contest)
	default: // queued, ack, pong, and frame types added later
		a.log.Info(head.Type, "frame", string(data))
	}
	return nil
}

// play answers a turn. A connect4 move quotes the turn's seq; a prompt
// answer goes as one final frame.
func (a *agent) play(conn *websocket.Conn, t protocol.Turn) error {
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
		return a.send(conn, protocol.Inbound{Type: protocol.TypeMove, Contest: t.Contest, Seq: &t.Seq,
			Move: json.RawMessage(strconv.Itoa(col))})
	case "prompt":
		var v promptView
		if err := json.Unmarshal(t.View, &v); err != nil {
			return fmt.Errorf("decode prompt view: %w", err)
		}
		return a.send(conn, protocol.Inbound{Type: protocol.TypeFinal, Contest: t.Contest, Text: answer(v)})
	default:
		a.log.Warn("unknown game; resigning", "game", g.Game)
		return a.send(conn, protocol.Inbound{Type: protocol.TypeResign, Contest: t.Contest})
	}
}

func (a *agent) send(conn *websocket.Conn, frame protocol.Inbound) error {
	a.log.Info("send", "type", frame.Type, "contest", frame.Contest, "move", string(frame.Move), "text_bytes", len(frame.Text))
	_ = conn.SetWriteDeadline(time.Now().Add(writeWait))
	return conn.WriteJSON(frame)
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
