//go:build !linux

package faultproxy

import (
	"errors"
	"net"
)

// SocketOwner needs Linux's /proc; elsewhere every connection is from an
// unknown peer, so only whole-node links (set for "") can be cut.
func SocketOwner(net.Conn, []int) (int, error) {
	return 0, errors.New("faultproxy: telling peers apart needs Linux /proc")
}
