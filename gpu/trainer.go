package gpu

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/agentarena/arena/gpu/gpt"
	"github.com/agentarena/arena/gpu/internal/finite"
)

// Pair is one preference: for Prompt, Chosen was judged better than
// Rejected. ID keys the reference log-prob cache, so it must identify the
// pair's content (arena pair ids never change once written); pairs with an
// empty ID are scored afresh every time.
type Pair struct {
	ID       string `json:"id"`
	Prompt   string `json:"prompt"`
	Chosen   string `json:"chosen"`
	Rejected string `json:"rejected"`
}

// TrainerConfig is the optimisation recipe. It is stored in checkpoints.
type TrainerConfig struct {
	// LR is the peak AdamW learning rate of supervised fine-tuning.
	LR float64 `json:"lr"`
	// DPOLR is the peak learning rate of DPO steps; 0 means LR. DPO wants
	// a much smaller one: it only has to tilt a model that already fits
	// the data, and a large one drives the rewards apart while the
	// answers themselves degrade.
	DPOLR float64 `json:"dpo_lr"`
	// ClipNorm bounds the global gradient norm; 0 disables clipping.
	ClipNorm float64 `json:"clip_norm"`
	// WeightDecay is AdamW's decoupled decay of matrices and embeddings.
	WeightDecay float64 `json:"weight_decay"`
	// Accumulate splits every step's batch into this many micro-batches
	// whose gradients add up before one update: the same step with less
	// activation memory. 0 or 1: one pass.
	Accumulate int `json:"accumulate"`
	// PromptLossWeight adds the prompts' own language-model loss to
	// supervised fine-tuning, at this weight against the responses'
	// (OpenAI's fine-tuning API called it prompt_loss_weight). A small
	// model learns to copy from its context sooner when the prompts,
	// which repeat the names and values their answers copy, are scored
	// too. 0: responses only; the reported loss is always theirs.
	PromptLossWeight float64   `json:"prompt_loss_weight,omitempty"`
	SFTSchedule      Schedule  `json:"sft_schedule"`
	DPOSchedule      Schedule  `json:"dpo_schedule"`
	DPO              DPOConfig `json:"dpo"`
}

// DefaultTrainerConfig is the recipe the tests and the trainer start from.
func DefaultTrainerConfig() TrainerConfig {
	return TrainerConfig{LR: 1e-3, DPOLR: 1e-4, ClipNorm: 1, WeightDecay: 0.1,
		SFTSchedule: Schedule{WarmupSteps: 10, MinRatio: 0.1}, DPOSchedule: Schedule{WarmupSteps: 5, MinRatio: 0.1},
		DPO: DPOConfig{Beta: 0.1, Loss: LossSigmoid}}
}

// Validate rejects recipes that cannot train.
func (c TrainerConfig) Validate() error {
	if !(c.LR > 0) || !(c.DPOLR >= 0) || !(c.ClipNorm >= 0) || !(c.WeightDecay >= 0) || c.Accumulate < 0 || !(c.PromptLossWeight >= 0) {
		return fmt.Errorf("trainer lr %v, dpo lr %v, clip norm %v, weight decay %v, accumulate %d, prompt loss weight %v: want lr > 0, the others ≥ 0",
			c.LR, c.DPOLR, c.ClipNorm, c.WeightDecay, c.Accumulate, c.PromptLossWeight)
	}
	if err := c.SFTSchedule.Validate(); err != nil {
		return fmt.Errorf("sft %w", err)
	}
	if err := c.DPOSchedule.Validate(); err != nil {
		return fmt.Errorf("dpo %w", err)
	}
	return c.DPO.Validate()
}

func (c TrainerConfig) dpoLR() float64 {
	if c.DPOLR > 0 {
		return c.DPOLR
	}
	return c.LR
}

// Phase says which objective a step optimised.
type Phase string

const (
	PhaseSFT Phase = "sft"
	PhaseDPO Phase = "dpo"
)

// StepMetrics is what one optimiser step reports, one JSONL line each.
// DPO steps carry the TRL reward metrics (flattened into the same JSON
// object); SFT steps leave them out.
type StepMetrics struct {
	Step  int     `json:"step"`
	Phase Phase   `json:"phase"`
	Loss  float64 `json:"loss"`
	*DPOStats
	// GradNorm is the global gradient norm before clipping.
	GradNorm     float64 `json:"grad_norm"`
	LearningRate float64 `json:"learning_rate"`
	// Sequences and Tokens count what the policy scored: pairs count
	// twice, and tokens are response tokens plus end-of-answer.
	Sequences int `json:"sequences"`
	Tokens    int `json:"tokens"`
	// Positions is every position the model ran over, prompts included:
	// what throughput (tokens/s) is measured in.
	Positions int `json:"positions"`
}

// maxRefCache bounds the reference cache; past it the cache is dropped
// and rebuilt, which only costs recomputation because the reference is
// frozen and its scores deterministic.
const maxRefCache = 1 << 20

// Trainer runs supervised fine-tuning, then DPO against a frozen copy of
// the fine-tuned model. It is not safe for concurrent use: one goroutine
// owns it.
type Trainer struct {
	// OnStep, if set, receives every step's metrics after the update.
	OnStep func(StepMetrics)

	tok      Tokenizer
	cfg      TrainerConfig
	policy   *gpt.Model
	ref      *gpt.Model
	refCache map[string][2]float64
	opt      *AdamW
	grad     []float32
	steps    int
	cursor   string
	program  json.RawMessage
	act      *gpt.Activations
	refAct   *gpt.Activations
	dpos     []float32
	// eng, when set, does the passes and updates (UseEngine); stale
	// says the host policy's weights (staleMoments: AdamW's moments)
	// are behind the engine's.
	eng                 Engine
	stale, staleMoments bool
}

// NewTrainer trains policy (in place), reading text through tok.
func NewTrainer(policy *gpt.Model, tok Tokenizer, cfg TrainerConfig) (*Trainer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := policy.Config.Validate(); err != nil {
		return nil, err
	}
	if n := policy.Config.NumParams(); len(policy.Params) != n {
		return nil, fmt.Errorf("model has %d parameters, its config %d", len(policy.Params), n)
	}
	if tok.Vocab() > policy.Config.Vocab {
		return nil, fmt.Errorf("the tokenizer has %d tokens, the model's vocabulary only %d", tok.Vocab(), policy.Config.Vocab)
	}
	return &Trainer{tok: tok, cfg: cfg, policy: policy, opt: NewAdamW(policy, cfg.WeightDecay),
		grad: make([]float32, len(policy.Params))}, nil
}

// Policy is the model being trained (live, not a copy: Clone it to keep a
// snapshot). On an engine its weights are copied back first; should that
// fail, the copy is the last good one and the next step reports the
// engine's error. Reference is the frozen model, nil before
// FreezeReference.
func (t *Trainer) Policy() *gpt.Model {
	_ = t.Sync(false)
	return t.policy
}
func (t *Trainer) Reference() *gpt.Model { return t.ref }
func (t *Trainer) Tokenizer() Tokenizer  { return t.tok }
func (t *Trainer) Config() TrainerConfig { return t.cfg }

// Steps is the number of optimiser steps taken, SFT and DPO together.
func (t *Trainer) Steps() int { return t.steps }

// Cursor is the preference-export cursor of the last pair trained on. The
// trainer does not interpret it; it stores it so that a checkpoint says
// where in the pair stream to resume.
func (t *Trainer) Cursor() string     { return t.cursor }
func (t *Trainer) SetCursor(c string) { t.cursor = c }

// ProgramState is the training program's own state the next Save stores
// beside the trainer's (CheckpointHeader.Program), and Resume restores.
func (t *Trainer) ProgramState() json.RawMessage     { return t.program }
func (t *Trainer) SetProgramState(s json.RawMessage) { t.program = s }

// chunks splits n items into the configured number of micro-batches.
func (t *Trainer) chunks(n int) [][2]int {
	return split(n, min(max(t.cfg.Accumulate, 1), n))
}

// evalPairs is how many pairs Evaluate scores per forward pass: it takes
// any number of pairs (a whole held-out set), and one pass over all of
// them would hold every sequence's activations at once.
const evalPairs = 8

// split cuts n items into k nearly equal consecutive ranges.
func split(n, k int) [][2]int {
	out := make([][2]int, 0, k)
	for i := range k {
		out = append(out, [2]int{i * n / k, (i + 1) * n / k})
	}
	return out
}

// SFT takes one step on the mean per-token negative log-likelihood of the
// responses in batch.
func (t *Trainer) SFT(batch []Sequence) (StepMetrics, error) {
	if len(batch) == 0 {
		return StepMetrics{}, errors.New("sft: empty batch")
	}
	parts := t.chunks(len(batch))
	enc := make([]encoded, len(parts))
	total, prompts := 0, 0
	for i, c := range parts {
		enc[i] = encode(t.tok, batch[c[0]:c[1]], t.policy.Config.BlockSize)
		for _, n := range enc[i].tokens {
			total += n
		}
		if t.cfg.PromptLossWeight > 0 {
			prompts += enc[i].scorePrompts()
		}
	}
	if total == 0 {
		return StepMetrics{}, errors.New("sft: no response tokens in the batch")
	}
	if err := t.zeroGrad(); err != nil {
		return StepMetrics{}, errEngine(PhaseSFT, t.steps+1, err)
	}
	var loss float64
	positions := 0
	// The loss is the mean over response tokens plus the weighted mean
	// over prompt tokens; each position's gradient is its share of that.
	dResp := float32(-1 / float64(total))
	dPrompt := float32(-t.cfg.PromptLossWeight / float64(max(prompts, 1)))
	for _, e := range enc {
		logp, err := t.forward(e.batch, false)
		if err != nil {
			return StepMetrics{}, errEngine(PhaseSFT, t.steps+1, err)
		}
		T := e.batch.T
		t.dpos = grow(t.dpos, e.batch.B*T)
		for b := range e.batch.B {
			for p := range T {
				i := b*T + p
				switch {
				case e.batch.Targets[i] < 0:
					t.dpos[i] = 0
				case e.isPrompt(b, p):
					t.dpos[i] = dPrompt
				default:
					t.dpos[i] = dResp
					loss -= float64(logp[i]) / float64(total)
				}
			}
		}
		if err := t.backward(t.dpos); err != nil {
			return StepMetrics{}, errEngine(PhaseSFT, t.steps+1, err)
		}
		positions += e.batch.B * e.batch.T
	}
	lr := t.cfg.SFTSchedule.Rate(t.cfg.LR, t.opt.Steps+1)
	return t.update(PhaseSFT, lr, loss, nil, len(batch), total, positions)
}

// FreezeReference makes a deep copy of the policy the DPO reference and
// restarts AdamW, as a separate DPO run after SFT would: the SFT moments
// describe a different objective. It fails only on an engine.
func (t *Trainer) FreezeReference() error {
	if t.eng != nil {
		if err := t.Sync(false); err != nil {
			return err
		}
		if err := t.eng.FreezeReference(); err != nil {
			return fmt.Errorf("freezing the reference on %s: %w", t.eng.Name(), err)
		}
		t.staleMoments = false
	}
	t.ref = t.policy.Clone()
	t.refCache = nil
	t.opt.Reset()
	return nil
}

// RestartOptimizer begins a new SFT phase: AdamW's moments and step
// count return to zero, so the phase's learning-rate schedule warms up
// again from its first step. Without it every version after the first
// ran its SFT on the DPO phase's moments (another objective) and at the
// schedule's floor, since the schedule counts the optimiser's steps.
// FreezeReference does the same before DPO.
func (t *Trainer) RestartOptimizer() error {
	if t.eng != nil {
		if err := t.Sync(false); err != nil {
			return err
		}
	}
	t.opt.Reset()
	if t.eng == nil {
		return nil
	}
	st := EngineState{Params: t.policy.Params, M: t.opt.M, V: t.opt.V, AdamSteps: t.opt.Steps}
	if t.ref != nil {
		st.Ref = t.ref.Params
	}
	if err := t.eng.Push(st); err != nil {
		return fmt.Errorf("restarting the optimiser on %s: %w", t.eng.Name(), err)
	}
	t.stale, t.staleMoments = false, false
	return nil
}

// SetSchedules replaces the phases' learning-rate schedules: a resumed run
// follows the phase lengths it is given, not those of the run that saved
// the checkpoint.
func (t *Trainer) SetSchedules(sft, dpo Schedule) error {
	if err := sft.Validate(); err != nil {
		return fmt.Errorf("SFT %w", err)
	}
	if err := dpo.Validate(); err != nil {
		return fmt.Errorf("DPO %w", err)
	}
	t.cfg.SFTSchedule, t.cfg.DPOSchedule = sft, dpo
	return nil
}

// DPO takes one step on the configured preference loss over pairs (plus
// the chosen answers' NLL, weighted by RPOAlpha, when that is set).
func (t *Trainer) DPO(pairs []Pair) (StepMetrics, error) {
	if err := t.checkPairs(pairs); err != nil {
		return StepMetrics{}, err
	}
	parts := t.chunks(len(pairs))
	refC, refR, err := t.refLogProbs(pairs, parts)
	if err != nil {
		return StepMetrics{}, errEngine(PhaseDPO, t.steps+1, err)
	}
	enc := make([]encoded, len(parts))
	chosenTokens, tokens := 0, 0
	for i, c := range parts {
		enc[i] = encode(t.tok, pairSequences(pairs[c[0]:c[1]]), t.policy.Config.BlockSize)
		for j, x := range enc[i].tokens {
			tokens += x
			if j < c[1]-c[0] {
				chosenTokens += x
			}
		}
	}
	alpha := t.cfg.DPO.RPOAlpha
	if err := t.zeroGrad(); err != nil {
		return StepMetrics{}, errEngine(PhaseDPO, t.steps+1, err)
	}
	var res DPOResult
	var nll float64
	positions := 0
	n := float64(len(pairs))
	for i, c := range parts {
		lo, hi, e := c[0], c[1], enc[i]
		w := float64(hi-lo) / n
		logp, part, err := t.scorePart(e, refC[lo:hi], refR[lo:hi])
		if err != nil {
			return StepMetrics{}, err
		}
		k := hi - lo
		d := make([]float64, 2*k)
		for j := range k {
			d[j], d[k+j] = part.DChosen[j]*w, part.DRejected[j]*w
			if alpha > 0 && chosenTokens > 0 {
				d[j] -= alpha / float64(chosenTokens)
				nll -= logp[j] / float64(chosenTokens)
			}
		}
		t.dpos = e.spread(d, t.dpos)
		if err := t.backward(t.dpos); err != nil {
			return StepMetrics{}, errEngine(PhaseDPO, t.steps+1, err)
		}
		res.Loss += part.Loss * w
		res.Stats = res.Stats.add(part.Stats, w)
		positions += e.batch.B * e.batch.T
	}
	if alpha > 0 {
		res.Loss += alpha * nll
		res.Stats.NLLLoss = nll
	}
	lr := t.cfg.DPOSchedule.Rate(t.cfg.dpoLR(), t.opt.Steps+1)
	return t.update(PhaseDPO, lr, res.Loss, &res.Stats, 2*len(pairs), tokens, positions)
}

// Evaluate scores pairs (say, held-out ones) without changing anything
// but the reference cache: the mean loss and TRL's reward metrics.
func (t *Trainer) Evaluate(pairs []Pair) (DPOResult, error) {
	if err := t.checkPairs(pairs); err != nil {
		return DPOResult{}, err
	}
	per := t.evalPerPass()
	parts := split(len(pairs), (len(pairs)+per-1)/per)
	refC, refR, err := t.refLogProbs(pairs, parts)
	if err != nil {
		return DPOResult{}, fmt.Errorf("evaluate: %w", err)
	}
	var res DPOResult
	n := float64(len(pairs))
	for _, c := range parts {
		lo, hi := c[0], c[1]
		e := encode(t.tok, pairSequences(pairs[lo:hi]), t.policy.Config.BlockSize)
		_, part, err := t.scorePart(e, refC[lo:hi], refR[lo:hi])
		if err != nil {
			return DPOResult{}, err
		}
		w := float64(hi-lo) / n
		res.Loss += part.Loss * w
		res.Stats = res.Stats.add(part.Stats, w)
	}
	return res, nil
}

// scorePart runs the policy over one micro-batch of pairs (chosen
// responses, then rejected) and evaluates the loss against the
// reference's scores, leaving the activations in t.act for a backward.
func (t *Trainer) scorePart(e encoded, refC, refR []float64) ([]float64, DPOResult, error) {
	tlp, err := t.forward(e.batch, false)
	if err != nil {
		return nil, DPOResult{}, err
	}
	logp := e.seqLogP(tlp)
	k := len(refC)
	res, err := DPOLoss(t.cfg.DPO, logp[:k], logp[k:], refC, refR)
	return logp, res, err
}

func (t *Trainer) checkPairs(pairs []Pair) error {
	if t.ref == nil {
		return errors.New("dpo: no reference model (call FreezeReference after SFT)")
	}
	if len(pairs) == 0 {
		return errors.New("dpo: empty batch")
	}
	return nil
}

// add returns s plus w·o: the weighted mean of micro-batch metrics.
func (s DPOStats) add(o DPOStats, w float64) DPOStats {
	s.RewardsChosen += w * o.RewardsChosen
	s.RewardsRejected += w * o.RewardsRejected
	s.RewardsAccuracies += w * o.RewardsAccuracies
	s.RewardsMargins += w * o.RewardsMargins
	s.LogpsChosen += w * o.LogpsChosen
	s.LogpsRejected += w * o.LogpsRejected
	return s
}

// pairSequences lists the chosen responses of pairs, then the rejected
// ones.
func pairSequences(pairs []Pair) []Sequence {
	seqs := make([]Sequence, 2*len(pairs))
	for k, p := range pairs {
		seqs[k] = Sequence{Prompt: p.Prompt, Response: p.Chosen}
		seqs[len(pairs)+k] = Sequence{Prompt: p.Prompt, Response: p.Rejected}
	}
	return seqs
}

// refLogProbs returns the reference's log-probs of each pair's chosen and
// rejected response, scoring the uncached ones in as many passes as parts
// has ranges. Each pair is scored by the frozen model once, however many
// epochs see it.
func (t *Trainer) refLogProbs(pairs []Pair, parts [][2]int) (chosen, rejected []float64, err error) {
	chosen = make([]float64, len(pairs))
	rejected = make([]float64, len(pairs))
	var miss []Pair
	var at []int
	for i, p := range pairs {
		if v, ok := t.refCache[p.ID]; ok && p.ID != "" {
			chosen[i], rejected[i] = v[0], v[1]
		} else {
			miss, at = append(miss, p), append(at, i)
		}
	}
	if len(miss) == 0 {
		return chosen, rejected, nil
	}
	if t.refCache == nil || len(t.refCache)+len(miss) > maxRefCache {
		t.refCache = make(map[string][2]float64)
	}
	for _, c := range split(len(miss), min(len(parts), len(miss))) {
		part := miss[c[0]:c[1]]
		e := encode(t.tok, pairSequences(part), t.ref.Config.BlockSize)
		tlp, err := t.forward(e.batch, true)
		if err != nil {
			return nil, nil, err
		}
		logp := e.seqLogP(tlp)
		for k, p := range part {
			i := at[c[0]+k]
			chosen[i], rejected[i] = logp[k], logp[len(part)+k]
			if p.ID != "" {
				t.refCache[p.ID] = [2]float64{chosen[i], rejected[i]}
			}
		}
	}
	return chosen, rejected, nil
}

// ErrNotFinite marks a step refused because its loss or gradient was NaN
// or infinite: training diverged (most often a learning rate too high for
// the model), and a caller can say what to change. It is the same error
// on every backend (package finite).
var ErrNotFinite = finite.ErrNotFinite

// update clips the accumulated gradient and applies AdamW. A non-finite
// loss or gradient is refused before it can poison the weights: the step
// is skipped and the error says so.
func (t *Trainer) update(phase Phase, lr, loss float64, st *DPOStats, seqs, tokens, positions int) (StepMetrics, error) {
	if err := finite.Check("loss", loss); err != nil {
		return StepMetrics{}, errors.Join(fmt.Errorf("%s step %d: %w", phase, t.steps+1, err), t.zeroGrad())
	}
	norm, err := t.clipNorm()
	if err != nil {
		return StepMetrics{}, errEngine(phase, t.steps+1, err)
	}
	if err := finite.Check("gradient norm", norm); err != nil {
		return StepMetrics{}, errors.Join(fmt.Errorf("%s step %d: %w", phase, t.steps+1, err), t.zeroGrad())
	}
	if err := t.apply(lr); err != nil {
		return StepMetrics{}, errEngine(phase, t.steps+1, err)
	}
	t.steps++
	m := StepMetrics{Step: t.steps, Phase: phase, Loss: loss, DPOStats: st, GradNorm: norm,
		LearningRate: lr, Sequences: seqs, Tokens: tokens, Positions: positions}
	if t.OnStep != nil {
		t.OnStep(m)
	}
	return m, nil
}
