//go:build !unix

package term

import "io"

// Width treats every writer as a log where the window size
// cannot be asked: plain lines read well anywhere.
func Width(io.Writer) (int, bool) { return 0, false }
