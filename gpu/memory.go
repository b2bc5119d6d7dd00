package gpu

import "github.com/agentarena/arena/gpu/gpt"

// EstimateBytes is roughly what training cfg with micro-batches of batch
// sequences at full context holds in memory: parameters, gradients, two
// AdamW moments and the reference (five copies), plus the activations a
// backward pass keeps (per layer and position, a few dozen vectors of the
// width and the attention rows; then the logits). It errs high; it is for
// refusing hopeless configs with a message, not for packing memory.
func EstimateBytes(cfg gpt.Config, batch int) int64 {
	params := int64(cfg.NumParams())
	bt := int64(batch) * int64(cfg.BlockSize)
	perLayer := 16*int64(cfg.NEmbd) + 2*int64(cfg.NHead)*int64(cfg.BlockSize)
	acts := bt * (int64(cfg.NLayer)*perLayer + 4*int64(cfg.Vocab) + 4*int64(cfg.NEmbd))
	return 4 * (5*params + acts)
}
