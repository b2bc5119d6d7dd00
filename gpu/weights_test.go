package gpu

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/agentarena/arena/gpu/safetensors"
)

func TestWeightsRoundTripAndMismatches(t *testing.T) {
	dir := t.TempDir()
	m := mustModel(t, tinyConfig)
	path := filepath.Join(dir, "model.safetensors")
	if err := SaveWeights(path, m); err != nil {
		t.Fatal(err)
	}
	back, err := LoadWeights(path, tinyConfig)
	if err != nil || !slices.Equal(back.Params, m.Params) {
		t.Fatalf("round trip: %v", err)
	}

	// Hugging Face's GPT2LMHeadModel state dict: a "transformer." prefix,
	// the attention-mask buffers and the tied lm_head, all tolerated.
	var hf []safetensors.Tensor
	for _, x := range m.Tensors() {
		hf = append(hf, safetensors.Tensor{Name: "transformer." + x.Name, Shape: x.Shape, Data: x.Data})
	}
	hf = append(hf, safetensors.Tensor{Name: "transformer.h.0.attn.bias", Shape: []int{1, 1, 4, 4}, Data: make([]float32, 16)})
	wte := m.Tensors()[0]
	hf = append(hf, safetensors.Tensor{Name: "lm_head.weight", Shape: wte.Shape, Data: wte.Data})
	hfPath := filepath.Join(dir, "hf.safetensors")
	if err := safetensors.WriteFile(hfPath, hf, nil); err != nil {
		t.Fatal(err)
	}
	if back, err := LoadWeights(hfPath, tinyConfig); err != nil || !slices.Equal(back.Params, m.Params) {
		t.Fatalf("Hugging Face layout: %v", err)
	}

	wider := tinyConfig
	wider.NEmbd = 32
	deeper := tinyConfig
	deeper.NLayer = 2
	if _, err := LoadWeights(path, wider); err == nil || !strings.Contains(err.Error(), "wte.weight has shape [257 16], the model needs [257 32]") {
		t.Errorf("wider model: %v", err)
	}
	if _, err := LoadWeights(path, deeper); err == nil || !strings.Contains(err.Error(), "tensor h.1.ln_1.weight is missing") {
		t.Errorf("deeper model: %v", err)
	}
	if _, err := LoadWeights(filepath.Join(dir, "absent.safetensors"), tinyConfig); err == nil {
		t.Error("a missing file loaded")
	}
}
