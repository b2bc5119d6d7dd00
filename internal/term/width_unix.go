//go:build unix

package term

import (
	"io"

	"golang.org/x/sys/unix"
)

// Width says whether w is a terminal and how many columns it
// has. A file is a terminal when it answers the window-size ioctl, which
// a pipe, a regular file and /dev/null do not.
func Width(w io.Writer) (int, bool) {
	f, ok := w.(interface{ Fd() uintptr })
	if !ok {
		return 0, false
	}
	ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ)
	if err != nil {
		return 0, false
	}
	if ws.Col == 0 {
		return 80, true // a pty nobody sized (script, some CI runners)
	}
	return int(ws.Col), true
}
