package sgemm

import (
	"sync"
	"sync/atomic"
)

// Cache blocking. A kcMax×nr micro-panel of B (16 KiB) stays in L1 while
// the kernel sweeps an mc×kcMax block of A (≤144 KiB) that lives in L2;
// the packed kcMax×ncMax block of B (2 MiB) is shared by the workers in L3.
const (
	kcMax = 256
	mcMax = 144 // a multiple of mr
	ncMax = 2048
	// serialFlops is the work (2·m·n·k) below which goroutines cost more
	// than they save: about 45 µs of one core, against a wake-up of the
	// second goroutine that measured tens of µs on a shared machine.
	serialFlops = 1 << 22
	// parallelPackB is the B block size (elements) from which its packing
	// is shared among the goroutines.
	parallelPackB = 1 << 16
)

// problem is one validated call with nonzero alpha, k, m and n.
type problem struct {
	m, n, k     int
	alpha, beta float32
	a, b        matrix
	c           []float32
	ldc         int
	ks          kernels
}

// plan is how one nc-wide column block is cut into work items: mBlocks row
// blocks of mc rows times nSplit column ranges of width nw (a multiple of nr).
type plan struct {
	mc, mBlocks int
	nw, nSplit  int
}

func (p *problem) plan(threads, nc int) plan {
	mBlocks := ceilDiv(p.m, mcMax)
	if mBlocks < 2*threads {
		// Too few rows for two blocks per goroutine (one each would leave
		// a goroutine idle whenever the other is slowed down): cut
		// smaller blocks, down to one micro-tile row each.
		mBlocks = min(2*threads, ceilDiv(p.m, mr))
	}
	mc := roundUp(ceilDiv(p.m, mBlocks), mr)
	mBlocks = ceilDiv(p.m, mc)
	nSplit := 1
	if mBlocks < threads {
		// Still short of work (m ≤ a few mr): split the columns too.
		nSplit = min(ceilDiv(threads, mBlocks), ceilDiv(nc, nr))
	}
	nw := roundUp(ceilDiv(nc, nSplit), nr)
	nSplit = ceilDiv(nc, nw)
	return plan{mc: mc, mBlocks: mBlocks, nw: nw, nSplit: nSplit}
}

// Packing buffers are recycled between calls: a training step makes
// hundreds of Gemm calls with the same few shapes. A and B blocks have
// their own pools so a small A buffer is never handed out for B (and
// reallocated) while the big one waits in the pool.
var (
	aBuffers = sync.Pool{New: func() any { return new([]float32) }}
	bBuffers = sync.Pool{New: func() any { return new([]float32) }}
)

func getBuf(pool *sync.Pool, n int) *[]float32 {
	buf := pool.Get().(*[]float32)
	if cap(*buf) < n {
		*buf = make([]float32, n)
	}
	*buf = (*buf)[:n]
	return buf
}

func (p *problem) run(threads int) {
	if 2*float64(p.m)*float64(p.n)*float64(p.k) < serialFlops {
		threads = 1
	}
	threads = max(threads, 1)
	kcCap := min(p.k, kcMax)
	ncCap := roundUp(min(p.n, ncMax), nr)
	bBuf := getBuf(&bBuffers, kcCap*ncCap)
	defer bBuffers.Put(bBuf)
	bPack := *bBuf

	// Worker state lives across blocks: its own A block and edge tile.
	pl0 := p.plan(threads, min(p.n, ncMax))
	workers := make([]worker, threads)
	for w := range workers {
		workers[w].aBuf = getBuf(&aBuffers, kcCap*pl0.mc)
		defer aBuffers.Put(workers[w].aBuf)
	}

	for jc := 0; jc < p.n; jc += ncMax {
		nc := min(ncMax, p.n-jc)
		pl := p.plan(threads, nc)
		panels := ceilDiv(nc, nr)
		for pc := 0; pc < p.k; pc += kcMax {
			kc := min(kcMax, p.k-pc)
			beta := p.beta
			if pc > 0 {
				beta = 1 // later k steps accumulate onto the first
			}
			// Waking a second goroutine costs tens of µs; packing a small
			// B block takes less, so it is packed inline.
			packers := min(threads, panels)
			if kc*nc < parallelPackB {
				packers = 1
			}
			parallel(packers, func(w, t int) {
				c0 := panels * w / t * nr
				c1 := panels * (w + 1) / t * nr
				packB(bPack, p.b, pc, kc, jc, nc, c0, c1)
			})
			var next atomic.Int64
			items := pl.mBlocks * pl.nSplit
			parallel(min(threads, items), func(w, _ int) {
				wk := &workers[w]
				for {
					it := int(next.Add(1)) - 1
					if it >= items {
						return
					}
					wk.item(p, pl, it, jc, nc, pc, kc, bPack, beta)
				}
			})
		}
	}
}

// worker is one goroutine's private buffers.
type worker struct {
	aBuf *[]float32
	tile [mr * nr]float32
}

// item computes one work item: rows of block ib, columns of split js.
func (wk *worker) item(p *problem, pl plan, it, jc, nc, pc, kc int, bPack []float32, beta float32) {
	ib, js := it/pl.nSplit, it%pl.nSplit
	i0 := ib * pl.mc
	mc := min(pl.mc, p.m-i0)
	aPack := *wk.aBuf
	packA(aPack, p.a, i0, mc, pc, kc, p.ks.interleave)
	j1 := min((js+1)*pl.nw, nc)
	for jr := js * pl.nw; jr < j1; jr += nr {
		cols := min(nr, nc-jr)
		bp := bPack[jr*kc : jr*kc+nr*kc]
		for ir := 0; ir < mc; ir += mr {
			rows := min(mr, mc-ir)
			ap := aPack[ir*kc : ir*kc+mr*kc]
			off := (i0+ir)*p.ldc + jc + jr
			if rows == mr && cols == nr {
				p.ks.micro(kc, ap, bp, p.c[off:], p.ldc, p.alpha, beta)
				continue
			}
			wk.edge(p, kc, ap, bp, off, rows, cols, beta)
		}
	}
}

// edge computes a partial tile into the scratch tile and merges the part
// that exists, since the kernel always writes mr×nr.
func (wk *worker) edge(p *problem, kc int, ap, bp []float32, off, rows, cols int, beta float32) {
	t := wk.tile[:]
	p.ks.micro(kc, ap, bp, t, nr, p.alpha, 0)
	for i := 0; i < rows; i++ {
		c := p.c[off+i*p.ldc : off+i*p.ldc+cols]
		src := t[i*nr : i*nr+cols]
		if beta == 0 {
			copy(c, src)
			continue
		}
		for j, v := range src {
			c[j] = v + beta*c[j]
		}
	}
}

// parallel runs f(w, t) for w in [0, t) on t goroutines (inline when t is
// 1) and waits for all of them.
func parallel(t int, f func(w, t int)) {
	if t <= 1 {
		f(0, 1)
		return
	}
	var wg sync.WaitGroup
	for w := 1; w < t; w++ {
		wg.Go(func() { f(w, t) })
	}
	f(0, t)
	wg.Wait()
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }
func roundUp(a, b int) int { return ceilDiv(a, b) * b }
