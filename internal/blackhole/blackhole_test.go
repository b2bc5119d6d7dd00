package blackhole

import (
	"net"
	"testing"
	"time"
)

// TestHoldAcceptsAndNeverAnswers: a connection opens, a write goes into
// the kernel's buffers, and a read times out: nothing ever answers.
func TestHoldAcceptsAndNeverAnswers(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	Hold(t, ln)
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
		t.Fatalf("write: %v", err)
	}
	_ = c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	var b [1]byte
	if n, err := c.Read(b[:]); n != 0 || err == nil {
		t.Fatalf("read %d bytes, %v: the hole answered", n, err)
	}
}
