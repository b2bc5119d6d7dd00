//go:build cuda

package cudagpt

import (
	"cmp"
	"fmt"
	"slices"
	"time"
	"unsafe"

	"gorgonia.org/cu"
)

// KernelTime is one kernel's share of the launches since SetProfile: a
// gemm is counted per product shape ("gemm_tf32_db_v NT 8192x2304x768").
type KernelTime struct {
	Name  string
	Calls int
	Total time.Duration
}

// profiler times every launch on the host between two synchronisations:
// each kernel's own time plus a launch's latency (a few microseconds),
// and nothing overlaps, so it is for finding where a step's time goes,
// not for throughput.
type profiler struct {
	stats map[string]*KernelTime
	tag   string // the current gemm's shape
}

// SetProfile turns the per-kernel profile on (resetting it) or off.
// While on, every launch synchronises twice: steps are slower.
func (k *Kernels) SetProfile(on bool) {
	k.prof = nil
	if on {
		k.prof = &profiler{stats: make(map[string]*KernelTime)}
	}
}

// Profile returns the kernels' times since SetProfile(true), the
// largest total first.
func (k *Kernels) Profile() []KernelTime {
	if k.prof == nil {
		return nil
	}
	out := make([]KernelTime, 0, len(k.prof.stats))
	for _, s := range k.prof.stats {
		out = append(out, *s)
	}
	slices.SortFunc(out, func(a, b KernelTime) int {
		return cmp.Or(cmp.Compare(b.Total, a.Total), cmp.Compare(a.Name, b.Name))
	})
	return out
}

func (p *profiler) launch(k *Kernels, name string, f cu.Function, grid, block dim, params []unsafe.Pointer) error {
	if err := cu.Synchronize(); err != nil {
		return fmt.Errorf("cudagpt: before kernel %s: %w", name, err)
	}
	start := time.Now()
	if err := f.Launch(grid.x, grid.y, 1, block.x, max(block.y, 1), 1, 0, cu.NoStream, params); err != nil {
		return fmt.Errorf("cudagpt: launching kernel %s: %w", name, err)
	}
	if err := cu.Synchronize(); err != nil {
		return fmt.Errorf("cudagpt: kernel %s: %w", name, err)
	}
	key := name
	if p.tag != "" {
		key += " " + p.tag
	}
	s := p.stats[key]
	if s == nil {
		s = &KernelTime{Name: key}
		p.stats[key] = s
	}
	s.Calls++
	s.Total += time.Since(start)
	return nil
}
