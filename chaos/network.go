package chaos

import (
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/agentarena/arena/chaos/faultproxy"
)

// network is the fault proxies in front of every node's Raft port: node
// i's proxy carries every connection a peer opens to node i.
type network struct {
	ps      *Procs
	proxies []*faultproxy.Proxy
	// known and unknown count the connections whose dialling node was
	// and was not told apart: a pairwise cut only holds for the known.
	known, unknown atomic.Int64
}

// startNetwork starts one proxy per node, on the port the node advertises.
func startNetwork(ps *Procs, log *slog.Logger) (*network, error) {
	n := &network{ps: ps}
	for _, p := range ps.Nodes {
		px, err := faultproxy.Listen("127.0.0.1:"+strconv.Itoa(p.ProxyPort),
			"127.0.0.1:"+strconv.Itoa(p.RaftPort), n.identify, log)
		if err != nil {
			n.close()
			return nil, fmt.Errorf("proxy of %s: %w", p.ID, err)
		}
		n.proxies = append(n.proxies, px)
	}
	return n, nil
}

// identify names the node that opened c by which node process holds its
// other end ("" when none does: the link for "" then applies).
func (n *network) identify(c net.Conn) string {
	byPID := map[int]string{}
	var pids []int
	for _, p := range n.ps.Nodes {
		if pid := p.PID(); pid != 0 {
			byPID[pid] = p.ID
			pids = append(pids, pid)
		}
	}
	pid, err := faultproxy.SocketOwner(c, pids)
	if err != nil {
		n.unknown.Add(1)
		return ""
	}
	n.known.Add(1)
	return byPID[pid]
}

// cut blackholes the connections node from opens to node to.
func (n *network) cut(from, to int) {
	n.proxies[to].SetLink(n.ps.Nodes[from].ID, faultproxy.Link{Drop: true})
}

// deafen blackholes every connection into node i, from whoever opened it.
func (n *network) deafen(i int) {
	for j := range n.ps.Nodes {
		if j != i {
			n.cut(j, i)
		}
	}
	n.proxies[i].SetLink("", faultproxy.Link{Drop: true})
}

// mute blackholes every connection node i opens.
func (n *network) mute(i int) {
	for j := range n.ps.Nodes {
		if j != i {
			n.cut(i, j)
		}
	}
}

// split cuts every link between the nodes in side and the rest, both ways.
func (n *network) split(side []int) {
	in := map[int]bool{}
	for _, i := range side {
		in[i] = true
	}
	for a := range n.ps.Nodes {
		for b := range n.ps.Nodes {
			if a != b && in[a] != in[b] {
				n.cut(a, b)
			}
		}
	}
}

// slow delays every link by d each way.
func (n *network) slow(d time.Duration) {
	for to, px := range n.proxies {
		for from, p := range n.ps.Nodes {
			if from != to {
				px.SetLink(p.ID, faultproxy.Link{Delay: d})
			}
		}
		px.SetLink("", faultproxy.Link{Delay: d})
	}
}

// heal restores every link.
func (n *network) heal() {
	for _, px := range n.proxies {
		px.Heal()
	}
}

func (n *network) close() {
	for _, px := range n.proxies {
		px.Close()
	}
}
