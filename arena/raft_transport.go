package arena

import (
	"fmt"
	"net"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
)

// tcpStreamLayer is raft's TCP stream layer over a listener we open
// ourselves, so a node may bind port 0 (tests, dev clusters) and still
// advertise the port it actually got.
type tcpStreamLayer struct {
	ln        net.Listener
	advertise net.Addr
}

func (t *tcpStreamLayer) Accept() (net.Conn, error) { return t.ln.Accept() }

func (t *tcpStreamLayer) Close() error { return t.ln.Close() }

func (t *tcpStreamLayer) Addr() net.Addr { return t.advertise }

func (t *tcpStreamLayer) Dial(addr raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	d := net.Dialer{Timeout: timeout}
	return d.Dial("tcp", string(addr))
}

func newTCPTransport(cfg Config, hl hclog.Logger) (raft.Transport, error) {
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
		ln.Close()
		return nil, fmt.Errorf("raft address %s cannot be dialled by peers: set --raft-advertise", adv)
	}
	return raft.NewNetworkTransportWithConfig(&raft.NetworkTransportConfig{
		Stream: &tcpStreamLayer{ln: ln, advertise: adv}, MaxPool: 5, Timeout: 10 * time.Second, Logger: hl,
	}), nil
}
