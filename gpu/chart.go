package gpu

import (
	"bufio"
	"fmt"
	"html"
	"io"
	"math"
	"strconv"
)

// Chart geometry in SVG user units. Two panels share the step axis: the
// loss on top, the implicit rewards below.
const (
	chartW      = 820
	panelH      = 260
	padLeft     = 64
	padRight    = 170 // room for the legend
	padTop      = 34
	padBottom   = 36
	chartHeader = 28
)

type series struct {
	name, color string
	width       float64
	xs, ys      []float64
	// starts are the indices where a stretch of consecutive steps begins:
	// rounds alternate SFT and DPO, and a line drawn across the other
	// phase's steps showed a trend between rounds that never happened.
	starts []int
}

// WriteChart draws the training curves in ms as an SVG: loss per step
// (SFT and DPO as separate lines, as their scales differ) and, for DPO
// steps, rewards/margins with rewards/chosen and rewards/rejected beside
// it. It is a hand-written SVG rather than a plotting library: two line
// panels do not justify a dependency, and the output is plain text that
// diffs and embeds in Markdown.
func WriteChart(w io.Writer, title string, ms []StepMetrics) error {
	var sft, dpo, margin, chosen, rejected series
	sft = series{name: "loss (sft)", color: "#1f77b4", width: 1.5}
	dpo = series{name: "loss (dpo)", color: "#d62728", width: 1.5}
	margin = series{name: "rewards/margins", color: "#2ca02c", width: 2}
	chosen = series{name: "rewards/chosen", color: "#9467bd", width: 1}
	rejected = series{name: "rewards/rejected", color: "#8c564b", width: 1}
	add := func(s *series, x, y float64) {
		if !math.IsNaN(y) && !math.IsInf(y, 0) {
			if n := len(s.xs); n == 0 || x != s.xs[n-1]+1 {
				s.starts = append(s.starts, n)
			}
			s.xs, s.ys = append(s.xs, x), append(s.ys, y)
		}
	}
	for _, m := range ms {
		x := float64(m.Step)
		if m.Phase == PhaseDPO {
			add(&dpo, x, m.Loss)
		} else {
			add(&sft, x, m.Loss)
		}
		if m.DPOStats != nil {
			add(&margin, x, m.RewardsMargins)
			add(&chosen, x, m.RewardsChosen)
			add(&rejected, x, m.RewardsRejected)
		}
	}
	bw := bufio.NewWriter(w)
	height := chartHeader + 2*panelH
	fmt.Fprintf(bw, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="11">`+"\n",
		chartW, height, chartW, height)
	fmt.Fprintf(bw, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(bw, `<text x="%d" y="19" font-size="14" font-weight="bold">%s</text>`+"\n", padLeft, html.EscapeString(title))
	panel(bw, chartHeader, "loss", []series{sft, dpo})
	panel(bw, chartHeader+panelH, "reward (β·log ratio)", []series{margin, chosen, rejected})
	fmt.Fprintln(bw, "</svg>")
	return bw.Flush()
}

// panel draws one set of axes with its series at vertical offset top.
func panel(w io.Writer, top int, ylabel string, ss []series) {
	x0, x1 := float64(padLeft), float64(chartW-padRight)
	y0, y1 := float64(top+panelH-padBottom), float64(top+padTop) // y0 is the bottom
	xmin, xmax, ymin, ymax := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, s := range ss {
		for i := range s.xs {
			xmin, xmax = min(xmin, s.xs[i]), max(xmax, s.xs[i])
			ymin, ymax = min(ymin, s.ys[i]), max(ymax, s.ys[i])
		}
	}
	fmt.Fprintf(w, `<text x="%g" y="%g" text-anchor="middle" transform="rotate(-90 %g %g)">%s</text>`+"\n",
		x0-46, (y0+y1)/2, x0-46, (y0+y1)/2, html.EscapeString(ylabel))
	fmt.Fprintf(w, `<rect x="%g" y="%g" width="%g" height="%g" fill="none" stroke="#444"/>`+"\n", x0, y1, x1-x0, y0-y1)
	if math.IsInf(xmin, 0) {
		fmt.Fprintf(w, `<text x="%g" y="%g" text-anchor="middle" fill="#888">no data</text>`+"\n", (x0+x1)/2, (y0+y1)/2)
		return
	}
	if xmax == xmin {
		xmin, xmax = xmin-1, xmax+1
	}
	if ymax == ymin {
		ymin, ymax = ymin-1, ymax+1
	}
	pad := (ymax - ymin) * 0.05
	ymin, ymax = ymin-pad, ymax+pad
	px := func(x float64) float64 { return x0 + (x-xmin)/(xmax-xmin)*(x1-x0) }
	py := func(y float64) float64 { return y0 - (y-ymin)/(ymax-ymin)*(y0-y1) }

	for _, t := range ticks(ymin, ymax, 5) {
		fmt.Fprintf(w, `<line x1="%g" y1="%.1f" x2="%g" y2="%.1f" stroke="#e5e5e5"/>`+"\n", x0, py(t), x1, py(t))
		fmt.Fprintf(w, `<text x="%g" y="%.1f" text-anchor="end">%s</text>`+"\n", x0-5, py(t)+4, label(t))
	}
	for _, t := range ticks(xmin, xmax, 8) {
		fmt.Fprintf(w, `<line x1="%.1f" y1="%g" x2="%.1f" y2="%g" stroke="#444"/>`+"\n", px(t), y0, px(t), y0+4)
		fmt.Fprintf(w, `<text x="%.1f" y="%g" text-anchor="middle">%s</text>`+"\n", px(t), y0+16, label(t))
	}
	fmt.Fprintf(w, `<text x="%g" y="%g" text-anchor="middle">step</text>`+"\n", (x0+x1)/2, y0+30)
	if ymin < 0 && ymax > 0 {
		fmt.Fprintf(w, `<line x1="%g" y1="%.1f" x2="%g" y2="%.1f" stroke="#999" stroke-dasharray="4 3"/>`+"\n", x0, py(0), x1, py(0))
	}
	ly := y1 + 4
	for _, s := range ss {
		if len(s.xs) == 0 {
			continue
		}
		for k, from := range s.starts {
			to := len(s.xs)
			if k+1 < len(s.starts) {
				to = s.starts[k+1]
			}
			if to-from == 1 {
				// A stretch of one step (a round's single DPO step) is a
				// dot: a polyline of one point draws nothing.
				fmt.Fprintf(w, `<circle fill="%s" cx="%.1f" cy="%.1f" r="%g"/>`+"\n", s.color, px(s.xs[from]), py(s.ys[from]), s.width+0.5)
				continue
			}
			fmt.Fprintf(w, `<polyline fill="none" stroke="%s" stroke-width="%g" points="`, s.color, s.width)
			for i := from; i < to; i++ {
				fmt.Fprintf(w, "%.1f,%.1f ", px(s.xs[i]), py(s.ys[i]))
			}
			fmt.Fprintln(w, `"/>`)
		}
		fmt.Fprintf(w, `<line x1="%g" y1="%g" x2="%g" y2="%g" stroke="%s" stroke-width="%g"/>`+"\n", x1+12, ly, x1+32, ly, s.color, s.width+1)
		fmt.Fprintf(w, `<text x="%g" y="%g">%s</text>`+"\n", x1+38, ly+4, html.EscapeString(s.name))
		ly += 18
	}
}

// ticks returns about n round values (1, 2 or 5 × 10^k apart) in [lo, hi].
func ticks(lo, hi float64, n int) []float64 {
	raw := (hi - lo) / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, f := range []float64{2, 5, 10} {
		if step >= raw {
			break
		}
		step = f * mag
	}
	var out []float64
	for t := math.Ceil(lo/step) * step; t <= hi+step*1e-9; t += step {
		out = append(out, t)
	}
	return out
}

// label prints a tick value without floating-point noise.
func label(v float64) string {
	if math.Abs(v) < 1e-12 {
		return "0"
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}
