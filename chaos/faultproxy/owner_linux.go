package faultproxy

import (
	"fmt"
	"net"
	"os"
	"strconv"
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
	return findInode(f, l, r)
}
