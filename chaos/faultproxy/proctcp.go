package faultproxy

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strings"
)

// findInode reads a socket table in /proc/net/tcp's format and returns the
// inode of the socket whose local and remote addresses are local and
// remote (as hexAddr writes them).
func findInode(table io.Reader, local, remote string) (string, error) {
	sc := bufio.NewScanner(table)
	for sc.Scan() {
		// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
		fs := strings.Fields(sc.Text())
		if len(fs) >= 10 && fs[1] == local && fs[2] == remote {
			return fs[9], nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", fmt.Errorf("faultproxy: read the socket table: %w", err)
	}
	return "", fmt.Errorf("faultproxy: no socket from %s to %s", local, remote)
}

// hexAddr writes an IPv4 address as /proc/net/tcp does: the address as a
// little-endian 32-bit word, then the port, both in upper-case hex.
func hexAddr(a *net.TCPAddr) string {
	ip := a.IP.To4()
	if ip == nil {
		return ""
	}
	return fmt.Sprintf("%02X%02X%02X%02X:%04X", ip[3], ip[2], ip[1], ip[0], a.Port)
}
