package gpu

import (
	"bytes"
	"os"
	"path/filepath"
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
	t.Run("window only", func(t *testing.T) { testResume(t, smallConfig) })
	t.Run("with prompt features", func(t *testing.T) {
		mc := smallConfig
		mc.PromptFeatures = 16
		testResume(t, mc)
	})
}

func testResume(t *testing.T, mc ModelConfig) {
	const n = 10
	cfg := DefaultTrainerConfig()
	cfg.DPO.LabelSmoothing = 0.05
	straight := mustTrainer(t, mustModel(t, mc), cfg)
	runSchedule(t, straight, 0, n)

	for _, split := range []int{2, n / 2} { // stop during SFT, and during DPO
		first := mustTrainer(t, mustModel(t, mc), cfg)
		runSchedule(t, first, 0, split)
		path := filepath.Join(t.TempDir(), "ckpt.bin")
		if err := first.Save(path); err != nil {
			t.Fatal(err)
		}
		ck, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		resumed, err := Resume(NewCPU(), ck)
		if err != nil {
			t.Fatal(err)
		}
		if resumed.Policy().Config != mc {
			t.Fatalf("resumed model config %+v, want %+v", resumed.Policy().Config, mc)
		}
		if resumed.Steps() != split || resumed.Cursor() != string(rune('a'+split-1)) {
			t.Fatalf("resumed at step %d cursor %q", resumed.Steps(), resumed.Cursor())
		}
		runSchedule(t, resumed, split, n)
		if !equalFloats(straight.Policy().Params, resumed.Policy().Params) {
			t.Fatalf("split at %d: resumed weights differ from an uninterrupted run", split)
		}
		if !equalFloats(straight.opt.V, resumed.opt.V) || straight.Steps() != resumed.Steps() {
			t.Fatalf("split at %d: optimiser state differs", split)
		}
	}
}

func TestCheckpointFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ckpt.bin")
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
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// A window-only model writes the header it always did.
	if bytes.Contains(good, []byte("prompt_features")) {
		t.Fatal("header of a model without prompt features names them")
	}
	ck, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	h := ck.Header
	if h.Phase != PhaseDPO || !h.HasReference || h.Step != 4 || h.Trainer.DPO.Beta != 0.1 || h.Model != tinyConfig {
		t.Fatalf("header %+v", h)
	}
	m, err := LoadModel(path)
	if err != nil || !equalFloats(m.Params, tr.Policy().Params) {
		t.Fatalf("LoadModel: %v", err)
	}

	for _, tc := range []struct {
		name   string
		mangle func([]byte) []byte
	}{
		{"a flipped weight bit", func(b []byte) []byte { b[len(b)-100] ^= 1; return b }},
		{"a truncated file", func(b []byte) []byte { return b[:len(b)-9] }},
		{"another file type", func(b []byte) []byte { copy(b, "NOTACKPT"); return b }},
		{"a future version", func(b []byte) []byte { b[8] = 99; return b }},
		{"an empty file", func(b []byte) []byte { return nil }},
	} {
		t.Run("rejects "+tc.name, func(t *testing.T) {
			bad := filepath.Join(dir, "bad.bin")
			if err := os.WriteFile(bad, tc.mangle(append([]byte(nil), good...)), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := Load(bad); err == nil {
				t.Fatal("loaded")
			}
		})
	}
}
