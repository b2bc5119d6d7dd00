package faultproxy

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
)

// SocketOwner returns which of pids holds the other end of c, a loopback
// TCP connection accepted by this process: Raft dials its peers without
// choosing a source address, so on one machine the kernel's socket table
// is the only thing that tells the dialling node apart. It finds the
// dialler's socket inode in /proc/net/tcp and looks for it among each
// process's open files.
func SocketOwner(c net.Conn, pids []int) (int, error) {
	local, ok1 := c.RemoteAddr().(*net.TCPAddr) // the dialler's end
	remote, ok2 := c.LocalAddr().(*net.TCPAddr)
	if !ok1 || !ok2 {
		return 0, fmt.Errorf("faultproxy: not a TCP connection")
	}
	inode, err := socketInode(local, remote)
	if err != nil {
		return 0, err
	}
	want := "socket:[" + inode + "]"
	for _, pid := range pids {
		dir := "/proc/" + strconv.Itoa(pid) + "/fd"
		fds, err := os.ReadDir(dir)
		if err != nil {
			continue // exited meanwhile
		}
		for _, fd := range fds {
			if l, err := os.Readlink(dir + "/" + fd.Name()); err == nil && l == want {
				return pid, nil
			}
		}
	}
	return 0, fmt.Errorf("faultproxy: no process of %v holds %s", pids, local)
}

// socketInode finds the inode of the IPv4 socket from local to remote.
func socketInode(local, remote *net.TCPAddr) (string, error) {
	l, r := hexAddr(local), hexAddr(remote)
	if l == "" || r == "" {
		return "", fmt.Errorf("faultproxy: %s or %s is not IPv4", local, remote)
	}
	f, err := os.Open("/proc/net/tcp")
	if err != nil {
		return "", fmt.Errorf("faultproxy: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
		fs := strings.Fields(sc.Text())
		if len(fs) >= 10 && fs[1] == l && fs[2] == r {
			return fs[9], nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", fmt.Errorf("faultproxy: read /proc/net/tcp: %w", err)
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
