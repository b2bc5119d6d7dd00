//go:build !unix

package main

import "io"

// terminalWidth treats every writer as a log where the window size
// cannot be asked: plain lines read well anywhere.
func terminalWidth(io.Writer) (int, bool) { return 0, false }
