package main

import (
	"fmt"
	"os"
	"time"
)

// probeFsync measures how many small overwrite+fsync cycles the disk under
// dir completes per second. That rate bounds every unbatched figure, so
// the report prints it next to them.
func probeFsync(dir string, d time.Duration) (float64, error) {
	f, err := os.CreateTemp(dir, "arena-bench-fsync-")
	if err != nil {
		return 0, fmt.Errorf("create fsync probe file: %w", err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	buf := make([]byte, 4096)
	n := 0
	start := time.Now()
	for time.Since(start) < d {
		buf[0] = byte(n)
		if _, err := f.WriteAt(buf, 0); err != nil {
			return 0, fmt.Errorf("write fsync probe: %w", err)
		}
		if err := f.Sync(); err != nil {
			return 0, fmt.Errorf("fsync probe: %w", err)
		}
		n++
	}
	return float64(n) / time.Since(start).Seconds(), nil
}
