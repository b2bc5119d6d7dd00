package web_test

import (
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/agentarena/arena/web"
)

// TestSlowLorisIsCutOff: a client that sends its request header one byte
// at a time never gets to hold the connection: the server's
// ReadHeaderTimeout closes it while the header is still incomplete.
func TestSlowLorisIsCutOff(t *testing.T) {
	ln := limCluster(t, limOptions{web: func(c *web.Config) { c.Limits.ReadHeaderTimeout = 300 * time.Millisecond }})
	conn, err := net.Dial("tcp", strings.TrimPrefix(ln.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	closed := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, conn) // returns when the server closes
		closed <- err
	}()
	// A header that would take a minute at one byte per 100 ms.
	header := "GET /v1/arenas HTTP/1.1\r\nHost: x\r\nX-Pad: " + strings.Repeat("a", 600) + "\r\n\r\n"
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for i := range len(header) {
		select {
		case err := <-closed:
			if err != nil && !errors.Is(err, net.ErrClosed) {
				t.Logf("server closed after %d header bytes: %v", i, err)
			} else {
				t.Logf("server closed after %d header bytes", i)
			}
			return
		case <-tick.C:
		}
		if _, err := conn.Write([]byte{header[i]}); err != nil {
			t.Logf("write failed after %d header bytes: %v", i, err)
			return
		}
	}
	t.Fatal("the server waited for the whole slow header")
}

// TestAStalledBodyIsCutOff: a client that sends a header promising a body
// and then stalls is cut off by ReadTimeout.
func TestAStalledBodyIsCutOff(t *testing.T) {
	ln := limCluster(t, limOptions{web: func(c *web.Config) { c.Limits.ReadTimeout = 300 * time.Millisecond }})
	conn, err := net.Dial("tcp", strings.TrimPrefix(ln.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("POST /v1/owners HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{")); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	b, err := io.ReadAll(conn)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("the server still holds a connection whose body stalled")
	}
	t.Logf("server answered %q and closed", firstLine(string(b)))
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\r\n")
	return line
}
