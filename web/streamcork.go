package web

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gorilla/websocket"
)

// maxCorkedFrames bounds how many queued events a spectator's stream
// writes in one system call.
const maxCorkedFrames = 64

// maxKeptCorkBuf: a batch buffer larger than this goes back to the
// garbage collector rather than the pool, so one burst of large frames
// does not pin memory for every spectator.
const maxKeptCorkBuf = 64 << 10

// corkConn is a spectator's hijacked connection that can hold writes
// while corked and send them in one system call when uncorked. A
// spectator that has fallen behind has several frames waiting in its
// mailbox, and writing each with its own system call (which on loopback
// also runs the receiver's side of TCP) was half of a follower's CPU under
// 10,000 spectators. Every frame still leaves whole and in order: the
// websocket library writes a frame under its own lock, and its control
// frames (a pong from the reading goroutine) take this lock as well.
type corkConn struct {
	net.Conn
	// bufs lends batch buffers: a spectator holds one only while it
	// writes, so 10,000 idle spectators hold none.
	bufs   *sync.Pool
	mu     sync.Mutex
	corked bool
	buf    *[]byte
}

func (c *corkConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.corked {
		*c.buf = append(*c.buf, p...)
		return len(p), nil
	}
	return c.Conn.Write(p)
}

func (c *corkConn) cork() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.corked {
		c.corked = true
		if b, ok := c.bufs.Get().(*[]byte); ok {
			c.buf = b
		} else {
			c.buf = new([]byte)
		}
	}
}

// uncork writes what was held, under the write deadline the websocket
// library last set on the connection.
func (c *corkConn) uncork() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.corked {
		return nil
	}
	c.corked = false
	var err error
	if len(*c.buf) > 0 {
		_, err = c.Conn.Write(*c.buf)
	}
	if cap(*c.buf) <= maxKeptCorkBuf {
		*c.buf = (*c.buf)[:0]
		c.bufs.Put(c.buf)
	}
	c.buf = nil
	return err
}

// corkWriter hands the websocket upgrader a corkConn in place of the
// hijacked connection.
type corkWriter struct {
	http.ResponseWriter
	bufs *sync.Pool
	conn *corkConn
}

func (w *corkWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("the response writer cannot be hijacked")
	}
	conn, brw, err := h.Hijack()
	if err != nil {
		return nil, nil, err
	}
	w.conn = &corkConn{Conn: conn, bufs: w.bufs}
	return w.conn, brw, nil
}

// upgradeStream upgrades a spectator's request to a stream whose queued
// frames leave in batches. On error the upgrader has already answered.
func (s *Server) upgradeStream(c *gin.Context) (streamConn, error) {
	cw := &corkWriter{ResponseWriter: c.Writer, bufs: &s.streamBufs}
	conn, err := s.upgrader().Upgrade(cw, c.Request, nil)
	if err != nil {
		return streamConn{}, err
	}
	out := newStreamConn(conn, s.cfg.WriteTimeout)
	out.cork = cw.conn
	return out, nil
}

// sendBatch writes ev's frame and those of up to maxCorkedFrames events
// already waiting in the mailbox in one system call. more is false when
// the mailbox was closed (the hub dropped the stream) while draining it.
func (sc streamConn) sendBatch(first *hubEvent, ch <-chan *hubEvent, frameOf func(*hubEvent) *websocket.PreparedMessage) (sent, more bool) {
	if sc.cork == nil {
		f := frameOf(first)
		return f == nil || sc.send(f), true
	}
	sc.cork.cork()
	// One deadline for the batch: it leaves in one write.
	sc.conn.SetWriteDeadline(time.Now().Add(sc.wait))
	ok, more := sc.sendEvent(first, frameOf), true
	for n := 1; ok && n < maxCorkedFrames; n++ {
		var ev *hubEvent
		select {
		case ev, more = <-ch:
		default:
		}
		if ev == nil {
			break
		}
		ok = sc.sendEvent(ev, frameOf)
	}
	if err := sc.cork.uncork(); err != nil {
		return false, more
	}
	return ok, more
}

func (sc streamConn) sendEvent(ev *hubEvent, frameOf func(*hubEvent) *websocket.PreparedMessage) bool {
	f := frameOf(ev)
	return f == nil || writeFrame(sc.conn, f) == nil
}
