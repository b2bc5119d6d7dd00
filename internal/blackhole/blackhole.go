// Package blackhole stands in, in tests, for a peer whose process is
// frozen (SIGSTOP) or whose port is blackholed: the kernel keeps accepting
// connections for it, and nothing is ever read or answered.
package blackhole

import (
	"net"
	"sync"
	"testing"
)

// Hold accepts every connection ln receives and holds it open without
// reading, until the test ends; then ln and the connections are closed.
func Hold(t testing.TB, ln net.Listener) {
	t.Helper()
	var mu sync.Mutex
	var held []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range held {
			c.Close()
		}
	})
}
