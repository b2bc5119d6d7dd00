package faultproxy

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"testing"
	"time"
)

// echo serves line echo on loopback until the test ends.
func echo(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); _, _ = io.Copy(c, c) }()
		}
	}()
	return ln.Addr().String()
}

// bySourceIP names a peer by the loopback address it dialled from, so one
// test process can play several peers.
func bySourceIP(c net.Conn) string { return c.RemoteAddr().(*net.TCPAddr).IP.String() }

func newProxy(t *testing.T) *Proxy {
	t.Helper()
	p, err := Listen("127.0.0.1:0", echo(t), bySourceIP, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// dialFrom opens a connection to the proxy from a given loopback source.
func dialFrom(t *testing.T, p *Proxy, src string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", p.Addr())
	if err != nil {
		t.Skipf("cannot dial from %s (loopback aliases needed): %v", src, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// roundTrip sends a line and waits up to wait for it to come back.
func roundTrip(c net.Conn, wait time.Duration) error {
	if _, err := c.Write([]byte("ping\n")); err != nil {
		return err
	}
	_ = c.SetReadDeadline(time.Now().Add(wait))
	defer c.SetReadDeadline(time.Time{})
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "ping\n" {
		return errors.New("echo garbled: " + line)
	}
	return nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func TestProxyForwardsAndBlackholesPerPeer(t *testing.T) {
	const a, b = "127.0.0.2", "127.0.0.3"
	tests := []struct {
		name      string
		cut       string // peer whose link drops
		openFirst bool   // open the connections before the cut
	}{
		{"new connections of a cut peer", a, false},
		{"open connections of a cut peer", a, true},
		{"cut the other peer", b, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newProxy(t)
			var ca, cb net.Conn
			if tc.openFirst {
				ca, cb = dialFrom(t, p, a), dialFrom(t, p, b)
				for _, c := range []net.Conn{ca, cb} {
					if err := roundTrip(c, 10*time.Second); err != nil {
						t.Fatalf("before the cut: %v", err)
					}
				}
			}
			p.SetLink(tc.cut, Link{Drop: true})
			if !tc.openFirst {
				ca, cb = dialFrom(t, p, a), dialFrom(t, p, b)
			}
			cut, kept := ca, cb
			if tc.cut == b {
				cut, kept = cb, ca
			}
			if err := roundTrip(kept, 10*time.Second); err != nil {
				t.Fatalf("the peer not cut lost its link: %v", err)
			}
			// Nothing may come back on the cut link: the read must time out,
			// not fail or succeed.
			if err := roundTrip(cut, 300*time.Millisecond); !isTimeout(err) {
				t.Fatalf("cut link: want a read timeout, got %v", err)
			}
			p.SetLink(tc.cut, Link{})
			// Healing closes the blackholed connection...
			_ = cut.SetReadDeadline(time.Now().Add(10 * time.Second))
			if _, err := io.ReadAll(cut); err != nil && isTimeout(err) {
				t.Fatalf("healed link: the blackholed connection stayed open")
			}
			// ...and a fresh one works.
			if err := roundTrip(dialFrom(t, p, tc.cut), 10*time.Second); err != nil {
				t.Fatalf("after healing: %v", err)
			}
		})
	}
}

func TestProxyDelaysBothWays(t *testing.T) {
	p := newProxy(t)
	c := dialFrom(t, p, "127.0.0.1")
	const d = 150 * time.Millisecond
	p.SetLink("127.0.0.1", Link{Delay: d})
	start := time.Now()
	if err := roundTrip(c, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	// A lower bound only: a loaded machine may add, never subtract.
	if rtt := time.Since(start); rtt < 2*d {
		t.Fatalf("round trip %v, want at least %v", rtt, 2*d)
	}
	p.Heal()
	if err := roundTrip(c, 10*time.Second); err != nil {
		t.Fatalf("after healing: %v", err)
	}
}

func TestProxyUnknownPeerFollowsTheDefaultLink(t *testing.T) {
	p, err := Listen("127.0.0.1:0", echo(t), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	p.SetLink("", Link{Drop: true})
	c := dialFrom(t, p, "127.0.0.1")
	if err := roundTrip(c, 300*time.Millisecond); !isTimeout(err) {
		t.Fatalf("want a read timeout, got %v", err)
	}
	p.Heal()
	if err := roundTrip(dialFrom(t, p, "127.0.0.1"), 10*time.Second); err != nil {
		t.Fatal(err)
	}
}

func TestProxyTargetDownClosesTheConnection(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close()
	p, err := Listen("127.0.0.1:0", dead, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c := dialFrom(t, p, "127.0.0.1")
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadAll(c); isTimeout(err) {
		t.Fatal("the proxy kept a connection to a dead target open")
	}
}

func TestSocketOwnerFindsTheDiallingProcess(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("needs /proc")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	me := os.Getpid()
	pid, err := SocketOwner(s, []int{me + 1_000_000, me})
	if err != nil || pid != me {
		t.Fatalf("SocketOwner = %d, %v; want %d", pid, err, me)
	}
	if _, err := SocketOwner(s, []int{me + 1_000_000}); err == nil {
		t.Fatal("SocketOwner named a process that does not hold the socket")
	}
}
