package faultproxy

import (
	"net"
	"strings"
	"testing"

	"github.com/agentarena/arena/internal/fuzzseed"
)

const table = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 41234 1 0000000000000000 100 0 0 10 0
   1: 0100007F:D431 0100007F:5DC1 01 00000000:00000000 00:00000000 00000000     0        0 98765 1 0000000000000000 20 4 30 10 -1
`

func TestFindInode(t *testing.T) {
	tests := []struct {
		name          string
		local, remote *net.TCPAddr
		want          string // "" for an error
	}{
		{"a dialled connection", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 0xD431}, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 0x5DC1}, "98765"},
		{"a listener", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}, &net.TCPAddr{IP: net.IPv4zero, Port: 0}, "41234"},
		{"the reverse direction", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 0x5DC1}, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 0xD431}, ""},
		{"the header", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2), Port: 1}, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := findInode(strings.NewReader(table), hexAddr(tc.local), hexAddr(tc.remote))
			if tc.want == "" {
				if err == nil {
					t.Fatalf("found %q, want an error", got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	if hexAddr(&net.TCPAddr{IP: net.ParseIP("::1"), Port: 1}) != "" {
		t.Fatal("hexAddr wrote an IPv6 address")
	}
}

// FuzzFindInode: any table is read without panicking, and a found inode
// is the tenth field of a line with the asked-for addresses.
func FuzzFindInode(f *testing.F) {
	fuzzseed.Add(f, table, "0100007F:D431", "0100007F:5DC1")
	fuzzseed.Add(f, table, "0100007F:1F90", "00000000:0000")
	fuzzseed.Add(f, "", "a", "b")
	fuzzseed.Add(f, "0: a b c d e f g h\n1: a b c d e f g h i\n", "a", "b")
	f.Fuzz(func(t *testing.T, tbl, local, remote string) {
		got, err := findInode(strings.NewReader(tbl), local, remote)
		if err != nil {
			return
		}
		for _, line := range strings.Split(tbl, "\n") {
			fs := strings.Fields(line)
			if len(fs) >= 10 && fs[1] == local && fs[2] == remote && fs[9] == got {
				return
			}
		}
		t.Fatalf("inode %q is on no matching line", got)
	})
}
