package raftlog

import (
	"os"

	"golang.org/x/sys/unix"
)

// datasync flushes a file's data and the metadata needed to read it back
// (its size), not its timestamps: one journal commit less than fsync.
func datasync(f *os.File) error { return unix.Fdatasync(int(f.Fd())) }

// preallocate gives the file size bytes of zeros up front, so that an
// append inside them changes no metadata and its fdatasync writes the data
// alone (about a third less time per append on ext4, docs/BENCHMARKS.md).
// It is an optimisation: a file system that cannot do it grows the file
// as appends arrive.
func preallocate(f *os.File, size int64) {
	_ = unix.Fallocate(int(f.Fd()), 0, 0, size)
}
