package arena

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentarena/arena/internal/syncbuf"
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
)

// The stream layer's preamble, one dialled connection per case: what the
// accepting side reads after it, and whether it refuses.
func TestRaftConnectionsCarryTheClusterID(t *testing.T) {
	const (
		ours   = "0123456789abcdef0123456789abcdef"
		theirs = "fedcba9876543210fedcba9876543210"
	)
	tests := []struct {
		name       string
		acceptor   string // the accepting node's cluster id
		dialler    string // the dialling node's
		announce   bool   // the dialler's cluster is at LevelClusterID
		noIdentity bool   // the dialler's state is not open yet
		refused    bool
	}{
		{name: "same cluster", acceptor: ours, dialler: ours, announce: true},
		{name: "another cluster", acceptor: ours, dialler: theirs, announce: true, refused: true},
		{name: "another cluster below level 3 sends nothing", acceptor: ours, dialler: theirs},
		{name: "a node without an id yet (an empty dir joining)", acceptor: ours, dialler: "", announce: true},
		{name: "a dialler without identity (an older release)", acceptor: ours, noIdentity: true},
		{name: "an acceptor without an id takes any", acceptor: "", dialler: theirs, announce: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			acc := &tcpStreamLayer{ln: ln, advertise: ln.Addr()}
			acc.guard.setIdentity(func() (string, bool) { return tt.acceptor, tt.acceptor != "" })
			defer acc.closeAll()
			dl, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			dial := &tcpStreamLayer{ln: dl, advertise: dl.Addr()}
			if !tt.noIdentity {
				dial.guard.setIdentity(func() (string, bool) { return tt.dialler, tt.announce })
			}
			defer dial.closeAll()

			accepted := make(chan net.Conn, 1)
			go func() {
				c, err := acc.Accept()
				if err == nil {
					accepted <- c
				}
			}()
			c, err := dial.Dial(raft.ServerAddress(ln.Addr().String()), 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			msg := []byte{0, 'r', 'p', 'c'} // a raft message starts with its RPC type byte
			if _, err := c.Write(msg); err != nil {
				t.Fatal(err)
			}
			var in net.Conn
			select {
			case in = <-accepted:
			case <-time.After(10 * time.Second):
				t.Fatal("nothing accepted")
			}
			defer in.Close()
			_ = in.SetReadDeadline(time.Now().Add(10 * time.Second))
			got := make([]byte, len(msg))
			_, err = io.ReadFull(in, got)
			_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
			if tt.refused {
				if !errors.Is(err, errForeignCluster) || acc.guard.refused.Load() != 1 {
					t.Fatalf("read %q, err %v, refused %d: want the connection refused once", got, err, acc.guard.refused.Load())
				}
				// The dialler learns why, and whose node it reached.
				_, err := c.Read(make([]byte, 8))
				if !errors.Is(err, errForeignCluster) || !strings.Contains(err.Error(), tt.acceptor) || dial.guard.refusedBy.Load() != 1 {
					t.Fatalf("the dialler read err %v, counted %d refusals: want one, naming the acceptor's cluster", err, dial.guard.refusedBy.Load())
				}
				return
			}
			if err != nil || string(got) != string(msg) || acc.guard.refused.Load() != 0 {
				t.Fatalf("read %q, err %v, refused %d: want the message whole", got, err, acc.guard.refused.Load())
			}
			// The answer reaches the dialler whole, its first byte too.
			answer := []byte{0xa0, 'o', 'k'} // a raft response starts with a msgpack string
			if _, err := in.Write(answer); err != nil {
				t.Fatal(err)
			}
			back := make([]byte, len(answer))
			if _, err := io.ReadFull(c, back); err != nil || string(back) != string(answer) || dial.guard.refusedBy.Load() != 0 {
				t.Fatalf("the dialler read %q, err %v, counted %d refusals: want the answer whole", back, err, dial.guard.refusedBy.Load())
			}
		})
	}
}

// A leader of another cluster that adds this cluster's leader's address
// to its configuration (as a dir of another cluster whose configuration
// names this cluster's addresses does) replicated to it: at an equal or
// higher term the leader stepped down and took the foreign leader's log.
// Its connections are now refused, and the leader keeps its term.
func TestANodeOfAnotherClusterCannotReachAMember(t *testing.T) {
	open := func(id string) *Node {
		n, err := Open(Config{NodeID: id, DataDir: t.TempDir(), RaftBind: "127.0.0.1:0", Bootstrap: true, FastTimeouts: true})
		if err != nil {
			t.Fatalf("open %s: %v", id, err)
		}
		t.Cleanup(func() { n.Close() })
		waitFor(t, 20*time.Second, func() bool { return n.LeaderReady() && n.ClusterID() != "" })
		return n
	}
	a, b := open("a"), open("b")
	if a.ClusterID() == b.ClusterID() {
		t.Fatalf("two clusters named alike: %s", a.ClusterID())
	}
	// Both elected themselves once, so their terms are equal, and
	// without the check b's appends deposed a.
	termA := a.raft.CurrentTerm()
	f := b.raft.AddVoter("a", a.transport.LocalAddr(), 0, 0)
	waitFor(t, 20*time.Second, func() bool { // refused a few times, or deposed
		return a.transport.(*tcpTransport).stream.guard.refused.Load() >= 3 ||
			a.raft.State() != raft.Leader || a.raft.CurrentTerm() != termA
	})
	if a.raft.State() != raft.Leader || a.raft.CurrentTerm() != termA {
		t.Fatalf("a is %v at term %d, was leader at %d", a.raft.State(), a.raft.CurrentTerm(), termA)
	}
	if _, err := a.AddCounter(t.Context(), "still-ours", 1); err != nil {
		t.Fatalf("a write on a: %v", err)
	}
	// b, whose configuration names a's address, learns that another
	// cluster's node answers there.
	waitFor(t, 20*time.Second, func() bool { return b.transport.(*tcpTransport).stream.guard.refusedBy.Load() >= 1 })
	b.Close() // ends the foreign leader's pending change
	_ = f.Error()
}

// A node of another cluster keeps redialling (a candidate every election
// timeout, a leader every heartbeat backoff): its refusals must not fill
// the member's log. Raft's transport logged an error ("failed to decode
// incoming command") for each refused connection besides the guard's one
// line per ten seconds.
func TestRefusedConnectionsLogOnce(t *testing.T) {
	const (
		ours   = "0123456789abcdef0123456789abcdef"
		theirs = "fedcba9876543210fedcba9876543210"
	)
	var logs syncbuf.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	acc := &tcpStreamLayer{ln: ln, advertise: ln.Addr()}
	acc.guard.log = logger
	acc.guard.setIdentity(func() (string, bool) { return ours, true })
	// The transport a node runs, at the level serve gives raft's logger.
	nt := raft.NewNetworkTransportWithConfig(&raft.NetworkTransportConfig{
		Stream: acc, MaxPool: 1, Timeout: 5 * time.Second, Logger: newHCLog(logger, hclog.Warn),
	})
	defer func() { nt.Close(); acc.closeAll() }()

	dl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dial := &tcpStreamLayer{ln: dl, advertise: dl.Addr()}
	dial.guard.setIdentity(func() (string, bool) { return theirs, true })
	defer dial.closeAll()
	const tries = 3
	for i := range tries {
		c, err := dial.Dial(raft.ServerAddress(ln.Addr().String()), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Write([]byte{0}); err != nil { // an RPC type byte
			t.Fatal(err)
		}
		// The member closes the connection after logging whatever it logs.
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if n, err := c.Read(make([]byte, 1)); !errors.Is(err, errForeignCluster) {
			t.Fatalf("try %d: read %d bytes, err %v: want the connection refused", i, n, err)
		}
		c.Close()
	}
	if got := acc.guard.refused.Load(); got != tries {
		t.Fatalf("refused %d connections, want %d", got, tries)
	}
	if n := strings.Count(logs.String(), "level=ERROR"); n != 1 {
		t.Fatalf("%d error lines for %d refused connections, want 1:\n%s", n, tries, logs.String())
	}
	// A wiped member started without --join bootstraps a cluster of its
	// own and refuses its real cluster's leader: the line told the
	// operator to stop that leader (7 December 2026, an operator's
	// walk-through). It names this node as the possible stray one too.
	if !strings.Contains(logs.String(), "If this node is the stray one") {
		t.Errorf("the refusal does not say this node may be the stray one:\n%s", logs.String())
	}
}

// Raft's transport accepts from the moment it is made. Open set the
// guard's identity only after newTCPTransport returned, so a connection
// of another cluster's node redialling a restarting member could be
// taken unchecked in between, and then kept: its dialler pools it.
func TestATransportChecksItsFirstConnection(t *testing.T) {
	const (
		ours   = "0123456789abcdef0123456789abcdef"
		theirs = "fedcba9876543210fedcba9876543210"
	)
	tr, err := newTCPTransport(Config{RaftBind: "127.0.0.1:0"}, hclog.NewNullLogger(),
		func() (string, bool) { return ours, true }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	acc := tr.(*tcpTransport)
	defer acc.cut()

	dl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dial := &tcpStreamLayer{ln: dl, advertise: dl.Addr()}
	dial.guard.setIdentity(func() (string, bool) { return theirs, true })
	defer dial.closeAll()
	c, err := dial.Dial(acc.LocalAddr(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte{0}); err != nil { // an RPC type byte
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := c.Read(make([]byte, 1)); !errors.Is(err, errForeignCluster) {
		t.Fatalf("read %d bytes, err %v: want the connection refused", n, err)
	}
	if got := acc.stream.guard.refused.Load(); got != 1 {
		t.Fatalf("refused %d connections, want 1", got)
	}
}

// A connection accepted while this node had no id yet (a member joining
// with an empty dir, before its first snapshot) was trusted for good,
// whichever cluster its dialler announced. It is checked again on each
// read until this node learns its own id, and closed then if the two
// differ; one from this node's cluster reads on.
func TestAConnectionTakenBeforeTheNodeHadAnIDIsCheckedOnceItHasOne(t *testing.T) {
	const (
		ours   = "0123456789abcdef0123456789abcdef"
		theirs = "fedcba9876543210fedcba9876543210"
	)
	for _, tt := range []struct {
		dialler string
		refused bool
	}{{theirs, true}, {ours, false}} {
		t.Run(tt.dialler[:4], func(t *testing.T) {
			var mu sync.Mutex
			acceptorID := ""
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			acc := &tcpStreamLayer{ln: ln, advertise: ln.Addr()}
			acc.guard.setIdentity(func() (string, bool) { mu.Lock(); defer mu.Unlock(); return acceptorID, false })
			defer acc.closeAll()
			dl, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			dial := &tcpStreamLayer{ln: dl, advertise: dl.Addr()}
			dial.guard.setIdentity(func() (string, bool) { return tt.dialler, true })
			defer dial.closeAll()

			accepted := make(chan net.Conn, 1)
			go func() {
				if c, err := acc.Accept(); err == nil {
					accepted <- c
				}
			}()
			c, err := dial.Dial(raft.ServerAddress(ln.Addr().String()), 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			in := <-accepted
			defer in.Close()
			_ = in.SetReadDeadline(time.Now().Add(10 * time.Second))
			buf := make([]byte, 2)
			if _, err := c.Write([]byte{0, 1}); err != nil {
				t.Fatal(err)
			}
			if _, err := io.ReadFull(in, buf); err != nil {
				t.Fatalf("before the node had an id: %v", err)
			}
			mu.Lock()
			acceptorID = ours // its first snapshot arrived
			mu.Unlock()
			if _, err := c.Write([]byte{2, 3}); err != nil {
				t.Fatal(err)
			}
			_, err = io.ReadFull(in, buf)
			if tt.refused != errors.Is(err, errForeignCluster) || (!tt.refused && err != nil) {
				t.Fatalf("after the node learnt its id: %v, refused %v", err, tt.refused)
			}
		})
	}
}

// A member whose data dir was emptied and that was restarted without
// --join bootstraps a new cluster; until its first election named that
// cluster it took any connection, so its old cluster's leader, dialling
// the member's address as before, could reach it first: it then took
// that leader's log and sat in the old cluster as an empty voter (seen
// on loopback, 7 December 2026), which is what the --join checks
// refuse. A bootstrapping node now knows the id it will name its cluster
// with before its Raft runs, refuses other clusters' connections from
// the start, and names its cluster with that id.
func TestABootstrappingNodeRefusesOtherClustersFromTheStart(t *testing.T) {
	const theirs = "fedcba9876543210fedcba9876543210"
	// Raft's default timeouts: the first election is a second away.
	n, err := Open(Config{NodeID: "n1", DataDir: t.TempDir(), RaftBind: "127.0.0.1:0", Bootstrap: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	id, announce := n.raftIdentity()
	if !validClusterID(id) || announce {
		t.Fatalf("right after bootstrapping: identity %q, announce %v; want the id it will name the cluster with, not announced yet", id, announce)
	}

	dl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	old := &tcpStreamLayer{ln: dl, advertise: dl.Addr()}
	old.guard.setIdentity(func() (string, bool) { return theirs, true })
	defer old.closeAll()
	c, err := old.Dial(n.transport.LocalAddr(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte{0}); err != nil { // an RPC type byte
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, errForeignCluster) {
		t.Fatalf("another cluster's leader dialling the new node read err %v, want refused", err)
	}

	waitFor(t, 30*time.Second, func() bool { return n.ClusterID() != "" })
	if got := n.ClusterID(); got != id {
		t.Fatalf("the cluster was named %s, but its connections were checked against %s", got, id)
	}
}
