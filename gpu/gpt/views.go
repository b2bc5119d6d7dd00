package gpt

// layerParams are one block's parameter views.
type layerParams struct {
	ln1w, ln1b, attnW, attnB, projW, projB []float32
	ln2w, ln2b, fcW, fcB, fcProjW, fcProjB []float32
}

// paramViews splits a Params-shaped slice into named views for the passes.
type paramViews struct {
	wte, wpe   []float32
	layers     []layerParams
	lnfw, lnfb []float32
}

func (m *Model) params() paramViews { return m.Config.views(m.Params) }

// views relies on layout's order: wte, wpe, 12 tensors per layer, ln_f.
func (c Config) views(flat []float32) paramViews {
	ts := c.TensorsOf(flat)
	d := func(i int) []float32 { return ts[i].Data }
	v := paramViews{wte: d(0), wpe: d(1), layers: make([]layerParams, c.NLayer)}
	for l := range c.NLayer {
		i := 2 + 12*l
		v.layers[l] = layerParams{
			ln1w: d(i), ln1b: d(i + 1), attnW: d(i + 2), attnB: d(i + 3), projW: d(i + 4), projB: d(i + 5),
			ln2w: d(i + 6), ln2b: d(i + 7), fcW: d(i + 8), fcB: d(i + 9), fcProjW: d(i + 10), fcProjB: d(i + 11),
		}
	}
	n := len(ts)
	v.lnfw, v.lnfb = d(n-2), d(n-1)
	return v
}
