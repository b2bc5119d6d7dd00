package gpu

import (
	"math"
	"testing"
)

// nll is the mean negative log-likelihood per scored byte.
func nll(m *Model, seqs []Sequence) float64 {
	p := m.Forward(NewCPU(), seqs, nil)
	loss, _, _ := SFTLoss(p.LogP, p.Tokens)
	return loss
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
	tr := mustTrainer(t, m, TrainerConfig{LR: 1e-2, ClipNorm: 1, DPO: DPOConfig{Beta: 0.1}})
	var steps []StepMetrics
	tr.OnStep = func(s StepMetrics) { steps = append(steps, s) }
	for range 150 {
		if _, err := tr.SFT(corpus); err != nil {
			t.Fatal(err)
		}
	}
	after := nll(m, corpus)
	t.Logf("NLL per byte %.3f → %.3f (uniform is %.3f)", before, after, math.Log(Vocab))
	if after > 0.3*before {
		t.Fatalf("NLL per byte %.3f → %.3f: fine-tuning did not learn the corpus", before, after)
	}
	if len(steps) != 150 || steps[0].Step != 1 || steps[0].Phase != PhaseSFT || steps[0].DPOStats != nil {
		t.Fatalf("callback saw %d steps, first %+v", len(steps), steps[0])
	}
	tokens := 0
	for _, s := range corpus {
		tokens += len(s.Response) + 1 // EOS is scored too
	}
	if steps[0].Tokens != tokens || steps[0].Sequences != 4 {
		t.Errorf("first step counted %d tokens over %d sequences", steps[0].Tokens, steps[0].Sequences)
	}
}

// trainVowels runs the synthetic preference experiment: SFT on both kinds
// of answer, freeze, then DPO towards the vowel answers.
func trainVowels(t *testing.T, cfg TrainerConfig, sftSteps, dpoSteps int) (*Trainer, []StepMetrics) {
	t.Helper()
	train := vowelPairs(1, 64, "train-")
	tr := mustTrainer(t, mustModel(t, smallConfig), cfg)
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
	cfg.LR, cfg.DPOLR = 1e-2, 5e-3
	tr, log := trainVowels(t, cfg, 60, 60)
	first, last := log[0], log[len(log)-1]
	if math.Abs(first.Loss-math.Ln2) > 1e-12 || first.RewardsMargins != 0 {
		t.Errorf("first DPO step (policy = reference): loss %v margin %v, want ln 2 and 0", first.Loss, first.RewardsMargins)
	}
	t.Logf("train: loss %.3f → %.3f, accuracy %.2f, margin %.2f", first.Loss, last.Loss, last.RewardsAccuracies, last.RewardsMargins)
	if last.RewardsAccuracies < 0.9 || last.RewardsMargins <= 0 || last.Loss >= first.Loss {
		t.Fatalf("after DPO: %+v", *last.DPOStats)
	}

	held := vowelPairs(2, 64, "held-")
	ref := tr.Reference()
	res, err := tr.Evaluate(held)
	if err != nil {
		t.Fatal(err)
	}
	polC, polR := tr.pass.LogP[:64], tr.pass.LogP[64:]
	refLP := ref.LogProbs(NewCPU(), pairSequences(held, nil))
	prefer, preferBefore := 0, 0
	for i := range held {
		if polC[i] > polR[i] {
			prefer++
		}
		if refLP[i] > refLP[64+i] {
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
	a, logA := trainVowels(t, cfg, 5, 5)
	b, logB := trainVowels(t, cfg, 5, 5)
	if !equalFloats(a.Policy().Params, b.Policy().Params) {
		t.Fatal("two runs with the same seed and batches differ")
	}
	for i := range logA {
		if *logA[i].DPOStats != *logB[i].DPOStats || logA[i].Loss != logB[i].Loss {
			t.Fatalf("step %d metrics differ: %+v vs %+v", i, logA[i], logB[i])
		}
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
	if !equalFloats(snap.Params, tr.Reference().Params) {
		t.Fatal("DPO moved the reference")
	}
	if equalFloats(snap.Params, tr.Policy().Params) {
		t.Fatal("DPO did not move the policy")
	}
	if len(tr.refCache) != 8 {
		t.Fatalf("cache holds %d pairs, want 8", len(tr.refCache))
	}
	// A cached score is the frozen model's score.
	want := snap.LogProbs(NewCPU(), []Sequence{{pairs[5].Prompt, pairs[5].Chosen}})[0]
	if got := tr.refCache[pairs[5].ID][0]; got != want {
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
	if _, err := NewTrainer(NewCPU(), mustModel(t, tinyConfig), TrainerConfig{LR: -1}); err == nil {
		t.Error("negative learning rate accepted")
	}
	if tr.Steps() != 0 {
		t.Errorf("refused steps counted: %d", tr.Steps())
	}
}
