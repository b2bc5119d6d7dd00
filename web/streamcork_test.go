package web

import (
	"io"
	"net"
	"sync"
	"testing"
)

// TestCorkConnHoldsWholeWritesInOrder: while corked, writes are held and
// leave together, in order, each one whole even when another goroutine
// (the websocket library's pong) writes meanwhile; uncorked, writes pass
// straight through.
func TestCorkConnHoldsWholeWritesInOrder(t *testing.T) {
	server, client := net.Pipe()
	defer client.Close()
	var bufs sync.Pool
	c := &corkConn{Conn: server, bufs: &bufs}
	got := make(chan string, 1)
	go func() {
		b, _ := io.ReadAll(client)
		got <- string(b)
	}()

	c.cork()
	for _, w := range []string{"frame1|", "frame2|"} {
		if n, err := c.Write([]byte(w)); err != nil || n != len(w) {
			t.Fatalf("corked write %q: %d, %v", w, n, err)
		}
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // a control frame from another goroutine
		defer wg.Done()
		if _, err := c.Write([]byte("pong|")); err != nil {
			t.Error(err)
		}
	}()
	wg.Wait()
	if err := c.uncork(); err != nil {
		t.Fatal(err)
	}
	if err := c.uncork(); err != nil { // uncorking twice is harmless
		t.Fatal(err)
	}
	if _, err := c.Write([]byte("frame3|")); err != nil {
		t.Fatal(err)
	}
	server.Close()
	if g, want := <-got, "frame1|frame2|pong|frame3|"; g != want {
		t.Fatalf("the peer read %q, want %q", g, want)
	}
}
