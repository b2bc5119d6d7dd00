// Package term tells the command-line tools whether they write to a
// terminal, where progress may redraw one line, or to a pipe or a log,
// where it must be plain lines.
package term

import (
	"io"
	"os"
)

// IsTerminal reports whether w is a terminal (a character device).
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
