package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/agentarena/arena/agents/bots"
	"github.com/agentarena/arena/games/prompt"
	"github.com/agentarena/arena/gpu"
	"github.com/agentarena/arena/judges"
)

// offlineOptions configures the measured loop.
type offlineOptions struct {
	Out       string
	SFTSteps  int
	DPOSteps  int
	Batch     int
	Heldout   int
	Samples   int
	Beta      float64
	Loss      string
	Seed      uint64
	MaxAnswer int
	MaxBytes  int
	Temp      float64
	Features  int
}

// Summary is what an offline run measured.
type Summary struct {
	TrainPrompts, HeldoutPrompts, Pairs, SFTSteps, DPOSteps int
	// WinRate is the DPO policy's share of rubric wins (ties count half)
	// against the SFT policy on held-out prompts; BaselineWinRate is the
	// SFT policy against itself with other samples (≈ 0.5), the noise
	// floor of the comparison.
	WinRate, BaselineWinRate float64
	// MeanScoreSFT and MeanScoreDPO are mean rubric scores of the samples.
	MeanScoreSFT, MeanScoreDPO float64
	// HeldoutAccuracy is rewards/accuracies on held-out pairs after DPO.
	HeldoutAccuracy, HeldoutMargin float64
	Seconds                        float64
}

func runOffline(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("arena-trainer offline", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o offlineOptions
	fs.StringVar(&o.Out, "out", "train-out", "directory for metrics.jsonl, curve.svg, summary.json and checkpoints")
	fs.IntVar(&o.SFTSteps, "sft-steps", 250, "supervised fine-tuning steps")
	fs.IntVar(&o.DPOSteps, "dpo-steps", 250, "DPO steps")
	fs.IntVar(&o.Batch, "batch", 8, "sequences (SFT) or pairs (DPO) per step")
	fs.IntVar(&o.Heldout, "heldout", 14, "prompts kept out of training for the evaluation")
	fs.IntVar(&o.Samples, "samples", 8, "answers sampled per held-out prompt and policy")
	fs.Float64Var(&o.Beta, "beta", 0.1, "DPO beta")
	fs.StringVar(&o.Loss, "loss", "sigmoid", "sigmoid, ipo or hinge")
	fs.Uint64Var(&o.Seed, "seed", 1, "seed for the model, batches and sampling")
	fs.IntVar(&o.MaxAnswer, "max-answer", 400, "bytes sampled per answer at most")
	fs.IntVar(&o.MaxBytes, "max-bytes", 256, "train on at most this many bytes of each answer")
	fs.Float64Var(&o.Temp, "temperature", 0.7, "sampling temperature")
	fs.IntVar(&o.Features, "prompt-features", 0, "feed the model a hashed bag of the prompt's words in this many buckets (0: the byte window only)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	start := time.Now()
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return err
	}
	set := prompt.DefaultSet()
	if o.Heldout < 1 || o.Heldout >= len(set) {
		return fmt.Errorf("heldout must be from 1 to %d", len(set)-1)
	}
	train, held := set[:len(set)-o.Heldout], set[len(set)-o.Heldout:]
	corpus, pairs, err := botPreferences(ctx, train, o.MaxBytes)
	if err != nil {
		return err
	}
	_, heldPairs, err := botPreferences(ctx, held, o.MaxBytes)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "%d training prompts → %d answers, %d preference pairs; %d held-out prompts\n", len(train), len(corpus), len(pairs), len(held))

	be, err := newBackend()
	if err != nil {
		return err
	}
	defer be.Close()
	fmt.Fprintf(stderr, "backend: %s\n", be.Name())
	model, err := gpu.NewModel(gpu.ModelConfig{Window: 8, Embed: 16, Hidden: 256, Seed: o.Seed, PromptFeatures: o.Features})
	if err != nil {
		return err
	}
	cfg := gpu.DefaultTrainerConfig()
	cfg.DPO = gpu.DPOConfig{Beta: o.Beta, Loss: gpu.LossType(o.Loss)}
	tr, err := gpu.NewTrainer(be, model, cfg)
	if err != nil {
		return err
	}
	mf, err := os.Create(filepath.Join(o.Out, "metrics.jsonl"))
	if err != nil {
		return err
	}
	defer mf.Close()
	mw := gpu.NewMetricsWriter(mf)
	var all []gpu.StepMetrics
	prog := newProgress(stderr, o.SFTSteps+o.DPOSteps)
	tr.OnStep = func(m gpu.StepMetrics) {
		all = append(all, m)
		_ = mw.Write(m)
		prog.step(m)
	}
	rng := rand.New(rand.NewPCG(o.Seed, 7))
	for i := 0; i < o.SFTSteps && ctx.Err() == nil; i++ {
		batch := make([]gpu.Sequence, o.Batch)
		for j := range batch {
			batch[j] = corpus[rng.IntN(len(corpus))]
		}
		if _, err := tr.SFT(batch); err != nil {
			return fmt.Errorf("sft step %d: %w", i, err)
		}
	}
	sft := tr.Policy().Clone()
	tr.FreezeReference()
	for i := 0; i < o.DPOSteps && ctx.Err() == nil; i++ {
		batch := make([]gpu.Pair, o.Batch)
		for j := range batch {
			batch[j] = pairs[rng.IntN(len(pairs))]
		}
		if _, err := tr.DPO(batch); err != nil {
			return fmt.Errorf("dpo step %d: %w", i, err)
		}
	}
	prog.done()
	if err := tr.Save(filepath.Join(o.Out, "policy.ckpt")); err != nil {
		return err
	}
	sum := Summary{TrainPrompts: len(train), HeldoutPrompts: len(held), Pairs: len(pairs), SFTSteps: o.SFTSteps, DPOSteps: o.DPOSteps}
	if res, err := tr.Evaluate(heldPairs); err == nil {
		sum.HeldoutAccuracy, sum.HeldoutMargin = res.Stats.RewardsAccuracies, res.Stats.RewardsMargins
	}
	ev := evaluator{judge: judges.NewRubricJudge(), samples: o.Samples, maxBytes: o.MaxAnswer, temp: o.Temp, seed: o.Seed}
	sum.WinRate, sum.MeanScoreDPO, sum.MeanScoreSFT, err = ev.winRate(ctx, tr.Policy(), sft, held)
	if err != nil {
		return err
	}
	sum.BaselineWinRate, _, _, err = ev.winRate(ctx, sft, sft, held)
	if err != nil {
		return err
	}
	sum.Seconds = time.Since(start).Seconds()
	cf, err := os.Create(filepath.Join(o.Out, "curve.svg"))
	if err != nil {
		return err
	}
	defer cf.Close()
	if err := gpu.WriteChart(cf, "SFT then DPO on rubric-judged bot preferences", all); err != nil {
		return err
	}
	b, _ := json.MarshalIndent(sum, "", "  ")
	if err := os.WriteFile(filepath.Join(o.Out, "summary.json"), append(b, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s\n", b)
	return nil
}

// botPreferences has the built-in text bots answer each prompt and the
// rubric judge rank them, as a prompt-arena contest would: every answer is
// SFT data, every strictly better/worse pair a preference.
func botPreferences(ctx context.Context, set []prompt.Prompt, maxBytes int) ([]gpu.Sequence, []gpu.Pair, error) {
	var corpus []gpu.Sequence
	var pairs []gpu.Pair
	var text []bots.Bot
	for _, b := range bots.All(1) {
		if b.Game() == bots.GamePrompt {
			text = append(text, b)
		}
	}
	rubric := judges.NewRubricJudge()
	for _, p := range set {
		view, _ := json.Marshal(map[string]any{"game": "prompt", "prompt_id": p.ID, "prompt": p.Text, "max_answer_bytes": 4096, "you": 0, "final": false, "answer": ""})
		var entries []judges.Entry
		for i, b := range text {
			raw, err := b.Move(ctx, view)
			if err != nil {
				return nil, nil, fmt.Errorf("bot %s: %w", b.Name(), err)
			}
			var m struct{ Text string }
			if err := json.Unmarshal(raw, &m); err != nil {
				return nil, nil, err
			}
			entries = append(entries, judges.Entry{Seat: i, Text: m.Text})
			corpus = append(corpus, gpu.Sequence{Prompt: p.Text, Response: clip(m.Text, maxBytes)})
		}
		v, err := rubric.Rank(ctx, judges.Task{PromptID: p.ID, Prompt: p.Text, Criteria: p.Criteria}, entries)
		if err != nil {
			return nil, nil, err
		}
		// The same pairs `arena-trainer run` pulls (exclude_flagged=chosen):
		// none from a flagged verdict or with a flagged chosen answer.
		flagged, verdictFlagged := map[int]bool{}, false
		for _, f := range v.Flags {
			if f.Entry < 0 {
				verdictFlagged = true
			}
			flagged[f.Entry] = true
		}
		for i := range entries {
			for j := range entries {
				if v.Ranks[i] < v.Ranks[j] && !verdictFlagged && !flagged[i] {
					pairs = append(pairs, gpu.Pair{ID: fmt.Sprintf("%s/%d>%d", p.ID, i, j), Prompt: p.Text,
						Chosen: clip(entries[i].Text, maxBytes), Rejected: clip(entries[j].Text, maxBytes)})
				}
			}
		}
	}
	return corpus, pairs, nil
}
