package gpt

// encoderForward writes wte[token] + wpe[position] for every position of the batch.
func encoderForward(out []float32, inputs []int32, wte, wpe []float32, B, T, C int) {
	parallelFor(B*T, 64, func(lo, hi int) {
		for bt := lo; bt < hi; bt++ {
			t := bt % T
			tok := int(inputs[bt])
			o := out[bt*C : (bt+1)*C]
			we := wte[tok*C : (tok+1)*C]
			pe := wpe[t*C : (t+1)*C]
			for i := range o {
				o[i] = we[i] + pe[i]
			}
		}
	})
}

// encoderBackward accumulates dout into the rows of dwte and dwpe that were read.
// Tokens repeat across the batch, so rows are scattered sequentially to avoid races.
func encoderBackward(dwte, dwpe, dout []float32, inputs []int32, B, T, C int) {
	for bt := range B * T {
		t := bt % T
		tok := int(inputs[bt])
		d := dout[bt*C : (bt+1)*C]
		we := dwte[tok*C : (tok+1)*C]
		pe := dwpe[t*C : (t+1)*C]
		for i, g := range d {
			we[i] += g
			pe[i] += g
		}
	}
}
