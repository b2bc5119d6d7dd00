package main

import (
	"bytes"
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

	"github.com/agentarena/arena/client"
	"github.com/agentarena/arena/games/prompt"
	"github.com/agentarena/arena/games/verifiable"
	"github.com/agentarena/arena/gpu"
	"github.com/agentarena/arena/gpu/gpt"
)

type onlineOptions struct {
	Model                                    modelOptions
	Server, TrainerKey, OwnerKey, Arena, Out string
	Rounds, SFTSteps, DPOSteps, Batch        int
	Accumulate, MinPairs, MaxTokens          int
	EvalTasks                                int
	RoundWait, WaitData, FinalWait           time.Duration
	LR, DPOLR, Beta, RPOAlpha, Temp          float64
	PromptLoss                               float64
	Play                                     bool
}

// runOnline is the arena loop: each round pulls the preference pairs that
// appeared since the checkpoint's cursor, trains on everything pulled so
// far (SFT on the answers that passed the checker, or on the chosen side
// of judged pairs; then DPO against the frozen SFT model), saves a
// checkpoint carrying the cursor, and enters the new policy into the
// arena as learner@vN, whose contests produce the next round's pairs.
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
	o.Model.register(fs, "cpu")
	fs.StringVar(&o.Server, "server", env("ARENA_SERVER", "http://localhost:8080"), "any node of the cluster [ARENA_SERVER]")
	fs.StringVar(&o.TrainerKey, "trainer-key", env("ARENA_TRAINER_KEY", ""), "trainer key for the preference export [ARENA_TRAINER_KEY]")
	fs.StringVar(&o.OwnerKey, "owner-key", env("ARENA_KEY", ""), "owner key that registers the learner agents [ARENA_KEY]")
	fs.StringVar(&o.Arena, "arena", "verifiable", "arena whose preferences train the policy and where it plays")
	fs.StringVar(&o.Out, "out", "trainer-data", "checkpoint and metrics directory")
	fs.IntVar(&o.Rounds, "rounds", 0, "rounds to run (0: until interrupted)")
	fs.IntVar(&o.SFTSteps, "sft-steps", 150, "supervised steps per round")
	fs.IntVar(&o.DPOSteps, "dpo-steps", 40, "DPO steps per round")
	fs.IntVar(&o.Batch, "batch", 16, "pairs or sequences per step")
	fs.IntVar(&o.Accumulate, "accumulate", 1, "micro-batches per step (gradient accumulation)")
	fs.IntVar(&o.MinPairs, "min-pairs", 10, "wait for at least this many pairs before training")
	fs.IntVar(&o.MaxTokens, "max-tokens", 128, "tokens the learner samples per answer at most")
	fs.DurationVar(&o.RoundWait, "round-wait", 30*time.Second, "time between rounds (the learner plays meanwhile)")
	fs.DurationVar(&o.FinalWait, "final-wait", 0, "how long the last version plays before the run exits (0: -round-wait); its rating's interval narrows with its games")
	fs.DurationVar(&o.WaitData, "wait-data", 2*time.Minute, "how long a round may wait for its first -min-pairs pairs, polling every few seconds, before it counts as a round")
	fs.Float64Var(&o.LR, "lr", 1e-3, "peak SFT learning rate of a new run")
	fs.Float64Var(&o.DPOLR, "dpo-lr", 1e-4, "peak DPO learning rate of a new run")
	fs.Float64Var(&o.Beta, "beta", 0.1, "DPO beta of a new run")
	fs.Float64Var(&o.PromptLoss, "prompt-loss", 0, "weight of the prompts' own language-model loss in SFT steps (0: responses only)")
	fs.Float64Var(&o.RPOAlpha, "rpo-alpha", 1, "weight of the chosen answers' NLL added to the DPO loss of a new run (TRL's rpo_alpha; 0: pure DPO)")
	fs.Float64Var(&o.Temp, "temperature", 0.7, "sampling temperature of the learner's answers")
	fs.BoolVar(&o.Play, "play", true, "enter each trained version into the arena")
	fs.IntVar(&o.EvalTasks, "eval-tasks", 60, "held-out tasks each version of a verifiable arena's learner is checked on (0: none)")
	if err := fs.Parse(args); err != nil {
		return parseError(err)
	}
	if err := atLeast(fs, map[string]int{"rounds": 0, "sft-steps": 0, "dpo-steps": 0, "batch": 1, "accumulate": 1, "min-pairs": 1, "max-tokens": 1, "eval-tasks": 0, "context": 0}); err != nil {
		return err
	}
	if err := contextFlag(fs); err != nil {
		return err
	}
	if err := realFlags(fs, []string{"lr", "dpo-lr", "beta"}, []string{"prompt-loss", "rpo-alpha", "temperature"}); err != nil {
		return err
	}
	if err := durationFlags(fs, "round-wait", "final-wait", "wait-data"); err != nil {
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
	if o.TrainerKey == "" {
		return errors.New("a trainer key is needed (--trainer-key or ARENA_TRAINER_KEY); an operator creates one with POST /v1/trainers")
	}
	if o.Play && o.OwnerKey == "" {
		return errors.New("entering the learner needs an owner key (--owner-key or ARENA_KEY), or pass --play=false")
	}
	// -out is created by the first step's metrics line: a run refused
	// below, or one that trains nothing, leaves nothing behind.
	reader, err := client.New(o.Server, client.WithKey(o.TrainerKey))
	if err != nil {
		return err
	}
	ckpt := filepath.Join(o.Out, "policy.ckpt")
	_, statErr := os.Stat(ckpt)
	tr, err := openTrainer(ckpt, o)
	if err != nil {
		return err
	}
	recorded, resumedRun := recordedRun(tr)
	if statErr == nil {
		// The checkpoint fixes the model and how it trains, and the arena
		// it trains on; flags that would change them are not applied to a
		// resumed run.
		var ignored []string
		fs.Visit(func(f *flag.Flag) {
			switch was, known := recorded.Flags[f.Name]; {
			case f.Name == "arena" && resumedRun && f.Value.String() != recorded.Arena:
				ignored = append(ignored, fmt.Sprintf("-arena %s (the run's: %s)", f.Value, recorded.Arena))
			case !slices.Contains(keptOnResume, f.Name):
			case !known:
				// The checkpoint does not say what the run was given.
				ignored = append(ignored, "-"+f.Name)
			case was != f.Value.String():
				ignored = append(ignored, fmt.Sprintf("-%s %s (the run's: %s)", f.Name, f.Value, was))
			}
		})
		if resumedRun {
			// Its cursor is a place in that arena's export: another arena's
			// pairs before it would be skipped for good.
			o.Arena = recorded.Arena
		}
		if len(ignored) > 0 {
			fmt.Fprintf(stderr, "arena-trainer: resuming %s, whose model and training settings are kept: %s ignored (give another -out for a new run)\n",
				ckpt, strings.Join(ignored, ", "))
		}
	}
	if o.Model.Device == "cpu" {
		check := checkMemory
		if statErr == nil {
			check = func(cfg gpt.Config, batch int) error { return checkResumedMemory(cfg, batch, ckpt) }
		}
		if err := check(tr.Policy().Config, 2*o.Batch/max(o.Accumulate, 1)); err != nil {
			return err
		}
	}
	// After the local checks (flags, checkpoint, memory), before anything
	// is written or waited for.
	if err := checkTextArena(ctx, reader, o.Arena); err != nil {
		return err
	}
	now, err := arenaHeldOut(ctx, reader, o.Arena)
	if err != nil {
		return err
	}
	// The arena's options when the run started decide, for the whole run,
	// which pairs are held out and which tasks evaluate its versions.
	watch := &optionsWatch{arena: o.Arena, log: stderr}
	if resumedRun {
		watch.kept = recorded
		watch.compare(now)
	} else {
		watch.kept = runState{Arena: o.Arena, Verifiable: now.opts}
		if statErr != nil {
			// A new run: its flags made the model and its settings. (A
			// checkpoint another command saved records none.)
			watch.kept.Flags = map[string]string{}
			for _, name := range keptOnResume {
				watch.kept.Flags[name] = fs.Lookup(name).Value.String()
			}
		}
		if statErr == nil && now.opts != nil {
			fmt.Fprintf(stderr, "arena-trainer: %s records no arena options (an offline run or an older arena-trainer saved it): this run keeps arena %q's options as they are now, %s\n",
				ckpt, o.Arena, describeOptions(now.opts))
		}
	}
	if err := watch.kept.record(tr); err != nil {
		return err
	}
	hold := watch.kept.held()
	release, err := attachDevice(tr, o.Model.Device, o.Batch, o.Accumulate, stderr)
	if err != nil {
		return err
	}
	defer release()
	mlog, err := openMetrics(o.Out, tr.Steps())
	if err != nil {
		return err
	}
	defer mlog.Close()
	rng := rand.New(rand.NewPCG(o.Model.Seed, uint64(tr.Steps())))
	var data pulled
	learner := &playing{}
	defer learner.stop()
	trained := false
	var waited time.Duration
	// polled is set while a run polls for its first pairs: a poll that
	// finds nothing new says nothing (it printed two lines every 5 s).
	polled := false
	// next is where the following pull starts. The checkpoint's cursor
	// moves only with a round that trained, so pairs a run pulled but never
	// trained on (too few yet, or the run was stopped) are pulled again by
	// the next run instead of skipped for good.
	next := tr.Cursor()
	if next != "" && next != "0" {
		// A resumed run trains on everything pulled so far, as the run it
		// continues would have: pull the pairs before the checkpoint's
		// cursor again (the checkpoint keeps the cursor, not the pairs),
		// in the same order, so the resumed rounds draw the same batches.
		until, err := strconv.ParseUint(next, 10, 64)
		if err != nil {
			return fmt.Errorf("the checkpoint's preference cursor %q is not a number", next)
		}
		before, err := pullUntil(ctx, reader, o.Arena, hold, 0, until)
		if err != nil {
			return err
		}
		data.add(before)
		fmt.Fprintf(stderr, "resumed at step %d: %d pairs pulled again, up to the checkpoint's cursor %s\n", tr.Steps(), len(data.pairs), next)
	}
	// A resumed run numbers its rounds after those versions.jsonl already
	// has, so the file reads as one run.
	prior, err := cutVersions(filepath.Join(o.Out, "versions.jsonl"), tr.Steps())
	if err != nil {
		return err
	}
	for n := 1; o.Rounds == 0 || n <= o.Rounds; n++ {
		round := prior + n
		var entered *entry // this round's version in the arena (-play)
		wait := o.RoundWait
		if n == o.Rounds && o.FinalWait > 0 {
			wait = o.FinalWait
		}
		if n > 1 || statErr == nil {
			watch.check(ctx, reader)
		}
		fresh, cursor, err := pull(ctx, reader, o.Arena, hold, next)
		if err != nil {
			return err
		}
		next = cursor
		data.add(fresh)
		trainedNow := len(data.pairs) >= o.MinPairs && len(data.sft) > 0
		quiet := polled && len(fresh.pairs) == 0 && fresh.held == 0 && !trainedNow
		polled = false
		if !quiet {
			fmt.Fprintf(stderr, "round %d: %d new pairs (cursor %s), %d in all, %d SFT examples\n", round, len(fresh.pairs), cursor, len(data.pairs), len(data.sft))
		}
		if fresh.held > 0 {
			fmt.Fprintf(stderr, "round %d: %d pairs left out: their tasks are held out for evaluation by arena %q's options this run keeps\n", round, fresh.held, o.Arena)
		}
		if trainedNow {
			prog := newProgress(stderr, o.SFTSteps+o.DPOSteps)
			// The line counts the run's steps, as metrics.jsonl and the
			// versions' names (learner@vN) do, not the round's.
			prog.base = tr.Steps()
			tr.OnStep = func(m gpu.StepMetrics) { _ = mlog.Write(m); prog.step(m) }
			saved := tr.Steps() // the checkpoint's step (0: none yet)
			dpo, err := trainRound(ctx, tr, data, o, rng)
			if err != nil {
				// The checkpoint on disk is the last good one: this round's
				// steps are not saved. The error gets a line of its own.
				prog.done()
				switch {
				case ctx.Err() != nil:
					err = errors.New("interrupted mid-round, its steps are dropped")
				case errors.Is(err, gpu.ErrNotFinite) && statErr == nil:
					err = fmt.Errorf("%w (a resumed run keeps its checkpoint's rates: give another -out to start a new run with lower ones)", divergedHint(err))
				default:
					err = divergedHint(err)
				}
				if _, serr := os.Stat(ckpt); serr != nil {
					return fmt.Errorf("round %d: %w (no checkpoint was saved before it)%s", round, err, unsavedSteps(0, tr.Steps()))
				}
				return fmt.Errorf("round %d: %w (the checkpoint %s is the last good state)%s", round, err, ckpt, unsavedSteps(saved, tr.Steps()))
			}
			prog.done()
			trained = true
			if dpo != nil {
				fmt.Fprintf(stderr, "learner@v%d: DPO rewards/accuracies %.2f, rewards/margins %.3f on training pairs (the mean over the round's %s)\n",
					tr.Steps(), dpo.RewardsAccuracies, dpo.RewardsMargins, dpoSteps(o.DPOSteps))
			}
			// -out exists unless the round had no step at all.
			if err := os.MkdirAll(o.Out, 0o755); err != nil {
				return err
			}
			if err := drawCurve(o.Out, "arena-trainer run: SFT then DPO per round", tr.Steps()); err != nil {
				return err
			}
			if o.Play {
				// Entered before it is evaluated, so that versions.jsonl
				// names the agent the arena rates (learner@vN-2 where
				// another run's weights hold learner@vN).
				e, err := enterVersion(ctx, o, tr.Policy().Config, tr.Tokenizer(), tr.Steps(), weightsHash(tr.Policy()), stderr)
				if err != nil {
					fmt.Fprintln(stderr, "learner:", err)
				} else {
					entered = &e
				}
			}
			if err := o.evalVersion(ctx, tr, watch.kept.Verifiable, round, data, dpo, entered, stderr); err != nil {
				return err
			}
		} else {
			poll := !trained && waited < o.WaitData
			// A poll waits no longer than -wait-data has left: -wait-data
			// 1s polled once, 5 s later.
			every := min(o.RoundWait, dataPoll, o.WaitData-waited)
			if !quiet {
				more := ""
				if poll {
					more = fmt.Sprintf(" (looking every %v for up to %v)", every, o.WaitData-waited)
				}
				fmt.Fprintf(stderr, "round %d: waiting for at least %d pairs and one answer to learn from in arena %q%s\n", round, o.MinPairs, o.Arena, more)
			}
			if poll {
				// A fresh arena fills in seconds: poll until it has, and
				// do not spend one of the run's rounds on the wait.
				wait = every
				waited += wait
				polled = true
				n--
			}
		}
		if trainedNow {
			tr.SetCursor(next)
			if err := tr.Save(ckpt); err != nil {
				return err
			}
			// The weights alone, named as the version's agent is
			// (learner@vN), to load wherever GPT-2 weights do.
			if err := gpu.SaveWeights(filepath.Join(o.Out, fmt.Sprintf("v%d.safetensors", tr.Steps())), tr.Policy()); err != nil {
				return err
			}
		}
		// A round that trained nothing leaves the version already playing
		// as it is: entering it again took its agent back with a new key
		// and restarted it at every poll for data.
		if o.Play && tr.Reference() != nil && (entered != nil || !learner.plays(tr.Steps())) {
			learner.stop()
			if entered == nil {
				// A round that trained nothing plays the version it has
				// (a resumed run's checkpoint): its agent is taken back.
				e, err := enterVersion(ctx, o, tr.Policy().Config, tr.Tokenizer(), tr.Steps(), weightsHash(tr.Policy()), stderr)
				if err != nil {
					fmt.Fprintln(stderr, "learner:", err)
				} else {
					entered = &e
				}
			}
			if entered != nil {
				pctx, cancel := context.WithCancel(ctx)
				version, e := tr.Steps(), *entered
				smp, release, err := policySampler(tr, true)
				if err != nil {
					cancel()
					return err
				}
				done := make(chan struct{})
				learner.cancel, learner.done, learner.version = cancel, done, version
				go func() {
					defer close(done)
					defer release()
					if err := play(pctx, o, e, smp, tr.Tokenizer(), version, stderr); err != nil && pctx.Err() == nil {
						fmt.Fprintln(stderr, "learner:", err)
					}
				}()
			}
		}
		select {
		case <-ctx.Done():
			// Between rounds nothing is lost: exit 0, saying what stays.
			if _, err := os.Stat(ckpt); err == nil {
				fmt.Fprintf(stderr, "interrupted between rounds; the checkpoint %s holds step %d and a rerun resumes from it\n", ckpt, tr.Steps())
			} else {
				fmt.Fprintln(stderr, "interrupted before anything was trained")
			}
			return nil
		case <-time.After(wait):
		}
	}
	if !trained {
		// A resumed run that made no version is no success either: a
		// script waiting on a new version would take the old one for it.
		kept := "no checkpoint was saved"
		if tr.Reference() != nil {
			kept = fmt.Sprintf("%s still holds step %d", ckpt, tr.Steps())
		}
		return fmt.Errorf("the preference export of arena %q had %d pairs and %d answers to learn from (need %d pairs): nothing was trained, %s; let the arena play more contests, or lower -min-pairs",
			o.Arena, len(data.pairs), len(data.sft), o.MinPairs, kept)
	}
	return nil
}

// checkTextArena refuses an arena whose contests the learner cannot learn
// from or play: only the prompt and verifiable games make preference pairs
// of text answers. A connect4 arena used to be accepted, waited on, and
// ended in "let the arena play more contests", which it never would.
func checkTextArena(ctx context.Context, c *client.Client, name string) error {
	ar, err := c.GetArena(ctx, name)
	if err != nil {
		return fmt.Errorf("read arena %q: %w", name, err)
	}
	if ar.Game != prompt.Name && ar.Game != verifiable.Name {
		return fmt.Errorf("arena %q plays %s, whose contests make no preference pairs of text answers: the learner trains on and plays a %s or %s arena (-arena)",
			name, ar.Game, prompt.Name, verifiable.Name)
	}
	return nil
}

// keptOnResume are the flags a checkpoint overrides: the model, its
// tokenizer and initial weights, and the training settings it stores.
var keptOnResume = []string{"preset", "context", "tokenizer", "init", "accumulate", "prompt-loss", "lr", "dpo-lr", "beta", "rpo-alpha"}

// dataPoll is how often a run waiting for its first pairs looks again.
const dataPoll = 5 * time.Second

// trainRound is one version: SFT on the passing answers, then DPO on the
// pairs against the fine-tuned model, frozen. It returns DPO's metrics,
// the mean over the round's DPO steps (nil without any), as offline
// reports a version's.
func trainRound(ctx context.Context, tr *gpu.Trainer, data pulled, o onlineOptions, rng *rand.Rand) (*gpu.DPOStats, error) {
	if err := tr.RestartOptimizer(); err != nil {
		return nil, err
	}
	for i := 0; i < o.SFTSteps && ctx.Err() == nil; i++ {
		batch := make([]gpu.Sequence, o.Batch)
		for j := range batch {
			batch[j] = data.sft[rng.IntN(len(data.sft))]
		}
		if _, err := tr.SFT(batch); err != nil {
			return nil, err
		}
	}
	if err := tr.FreezeReference(); err != nil {
		return nil, err
	}
	var train dpoMean
	for i := 0; i < o.DPOSteps && ctx.Err() == nil; i++ {
		batch := make([]gpu.Pair, o.Batch)
		for j := range batch {
			batch[j] = data.pairs[rng.IntN(len(data.pairs))]
		}
		m, err := tr.DPO(batch)
		if err != nil {
			return nil, err
		}
		train.add(*m.DPOStats)
	}
	return train.mean(), ctx.Err()
}

// openTrainer resumes from the checkpoint when there is one: its cursor
// says which pairs it has already seen.
func openTrainer(path string, o onlineOptions) (*gpu.Trainer, error) {
	tr, err := openCheckpoint(path, o.Model.Vocab, o.Model.Merges)
	if err != nil {
		return nil, err
	}
	if tr != nil {
		// The program state is the run's (runState): runOnline reads it
		// and records its own over whatever an offline run left.
		// The phases' lengths are this run's: a schedule kept from the
		// run that saved the checkpoint decayed over its step counts.
		return tr, tr.SetSchedules(phaseSchedules(tr.Config(), o.SFTSteps, o.DPOSteps))
	}
	tok, err := openTokenizer(o.Model.Tokenizer, o.Model.Vocab, o.Model.Merges)
	if err != nil {
		return nil, err
	}
	m, err := o.Model.newModel(tok, 2*o.Batch/max(o.Accumulate, 1))
	if err != nil {
		return nil, err
	}
	cfg := gpu.DefaultTrainerConfig()
	cfg.LR, cfg.DPOLR, cfg.Accumulate, cfg.PromptLossWeight = o.LR, o.DPOLR, o.Accumulate, o.PromptLoss
	cfg.DPO.Beta, cfg.DPO.RPOAlpha = o.Beta, o.RPOAlpha
	cfg.SFTSchedule, cfg.DPOSchedule = phaseSchedules(cfg, o.SFTSteps, o.DPOSteps)
	return gpu.NewTrainer(m, tok, cfg)
}

// phaseSchedules decays each phase's learning rate over its own steps.
func phaseSchedules(cfg gpu.TrainerConfig, sftSteps, dpoSteps int) (sft, dpo gpu.Schedule) {
	sft, dpo = cfg.SFTSchedule, cfg.DPOSchedule
	sft.DecaySteps = max(sftSteps, sft.WarmupSteps)
	dpo.DecaySteps = max(dpoSteps, dpo.WarmupSteps)
	return sft, dpo
}

// pulled is what the export has given the trainer so far.
type pulled struct {
	pairs []gpu.Pair
	sft   []gpu.Sequence
	seen  map[string]bool
	held  int // pairs left out: their tasks are held out for evaluation
}

// add takes a page's pairs and SFT examples, each answer once.
func (p *pulled) add(q pulled) {
	if p.seen == nil {
		p.seen = map[string]bool{}
	}
	p.pairs = append(p.pairs, q.pairs...)
	p.held += q.held
	for _, s := range q.sft {
		if k := s.Prompt + "\x00" + s.Response; !p.seen[k] {
			p.seen[k] = true
			p.sft = append(p.sft, s)
		}
	}
}

// pull reads every pair after cursor, page by page, leaving out pairs
// whose chosen answer or verdict is flagged. A verifiable pair's chosen
// answer is an SFT example when it passed the checker; a judged pair's
// (no checker) always is.
func pull(ctx context.Context, c *client.Client, arena string, hold heldOut, cursor string) (pulled, string, error) {
	since, _ := strconv.ParseUint(cursor, 10, 64)
	out, next, err := pullPages(ctx, c, arena, hold, since, 0)
	return out, strconv.FormatUint(next, 10), err
}

// pullUntil is pull for the pairs after since up to and including cursor
// until: what a run had pulled when it saved a checkpoint there.
func pullUntil(ctx context.Context, c *client.Client, arena string, hold heldOut, since, until uint64) (pulled, error) {
	out, _, err := pullPages(ctx, c, arena, hold, since, until)
	return out, err
}

// pullPages reads pairs after since, up to until (0: to the end), and
// returns them with the cursor after the last page read. Pairs of tasks
// hold holds out (the arena's options when the run started) are counted
// and left out.
func pullPages(ctx context.Context, c *client.Client, arena string, hold heldOut, since, until uint64) (pulled, uint64, error) {
	var out pulled
	for {
		page, err := c.Preferences(ctx, client.PreferenceQuery{Arena: arena, Since: since, Limit: 1000, ExcludeChosenFlagged: true})
		if err != nil {
			return pulled{}, 0, fmt.Errorf("export preferences: %w", err)
		}
		if page.Next < since {
			// Pulling from there again would take the same pairs again,
			// page after page, for ever.
			return pulled{}, 0, fmt.Errorf("export preferences of arena %q: the page after cursor %d says the next starts at %d, before it: the server is not the cluster this run pulled from, or was rebuilt since (give another -out to start a new run)", arena, since, page.Next)
		}
		for i, l := range page.Lines {
			var p struct {
				Cursor                   uint64
				Arena                    string
				PromptID                 string `json:"prompt_id"`
				Prompt, Chosen, Rejected string
				Check                    *pairCheck
			}
			if err := json.Unmarshal(l, &p); err != nil {
				return pulled{}, 0, fmt.Errorf("export preferences of arena %q after cursor %d: line %d is not a pair (%w): %.60q", arena, since, i+1, err, l)
			}
			if p.Cursor == 0 || p.Prompt == "" {
				// Valid JSON of another shape ({} or an error object)
				// would train on empty text and never move the cursor.
				return pulled{}, 0, fmt.Errorf("export preferences of arena %q after cursor %d: line %d is not a pair (no cursor or prompt): %.60q", arena, since, i+1, l)
			}
			if p.Arena != "" && p.Arena != arena {
				// The export filters by arena; a pair of another one (a
				// proxy or server that ignored the filter) would train as
				// this arena's, past its held-out tasks.
				return pulled{}, 0, fmt.Errorf("export preferences of arena %q after cursor %d: line %d is a pair of arena %q, not of %q: the server ignored the arena filter", arena, since, i+1, p.Arena, arena)
			}
			if until > 0 && p.Cursor > until {
				return out, until, nil
			}
			if hold.holds(p.PromptID, p.Check) {
				out.held++
				continue
			}
			prompt := learnerPrompt(p.Prompt)
			out.pairs = append(out.pairs, gpu.Pair{ID: strconv.FormatUint(p.Cursor, 10), Prompt: prompt, Chosen: learnerTarget(p.Chosen), Rejected: learnerTarget(p.Rejected)})
			if p.Check == nil || p.Check.Chosen.Passed {
				out.sft = append(out.sft, gpu.Sequence{Prompt: prompt, Response: learnerTarget(p.Chosen)})
			}
		}
		if page.Next == since || (until > 0 && page.Next >= until) {
			return out, page.Next, nil
		}
		since = page.Next
	}
}

// playing is the version currently in the arena; stop retires it.
type playing struct {
	cancel  context.CancelFunc
	done    chan struct{} // closed when the version's goroutine has returned
	version int           // its step
}

// plays says whether the version of step version is playing (its
// goroutine has not returned on an error).
func (p *playing) plays(version int) bool {
	if p.cancel == nil || p.version != version {
		return false
	}
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// stop ends the playing version and waits for it (an answer being
// sampled finishes first), so that nothing writes to the run's log after
// the run has returned.
func (p *playing) stop() {
	if p.cancel != nil {
		p.cancel()
		<-p.done
		p.cancel, p.done = nil, nil
	}
}

// evalVersion checks a verifiable arena's new version on tasks no
// training pair came from: the held-out instances (and families) of the
// arena's options when the run started (kept; nil for another game),
// drawn as its evaluation arena would. It appends a line to
// versions.jsonl and prints it.
func (o onlineOptions) evalVersion(ctx context.Context, tr *gpu.Trainer, kept *verifiable.Options, round int, data pulled, dpo *gpu.DPOStats, entered *entry, log io.Writer) error {
	if o.EvalTasks <= 0 || kept == nil {
		return nil
	}
	opts := *kept
	row := struct {
		Round   int    `json:"round"`
		Version string `json:"version"`
		// Agent is the name the version plays under in the arena, which
		// is the version's unless another run's weights hold that name.
		Agent   string    `json:"agent,omitempty"`
		Pairs   int       `json:"pairs"`
		Heldout accuracy  `json:"heldout"`
		Unseen  *accuracy `json:"unseen_families,omitempty"`
		// DPOTrain is DPO's metrics on training pairs, the mean over the
		// round's DPO steps (offline's dpo_train); absent without any.
		DPOTrain *gpu.DPOStats `json:"dpo_train,omitempty"`
		Note     string        `json:"note,omitempty"`
	}{Round: round, Version: fmt.Sprintf("learner@v%d", tr.Steps()), Pairs: len(data.pairs), DPOTrain: dpo}
	if entered != nil {
		row.Agent = entered.name
	}
	evalOpts := opts
	evalOpts.Eval, evalOpts.HeldOut = true, nil
	if opts.HeldOutPercent == 0 {
		// Nothing held out: fresh draws of the pool, which a finite
		// training run is vanishingly unlikely to have seen, but may have.
		evalOpts.Eval = false
		row.Note = "the arena holds no instances out; fresh tasks of its pool"
	}
	pool := opts.Families
	if len(pool) == 0 {
		pool = verifiable.Families()
	}
	var fams []string
	for _, f := range pool {
		if !slices.Contains(opts.HeldOut, f) {
			fams = append(fams, f)
		}
	}
	evalOpts.Families = fams
	tasks, err := taskPool(evalOpts, o.Model.Seed+1_000_000, o.EvalTasks)
	if err != nil {
		return err
	}
	trained := trainedPrompts(data.sft, data.pairs)
	if row.Heldout, err = evaluateTrainer(ctx, tr, tasks, o.MaxTokens, trained); err != nil {
		return err
	}
	if len(opts.HeldOut) > 0 {
		unseen, err := taskPool(verifiable.Options{Families: opts.HeldOut, Levels: opts.Levels, HeldOut: opts.HeldOut, Eval: true}, o.Model.Seed+2_000_000, o.EvalTasks)
		if err != nil {
			return err
		}
		u, err := evaluateTrainer(ctx, tr, unseen, o.MaxTokens, trained)
		if err != nil {
			return err
		}
		row.Unseen = &u
	}
	line, _ := json.Marshal(row)
	f, err := os.OpenFile(filepath.Join(o.Out, "versions.jsonl"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.Write(append(line, '\n')); err != nil {
		return err
	}
	fmt.Fprintf(log, "%s: held-out accuracy %.3f (score %.3f, formatted %.2f) on %d tasks; %s on the %d whose text no training pair had\n",
		row.Version, row.Heldout.Passed, row.Heldout.Score, row.Heldout.Formatted, row.Heldout.Tasks, novelRate(row.Heldout), row.Heldout.NovelTasks)
	if row.Unseen != nil {
		fmt.Fprintf(log, "%s: held-out families %v: accuracy %.3f (score %.3f, formatted %.2f) on %d tasks\n",
			row.Version, opts.HeldOut, row.Unseen.Passed, row.Unseen.Score, row.Unseen.Formatted, row.Unseen.Tasks)
	}
	return nil
}

// cutVersions keeps the rows of versions.jsonl whose version is at most
// step, the step the run resumes from (a round evaluated but stopped
// before its checkpoint was saved is trained again), and returns the last
// kept row's round.
func cutVersions(path string, step int) (int, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var keep []byte
	last := 0
	for _, line := range bytes.SplitAfter(b, []byte("\n")) {
		var row struct {
			Round   int
			Version string
		}
		if len(bytes.TrimSpace(line)) == 0 || json.Unmarshal(line, &row) != nil {
			break
		}
		v, err := strconv.Atoi(strings.TrimPrefix(row.Version, "learner@v"))
		if err != nil || v > step {
			break
		}
		keep, last = append(keep, line...), row.Round
	}
	if len(keep) != len(b) {
		if err := os.WriteFile(path, keep, 0o644); err != nil {
			return 0, err
		}
	}
	return last, nil
}
