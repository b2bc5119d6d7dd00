package gpu

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// runSchedule takes steps [from, to) of a fixed schedule: three SFT steps,
// then the reference is frozen and DPO runs. The cursor records the last
// step, standing in for the export cursor.
func runSchedule(t *testing.T, tr *Trainer, from, to int) {
	t.Helper()
	pairs := vowelPairs(9, 40, "p-")
	sft := sftExamples(pairs)
	for s := from; s < to; s++ {
		var err error
		switch {
		case s < 3:
			_, err = tr.SFT(sft[s*8 : s*8+8])
		default:
			if s == 3 {
				tr.FreezeReference()
			}
			lo := (s * 8) % len(pairs)
			_, err = tr.DPO(pairs[lo : lo+8])
		}
		if err != nil {
			t.Fatal(err)
		}
		tr.SetCursor(string(rune('a' + s)))
	}
}

func TestResumeContinuesExactly(t *testing.T) {
	const n = 8
	cfg := DefaultTrainerConfig()
	cfg.DPO.LabelSmoothing = 0.05
	cfg.Accumulate = 2
	straight := mustTrainer(t, mustModel(t, tinyConfig), cfg)
	runSchedule(t, straight, 0, n)

	for _, split := range []int{2, n / 2} { // stop during SFT, and during DPO
		first := mustTrainer(t, mustModel(t, tinyConfig), cfg)
		runSchedule(t, first, 0, split)
		program := json.RawMessage(fmt.Sprintf(`{"version":%d,"rng":"AAE="}`, split))
		first.SetProgramState(program)
		path := filepath.Join(t.TempDir(), "policy.ckpt")
		if err := first.Save(path); err != nil {
			t.Fatal(err)
		}
		ck, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		resumed, err := Resume(ck, byteTok{})
		if err != nil {
			t.Fatal(err)
		}
		if resumed.Policy().Config != tinyConfig {
			t.Fatalf("resumed model config %+v, want %+v", resumed.Policy().Config, tinyConfig)
		}
		if resumed.Steps() != split || resumed.Cursor() != string(rune('a'+split-1)) {
			t.Fatalf("resumed at step %d cursor %q", resumed.Steps(), resumed.Cursor())
		}
		// The program's own state comes back with the trainer's, from the
		// same save.
		if !bytes.Equal(resumed.ProgramState(), program) {
			t.Fatalf("resumed program state %s, want %s", resumed.ProgramState(), program)
		}
		runSchedule(t, resumed, split, n)
		if !slices.Equal(straight.Policy().Params, resumed.Policy().Params) {
			t.Fatalf("split at %d: resumed weights differ from an uninterrupted run", split)
		}
		if !slices.Equal(straight.opt.V, resumed.opt.V) || straight.Steps() != resumed.Steps() {
			t.Fatalf("split at %d: optimiser state differs", split)
		}
	}
}

func TestCheckpointFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "policy.ckpt")
	tr := mustTrainer(t, mustModel(t, tinyConfig), DefaultTrainerConfig())
	runSchedule(t, tr, 0, 4)
	if err := tr.Save(path); err != nil {
		t.Fatal(err)
	}
	// Saving again replaces the file and leaves no temporary behind.
	if err := tr.Save(path); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("directory holds %d entries after two saves", len(ents))
	}
	ck, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	h := ck.Header
	if h.Phase != PhaseDPO || ck.Reference == nil || h.Step != 4 || h.Trainer.DPO.Beta != 0.1 || h.Model != tinyConfig || h.Tokenizer != "bytes" {
		t.Fatalf("header %+v", h)
	}
	m, tokName, err := LoadPolicy(path)
	if err != nil || !slices.Equal(m.Params, tr.Policy().Params) || tokName != "bytes" {
		t.Fatalf("LoadPolicy: %v", err)
	}
	// The checkpoint is a safetensors file whose policy tensors carry the
	// Hugging Face names: plain weight loading reads it too.
	w, err := LoadWeights(path, tinyConfig)
	if err != nil || !slices.Equal(w.Params, tr.Policy().Params) {
		t.Fatalf("LoadWeights of a checkpoint: %v", err)
	}
	if _, err := Resume(ck, namedBytes("gpt2-bpe")); err == nil || !strings.Contains(err.Error(), "tokenizer") {
		t.Fatalf("resumed with another tokenizer: %v", err)
	}

	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		mangle func([]byte) []byte
	}{
		{"a flipped weight bit", func(b []byte) []byte { b[len(b)-100] ^= 1; return b }},
		{"a truncated file", func(b []byte) []byte { return b[:len(b)-9] }},
		{"another file type", func(b []byte) []byte { copy(b, "NOTACKPT"); return b }},
		{"an empty file", func(b []byte) []byte { return nil }},
	} {
		t.Run("rejects "+tc.name, func(t *testing.T) {
			bad := filepath.Join(dir, "bad.ckpt")
			if err := os.WriteFile(bad, tc.mangle(append([]byte(nil), good...)), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Load(bad)
			if err == nil {
				t.Fatal("loaded")
			}
			t.Log(err)
		})
	}
	t.Run("rejects plain weights as a checkpoint", func(t *testing.T) {
		plain := filepath.Join(dir, "model.safetensors")
		if err := SaveWeights(plain, tr.Policy()); err != nil {
			t.Fatal(err)
		}
		if _, err := Load(plain); err == nil || !strings.Contains(err.Error(), "not a trainer checkpoint") {
			t.Fatalf("Load(weights) = %v", err)
		}
	})
}

// namedBytes is the byte tokenizer under another name.
type namedBytes string

func (n namedBytes) Name() string            { return string(n) }
func (namedBytes) Encode(s string) []int32   { return byteTok{}.Encode(s) }
func (namedBytes) Decode(ids []int32) string { return byteTok{}.Decode(ids) }
func (namedBytes) Vocab() int                { return 257 }
func (namedBytes) EOS() int32                { return 256 }
