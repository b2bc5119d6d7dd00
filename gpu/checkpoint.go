package gpu

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"math"
	"slices"

	"github.com/agentarena/arena/gpu/gpt"
	"github.com/agentarena/arena/gpu/safetensors"
)

// A checkpoint is one safetensors file: the policy's tensors under their
// Hugging Face GPT-2 names (so the file loads wherever GPT-2 weights do,
// extra tensors aside), the AdamW moments under "optim.m." and "optim.v."
// prefixes, the frozen reference under "ref." once DPO has begun, and the
// trainer's state as JSON in the metadata key "arena.trainer". Saving is
// atomic (temporary file, fsync, rename), so a crash leaves either the
// old checkpoint or the new one.
const (
	checkpointFormat = "arena-trainer/2"
	metaTrainer      = "arena.trainer"
	prefixM          = "optim.m."
	prefixV          = "optim.v."
	prefixRef        = "ref."
	metaCRC          = "arena.crc32"
)

// CheckpointHeader describes a checkpoint. Its JSON names are part of the
// file format.
type CheckpointHeader struct {
	Format    string        `json:"format"`
	Model     gpt.Config    `json:"model"`
	Tokenizer string        `json:"tokenizer"`
	Trainer   TrainerConfig `json:"trainer"`
	// Step is the number of optimiser steps taken; AdamSteps the number
	// since AdamW last restarted (at FreezeReference).
	Step      int `json:"step"`
	AdamSteps int `json:"adam_steps"`
	// Cursor is the preference-export cursor of the last pair trained on:
	// resuming fetches pairs after it, so none is redone or skipped.
	Cursor string `json:"cursor"`
	// Phase is "dpo" once a reference is frozen, else "sft".
	Phase Phase `json:"phase"`
	// Program is the training program's own state at this step, kept as
	// is (arena-trainer offline: the versions saved, the learner's own
	// answers and the random state), so the program resumes in step with
	// the trainer: a separate file could be one save behind.
	Program json.RawMessage `json:"program,omitempty"`
}

// Checkpoint is a loaded checkpoint file.
type Checkpoint struct {
	Header CheckpointHeader
	// Policy is the trained model; Reference the frozen one (nil in SFT).
	Policy, Reference *gpt.Model
	AdamM, AdamV      []float32
}

// Save writes the trainer's whole state to path atomically. On an
// engine the weights and moments are copied back first, so a CUDA run's
// checkpoint resumes on the CPU and the other way round.
func (t *Trainer) Save(path string) error {
	if err := t.Sync(true); err != nil {
		return fmt.Errorf("save checkpoint: %w", err)
	}
	h := CheckpointHeader{Format: checkpointFormat, Model: t.policy.Config, Tokenizer: t.tok.Name(), Trainer: t.cfg,
		Step: t.steps, AdamSteps: t.opt.Steps, Cursor: t.cursor, Phase: PhaseSFT, Program: t.program}
	if t.ref != nil {
		h.Phase = PhaseDPO
	}
	hdr, err := json.Marshal(h)
	if err != nil {
		return fmt.Errorf("save checkpoint: %w", err)
	}
	var ts []safetensors.Tensor
	add := func(prefix string, flat []float32) {
		for _, x := range t.policy.TensorsOf(flat) {
			ts = append(ts, safetensors.Tensor{Name: prefix + x.Name, Shape: x.Shape, Data: x.Data})
		}
	}
	add("", t.policy.Params)
	add(prefixM, t.opt.M)
	add(prefixV, t.opt.V)
	if t.ref != nil {
		add(prefixRef, t.ref.Params)
	}
	sum := crc32.NewIEEE()
	for _, x := range ts {
		checksum(sum, x.Data)
	}
	meta := map[string]string{metaTrainer: string(hdr), metaCRC: fmt.Sprint(sum.Sum32()), "format": "pt"}
	if err := safetensors.WriteFile(path, ts, meta); err != nil {
		return fmt.Errorf("save checkpoint: %w", err)
	}
	return nil
}

// Load reads and checks a checkpoint file: every tensor the header's
// model needs must be there with its shape.
func Load(path string) (*Checkpoint, error) {
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load checkpoint: %w", err)
	}
	raw, ok := f.Metadata[metaTrainer]
	if !ok {
		return nil, fmt.Errorf("load checkpoint %s: no %q metadata: not a trainer checkpoint (plain weights load with gpt.LoadWeights)", path, metaTrainer)
	}
	var h CheckpointHeader
	if err := json.Unmarshal([]byte(raw), &h); err != nil {
		return nil, fmt.Errorf("load checkpoint %s: header: %w", path, err)
	}
	if h.Format != checkpointFormat {
		return nil, fmt.Errorf("load checkpoint %s: format %q, this build reads %q", path, h.Format, checkpointFormat)
	}
	if err := h.Model.Validate(); err != nil {
		return nil, fmt.Errorf("load checkpoint %s: %w", path, err)
	}
	if err := h.Trainer.Validate(); err != nil {
		return nil, fmt.Errorf("load checkpoint %s: %w", path, err)
	}
	// The checksum covers every tensor in the order Save wrote them, so a
	// flipped bit in any weight or moment is caught: safetensors has no
	// checksum of its own, and a damaged optimiser state would not show
	// until the run had quietly diverged.
	sum := crc32.NewIEEE()
	read := func(prefix string) ([]float32, error) {
		m := &gpt.Model{Config: h.Model, Params: make([]float32, h.Model.NumParams())}
		for _, want := range m.Tensors() {
			got, err := f.Get(prefix + want.Name)
			if err != nil {
				return nil, err
			}
			if !slices.Equal(got.Shape, want.Shape) {
				return nil, fmt.Errorf("tensor %s has shape %v, the model needs %v", prefix+want.Name, got.Shape, want.Shape)
			}
			copy(want.Data, got.Data)
			checksum(sum, want.Data)
		}
		return m.Params, nil
	}
	ck := &Checkpoint{Header: h}
	parts := []struct {
		prefix string
		into   *[]float32
	}{{"", nil}, {prefixM, &ck.AdamM}, {prefixV, &ck.AdamV}}
	for _, p := range parts {
		xs, err := read(p.prefix)
		if err != nil {
			return nil, fmt.Errorf("load checkpoint %s: %w", path, err)
		}
		if p.into == nil {
			ck.Policy = &gpt.Model{Config: h.Model, Params: xs}
		} else {
			*p.into = xs
		}
	}
	if h.Phase == PhaseDPO {
		xs, err := read(prefixRef)
		if err != nil {
			return nil, fmt.Errorf("load checkpoint %s: %w", path, err)
		}
		ck.Reference = &gpt.Model{Config: h.Model, Params: xs}
	}
	if got := fmt.Sprint(sum.Sum32()); got != f.Metadata[metaCRC] {
		return nil, fmt.Errorf("load checkpoint %s: checksum %s, the file says %q: a tensor is damaged", path, got, f.Metadata[metaCRC])
	}
	return ck, nil
}

// checksum adds xs's little-endian bytes to h.
func checksum(h hash.Hash32, xs []float32) {
	buf := make([]byte, 0, 4096)
	for i, x := range xs {
		buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(x))
		if len(buf) == cap(buf) || i == len(xs)-1 {
			h.Write(buf)
			buf = buf[:0]
		}
	}
}

// LoadPolicy reads only what an agent needs to answer: the policy and the
// name of its tokenizer.
func LoadPolicy(path string) (*gpt.Model, string, error) {
	ck, err := Load(path)
	if err != nil {
		return nil, "", err
	}
	return ck.Policy, ck.Header.Tokenizer, nil
}

// Resume rebuilds the trainer a checkpoint was saved from. Training on
// from it gives the same weights, bit for bit, as never having stopped
// (on the same machine: the parallel kernels split work by core count):
// the optimiser moments and step count come back, and the reference
// cache is recomputed from the restored reference.
func Resume(ck *Checkpoint, tok Tokenizer) (*Trainer, error) {
	if tok.Name() != ck.Header.Tokenizer {
		return nil, fmt.Errorf("checkpoint was trained with the %q tokenizer, not %q", ck.Header.Tokenizer, tok.Name())
	}
	t, err := NewTrainer(ck.Policy, tok, ck.Header.Trainer)
	if err != nil {
		return nil, err
	}
	if len(ck.AdamM) != len(t.opt.M) || len(ck.AdamV) != len(t.opt.V) {
		return nil, errors.New("checkpoint optimiser state does not match its model")
	}
	copy(t.opt.M, ck.AdamM)
	copy(t.opt.V, ck.AdamV)
	t.opt.Steps = ck.Header.AdamSteps
	t.steps = ck.Header.Step
	t.cursor = ck.Header.Cursor
	t.program = ck.Header.Program
	t.ref = ck.Reference
	return t, nil
}
