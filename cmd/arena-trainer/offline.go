package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/agentarena/arena/games/verifiable"
	"github.com/agentarena/arena/gpu"
	"github.com/agentarena/arena/gpu/gpt"
)

// offlineOptions configures the measured loop.
type offlineOptions struct {
	Model                        modelOptions
	Out                          string
	Versions, SFTSteps, DPOSteps int
	Batch, Accumulate            int
	LR, DPOLR, Beta, RPOAlpha    float64
	PromptLoss                   float64
	Loss                         string
	TrainTasks, EvalTasks        int
	OnPolicyTasks, Samples       int
	Families, HeldOut, Levels    string
	HeldOutPercent, MaxTokens    int
	Temp                         float64
}

// Version is one trained version's row of the offline report.
type Version struct {
	Version int `json:"version"`
	Steps   int `json:"steps"`
	// Heldout is the checker's verdict on held-out instances of the
	// trained families; Unseen on the held-out families (none trained).
	Heldout accuracy `json:"heldout"`
	// AfterSFT is held-out accuracy after this version's SFT, before its
	// DPO: the two side by side say what DPO itself did.
	AfterSFT float64   `json:"heldout_after_sft"`
	Unseen   *accuracy `json:"unseen,omitempty"`
	// Train is TRL's DPO metrics on training pairs, the mean over this
	// version's DPO steps (dpoMean); DPO the same metrics on held-out
	// pairs after its last step, against this version's reference. Each
	// is absent when not measured: no DPO step (-dpo-steps 0), or no
	// held-out pair.
	DPO   *gpu.DPOStats `json:"dpo_heldout,omitempty"`
	Train *gpu.DPOStats `json:"dpo_train,omitempty"`
	// SFTExamples and Pairs are the data this version trained on (the
	// learner's own passing and failing samples included).
	SFTExamples int `json:"sft_examples"`
	Pairs       int `json:"pairs"`
}

// Summary is what an offline run measured.
type Summary struct {
	Preset   string    `json:"preset"`
	Params   int       `json:"params"`
	Versions []Version `json:"versions"`
	// Verdict says whether the run learned: "climbing" when held-out
	// accuracy rose version over version, "overfit" when DPO's own reward
	// accuracy (the last version's mean over its DPO steps) saturated
	// while held-out accuracy fell (the failure DPO is
	// known for), "not measured" without held-out tasks, else "flat".
	Verdict string  `json:"verdict"`
	Seconds float64 `json:"seconds"`
}

func runOffline(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("arena-trainer offline", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o offlineOptions
	o.Model.register(fs, "cpu")
	fs.StringVar(&o.Out, "out", "train-out", "directory for metrics.jsonl, curve.svg, summary.json and the checkpoint")
	fs.IntVar(&o.Versions, "versions", 4, "versions the run trains in all; each is SFT, then DPO against the SFT model (the same command in the same -out resumes from the last saved version)")
	fs.IntVar(&o.SFTSteps, "sft-steps", 150, "supervised steps per version")
	fs.IntVar(&o.DPOSteps, "dpo-steps", 40, "DPO steps per version")
	fs.IntVar(&o.Batch, "batch", 16, "sequences (SFT) or pairs (DPO) per step")
	fs.IntVar(&o.Accumulate, "accumulate", 1, "micro-batches per step (gradient accumulation)")
	fs.Float64Var(&o.LR, "lr", 1e-3, "peak SFT learning rate")
	fs.Float64Var(&o.DPOLR, "dpo-lr", 1e-4, "peak DPO learning rate")
	fs.Float64Var(&o.Beta, "beta", 0.1, "DPO beta")
	fs.Float64Var(&o.PromptLoss, "prompt-loss", 0, "weight of the prompts' own language-model loss in SFT steps (0: responses only)")
	fs.Float64Var(&o.RPOAlpha, "rpo-alpha", 1, "weight of the chosen answers' NLL added to the DPO loss (TRL's rpo_alpha; 0: pure DPO)")
	fs.StringVar(&o.Loss, "loss", "sigmoid", "sigmoid, ipo or hinge")
	fs.IntVar(&o.TrainTasks, "train-tasks", 2000, "training tasks the bots answer (SFT examples and pairs)")
	fs.IntVar(&o.EvalTasks, "eval-tasks", 100, "held-out tasks each version is checked on")
	fs.IntVar(&o.OnPolicyTasks, "onpolicy-tasks", 48, "training tasks the learner answers itself each version (its pairs and passing answers join the data)")
	fs.IntVar(&o.Samples, "samples", 4, "answers the learner samples per on-policy task")
	fs.StringVar(&o.Families, "families", "", "comma-separated task families to train and evaluate on (default all)")
	fs.StringVar(&o.Levels, "levels", "", "comma-separated difficulty levels 1-3 (default all)")
	fs.StringVar(&o.HeldOut, "heldout-families", "", "comma-separated families never trained on, evaluated separately")
	fs.IntVar(&o.HeldOutPercent, "heldout-percent", 10, "percent of task instances kept for evaluation only")
	fs.IntVar(&o.MaxTokens, "max-tokens", 128, "tokens sampled per answer at most (the longest ANSWER: line of a level-3 extraction is about 120 bytes)")
	fs.Float64Var(&o.Temp, "temperature", 0.8, "sampling temperature of on-policy answers")
	if err := fs.Parse(args); err != nil {
		return parseError(err)
	}
	if err := atLeast(fs, map[string]int{"versions": 1, "sft-steps": 0, "dpo-steps": 0, "batch": 1, "accumulate": 1, "train-tasks": 1, "eval-tasks": 0, "onpolicy-tasks": 0, "samples": 1, "max-tokens": 1, "context": 0, "heldout-percent": 0}); err != nil {
		return err
	}
	if o.HeldOutPercent >= 100 {
		return fmt.Errorf("-heldout-percent must be below 100 (it holds that share of instances out of training), got %d", o.HeldOutPercent)
	}
	if err := contextFlag(fs); err != nil {
		return err
	}
	if err := realFlags(fs, []string{"lr", "dpo-lr", "beta"}, []string{"prompt-loss", "rpo-alpha", "temperature"}); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		// The flag package stops at the first word that is not a flag and
		// ignores every flag after it: refuse rather than run on defaults.
		return fmt.Errorf("unexpected argument %q: every option is a flag (see -h), and flags after it were not read", fs.Arg(0))
	}
	if err := checkDevice(o.Model.Device); err != nil {
		return err
	}
	start := time.Now()
	ckpt := filepath.Join(o.Out, "policy.ckpt")
	tr, st, err := o.resume(ckpt, fs, stderr)
	if err != nil {
		return err
	}
	if st.Version >= o.Versions {
		fmt.Fprintf(stderr, "%s already holds version %d, and -versions asks for %d: nothing to train (give a larger -versions to train on, or another -out for a new run)\n",
			ckpt, st.Version, o.Versions)
		fmt.Fprint(stdout, table(Summary{Preset: o.Model.Preset, Params: len(tr.Policy().Params), Versions: st.Versions, Verdict: verdict(st.Versions), Seconds: st.Seconds}))
		return nil
	}
	// -out is created by the first step's metrics line or the first
	// version's files: a run refused below leaves nothing behind.
	data, err := o.tasks()
	if err != nil {
		return err
	}
	if tr == nil {
		if tr, err = o.newTrainer(); err != nil {
			return err
		}
	}
	model := tr.Policy()
	release, err := attachDevice(tr, o.Model.Device, o.Batch, o.Accumulate, stderr)
	if err != nil {
		return err
	}
	defer release()
	fmt.Fprintf(stderr, "model: preset %s, %d layers, %d heads, width %d, context %d, %s tokens: %.2fM parameters\n",
		o.Model.Preset, model.Config.NLayer, model.Config.NHead, model.Config.NEmbd, model.Config.BlockSize, tr.Tokenizer().Name(), float64(len(model.Params))/1e6)
	fmt.Fprintf(stderr, "data: %d training tasks → %d passing answers, %d pairs; %d held-out tasks (%d pairs)%s\n",
		len(data.train), len(data.sft), len(data.pairs), len(data.eval), len(data.evalPairs), data.unseenNote())

	// The versions saved before carry on: the learner's own answers join
	// the data again, and the batches and samples draw on from where the
	// checkpoint's random state left off.
	sft, pairs := slices.Clone(data.sft), slices.Clone(data.pairs)
	s, p, err := o.learnerData(data, st.Learner)
	if err != nil {
		return err
	}
	sft, pairs = append(sft, s...), append(pairs, p...)
	pcg := rand.NewPCG(o.Model.Seed, 7)
	if st.Version > 0 {
		if err := pcg.UnmarshalBinary(st.RNG); err != nil {
			return fmt.Errorf("%s: the offline run's random state: %w", ckpt, err)
		}
		next := fmt.Sprintf("version %d", o.Versions)
		if o.Versions > st.Version+1 {
			next = fmt.Sprintf("versions %d to %d", st.Version+1, o.Versions)
		}
		fmt.Fprintf(stderr, "resumed from %s at version %d (step %d); training %s\n", ckpt, st.Version, tr.Steps(), next)
	}
	rng := rand.New(pcg)
	mlog, err := openMetrics(o.Out, tr.Steps())
	if err != nil {
		return err
	}
	defer mlog.Close()
	prog := newProgress(stderr, (o.Versions-st.Version)*(o.SFTSteps+o.DPOSteps))
	prog.base = tr.Steps()
	defer prog.done() // an error is printed on a line of its own, not after the bar
	tr.OnStep = func(m gpu.StepMetrics) {
		_ = mlog.Write(m)
		prog.step(m)
	}
	sum := Summary{Preset: o.Model.Preset, Params: len(model.Params), Versions: st.Versions}
	saved, savedStep := st.Version, tr.Steps() // the last version in policy.ckpt, and its step
	// failed is o.failed, saying too what the log keeps of the steps
	// after the checkpoint.
	failed := func(v int, err error) error {
		return fmt.Errorf("%w%s", o.failed(v, saved, err), unsavedSteps(savedStep, tr.Steps()))
	}
	for v := saved + 1; v <= o.Versions && ctx.Err() == nil; v++ {
		var learned []learnerAnswers
		if v > 1 {
			// The learner answers training tasks itself: its passing
			// answers join the SFT data and its answers, ranked by the
			// checker against each other and the bots', join the pairs —
			// the pairs the arena records when it plays.
			learned, err = o.onPolicy(ctx, tr, data, v, rng)
			if ctx.Err() != nil {
				break // said below, as every interruption is
			}
			if err != nil {
				return failed(v, err)
			}
			s, p, err := o.learnerData(data, learned)
			if err != nil {
				return failed(v, err)
			}
			sft, pairs = append(sft, s...), append(pairs, p...)
		}
		row := Version{Version: v, SFTExamples: len(sft), Pairs: len(pairs)}
		if err := tr.RestartOptimizer(); err != nil {
			return failed(v, err)
		}
		for i := 0; i < o.SFTSteps && ctx.Err() == nil; i++ {
			batch := make([]gpu.Sequence, o.Batch)
			for j := range batch {
				batch[j] = sft[rng.IntN(len(sft))]
			}
			if _, err := tr.SFT(batch); err != nil {
				return failed(v, err)
			}
		}
		prog.pause()
		trained := trainedPrompts(sft, pairs)
		if a, err := evaluateTrainer(ctx, tr, data.eval, o.MaxTokens, trained); err == nil {
			row.AfterSFT = a.Passed
		}
		if err := tr.FreezeReference(); err != nil {
			return err
		}
		var train dpoMean
		for i := 0; i < o.DPOSteps && ctx.Err() == nil; i++ {
			batch := make([]gpu.Pair, o.Batch)
			for j := range batch {
				batch[j] = pairs[rng.IntN(len(pairs))]
			}
			m, err := tr.DPO(batch)
			if err != nil {
				return failed(v, err)
			}
			train.add(*m.DPOStats)
		}
		if ctx.Err() != nil {
			break
		}
		prog.pause()
		row.Steps, row.Train = tr.Steps(), train.mean()
		// Without a DPO step the policy is its reference, whose rewards
		// are 0 by definition: nothing to measure.
		if res, err := tr.Evaluate(data.evalPairs); err == nil && row.Train != nil {
			row.DPO = &res.Stats
		}
		if row.Heldout, err = evaluateTrainer(ctx, tr, data.eval, o.MaxTokens, trained); err != nil {
			if ctx.Err() != nil {
				break
			}
			return err
		}
		if len(data.unseen) > 0 {
			u, err := evaluateTrainer(ctx, tr, data.unseen, o.MaxTokens, trained)
			if err != nil {
				if ctx.Err() != nil {
					break
				}
				return err
			}
			row.Unseen = &u
		}
		sum.Versions = append(sum.Versions, row)
		if row.Heldout.Tasks == 0 {
			fmt.Fprintf(stderr, "version %d (step %d): held-out accuracy not measured (-eval-tasks 0); %s\n", v, row.Steps, o.dpoSays(row))
		} else {
			fmt.Fprintf(stderr, "version %d (step %d): held-out accuracy %.3f after SFT, %.3f after DPO (score %.3f, formatted %.2f); %s\n",
				v, row.Steps, row.AfterSFT, row.Heldout.Passed, row.Heldout.Score, row.Heldout.Formatted, o.dpoSays(row))
		}
		if row.Unseen != nil {
			fmt.Fprintf(stderr, "version %d (step %d): held-out families %s: accuracy %.3f (score %.3f, formatted %.2f)\n",
				v, row.Steps, o.HeldOut, row.Unseen.Passed, row.Unseen.Score, row.Unseen.Formatted)
		}
		// The version's weights first: a crash between the two files
		// leaves the checkpoint at the version before, which a rerun
		// trains again and writes this file anew. (-out exists unless
		// the version had no step at all.)
		if err := os.MkdirAll(o.Out, 0o755); err != nil {
			return err
		}
		if err := gpu.SaveWeights(filepath.Join(o.Out, fmt.Sprintf("v%d.safetensors", v)), tr.Policy()); err != nil {
			return err
		}
		st.Version, st.Versions, st.Learner = v, sum.Versions, append(st.Learner, learned...)
		st.Seconds += time.Since(start).Seconds()
		start = time.Now()
		if err := st.save(tr, pcg); err != nil {
			return err
		}
		if err := tr.Save(ckpt); err != nil {
			return err
		}
		saved, savedStep = v, tr.Steps()
	}
	prog.done()
	sum.Verdict = verdict(sum.Versions)
	sum.Seconds = st.Seconds + time.Since(start).Seconds()
	if len(sum.Versions) > 0 {
		// The report is of the saved versions: a run interrupted before
		// its first has none to report.
		if err := drawCurve(o.Out, "SFT then DPO on verifiable-task preferences, version by version", savedStep); err != nil {
			return err
		}
		b, _ := json.MarshalIndent(sum, "", "  ")
		if err := os.WriteFile(filepath.Join(o.Out, "summary.json"), append(b, '\n'), 0o644); err != nil {
			return err
		}
		fmt.Fprint(stdout, table(sum))
	}
	if ctx.Err() != nil {
		return failed(saved+1, errors.New("interrupted; its steps are dropped"))
	}
	return nil
}

// newTrainer is a new run's trainer: a fresh model (or -init's weights)
// and the flags' training settings.
func (o offlineOptions) newTrainer() (*gpu.Trainer, error) {
	tok, err := openTokenizer(o.Model.Tokenizer, o.Model.Vocab, o.Model.Merges)
	if err != nil {
		return nil, err
	}
	model, err := o.Model.newModel(tok, 2*o.Batch/max(o.Accumulate, 1))
	if err != nil {
		return nil, err
	}
	cfg := gpu.DefaultTrainerConfig()
	cfg.LR, cfg.DPOLR, cfg.Accumulate, cfg.PromptLossWeight = o.LR, o.DPOLR, o.Accumulate, o.PromptLoss
	cfg.DPO = gpu.DPOConfig{Beta: o.Beta, Loss: gpu.LossType(o.Loss), RPOAlpha: o.RPOAlpha}
	cfg.SFTSchedule, cfg.DPOSchedule = phaseSchedules(cfg, o.SFTSteps, o.DPOSteps)
	return gpu.NewTrainer(model, tok, cfg)
}

// failed says which version a run stopped in and what of the run is
// kept: the versions saved before it, never its own steps. An interrupted
// run said only "context canceled", a diverged one nothing of the
// checkpoint.
func (o offlineOptions) failed(v, saved int, err error) error {
	kept := "no version of this run was saved"
	if saved > 0 {
		kept = fmt.Sprintf("%s holds version %d, the last good state", filepath.Join(o.Out, "policy.ckpt"), saved)
		if errors.Is(err, gpu.ErrNotFinite) {
			kept += "; a run resumed from it keeps its rates: give another -out to train with lower ones"
		} else {
			kept += ", and the same command resumes from it"
		}
	}
	return fmt.Errorf("version %d: %w (%s)", v, divergedHint(err), kept)
}

// offlineData is the offline loop's stand-in for an arena: tasks, the
// bots' answers to them, and what the export would hold.
type offlineData struct {
	train, eval, unseen []verifiable.Task
	sft                 []gpu.Sequence
	pairs, evalPairs    []gpu.Pair
}

func (d offlineData) unseenNote() string {
	if len(d.unseen) == 0 {
		return ""
	}
	return fmt.Sprintf("; %d tasks of held-out families", len(d.unseen))
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// tasks draws the training pool and the held-out sets the way a training
// arena and its evaluation arena would (verifiable.Options: the same
// held-out families and instance share; Eval on the evaluation side).
func (o offlineOptions) tasks() (offlineData, error) {
	fams, held := splitList(o.Families), splitList(o.HeldOut)
	for _, f := range append(slices.Clone(fams), held...) {
		if !slices.Contains(verifiable.Families(), f) {
			return offlineData{}, fmt.Errorf("-families/-heldout-families: unknown family %q (known: %s)", f, strings.Join(verifiable.Families(), ", "))
		}
	}
	if len(fams) == 0 {
		fams = verifiable.Families()
	}
	var trained []string
	for _, f := range fams {
		if !slices.Contains(held, f) {
			trained = append(trained, f)
		}
	}
	if len(trained) == 0 {
		return offlineData{}, fmt.Errorf("every family is held out: nothing to train on")
	}
	var levels []int
	for _, l := range splitList(o.Levels) {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > verifiable.MaxLevel {
			return offlineData{}, fmt.Errorf("-levels: %q is not a level 1-%d", l, verifiable.MaxLevel)
		}
		levels = append(levels, n)
	}
	var d offlineData
	var err error
	trainOpts := verifiable.Options{Families: trained, Levels: levels, HeldOutPercent: o.HeldOutPercent}
	if d.train, err = taskPool(trainOpts, o.Model.Seed, o.TrainTasks); err != nil {
		return d, err
	}
	evalOpts := trainOpts
	evalOpts.Eval = true
	if d.eval, err = taskPool(evalOpts, o.Model.Seed+1, o.EvalTasks); err != nil {
		return d, err
	}
	if len(held) > 0 {
		if d.unseen, err = taskPool(verifiable.Options{Families: held, Levels: levels, HeldOut: held, Eval: true}, o.Model.Seed+2, o.EvalTasks); err != nil {
			return d, err
		}
	}
	for _, t := range d.train {
		answers, err := botAnswers(t, o.Model.Seed)
		if err != nil {
			return d, err
		}
		s, p := preferencesOf(t, answers, "bots/")
		d.sft, d.pairs = append(d.sft, s...), append(d.pairs, p...)
	}
	for _, t := range d.eval {
		answers, err := botAnswers(t, o.Model.Seed)
		if err != nil {
			return d, err
		}
		_, p := preferencesOf(t, answers, "eval/")
		d.evalPairs = append(d.evalPairs, p...)
	}
	if len(d.sft) == 0 || len(d.pairs) == 0 {
		return d, fmt.Errorf("the bots produced %d passing answers and %d pairs: nothing to train on", len(d.sft), len(d.pairs))
	}
	return d, nil
}

// onPolicy samples the learner's own answers to a fresh draw of training
// tasks; learnerData turns them, beside the bots' answers, into training
// data.
func (o offlineOptions) onPolicy(ctx context.Context, tr *gpu.Trainer, d offlineData, version int, rng *rand.Rand) ([]learnerAnswers, error) {
	var out []learnerAnswers
	smp, release, err := policySampler(tr, false)
	if err != nil {
		return nil, err
	}
	defer release()
	for k := 0; k < o.OnPolicyTasks && ctx.Err() == nil; k++ {
		a := learnerAnswers{Version: version, K: k, Task: rng.IntN(len(d.train))}
		prompt := learnerPrompt(d.train[a.Task].Text)
		for s := range o.Samples {
			text, err := gpu.AnswerWith(smp, tr.Tokenizer(), prompt,
				gpt.SampleOptions{Temperature: o.Temp, TopP: 0.95, MaxTokens: o.MaxTokens, Seed: rng.Uint64() ^ uint64(s)})
			if err != nil {
				return nil, err
			}
			a.Texts = append(a.Texts, text)
		}
		out = append(out, a)
	}
	return out, ctx.Err()
}

// learnerData is what the learner's answers add to the training data: its
// passing answers are SFT examples, and its answers ranked by the checker
// against each other and the bots' are pairs.
func (o offlineOptions) learnerData(d offlineData, learned []learnerAnswers) ([]gpu.Sequence, []gpu.Pair, error) {
	var sft []gpu.Sequence
	var pairs []gpu.Pair
	for _, a := range learned {
		if a.Task < 0 || a.Task >= len(d.train) {
			return nil, nil, fmt.Errorf("the learner's answers of version %d name training task %d of %d", a.Version, a.Task, len(d.train))
		}
		t := d.train[a.Task]
		answers, err := botAnswers(t, o.Model.Seed)
		if err != nil {
			return nil, nil, err
		}
		for _, text := range a.Texts {
			answers = append(answers, scored{text, verifiable.Check(t.Want, text)})
		}
		s, p := preferencesOf(t, answers, fmt.Sprintf("v%d/%d/", a.Version, a.K))
		sft, pairs = append(sft, s...), append(pairs, p...)
	}
	return sft, pairs, nil
}

// verdict reads the versions' held-out accuracy against DPO's own
// reward accuracy.
func verdict(vs []Version) string {
	if len(vs) > 0 && vs[0].Heldout.Tasks == 0 {
		return "not measured"
	}
	if len(vs) < 2 {
		return "flat"
	}
	first, last := vs[0].Heldout.Passed, vs[len(vs)-1].Heldout.Passed
	best := 0.0
	for _, v := range vs {
		best = max(best, v.Heldout.Passed)
	}
	switch {
	case vs[len(vs)-1].Train != nil && vs[len(vs)-1].Train.RewardsAccuracies >= 0.95 && last < best:
		return "overfit"
	case last > first:
		return "climbing"
	}
	return "flat"
}

// table prints the versions as the report's table.
func table(s Summary) string {
	var b strings.Builder
	fmt.Fprintf(&b, "| version | step | held-out accuracy after SFT | after DPO | of it, text never trained on | held-out score | formatted | unseen families | DPO reward acc. (train, mean over the version's steps / held-out) | pairs |\n")
	fmt.Fprintf(&b, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, v := range s.Versions {
		if v.Heldout.Tasks == 0 {
			fmt.Fprintf(&b, "| v%d | %d | – | – | – | – | – | – | %s / – | %d |\n", v.Version, v.Steps, rewardAcc(v.Train), v.Pairs)
			continue
		}
		unseen := "–"
		if v.Unseen != nil {
			unseen = fmt.Sprintf("%.3f", v.Unseen.Passed)
		}
		fmt.Fprintf(&b, "| v%d | %d | %.3f | %.3f | %s (%d tasks) | %.3f | %.2f | %s | %s / %s | %d |\n", v.Version, v.Steps, v.AfterSFT, v.Heldout.Passed,
			novelRate(v.Heldout), v.Heldout.NovelTasks, v.Heldout.Score, v.Heldout.Formatted, unseen, rewardAcc(v.Train), rewardAcc(v.DPO), v.Pairs)
	}
	fmt.Fprintf(&b, "\nverdict: %s (%s preset, %.2fM parameters, %.0f s)\n", s.Verdict, s.Preset, float64(s.Params)/1e6, s.Seconds)
	return b.String()
}

// rewardAcc prints DPO's reward accuracy, or "–" where it was not
// measured (nil).
func rewardAcc(s *gpu.DPOStats) string {
	if s == nil {
		return "–"
	}
	return fmt.Sprintf("%.2f", s.RewardsAccuracies)
}

// dpoSays is a version's DPO reward accuracy in its progress line.
func (o offlineOptions) dpoSays(row Version) string {
	if row.Train == nil {
		return "no DPO step (-dpo-steps 0)"
	}
	return fmt.Sprintf("DPO rewards/accuracies %.2f train (the mean over the version's %s), %s held-out", row.Train.RewardsAccuracies, dpoSteps(o.DPOSteps), rewardAcc(row.DPO))
}

// dpoSteps is "1 DPO step", "20 DPO steps".
func dpoSteps(n int) string {
	if n == 1 {
		return "1 DPO step"
	}
	return fmt.Sprintf("%d DPO steps", n)
}
