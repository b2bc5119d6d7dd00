package arena

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
)

// tcpStreamLayer is raft's TCP stream layer over a listener we open
// ourselves, so a node may bind port 0 (tests, dev clusters) and still
// advertise the port it actually got. It remembers every connection it
// dialled or accepted, so that shutdown can cut them all: raft's own
// Close only stops the listener, and a replication goroutine blocked on a
// frozen peer would otherwise hold raft.Shutdown for the whole transport
// timeout.
type tcpStreamLayer struct {
	ln        net.Listener
	advertise net.Addr
	guard     clusterGuard // the cluster id on every connection (raft_cluster_check.go)

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
}

var errStreamClosed = errors.New("raft stream layer closed")

func (t *tcpStreamLayer) Accept() (net.Conn, error) {
	c, err := t.ln.Accept()
	if err != nil {
		return nil, err
	}
	return t.track(t.guard.checked(c))
}

func (t *tcpStreamLayer) Close() error { return t.ln.Close() }

func (t *tcpStreamLayer) Addr() net.Addr { return t.advertise }

func (t *tcpStreamLayer) Dial(addr raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	d := net.Dialer{Timeout: timeout}
	c, err := d.Dial("tcp", string(addr))
	if err != nil {
		return nil, err
	}
	ac, err := t.guard.announce(c, timeout)
	if err != nil {
		c.Close()
		return nil, err
	}
	return t.track(ac)
}

func (t *tcpStreamLayer) track(c net.Conn) (net.Conn, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		c.Close()
		return nil, errStreamClosed
	}
	if t.conns == nil {
		t.conns = map[net.Conn]struct{}{}
	}
	tc := &trackedConn{Conn: c, layer: t}
	t.conns[tc] = struct{}{}
	return tc, nil
}

// closeAll closes the listener and every open connection, and refuses new
// ones: reads and writes blocked on them return at once.
func (t *tcpStreamLayer) closeAll() {
	t.mu.Lock()
	t.closed = true
	conns := t.conns
	t.conns = nil
	t.mu.Unlock()
	_ = t.ln.Close()
	for c := range conns {
		_ = c.(*trackedConn).Conn.Close()
	}
}

type trackedConn struct {
	net.Conn
	layer *tcpStreamLayer
	once  sync.Once
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.layer.mu.Lock()
		delete(c.layer.conns, c)
		c.layer.mu.Unlock()
	})
	return c.Conn.Close()
}

// tcpTransport is raft's network transport with a handle on its stream
// layer, for shutdown.
type tcpTransport struct {
	*raft.NetworkTransport
	stream *tcpStreamLayer
}

// cut stops the transport and closes every connection it holds.
func (t *tcpTransport) cut() {
	_ = t.NetworkTransport.Close()
	t.NetworkTransport.CloseStreams()
	t.stream.closeAll()
}

// ident and log set up the stream layer's cluster check (clusterGuard)
// before raft's transport starts accepting, so that no connection is
// taken unchecked while the node opens.
func newTCPTransport(cfg Config, hl hclog.Logger, ident raftIdentity, log *slog.Logger) (raft.Transport, error) {
	ln, err := net.Listen("tcp", cfg.RaftBind)
	if err != nil {
		return nil, fmt.Errorf("listen for raft on %s: %w", cfg.RaftBind, err)
	}
	var adv net.Addr = ln.Addr()
	if cfg.RaftAdvertise != "" {
		if adv, err = net.ResolveTCPAddr("tcp", cfg.RaftAdvertise); err != nil {
			ln.Close()
			return nil, fmt.Errorf("resolve raft advertise address %q: %w", cfg.RaftAdvertise, err)
		}
	}
	if a := adv.(*net.TCPAddr); a.IP == nil || a.IP.IsUnspecified() || a.Port == 0 {
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		// Name the address as given: the listener's own form of 0.0.0.0
		// is "[::]", which nobody typed.
		if cfg.RaftAdvertise != "" {
			return nil, fmt.Errorf("raft advertise address %s cannot be dialled by peers: give a routable address and the port raft listens on (for example 10.0.0.1:7000)", cfg.RaftAdvertise)
		}
		return nil, fmt.Errorf("raft address %s listens on every interface and cannot be dialled by peers: give a routable address, or also --raft-advertise with one (for example 10.0.0.1:%d)", cfg.RaftBind, port)
	}
	stream := &tcpStreamLayer{ln: ln, advertise: adv}
	stream.guard.log = log
	if ident != nil {
		stream.guard.setIdentity(ident)
	}
	// One RPC in flight per peer turns raft's pipelined replication off.
	// Pipelining deadlocks (hashicorp/raft#612): when pipelineDecode stops
	// on a stale term or a failed append, the pipeline's decoder blocks
	// handing its next response to a consumer that is gone, the next
	// pipelineSend blocks handing the decoder a request, and the pipeline
	// is only closed after pipelineSend returns, so replication and
	// raft.Shutdown hang forever. raft's own docs (and #541) measured no
	// gain from it with batching, which this node uses.
	inFlight := 1
	if cfg.pipelining {
		inFlight = 0 // raft's default (2): only for the regression test
	}
	nt := raft.NewNetworkTransportWithConfig(&raft.NetworkTransportConfig{
		Stream: stream, MaxPool: 5, Timeout: 10 * time.Second, Logger: hl, MaxRPCsInFlight: inFlight,
	})
	return &tcpTransport{NetworkTransport: nt, stream: stream}, nil
}

// noPipeline is a loopback (in-memory) transport with pipelined
// replication turned off, like the TCP transport's (newTCPTransport).
type noPipeline struct{ raft.LoopbackTransport }

func (noPipeline) AppendEntriesPipeline(raft.ServerID, raft.ServerAddress) (raft.AppendPipeline, error) {
	return nil, raft.ErrPipelineReplicationNotSupported
}
