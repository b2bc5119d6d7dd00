package gpt

import (
	"runtime"
	"sync"
)

// parallelFor splits [0,n) into contiguous chunks across GOMAXPROCS goroutines.
// Below minPer items per worker the spawn cost outweighs the work, so it runs inline.
func parallelFor(n, minPer int, fn func(lo, hi int)) {
	workers := runtime.GOMAXPROCS(0)
	if minPer < 1 {
		minPer = 1
	}
	if w := n / minPer; w < workers {
		workers = w
	}
	if workers <= 1 {
		if n > 0 {
			fn(0, n)
		}
		return
	}
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	wg.Wait()
}
