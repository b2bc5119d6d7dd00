package sgemm

// matrix is a read-only row-major operand as the multiply sees it: op(X),
// with the transpose folded into how elements are addressed.
type matrix struct {
	data  []float32
	ld    int
	trans bool // element (i, j) of op(X) is data[j*ld+i]
}

// packA copies rows [i0, i0+mc) × cols [p0, p0+kc) of op(A) into panels of
// mr rows: panel r holds, for each p, the mr values A(i0+r*mr+i, p0+p)
// contiguously, so the kernel reads A with unit stride. Rows past mc are
// zero so edge tiles can run the full kernel.
func packA(dst []float32, a matrix, i0, mc, p0, kc int, interleave interleaveFunc) {
	if a.trans {
		packAT(dst, a, i0, mc, p0, kc)
		return
	}
	for r := 0; r < mc; r += mr {
		rows := min(mr, mc-r)
		panel := dst[r*kc : r*kc+mr*kc]
		if rows == mr {
			interleave(panel, a.data[(i0+r)*a.ld+p0:], a.ld, kc)
			continue
		}
		// A(i, p) = data[i*ld+p]: walk each row, scattering with stride mr.
		for i := 0; i < rows; i++ {
			src := a.data[(i0+r+i)*a.ld+p0:]
			src = src[:kc]
			for p, v := range src {
				panel[p*mr+i] = v
			}
		}
		for i := rows; i < mr; i++ {
			for p := 0; p < kc; p++ {
				panel[p*mr+i] = 0
			}
		}
	}
}

// packAT is packA for A(i, p) = data[p*ld+i]. It reads each row of data
// once, left to right, and deals its values out to all the panels: going
// panel by panel instead would touch kc rows (pages) per panel and thrash
// the TLB when ld is a few KiB, as it is for activations.
func packAT(dst []float32, a matrix, i0, mc, p0, kc int) {
	full := mc / mr * mr
	for p := 0; p < kc; p++ {
		off := (p0+p)*a.ld + i0
		src := a.data[off : off+mc : off+mc]
		for r := 0; r < full; r += mr {
			s := src[r : r+mr : r+mr]
			d := dst[r*kc+p*mr : r*kc+p*mr+mr : r*kc+p*mr+mr]
			d[0], d[1], d[2], d[3], d[4], d[5] = s[0], s[1], s[2], s[3], s[4], s[5]
		}
		if full < mc {
			d := dst[full*kc+p*mr : full*kc+p*mr+mr]
			copy(d, src[full:])
			clear(d[mc-full:])
		}
	}
}

// packB copies rows [p0, p0+kc) × cols [j0+c0, j0+c1) of op(B), with c0 and
// c1 multiples of nr (c1 may exceed nc, the width of the whole block), into
// panels of nr columns: panel s holds, for each p, the nr values
// B(p0+p, j0+s*nr+j) contiguously. Columns past nc are zero. Workers pack
// disjoint [c0, c1) ranges of one shared buffer.
func packB(dst []float32, b matrix, p0, kc, j0, nc, c0, c1 int) {
	for s := c0; s < min(c1, nc); s += nr {
		cols := min(nr, nc-s)
		panel := dst[s*kc : s*kc+nr*kc]
		if !b.trans {
			// B(p, j) = data[p*ld+j]: each p gives cols contiguous values.
			for p := 0; p < kc; p++ {
				src := b.data[(p0+p)*b.ld+j0+s:]
				d := panel[p*nr : p*nr+nr : p*nr+nr]
				copy(d, src[:cols])
				clear(d[cols:])
			}
			continue
		}
		// B(p, j) = data[j*ld+p]: walk each column of op(B) along its row
		// of data, scattering with stride nr.
		for j := 0; j < cols; j++ {
			src := b.data[(j0+s+j)*b.ld+p0:]
			src = src[:kc]
			for p, v := range src {
				panel[p*nr+j] = v
			}
		}
		for j := cols; j < nr; j++ {
			for p := 0; p < kc; p++ {
				panel[p*nr+j] = 0
			}
		}
	}
}
