package arena

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Raft connections carry the cluster id, as etcd's peer messages carry
// X-Etcd-Cluster-ID: a node whose data dir belongs to another cluster
// (a staging dir restored onto a production host, a member of a cluster
// torn down and rebuilt under the same names and addresses) must not
// reach this cluster's members even where it never passes a --join
// check, since its stored configuration may name the same addresses. A
// connection a node dials opens with a preamble naming the dialler's
// cluster; the accepting node closes one that names another. Nodes
// announce only once the cluster's level is LevelClusterID, which every
// member's release reads; a connection without a preamble (an older
// release's, or a node that has not learnt its cluster's id yet) is
// taken as before.

// preambleMagic opens a cluster preamble. raft's network transport
// starts every message with an RPC type byte (0 to 4 today), so this
// byte cannot be mistaken for one.
const preambleMagic = 0xA7

// preambleVersion is the preamble's format: magic, version, then the
// 32-byte cluster id.
const preambleVersion = 1

const preambleLen = 2 + clusterIDLen

// refusalMagic opens the answer to a refused preamble: the refusing
// node's preamble version and cluster id, so that the dialler can say
// whose node sits at the address it dialled. A raft response starts with
// a msgpack string (its error), and 0xC1 is the one byte msgpack never
// uses.
const refusalMagic = 0xC1

// raftIdentity says which cluster this node belongs to and whether its
// connections announce it (the cluster has reached LevelClusterID).
type raftIdentity func() (clusterID string, announce bool)

// clusterGuard is the stream layer's part of the check.
type clusterGuard struct {
	identity atomic.Pointer[raftIdentity]
	named    atomic.Pointer[string] // this node's id once known: it never changes while the node runs
	refused  atomic.Uint64
	log      *slog.Logger
	lastLog  atomic.Int64 // unix nanos of the last refusal logged
	// refusedBy counts this node's connections that the node it dialled
	// refused as another cluster's; lastByLog rate-limits their line.
	refusedBy atomic.Uint64
	lastByLog atomic.Int64
}

func (g *clusterGuard) setIdentity(f raftIdentity) { g.identity.Store(&f) }

func (g *clusterGuard) ident() (string, bool) {
	f := g.identity.Load()
	if f == nil {
		return "", false
	}
	id, announce := (*f)()
	if id != "" && g.named.Load() == nil {
		g.named.Store(&id)
	}
	return id, announce
}

// ours is this node's cluster id, "" while it has none: remembered once
// known, so that a connection taken before then can be checked on each
// read without reading the state.
func (g *clusterGuard) ours() string {
	if id := g.named.Load(); id != nil {
		return *id
	}
	id, _ := g.ident()
	return id
}

// announce writes the preamble on a connection this node dialled, and
// returns the connection to use: one that reads the peer's refusal, if
// it sends one, as an error naming the peer's cluster.
func (g *clusterGuard) announce(c net.Conn, timeout time.Duration) (net.Conn, error) {
	id, ok := g.ident()
	if !ok || len(id) != clusterIDLen {
		return c, nil
	}
	buf := make([]byte, 0, preambleLen)
	buf = append(buf, preambleMagic, preambleVersion)
	buf = append(buf, id...)
	if timeout > 0 {
		_ = c.SetWriteDeadline(time.Now().Add(timeout))
		defer c.SetWriteDeadline(time.Time{})
	}
	if _, err := c.Write(buf); err != nil {
		return nil, fmt.Errorf("send the cluster preamble: %w", err)
	}
	return &announcedConn{Conn: c, guard: g, ours: id}, nil
}

// announcedConn is a connection this node dialled and announced its
// cluster on: its first read tells a refusal from the peer's answer.
type announcedConn struct {
	net.Conn
	guard *clusterGuard
	ours  string

	once sync.Once
	peek firstByte
}

func (c *announcedConn) Read(p []byte) (int, error) {
	c.once.Do(c.readRefusal)
	return c.peek.read(c.Conn, p)
}

func (c *announcedConn) readRefusal() {
	first, ok := c.peek.take(c.Conn)
	if !ok || first != refusalMagic {
		return
	}
	c.peek.pending = nil
	var rest [preambleLen - 1]byte
	if _, err := io.ReadFull(c.Conn, rest[:]); err != nil {
		c.peek.err = fmt.Errorf("read a cluster refusal: %w", err)
		return
	}
	theirs := "(unknown: refusal version " + fmt.Sprint(rest[0]) + ")"
	if rest[0] == preambleVersion {
		theirs = string(rest[1:])
	}
	c.guard.refusedByPeer(c.Conn.RemoteAddr(), theirs, c.ours)
	c.peek.err = fmt.Errorf("the node at %s belongs to another cluster (%s): %w", c.Conn.RemoteAddr(), theirs, errForeignCluster)
	_ = c.Conn.Close()
}

// refusedByPeer logs, at most once every ten seconds, and counts a
// connection the dialled node refused: the address is in this node's
// configuration (raft dials only members), so a member's address is now
// served by another cluster's node.
func (g *clusterGuard) refusedByPeer(remote net.Addr, theirs, ours string) {
	g.refusedBy.Add(1)
	now := time.Now().UnixNano()
	last := g.lastByLog.Load()
	if now-last < int64(10*time.Second) || !g.lastByLog.CompareAndSwap(last, now) || g.log == nil {
		return
	}
	g.log.Error("a member's Raft address is served by a node of another cluster, which refused this node's connection: "+
		"that member's data dir was emptied or replaced and it runs a cluster of its own (a first node restarted on an empty dir without --join bootstraps one). "+
		"Stop the node at that address, empty its data dir, remove the member here (arenactl cluster remove) and add it back with --join to this cluster (OPERATIONS.md, Replacing a dead node)",
		"remote", remote.String(), "its_cluster", theirs, "this_cluster", ours, "refused_total", g.refusedBy.Load())
}

// errForeignCluster ends a connection from another cluster's node. It is
// net.ErrClosed, since this node closed it, so that raft's transport logs
// it at debug (raftLog's closedByUs) and the guard's one line per ten
// seconds is all a refusal costs the log: raft logged an error for every
// connection, and a foreign node redials every heartbeat backoff.
var errForeignCluster = fmt.Errorf("raft connection from another cluster: %w", net.ErrClosed)

// checked wraps a connection this node accepted: its first read takes
// the peer's preamble, if it sent one, and refuses another cluster's.
func (g *clusterGuard) checked(c net.Conn) net.Conn { return &preambleConn{Conn: c, guard: g} }

// refuse logs a refused connection, at most once every ten seconds (the
// foreign node keeps retrying), and counts each one.
func (g *clusterGuard) refuse(remote net.Addr, theirs, ours string) {
	g.refused.Add(1)
	now := time.Now().UnixNano()
	last := g.lastLog.Load()
	if now-last < int64(10*time.Second) || !g.lastLog.CompareAndSwap(last, now) || g.log == nil {
		return
	}
	// Either side may be the stray one: a member whose dir was emptied and
	// that was started without --join bootstraps a cluster of its own at
	// its old address, and then refuses its real cluster's leader.
	g.log.Error("refused a Raft connection from a node of another cluster: one of the two nodes runs on a data dir that is not its cluster's "+
		"(a copied or restored dir, a cluster rebuilt under the same addresses); stop that node, and empty its data dir to add it here. "+
		"If this node is the stray one (its data dir was emptied and it was started without --join, so it bootstrapped a new one-node cluster), "+
		"stop this node instead, empty its data dir and start it with --join to a member of its cluster",
		"remote", remote.String(), "its_cluster", theirs, "this_cluster", ours, "refused_total", g.refused.Load())
}

type preambleConn struct {
	net.Conn
	guard *clusterGuard

	once sync.Once
	peek firstByte
	// unchecked is the id a peer announced while this node had none yet
	// (a member joining with an empty dir, before its first snapshot):
	// each read checks it again until this node learns its own.
	unchecked string
}

func (c *preambleConn) Read(p []byte) (int, error) {
	c.once.Do(c.readPreamble)
	if c.peek.err == nil && c.unchecked != "" {
		if ours := c.guard.ours(); ours != "" {
			if ours != c.unchecked {
				c.guard.refuse(c.Conn.RemoteAddr(), c.unchecked, ours)
				c.peek.err = errForeignCluster
				_ = c.Conn.Close()
			}
			c.unchecked = ""
		}
	}
	return c.peek.read(c.Conn, p)
}

func (c *preambleConn) readPreamble() {
	first, ok := c.peek.take(c.Conn)
	if !ok || first != preambleMagic {
		return // an older release's or an unnamed node's connection: the byte is theirs
	}
	c.peek.pending = nil
	var rest [preambleLen - 1]byte
	if _, err := io.ReadFull(c.Conn, rest[:]); err != nil {
		c.peek.err = fmt.Errorf("read the cluster preamble: %w", err)
		return
	}
	if rest[0] != preambleVersion {
		c.peek.err = fmt.Errorf("cluster preamble version %d, want %d", rest[0], preambleVersion)
		_ = c.Conn.Close()
		return
	}
	theirs := string(rest[1:])
	ours := c.guard.ours()
	switch {
	case ours == "":
		c.unchecked = theirs
	case theirs != ours:
		c.guard.refuse(c.Conn.RemoteAddr(), theirs, ours)
		c.peek.err = errForeignCluster
		// Say whose node this is before closing, so that the dialler can
		// name it too (best effort: the close is what refuses).
		refusal := append([]byte{refusalMagic, preambleVersion}, ours...)
		_ = c.Conn.SetWriteDeadline(time.Now().Add(time.Second))
		_, _ = c.Conn.Write(refusal)
		_ = c.Conn.Close()
	}
}

// firstByte is a connection's first byte, read to see whether it opens
// a preamble or a refusal, and given back to the reader when it does
// not; err ends the connection for good.
type firstByte struct {
	err     error
	pending []byte
}

// take reads the first byte and keeps it pending; ok is false when the
// read failed (err holds why).
func (f *firstByte) take(c net.Conn) (byte, bool) {
	var b [1]byte
	if _, err := io.ReadFull(c, b[:]); err != nil {
		f.err = err
		return 0, false
	}
	f.pending = b[:]
	return b[0], true
}

func (f *firstByte) read(c net.Conn, p []byte) (int, error) {
	if f.err != nil {
		return 0, f.err
	}
	if len(f.pending) > 0 {
		n := copy(p, f.pending)
		f.pending = f.pending[n:]
		return n, nil
	}
	return c.Read(p)
}
