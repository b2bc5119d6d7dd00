// Package loopport picks loopback ports for processes that must be told
// their ports before they start and keep them across restarts.
package loopport

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
)

// Ports the kernel hands out for port 0 and for outgoing connections come
// from its ephemeral range, and a test suite running beside a cluster
// opens thousands of those. A port learned by listening on :0 and closing
// can therefore be taken again before a node binds it, and a node's port
// must stay bindable for every restart (a member's address does not
// change). Picking below the ephemeral range keeps the kernel's own
// allocations off those ports.
const lowestPickedPort = 10000

// Picker hands out distinct loopback ports that were free when picked.
type Picker struct {
	rng  *rand.Rand
	lo   int // first port to pick from
	hi   int // one past the last
	used map[int]bool
}

// NewPicker returns a picker over the ports below the ephemeral range.
func NewPicker() *Picker {
	hi := ephemeralLow()
	return &Picker{rng: rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())),
		lo: lowestPickedPort, hi: hi, used: map[int]bool{}}
}

// ephemeralLow reads the first port of the kernel's ephemeral range; where
// it cannot be read, the Linux default is assumed.
func ephemeralLow() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil {
				return n
			}
		}
	}
	return 32768
}

// Pick returns a port no earlier pick returned and that could be bound
// just now. With too narrow a range below the ephemeral one it falls
// back to a port the kernel chooses.
func (pp *Picker) Pick() (int, error) {
	if pp.hi-pp.lo >= 1000 {
		for range 200 {
			p := pp.lo + pp.rng.IntN(pp.hi-pp.lo)
			if pp.used[p] || !canBind(p) {
				continue
			}
			pp.used[p] = true
			return p, nil
		}
	}
	for range 20 {
		p, err := kernelPort()
		if err != nil {
			return 0, err
		}
		if !pp.used[p] {
			pp.used[p] = true
			return p, nil
		}
	}
	return 0, fmt.Errorf("find a free port: every try was taken")
}

func canBind(port int) bool {
	ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		return false
	}
	ln.Close()
	return true
}

// kernelPort asks the kernel for an unused loopback port.
func kernelPort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
