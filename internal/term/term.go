// Package term tells the command-line tools whether they write to a
// terminal, where progress may redraw one line, or to a pipe or a log,
// where it must be plain lines.
package term

import "io"

// IsTerminal reports whether w is a terminal. A character device is not
// enough: /dev/null is one, and a tool whose output goes there (cron, a
// service manager) must not redraw lines into it.
func IsTerminal(w io.Writer) bool {
	_, ok := Width(w)
	return ok
}
