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
	"strconv"
	"time"

	"github.com/agentarena/arena/client"
	"github.com/agentarena/arena/gpu"
)

type onlineOptions struct {
	Server, TrainerKey, OwnerKey, Arena, Out string
	Rounds, SFTSteps, DPOSteps, Batch        int
	MinPairs, MaxBytes, Features             int
	RoundWait                                time.Duration
	Beta                                     float64
	Seed                                     uint64
	Play                                     bool
}

// runOnline is the arena loop: each round pulls the preference pairs that
// appeared since the checkpoint's cursor, trains on them (SFT once, then
// DPO against the frozen SFT reference), saves a checkpoint carrying the
// cursor, and enters the new policy into the arena as learner@vN.
func runOnline(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("arena-trainer run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o onlineOptions
	env := func(k, def string) string {
		if v := os.Getenv(k); v != "" {
			return v
		}
		return def
	}
	fs.StringVar(&o.Server, "server", env("ARENA_SERVER", "http://localhost:8080"), "any node of the cluster [ARENA_SERVER]")
	fs.StringVar(&o.TrainerKey, "trainer-key", env("ARENA_TRAINER_KEY", ""), "trainer key for the preference export [ARENA_TRAINER_KEY]")
	fs.StringVar(&o.OwnerKey, "owner-key", env("ARENA_KEY", ""), "owner key that registers the learner agents [ARENA_KEY]")
	fs.StringVar(&o.Arena, "arena", "prompt", "arena whose preferences train the policy and where it plays")
	fs.StringVar(&o.Out, "out", "trainer-data", "checkpoint and metrics directory")
	fs.IntVar(&o.Rounds, "rounds", 0, "rounds to run (0: until interrupted)")
	fs.IntVar(&o.SFTSteps, "sft-steps", 150, "supervised steps before the first DPO round")
	fs.IntVar(&o.DPOSteps, "dpo-steps", 100, "DPO steps per round")
	fs.IntVar(&o.Batch, "batch", 8, "pairs or sequences per step")
	fs.IntVar(&o.MinPairs, "min-pairs", 10, "wait for at least this many pairs before training")
	fs.IntVar(&o.MaxBytes, "max-bytes", 256, "train on at most this many bytes of each answer")
	fs.DurationVar(&o.RoundWait, "round-wait", 30*time.Second, "time between rounds (the learner plays meanwhile)")
	fs.Float64Var(&o.Beta, "beta", 0.1, "DPO beta")
	fs.Uint64Var(&o.Seed, "seed", 1, "seed")
	fs.BoolVar(&o.Play, "play", true, "enter each trained version into the arena")
	fs.IntVar(&o.Features, "prompt-features", 0, "feed a new model a hashed bag of the prompt's words in this many buckets (0: the byte window only; a resumed checkpoint keeps its own)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.TrainerKey == "" {
		return errors.New("a trainer key is needed (--trainer-key or ARENA_TRAINER_KEY); an operator creates one with POST /v1/trainers")
	}
	if o.Play && o.OwnerKey == "" {
		return errors.New("entering the learner needs an owner key (--owner-key or ARENA_KEY), or pass --play=false")
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return err
	}
	reader, err := client.New(o.Server, client.WithKey(o.TrainerKey))
	if err != nil {
		return err
	}
	tr, err := openTrainer(filepath.Join(o.Out, "policy.ckpt"), o)
	if err != nil {
		return err
	}
	mf, err := os.OpenFile(filepath.Join(o.Out, "metrics.jsonl"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer mf.Close()
	mw := gpu.NewMetricsWriter(mf)
	rng := rand.New(rand.NewPCG(o.Seed, uint64(tr.Steps())))
	var pairs []gpu.Pair
	learner := &playing{}
	defer learner.stop()
	for round := 1; o.Rounds == 0 || round <= o.Rounds; round++ {
		fresh, cursor, err := pull(ctx, reader, o, tr.Cursor())
		if err != nil {
			return err
		}
		pairs = append(pairs, fresh...)
		fmt.Fprintf(stderr, "round %d: %d new pairs (cursor %s), %d in all\n", round, len(fresh), cursor, len(pairs))
		if len(pairs) >= o.MinPairs {
			total := o.DPOSteps
			if tr.Reference() == nil {
				total += o.SFTSteps
			}
			prog := newProgress(stderr, total)
			tr.OnStep = func(m gpu.StepMetrics) { _ = mw.Write(m); prog.step(m) }
			if tr.Reference() == nil {
				if err := sft(ctx, tr, pairs, o, rng); err != nil {
					return err
				}
			}
			for i := 0; i < o.DPOSteps && ctx.Err() == nil; i++ {
				batch := make([]gpu.Pair, o.Batch)
				for j := range batch {
					batch[j] = pairs[rng.IntN(len(pairs))]
				}
				if _, err := tr.DPO(batch); err != nil {
					return fmt.Errorf("dpo: %w", err)
				}
			}
			prog.done()
		}
		tr.SetCursor(cursor)
		if err := tr.Save(filepath.Join(o.Out, "policy.ckpt")); err != nil {
			return err
		}
		if o.Play && tr.Reference() != nil {
			learner.stop()
			pctx, cancel := context.WithCancel(ctx)
			learner.cancel = cancel
			version := tr.Steps()
			go func() {
				if err := play(pctx, o, tr.Policy().Clone(), version, stderr); err != nil && pctx.Err() == nil {
					fmt.Fprintln(stderr, "learner:", err)
				}
			}()
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(o.RoundWait):
		}
	}
	return nil
}

// openTrainer resumes from the checkpoint when there is one: its cursor
// says which pairs it has already seen.
func openTrainer(path string, o onlineOptions) (*gpu.Trainer, error) {
	be, err := newBackend()
	if err != nil {
		return nil, err
	}
	if ck, err := gpu.Load(path); err == nil {
		return gpu.Resume(be, ck)
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	m, err := gpu.NewModel(gpu.ModelConfig{Window: 8, Embed: 16, Hidden: 256, Seed: o.Seed, PromptFeatures: o.Features})
	if err != nil {
		return nil, err
	}
	cfg := gpu.DefaultTrainerConfig()
	cfg.DPO.Beta = o.Beta
	return gpu.NewTrainer(be, m, cfg)
}

// pull reads every pair after cursor, page by page.
func pull(ctx context.Context, c *client.Client, o onlineOptions, cursor string) ([]gpu.Pair, string, error) {
	since, _ := strconv.ParseUint(cursor, 10, 64)
	var out []gpu.Pair
	for {
		page, err := c.Preferences(ctx, client.PreferenceQuery{Arena: o.Arena, Since: since, Limit: 1000, ExcludeChosenFlagged: true})
		if err != nil {
			return nil, "", fmt.Errorf("export preferences: %w", err)
		}
		for _, l := range page.Lines {
			var p struct {
				Cursor                   uint64
				Prompt, Chosen, Rejected string
			}
			if err := json.Unmarshal(l, &p); err != nil {
				return nil, "", fmt.Errorf("decode pair: %w", err)
			}
			out = append(out, gpu.Pair{ID: strconv.FormatUint(p.Cursor, 10), Prompt: p.Prompt,
				Chosen: clip(p.Chosen, o.MaxBytes), Rejected: clip(p.Rejected, o.MaxBytes)})
		}
		if page.Next == since {
			return out, strconv.FormatUint(since, 10), nil
		}
		since = page.Next
	}
}

func sft(ctx context.Context, tr *gpu.Trainer, pairs []gpu.Pair, o onlineOptions, rng *rand.Rand) error {
	var corpus []gpu.Sequence
	for _, p := range pairs {
		corpus = append(corpus, gpu.Sequence{Prompt: p.Prompt, Response: p.Chosen}, gpu.Sequence{Prompt: p.Prompt, Response: p.Rejected})
	}
	for i := 0; i < o.SFTSteps && ctx.Err() == nil; i++ {
		batch := make([]gpu.Sequence, o.Batch)
		for j := range batch {
			batch[j] = corpus[rng.IntN(len(corpus))]
		}
		if _, err := tr.SFT(batch); err != nil {
			return fmt.Errorf("sft: %w", err)
		}
	}
	tr.FreezeReference()
	return nil
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// playing is the version currently in the arena; stop retires it.
type playing struct{ cancel context.CancelFunc }

func (p *playing) stop() {
	if p.cancel != nil {
		p.cancel()
	}
}
