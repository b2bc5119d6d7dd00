package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/agentarena/arena/apperr"
)

// Websocket timing, as in gorilla/websocket's chat example: the writer
// pings every pingPeriod; a peer that sends nothing (not even a pong) for
// pongWait is gone; a write that takes longer than writeWait fails.
const (
	writeWait  = 10 * time.Second
	pongWait   = 60 * time.Second
	pingPeriod = pongWait * 9 / 10
)

// CloseTooSlow is sent to a stream that could not keep up.
const closeTooSlow = websocket.ClosePolicyViolation

// upgrader admits non-browser clients (no Origin header), pages served by
// this node and Config.AllowedOrigins (origin.go); a refused upgrade gets
// the usual JSON error body. A connection keeps no buffers of its own while
// idle, which is what a spectator mostly is: it reads through the 4 KiB
// reader net/http already gave the request, and borrows a write buffer from
// the server's pool only while it encodes a frame (a frame prepared once
// for every spectator needs none).
func (s *Server) upgrader() *websocket.Upgrader {
	return &websocket.Upgrader{
		WriteBufferPool:  &s.wsWriteBufs,
		HandshakeTimeout: s.cfg.WriteTimeout,
		CheckOrigin:      s.checkOrigin,
		Error:            upgradeError,
	}
}

// upgradeError answers a refused websocket handshake as every other error.
func upgradeError(w http.ResponseWriter, _ *http.Request, status int, reason error) {
	code := apperr.Invalid
	msg := "websocket handshake failed: " + reason.Error()
	if status == http.StatusForbidden {
		code, msg = apperr.Forbidden, "websocket refused: the request's Origin is not this node's and not an allowed origin"
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Sec-Websocket-Version", "13")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(ErrorBody{Error: ErrorDetail{Code: code, Message: msg}})
}

// wsOut is the outgoing side of a websocket: one writer goroutine owns
// every write (frames, pings, the close frame) as gorilla/websocket asks.
type wsOut struct {
	wait    time.Duration // write deadline per frame
	out     chan any
	closing chan closeMsg
	stopped chan struct{}
	once    sync.Once
	// readerDone is closed when the connection's reader has returned.
	readerDone chan struct{}
	readerOnce sync.Once
}

// closeLinger is how long a close frame waits for the peer's answering
// close (read by the connection's reader) before the socket is closed.
// Closing at once, with the peer's frames still unread in the kernel's
// buffer, makes the kernel send a reset instead of a FIN, and the peer
// may lose the close frame and its reason (it saw 1006 instead of 1008).
const closeLinger = 2 * time.Second

func newWSOut(conn *websocket.Conn, buffer int, wait time.Duration) *wsOut {
	w := &wsOut{wait: wait, out: make(chan any, buffer), closing: make(chan closeMsg, 1), stopped: make(chan struct{}),
		readerDone: make(chan struct{})}
	go w.pump(conn)
	return w
}

// readerStopped tells the writer that nothing reads the connection any
// more, so a close need not wait for the peer's answer.
func (w *wsOut) readerStopped() { w.readerOnce.Do(func() { close(w.readerDone) }) }

// send queues a frame, waiting while the buffer is full; false once the
// writer has stopped.
func (w *wsOut) send(frame any) bool {
	select {
	case w.out <- frame:
		return true
	case <-w.stopped:
		return false
	}
}

// trySend queues a frame only if there is room.
func (w *wsOut) trySend(frame any) bool {
	select {
	case w.out <- frame:
		return true
	default:
		return false
	}
}

// close sends a close frame with a reason and stops the writer.
func (w *wsOut) close(code int, reason string) {
	w.once.Do(func() { w.closing <- closeMsg{code, reason} })
}

func (w *wsOut) pump(conn *websocket.Conn) {
	ticker := time.NewTicker(pingPeriod)
	defer func() {
		ticker.Stop()
		conn.Close()
		close(w.stopped)
	}()
	for {
		select {
		case frame := <-w.out:
			conn.SetWriteDeadline(time.Now().Add(w.wait))
			if err := writeFrame(conn, frame); err != nil {
				return
			}
		case m := <-w.closing:
			// Flush what is queued first, so an error frame explaining the
			// close is not lost.
			for len(w.out) > 0 {
				conn.SetWriteDeadline(time.Now().Add(w.wait))
				if err := writeFrame(conn, <-w.out); err != nil {
					return
				}
			}
			conn.SetWriteDeadline(time.Now().Add(w.wait))
			if conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(m.code, m.reason)) == nil {
				select { // the close handshake: the reader sees the peer's close
				case <-w.readerDone:
				case <-time.After(closeLinger):
				}
			}
			return
		case <-ticker.C:
			conn.SetWriteDeadline(time.Now().Add(w.wait))
			if err := conn.WriteMessage(websocket.PingMessage, nil); err != nil {
				return
			}
		}
	}
}

// streamConn is a spectator stream's websocket, written by its handler's
// own goroutine. A spectator only receives, so unlike an agent session
// (wsOut) it needs no writer goroutine and no queue: the hub's mailbox is
// its one buffer, and the hub drops a stream whose mailbox fills while a
// write is stuck. That is one goroutine and one queue fewer per spectator,
// and one hand-off fewer on the way from a commit to the socket.
type streamConn struct {
	conn *websocket.Conn
	wait time.Duration // write deadline per frame
	// cork, when set, lets serve write the frames waiting in the
	// mailbox together (streamcork.go).
	cork *corkConn
	// ended, when set, is asked after each write: once it gives a reason
	// the stream has sent its last frame, and serve closes it (1000 with
	// that reason) rather than wait for events that will not come.
	ended func() string
}

// errStreamGone: a frame could not be written; the spectator is gone.
var errStreamGone = errors.New("spectator stream closed")

func newStreamConn(conn *websocket.Conn, wait time.Duration) streamConn {
	return streamConn{conn: conn, wait: wait}
}

// send writes one frame; false once the connection has failed.
func (sc streamConn) send(frame any) bool {
	sc.conn.SetWriteDeadline(time.Now().Add(sc.wait))
	return writeFrame(sc.conn, frame) == nil
}

// close sends a close frame with a reason; the handler closes the socket.
func (sc streamConn) close(code int, reason string) {
	sc.conn.SetWriteDeadline(time.Now().Add(sc.wait))
	sc.conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason))
}

// serve writes the frame of each event from the mailbox (frameOf returns
// nil to skip one) and pings the peer, until it leaves (done), a write
// fails, the stream has ended (sc.ended), or the hub drops the stream (for
// falling behind, or as the node stops): then the close frame carries
// behind()'s reason and the watcher's code.
func (sc streamConn) serve(w *watcher, done <-chan struct{}, behind func() string, frameOf func(*hubEvent) *websocket.PreparedMessage) {
	ticker := time.NewTicker(pingPeriod)
	defer ticker.Stop()
	for {
		select {
		case <-done:
			sc.close(websocket.CloseNormalClosure, "")
			return
		case <-ticker.C:
			sc.conn.SetWriteDeadline(time.Now().Add(sc.wait))
			if err := sc.conn.WriteMessage(websocket.PingMessage, nil); err != nil {
				return
			}
		case ev, ok := <-w.ch:
			if !ok {
				sc.close(w.closeCode(), behind())
				return
			}
			sent, more := sc.sendBatch(ev, w.ch, frameOf)
			if !sent {
				return
			}
			if !more {
				sc.close(w.closeCode(), behind())
				return
			}
			if sc.ended != nil {
				if reason := sc.ended(); reason != "" {
					sc.close(websocket.CloseNormalClosure, reason)
					return
				}
			}
		}
	}
}

type closeMsg struct {
	code   int
	reason string
}

// readEndClose is the close frame for a session whose read ended with err:
// a peer that answered none of the server's pings for pongWait is told
// why with 1001, which a normal close (1000, for a peer that closed or
// went away itself) would hide.
func readEndClose(err error) (code int, reason string) {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return websocket.CloseGoingAway, fmt.Sprintf("idle: no pong to the server's pings (every %v) for %v; keep reading so your library answers them", pingPeriod, pongWait)
	}
	return websocket.CloseNormalClosure, ""
}

// armReadDeadline makes the reader give up on a silent peer; pongs re-arm it.
func armReadDeadline(conn *websocket.Conn) {
	conn.SetReadDeadline(time.Now().Add(pongWait))
	conn.SetPongHandler(func(string) error {
		conn.SetReadDeadline(time.Now().Add(pongWait))
		return nil
	})
}

// writeFrame writes a prepared message as is (encoded once, shared by every
// spectator of an event) and anything else as JSON, the same bytes as
// gorilla's WriteJSON (json.Encoder's, newline included). It encodes into
// a pooled buffer and sends that as one message, which spares the
// message writer and encoder WriteJSON allocates for every frame (an
// agent gets one to three frames per move). A frame that cannot be
// encoded sends nothing.
func writeFrame(conn *websocket.Conn, frame any) error {
	if pm, ok := frame.(*websocket.PreparedMessage); ok {
		return conn.WritePreparedMessage(pm)
	}
	b := frameBufs.Get().(*frameBuf)
	defer b.release()
	b.buf.Reset()
	if err := b.enc.Encode(frame); err != nil {
		return err
	}
	return conn.WriteMessage(websocket.TextMessage, b.buf.Bytes())
}

// frameBuf is writeFrame's encoder and the buffer it writes into.
type frameBuf struct {
	buf bytes.Buffer
	enc *json.Encoder
}

// maxPooledFrame bounds the buffers kept for reuse: a rare large frame (a
// long prompt's view) is not held for good.
const maxPooledFrame = 64 << 10

var frameBufs = sync.Pool{New: func() any {
	b := &frameBuf{}
	b.enc = json.NewEncoder(&b.buf)
	return b
}}

func (b *frameBuf) release() {
	if b.buf.Cap() <= maxPooledFrame {
		frameBufs.Put(b)
	}
}
