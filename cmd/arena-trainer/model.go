package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/agentarena/arena/gpu"
	"github.com/agentarena/arena/gpu/gpt"
	"github.com/agentarena/arena/gpu/tokenizer"
)

// modelOptions picks the policy a new run starts from: a preset shape,
// a tokenizer, and optionally weights trained elsewhere. A resumed run
// ignores them: its checkpoint says what it is.
type modelOptions struct {
	Preset, Tokenizer, Vocab, Merges, Init string
	// Device is where training runs: cpu, cuda or cuda:N.
	Device  string
	Context int
	Seed    uint64
}

func (o *modelOptions) register(fs *flag.FlagSet, preset string) {
	fs.StringVar(&o.Preset, "preset", preset, "model shape: "+strings.Join(gpt.Presets(), ", "))
	// 512 byte tokens hold nine in ten verifiable tasks whole (the
	// extraction notes and the larger logic puzzles run longer); the
	// presets' own windows are the benchmark shapes.
	fs.IntVar(&o.Context, "context", 512, fmt.Sprintf("context window in tokens, at least %d (0: the preset's)", gpu.MinContext))
	fs.StringVar(&o.Tokenizer, "tokenizer", "bytes", "bytes (256 byte tokens + end-of-answer) or bpe (GPT-2's; needs -vocab and -merges)")
	fs.StringVar(&o.Vocab, "vocab", "", "GPT-2 vocab.json, for -tokenizer bpe")
	fs.StringVar(&o.Merges, "merges", "", "GPT-2 merges.txt, for -tokenizer bpe")
	fs.StringVar(&o.Init, "init", "", "start from these GPT-2-shaped weights (safetensors, Hugging Face names) instead of a random model")
	fs.Uint64Var(&o.Seed, "seed", 1, "seed for the model, batches, tasks and sampling")
	fs.StringVar(&o.Device, "device", "cpu", "where to train: cpu, cuda (the first GPU) or cuda:N; cuda needs the binary make trainer-cuda builds (bin/arena-trainer-cuda)")
}

// named gives a tokenizer the name checkpoints record.
type named struct {
	tokenizer.Tokenizer
	name string
}

func (n named) Name() string { return n.name }

// openTokenizer builds the tokenizer a checkpoint or the flags name.
func openTokenizer(name, vocab, merges string) (gpu.Tokenizer, error) {
	switch name {
	case "bytes":
		return named{tokenizer.Bytes{}, "bytes"}, nil
	case "bpe", "gpt2-bpe":
		if vocab == "" || merges == "" {
			return nil, fmt.Errorf("the bpe tokenizer needs -vocab and -merges (GPT-2's vocab.json and merges.txt)")
		}
		b, err := tokenizer.LoadBPE(vocab, merges)
		if err != nil {
			return nil, err
		}
		return named{b, "gpt2-bpe"}, nil
	}
	return nil, fmt.Errorf("unknown tokenizer %q (want bytes or bpe)", name)
}

// newModel builds a fresh policy for the options and tokenizer, once
// the machine has the memory to train it with micro-batches of batch
// sequences.
func (o modelOptions) newModel(tok gpu.Tokenizer, batch int) (*gpt.Model, error) {
	cfg, err := gpt.Preset(o.Preset)
	if err != nil {
		return nil, err
	}
	cfg.Vocab = tok.Vocab()
	if o.Context > 0 {
		cfg.BlockSize = o.Context
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if o.Device == "cpu" {
		// On a GPU the activations live on the device, which checks its
		// own memory before allocating.
		if err := checkMemory(cfg, batch); err != nil {
			return nil, err
		}
	}
	if o.Init != "" {
		return gpu.LoadWeights(o.Init, cfg)
	}
	return gpt.New(cfg, o.Seed)
}

// checkMemory refuses a run whose model, optimiser and activations would
// not fit in the memory this machine has free, before it allocates and
// is killed: an out-of-memory kill leaves no message and, mid-save, no
// checkpoint.
func checkMemory(cfg gpt.Config, batch int) error {
	return memoryFits(cfg, batch, "use a smaller -preset, -batch or -context, or -accumulate")
}

// checkResumedMemory is checkMemory for a run resumed from the checkpoint
// ckpt, which fixes the model's shape: -preset and -context are ignored
// there, so advising them sent the user round in circles.
func checkResumedMemory(cfg gpt.Config, batch int, ckpt string) error {
	return memoryFits(cfg, batch, fmt.Sprintf("use a smaller -batch, or -accumulate (the model's shape is the one %s holds: a smaller -preset or -context needs another -out)", ckpt))
}

func memoryFits(cfg gpt.Config, batch int, advice string) error {
	need := gpu.EstimateBytes(cfg, batch)
	free, ok := availableMemory()
	if !ok || need < free {
		return nil
	}
	return fmt.Errorf("a %d-layer, width-%d model with context %d and %d sequences at once (a DPO pair is two; -accumulate divides them) needs about %.1f GiB (weights, AdamW moments, reference and activations); this machine has %.1f GiB free: %s",
		cfg.NLayer, cfg.NEmbd, cfg.BlockSize, batch, float64(need)/(1<<30), float64(free)/(1<<30), advice)
}

// availableMemory reads MemAvailable from /proc/meminfo (Linux); ok is
// false elsewhere, and then nothing is checked.
func availableMemory() (int64, bool) {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemAvailable:" {
			kb, err := strconv.ParseInt(fields[1], 10, 64)
			return kb << 10, err == nil
		}
	}
	return 0, false
}
