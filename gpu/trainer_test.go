package gpu

import (
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/agentarena/arena/gpu/gpt"
)

// nll is the mean negative log-likelihood per scored token.
func nll(m *gpt.Model, seqs []Sequence) float64 {
	lp := logProbs(m, seqs)
	var sum float64
	n := 0
	for i, s := range seqs {
		sum -= lp[i]
		n += len(s.Response) + 1
	}
	return sum / float64(n)
}

func TestSFTLowersNLL(t *testing.T) {
	corpus := []Sequence{
		{"Q: capital of France? A: ", "Paris is the capital of France."},
		{"Q: two plus two? A: ", "Two plus two is four."},
		{"Q: colour of the sky? A: ", "The sky is blue."},
		{"Q: largest planet? A: ", "Jupiter is the largest planet."},
	}
	m := mustModel(t, smallConfig)
	before := nll(m, corpus)
	cfg := DefaultTrainerConfig()
	cfg.LR = 3e-3
	tr := mustTrainer(t, m, cfg)
	var steps []StepMetrics
	tr.OnStep = func(s StepMetrics) { steps = append(steps, s) }
	for range 80 {
		if _, err := tr.SFT(corpus); err != nil {
			t.Fatal(err)
		}
	}
	after := nll(m, corpus)
	t.Logf("NLL per token %.3f → %.3f (uniform is %.3f)", before, after, math.Log(257))
	if after > 0.3*before {
		t.Fatalf("NLL per token %.3f → %.3f: fine-tuning did not learn the corpus", before, after)
	}
	if len(steps) != 80 || steps[0].Step != 1 || steps[0].Phase != PhaseSFT || steps[0].DPOStats != nil {
		t.Fatalf("callback saw %d steps, first %+v", len(steps), steps[0])
	}
	tokens := 0
	for _, s := range corpus {
		tokens += len(s.Response) + 1 // end-of-answer is scored too
	}
	if steps[0].Tokens != tokens || steps[0].Sequences != 4 {
		t.Errorf("first step counted %d tokens over %d sequences, want %d over 4", steps[0].Tokens, steps[0].Sequences, tokens)
	}
	if w := cfg.SFTSchedule.Rate(cfg.LR, 1); steps[0].LearningRate != w || w >= cfg.LR {
		t.Errorf("first step's learning rate %v, want the warm-up's %v", steps[0].LearningRate, w)
	}
}

// trainVowels runs the synthetic preference experiment: SFT on both kinds
// of answer, freeze, then DPO towards the vowel answers.
func trainVowels(t *testing.T, cfg TrainerConfig, sftSteps, dpoSteps int) (*Trainer, []StepMetrics) {
	t.Helper()
	train := vowelPairs(1, 64, "train-")
	tr := mustTrainer(t, mustModel(t, tinyConfig), cfg)
	sft := sftExamples(train)
	for i := range sftSteps {
		lo := (i * 16) % len(sft)
		if _, err := tr.SFT(sft[lo : lo+16]); err != nil {
			t.Fatal(err)
		}
	}
	tr.FreezeReference()
	var log []StepMetrics
	for i := range dpoSteps {
		lo := (i * 16) % len(train)
		m, err := tr.DPO(train[lo : lo+16])
		if err != nil {
			t.Fatal(err)
		}
		log = append(log, m)
	}
	return tr, log
}

func TestDPOLearnsSyntheticPreferences(t *testing.T) {
	cfg := DefaultTrainerConfig()
	cfg.LR, cfg.DPOLR = 3e-3, 3e-3
	tr, log := trainVowels(t, cfg, 40, 40)
	first, last := log[0], log[len(log)-1]
	if math.Abs(first.Loss-math.Ln2) > 1e-6 || math.Abs(first.RewardsMargins) > 1e-6 {
		t.Errorf("first DPO step (policy = reference): loss %v margin %v, want ln 2 and 0", first.Loss, first.RewardsMargins)
	}
	t.Logf("train: loss %.3f → %.3f, accuracy %.2f, margin %.2f", first.Loss, last.Loss, last.RewardsAccuracies, last.RewardsMargins)
	if last.RewardsAccuracies < 0.9 || last.RewardsMargins <= 0 || last.Loss >= first.Loss {
		t.Fatalf("after DPO: %+v", *last.DPOStats)
	}
	held := vowelPairs(2, 64, "held-")
	res, err := tr.Evaluate(held)
	if err != nil {
		t.Fatal(err)
	}
	pol := logProbs(tr.Policy(), pairSequences(held))
	ref := logProbs(tr.Reference(), pairSequences(held))
	prefer, preferBefore := 0, 0
	for i := range held {
		if pol[i] > pol[64+i] {
			prefer++
		}
		if ref[i] > ref[64+i] {
			preferBefore++
		}
	}
	t.Logf("held out: reward accuracy %.2f, policy prefers chosen in %d/64 (reference %d/64)",
		res.Stats.RewardsAccuracies, prefer, preferBefore)
	if res.Stats.RewardsAccuracies < 0.9 || prefer < 58 {
		t.Fatalf("held out: accuracy %.2f, policy prefers chosen in %d/64", res.Stats.RewardsAccuracies, prefer)
	}
}

func TestTrainingIsDeterministic(t *testing.T) {
	cfg := DefaultTrainerConfig()
	a, logA := trainVowels(t, cfg, 4, 4)
	b, logB := trainVowels(t, cfg, 4, 4)
	if !slices.Equal(a.Policy().Params, b.Policy().Params) {
		t.Fatal("two runs with the same seed and batches differ")
	}
	for i := range logA {
		if *logA[i].DPOStats != *logB[i].DPOStats || logA[i].Loss != logB[i].Loss {
			t.Fatalf("step %d metrics differ: %+v vs %+v", i, logA[i], logB[i])
		}
	}
}

// Accumulating micro-batches takes the same step as one pass over the
// whole batch, up to float32 summation order.
func TestGradientAccumulationTakesTheSameStep(t *testing.T) {
	pairs := vowelPairs(5, 12, "acc-")
	for _, phase := range []Phase{PhaseSFT, PhaseDPO} {
		t.Run(string(phase), func(t *testing.T) {
			var params [][]float32
			var losses []float64
			for _, k := range []int{1, 3} {
				cfg := DefaultTrainerConfig()
				cfg.Accumulate = k
				tr := mustTrainer(t, mustModel(t, tinyConfig), cfg)
				var m StepMetrics
				var err error
				if phase == PhaseSFT {
					m, err = tr.SFT(sftExamples(pairs))
				} else {
					tr.FreezeReference()
					if _, err = tr.DPO(pairs); err == nil { // the first step's gradient only moves off the reference
						m, err = tr.DPO(pairs)
					}
				}
				if err != nil {
					t.Fatal(err)
				}
				params, losses = append(params, tr.Policy().Params), append(losses, m.Loss)
			}
			if math.Abs(losses[0]-losses[1]) > 1e-5*math.Abs(losses[0]) {
				t.Fatalf("loss %v in one pass, %v in three micro-batches", losses[0], losses[1])
			}
			var worst float64
			for i := range params[0] {
				worst = max(worst, math.Abs(float64(params[0][i]-params[1][i])))
			}
			if worst > 1e-5 {
				t.Fatalf("weights differ by up to %g after the same step", worst)
			}
		})
	}
}

func TestReferenceIsFrozenAndCached(t *testing.T) {
	tr, _ := trainVowels(t, DefaultTrainerConfig(), 3, 0)
	snap := tr.Reference().Clone()
	pairs := vowelPairs(3, 8, "c-")
	for range 3 {
		if _, err := tr.DPO(pairs); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(snap.Params, tr.Reference().Params) {
		t.Fatal("DPO moved the reference")
	}
	if slices.Equal(snap.Params, tr.Policy().Params) {
		t.Fatal("DPO did not move the policy")
	}
	if len(tr.refCache) != 8 {
		t.Fatalf("cache holds %d pairs, want 8", len(tr.refCache))
	}
	want := logProbs(snap, []Sequence{{pairs[5].Prompt, pairs[5].Chosen}})[0]
	if got := tr.refCache[pairs[5].ID][0]; math.Abs(got-want) > 1e-4 {
		t.Fatalf("cached %v, reference scores %v", got, want)
	}
}

func TestTrainerRefusesMisuse(t *testing.T) {
	tr := mustTrainer(t, mustModel(t, tinyConfig), DefaultTrainerConfig())
	if _, err := tr.DPO(vowelPairs(1, 2, "x")); err == nil {
		t.Error("DPO before FreezeReference accepted")
	}
	if _, err := tr.SFT(nil); err == nil {
		t.Error("empty SFT batch accepted")
	}
	tr.FreezeReference()
	if _, err := tr.DPO(nil); err == nil {
		t.Error("empty DPO batch accepted")
	}
	for _, bad := range []TrainerConfig{{LR: -1}, {LR: 1, Accumulate: -1}, {LR: 1, SFTSchedule: Schedule{WarmupSteps: 5, DecaySteps: 2}}} {
		bad.DPO.Beta = 0.1
		if _, err := NewTrainer(mustModel(t, tinyConfig), byteTok{}, bad); err == nil {
			t.Errorf("config %+v accepted", bad)
		}
	}
	small := tinyConfig
	small.Vocab = 100
	if _, err := NewTrainer(mustModel(t, small), byteTok{}, DefaultTrainerConfig()); err == nil {
		t.Error("a 257-token tokenizer accepted for a 100-token model")
	}
	if tr.Steps() != 0 {
		t.Errorf("refused steps counted: %d", tr.Steps())
	}
}

// A step whose loss is not finite is refused and leaves the weights as
// they were.
func TestNonFiniteLossSkipsTheStep(t *testing.T) {
	m := mustModel(t, tinyConfig)
	tr := mustTrainer(t, m, DefaultTrainerConfig())
	m.Params[0] = float32(math.NaN()) // the first token's embedding: every sequence reads it
	before := append([]float32(nil), m.Params...)
	_, err := tr.SFT([]Sequence{{"\x00", "abc"}})
	if !errors.Is(err, ErrNotFinite) {
		t.Fatalf("err = %v, want ErrNotFinite (callers tell a divergence from other failures by it)", err)
	}
	for i := range before {
		if math.Float32bits(before[i]) != math.Float32bits(m.Params[i]) {
			t.Fatalf("parameter %d changed after a refused step", i)
		}
	}
	if tr.Steps() != 0 {
		t.Fatalf("a refused step was counted")
	}
}

// With rpo_alpha the DPO loss carries the chosen answers' mean per-token
// NLL: at the first step (policy = reference) it is ln 2 plus α·NLL, and
// training keeps the chosen answers at least as likely as pure DPO does.
func TestRPOAddsTheChosenNLL(t *testing.T) {
	pairs := vowelPairs(4, 16, "rpo-")
	run := func(alpha float64) (first, last StepMetrics) {
		cfg := DefaultTrainerConfig()
		cfg.DPOLR = 3e-3
		cfg.DPO.RPOAlpha = alpha
		tr := mustTrainer(t, mustModel(t, tinyConfig), cfg)
		tr.FreezeReference()
		for i := range 30 {
			m, err := tr.DPO(pairs)
			if err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				first = m
			}
			last = m
		}
		return first, last
	}
	m := mustModel(t, tinyConfig)
	lp := logProbs(m, pairSequences(pairs))
	var nll float64
	tokens := 0
	for i, p := range pairs {
		nll -= lp[i]
		tokens += len(p.Chosen) + 1
	}
	nll /= float64(tokens)
	first, lastRPO := run(0.5)
	if math.Abs(first.NLLLoss-nll) > 1e-4 || math.Abs(first.Loss-(math.Ln2+0.5*nll)) > 1e-4 {
		t.Fatalf("first step: loss %v, nll %v; want ln 2 + 0.5·%v", first.Loss, first.NLLLoss, nll)
	}
	_, lastDPO := run(0)
	t.Logf("logps/chosen after 30 steps: %.2f with rpo_alpha 0.5, %.2f without", lastRPO.LogpsChosen, lastDPO.LogpsChosen)
	if lastRPO.LogpsChosen < lastDPO.LogpsChosen {
		t.Fatalf("the NLL term left the chosen answers less likely (%.2f) than pure DPO (%.2f)", lastRPO.LogpsChosen, lastDPO.LogpsChosen)
	}
	if bad := (DPOConfig{Beta: 0.1, RPOAlpha: -1}); bad.Validate() == nil {
		t.Fatal("a negative rpo alpha was accepted")
	}
}

// TestPromptLossTrainsThePromptsToo checks PromptLossWeight: the reported
// loss stays the responses' alone, and the prompts' own likelihood rises
// only when they are weighted in.
func TestPromptLossTrainsThePromptsToo(t *testing.T) {
	corpus := []Sequence{
		{"Note: Grace lives in Cusco. Grace is 84. Q: name? ", "Grace"},
		{"Note: Liam lives in Perth. Liam is 48. Q: name? ", "Liam"},
		{"Note: Nils lives in Lima. Nils is 30. Q: name? ", "Nils"},
	}
	// promptNLL scores each prompt as a response to an empty prompt.
	promptNLL := func(m *gpt.Model) float64 {
		var seqs []Sequence
		for _, s := range corpus {
			seqs = append(seqs, Sequence{"", s.Prompt})
		}
		return nll(m, seqs)
	}
	run := func(weight float64) (first float64, before, after float64) {
		m := mustModel(t, smallConfig)
		before = promptNLL(m)
		cfg := DefaultTrainerConfig()
		cfg.LR, cfg.PromptLossWeight = 3e-3, weight
		tr := mustTrainer(t, m, cfg)
		for i := range 40 {
			s, err := tr.SFT(corpus)
			if err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				first = s.Loss
			}
		}
		return first, before, promptNLL(m)
	}
	off0, offBefore, offAfter := run(0)
	on0, onBefore, onAfter := run(1)
	if off0 != on0 {
		t.Errorf("first step's loss %v with the prompt loss, %v without: the reported loss must be the responses' alone", on0, off0)
	}
	t.Logf("prompt NLL per token: %.3f → %.3f without the prompt loss, %.3f → %.3f with it", offBefore, offAfter, onBefore, onAfter)
	if !(onAfter < 0.7*onBefore) || !(onAfter < offAfter) {
		t.Errorf("prompt NLL %.3f → %.3f with the prompt loss (%.3f without): the prompts were not learned", onBefore, onAfter, offAfter)
	}
	cfg := DefaultTrainerConfig()
	cfg.PromptLossWeight = -1
	if err := cfg.Validate(); err == nil {
		t.Error("a negative prompt loss weight validated")
	}
}
