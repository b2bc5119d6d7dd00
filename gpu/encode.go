package gpu

import (
	"github.com/agentarena/arena/gpu/gpt"
)

// Sequence is a prompt and a response. Only the response (plus the
// end-of-answer token) is scored; the prompt is context.
type Sequence struct {
	Prompt   string `json:"prompt"`
	Response string `json:"response"`
}

// encoded is a batch of sequences as the model reads it: one row per
// sequence, left-aligned, padded to the longest, with the positions that
// predict a response token marked by a target (the rest −1).
type encoded struct {
	batch gpt.Batch
	// tokens[b] is how many positions of row b are scored.
	tokens []int
	// starts[b] is where row b's response begins.
	starts []int
}

// minPromptShare is the least share of the context window a clipped
// sequence keeps for its prompt: a response may not push the question out
// of view entirely.
const minPromptShare = 4

// MinContext is the smallest context window a prompt and its answer fit
// in: a clipped sequence keeps at least a quarter of the window for its
// prompt (minPromptShare) and answering at least an eighth for the answer
// (minAnswerShare, in answer.go); in a smaller window one of those shares
// rounds down to no token at all, and the model trains on answers without
// their question, or answers one it cannot see.
const MinContext = max(minPromptShare, minAnswerShare)

// encode tokenises seqs for a model with the given context window. A
// sequence longer than the window keeps the end of its prompt (the
// question, then the answer format, come last in arena prompts) and the
// start of its response; a clipped response loses its end-of-answer
// token, so the model is never taught to stop where the clip fell.
func encode(tok Tokenizer, seqs []Sequence, block int) encoded {
	rows := make([][]int32, len(seqs))
	starts := make([]int, len(seqs))
	width := 1
	for i, s := range seqs {
		p := tok.Encode(s.Prompt)
		r := append(tok.Encode(s.Response), tok.EOS())
		if len(p) == 0 {
			// The first scored token needs a position to be predicted
			// from: an empty prompt reads as the end of a previous answer.
			p = []int32{tok.EOS()}
		}
		if len(p)+len(r) > block+1 {
			keepP := min(len(p), max(block/minPromptShare, block+1-len(r)))
			r = r[:min(len(r), block+1-keepP)]
			p = p[len(p)-keepP:]
		}
		rows[i] = append(p, r...)
		starts[i] = len(p)
		width = max(width, len(rows[i])-1)
	}
	e := encoded{batch: gpt.Batch{B: len(seqs), T: width,
		Inputs: make([]int32, len(seqs)*width), Targets: make([]int32, len(seqs)*width)},
		tokens: make([]int, len(seqs)), starts: starts}
	for i, row := range rows {
		in := e.batch.Inputs[i*width : (i+1)*width]
		tg := e.batch.Targets[i*width : (i+1)*width]
		for t := range width {
			in[t], tg[t] = 0, -1
			if t < len(row)-1 {
				in[t] = row[t]
				if t+1 >= starts[i] {
					tg[t] = row[t+1]
					e.tokens[i]++
				}
			}
		}
	}
	return e
}

// scorePrompts marks the positions that predict prompt tokens as scored
// too (supervised fine-tuning with a prompt loss) and returns how many it
// marked. isPrompt tells them apart from the response afterwards.
func (e encoded) scorePrompts() int {
	n, T := 0, e.batch.T
	for b := range e.batch.B {
		for t := 0; t+1 < e.starts[b] && t+1 < T; t++ {
			e.batch.Targets[b*T+t] = e.batch.Inputs[b*T+t+1]
			n++
		}
	}
	return n
}

// isPrompt says whether position t of row b predicts a prompt token.
func (e encoded) isPrompt(b, t int) bool { return t+1 < e.starts[b] }

// seqLogP sums each row's scored log-probabilities: log π(response+EOS |
// prompt), in float64 so long responses lose nothing to rounding.
func (e encoded) seqLogP(targetLogP []float32) []float64 {
	out := make([]float64, e.batch.B)
	T := e.batch.T
	for b := range out {
		for t := range T {
			if e.batch.Targets[b*T+t] >= 0 {
				out[b] += float64(targetLogP[b*T+t])
			}
		}
	}
	return out
}

// spread turns per-sequence gradients into per-position ones for
// Backward: every scored position of row b gets dLogP[b].
func (e encoded) spread(dLogP []float64, into []float32) []float32 {
	into = grow(into, e.batch.B*e.batch.T)
	T := e.batch.T
	for b := range e.batch.B {
		for t := range T {
			into[b*T+t] = 0
			if e.batch.Targets[b*T+t] >= 0 {
				into[b*T+t] = float32(dLogP[b])
			}
		}
	}
	return into
}

// grow returns s resliced to n, reallocating only when it is too short.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}
