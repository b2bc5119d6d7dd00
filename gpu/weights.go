package gpu

import (
	"fmt"
	"slices"
	"strings"

	"github.com/agentarena/arena/gpu/gpt"
	"github.com/agentarena/arena/gpu/safetensors"
)

// SaveWeights writes m's parameters alone as safetensors under the
// Hugging Face GPT-2 names, with the model config in the metadata: the
// file other GPT-2 tooling loads.
func SaveWeights(path string, m *gpt.Model) error {
	var ts []safetensors.Tensor
	for _, t := range m.Tensors() {
		ts = append(ts, safetensors.Tensor{Name: t.Name, Shape: t.Shape, Data: t.Data})
	}
	meta := map[string]string{"format": "pt", "n_layer": fmt.Sprint(m.Config.NLayer), "n_head": fmt.Sprint(m.Config.NHead),
		"n_embd": fmt.Sprint(m.Config.NEmbd), "block_size": fmt.Sprint(m.Config.BlockSize), "vocab": fmt.Sprint(m.Config.Vocab)}
	if err := safetensors.WriteFile(path, ts, meta); err != nil {
		return fmt.Errorf("save weights: %w", err)
	}
	return nil
}

// LoadWeights reads GPT-2-shaped weights for a model of config cfg: ours,
// or Hugging Face's model.safetensors (with or without the "transformer."
// prefix; the attention-mask buffers and the tied lm_head are ignored).
// Every tensor the model needs must be present with exactly its shape: a
// mismatch is an error naming the tensor and both shapes, never a model
// that loads and then answers nonsense.
func LoadWeights(path string, cfg gpt.Config) (*gpt.Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load weights: %w", err)
	}
	names := map[string]string{}
	for _, n := range f.Names() {
		names[strings.TrimPrefix(n, "transformer.")] = n
	}
	m := &gpt.Model{Config: cfg, Params: make([]float32, cfg.NumParams())}
	for _, want := range m.Tensors() {
		name, ok := names[want.Name]
		if !ok {
			return nil, fmt.Errorf("load weights %s: tensor %s is missing (the model is %d layers, width %d, vocabulary %d, context %d)",
				path, want.Name, cfg.NLayer, cfg.NEmbd, cfg.Vocab, cfg.BlockSize)
		}
		got, err := f.Get(name)
		if err != nil {
			return nil, fmt.Errorf("load weights %s: %w", path, err)
		}
		if !slices.Equal(got.Shape, want.Shape) {
			return nil, fmt.Errorf("load weights %s: tensor %s has shape %v, the model needs %v", path, name, got.Shape, want.Shape)
		}
		copy(want.Data, got.Data)
	}
	return m, nil
}
