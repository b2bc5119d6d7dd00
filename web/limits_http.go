package web

import (
	"log/slog"
	"net"
	"net/http"
	"sync"
)

// HTTPServer returns the http.Server to serve Handler with: every timeout
// of Limits set, so a client that sends its headers a byte at a time
// (slow-loris), never finishes its body, or idles on a keep-alive
// connection is cut off instead of holding a goroutine and a buffer.
func (s *Server) HTTPServer() *http.Server {
	l := s.lim.cfg
	return &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		ReadTimeout:       l.ReadTimeout,
		WriteTimeout:      l.WriteTimeout,
		IdleTimeout:       l.IdleTimeout,
		MaxHeaderBytes:    l.MaxHeaderBytes,
		// net/http's own complaints (TLS handshakes, bad requests) go to
		// the structured log instead of stderr.
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
}

// Listener wraps ln so that one client address holds at most
// Limits.TCPConnsPerIP connections at once; a connection past that is
// closed as soon as it is accepted (and counted), before any byte of it is
// read, so 10,000 connection attempts cost a file descriptor for an
// instant each and nothing more.
func (s *Server) Listener(ln net.Listener) net.Listener {
	return &limitListener{Listener: ln, s: s}
}

type limitListener struct {
	net.Listener
	s *Server
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		key := clientKey(c.RemoteAddr().String())
		if !l.s.lim.tcpConns.acquire(key) {
			l.s.limitHit(limitTCPConnsPerIP)
			c.Close()
			continue
		}
		return &countedConn{Conn: c, release: func() { l.s.lim.tcpConns.release(key) }}, nil
	}
}

// countedConn gives its slot back once, when closed.
type countedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *countedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
