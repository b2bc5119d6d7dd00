// Package faultproxy is a TCP proxy that stands in front of one node's
// Raft port and can blackhole or delay the connections each peer opens to
// it: the chaos driver's network partitions.
//
// A Raft peer talks to another over connections it opens itself (requests
// and their answers share the connection), so a link is directional by who
// dialled: cutting "a to b" blackholes the connections a opened to b,
// while b's connections to a still work. Cutting both directions isolates
// a pair; cutting every link into and out of a node isolates the node.
//
// A blackholed connection is accepted and held but forwards nothing in
// either direction, like a network that drops every packet; when its link
// heals it is closed, so the peers reconnect on fresh connections instead
// of receiving a stream that lost bytes in the middle.
package faultproxy

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Link is what happens to the connections one peer opens to the node.
type Link struct {
	// Drop blackholes the link: nothing is forwarded until it heals.
	Drop bool
	// Delay holds every chunk of data, both ways, this long before
	// forwarding it (a round trip gains twice the delay).
	Delay time.Duration
}

// Identify names the peer that opened c ("" when it cannot tell: such
// connections follow the link set for "").
type Identify func(c net.Conn) string

// Proxy forwards connections accepted on its address to a target address.
type Proxy struct {
	ln       net.Listener
	target   string
	identify Identify
	log      *slog.Logger

	mu     sync.Mutex
	links  map[string]Link
	conns  map[*conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// conn is one proxied connection.
type conn struct {
	from       string
	client     net.Conn
	server     net.Conn // nil while held as blackholed from the start
	broken     atomic.Bool
	closeOnce  sync.Once
	forwarding sync.WaitGroup
}

func (c *conn) close() {
	c.closeOnce.Do(func() {
		c.client.Close()
		if c.server != nil {
			c.server.Close()
		}
	})
}

// Listen starts a proxy on addr (host:port; port 0 picks a free one) that
// forwards to target. identify may be nil: every connection is then from "".
func Listen(addr, target string, identify Identify, log *slog.Logger) (*Proxy, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("faultproxy: listen %s: %w", addr, err)
	}
	if identify == nil {
		identify = func(net.Conn) string { return "" }
	}
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	p := &Proxy{ln: ln, target: target, identify: identify, log: log,
		links: map[string]Link{}, conns: map[*conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr is the address the proxy listens on.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Target is the address the proxy forwards to.
func (p *Proxy) Target() string { return p.target }

// SetLink sets what happens to connections from peer from. Connections
// already open follow the new setting at once: a dropped link blackholes
// them, and a link that stops dropping closes the ones it blackholed.
func (p *Proxy) SetLink(from string, l Link) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if l == (Link{}) {
		delete(p.links, from)
	} else {
		p.links[from] = l
	}
	for c := range p.conns {
		if c.from != from {
			continue
		}
		if l.Drop {
			c.broken.Store(true)
		} else if c.broken.Load() {
			c.close()
		}
	}
}

// Heal restores every link.
func (p *Proxy) Heal() {
	p.mu.Lock()
	from := make([]string, 0, len(p.links))
	for f := range p.links {
		from = append(from, f)
	}
	p.mu.Unlock()
	for _, f := range from {
		p.SetLink(f, Link{})
	}
}

func (p *Proxy) link(from string) Link {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.links[from]
}

// Close stops accepting, closes every connection and waits for the
// forwarding goroutines.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	for c := range p.conns {
		c.close()
	}
	p.mu.Unlock()
	err := p.ln.Close()
	p.wg.Wait()
	return err
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		cl, err := p.ln.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				p.log.Warn("faultproxy: accept", "addr", p.Addr(), "err", err)
			}
			return
		}
		p.wg.Add(1)
		go func() { defer p.wg.Done(); p.serve(cl) }()
	}
}

// serve forwards one connection until either side closes it.
func (p *Proxy) serve(cl net.Conn) {
	c := &conn{from: p.identify(cl), client: cl}
	if !p.track(c) {
		cl.Close()
		return
	}
	defer p.untrack(c)
	defer c.close()
	if p.link(c.from).Drop {
		// Blackholed from the start: read and drop until the link heals
		// (SetLink closes it) or the peer gives up.
		c.broken.Store(true)
		_, _ = io.Copy(io.Discard, cl)
		return
	}
	srv, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		return // the node is down: the peer sees its connection closed
	}
	p.mu.Lock()
	c.server = srv
	closed := p.closed
	p.mu.Unlock()
	if closed {
		srv.Close()
		return
	}
	c.forwarding.Add(2)
	go func() { defer c.forwarding.Done(); p.pipe(c, srv, cl); c.close() }()
	go func() { defer c.forwarding.Done(); p.pipe(c, cl, srv); c.close() }()
	c.forwarding.Wait()
}

func (p *Proxy) track(c *conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *Proxy) untrack(c *conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.conns, c)
}

// chunk is data read from one side, stamped with when it was read.
type chunk struct {
	b  []byte
	at time.Time
}

// pipe copies src to dst, dropping what arrives while the connection is
// blackholed and holding each chunk for the link's delay. Reading and
// writing run apart so a delay holds data without slowing the reader,
// as a long network path would; the bounded queue pushes back on the
// sender once the path is full.
func (p *Proxy) pipe(c *conn, dst, src net.Conn) {
	q := make(chan chunk, 256)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ch := range q {
			if d := p.link(c.from).Delay; d > 0 {
				if wait := time.Until(ch.at.Add(d)); wait > 0 {
					time.Sleep(wait)
				}
			}
			if c.broken.Load() {
				continue
			}
			if _, err := dst.Write(ch.b); err != nil {
				c.close()
				// Keep draining q so the reader never blocks on it.
			}
		}
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && !c.broken.Load() {
			q <- chunk{b: append([]byte(nil), buf[:n]...), at: time.Now()}
		}
		if err != nil {
			break
		}
	}
	close(q)
	<-done
}
