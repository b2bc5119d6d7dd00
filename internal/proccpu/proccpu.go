// Package proccpu reads how much CPU time processes have used, for load
// generators that report a server's CPU cost per request beside its
// throughput.
package proccpu

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// userHZ is the unit of /proc/<pid>/stat's CPU times; Linux fixes it at
// 100 for user space whatever the kernel's own tick.
const userHZ = 100

// Seconds is the user plus system CPU time the processes have used so
// far, read from /proc; a process that is gone counts as 0.
func Seconds(pids []int) float64 {
	var ticks int64
	for _, pid := range pids {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		// The command name (field 2) may hold spaces; fields after its
		// closing parenthesis are plain. utime and stime are fields 14, 15.
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) < 13 {
			continue
		}
		u, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		ticks += u + st
	}
	return float64(ticks) / userHZ
}

// ParsePIDs reads a comma-separated list of process ids.
func ParsePIDs(s string) ([]int, error) {
	var out []int
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a process id", p)
		}
		out = append(out, n)
	}
	return out, nil
}
