//go:build cuda

package cudagpt

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/agentarena/arena/gpu/gpt"
)

// RefScores are the frozen reference's log-probs of a batch of pairs'
// chosen and rejected responses, kept on the device: computed once per
// batch of pairs (the reference never changes), read by every DPO step
// on those pairs with no host round trip.
type RefScores struct {
	m     *Model
	p     Ptr
	pairs int
}

// Free releases the scores' device memory.
func (r *RefScores) Free() {
	if r.p == 0 {
		return
	}
	_ = r.m.dev.Do(func() error { r.m.dev.Free(r.p); return nil })
	r.p = 0
}

// pairBatch checks that b holds 2k rows: k chosen, then k rejected.
func pairBatch(b gpt.Batch) (int, error) {
	if b.B%2 != 0 || b.B == 0 {
		return 0, fmt.Errorf("cudagpt: a pair batch has chosen rows then rejected rows, an even number; got %d", b.B)
	}
	return b.B / 2, nil
}

// RefLogProbs runs the reference over b (k chosen rows, then k rejected,
// as gpu's pairSequences lays them out) and keeps Σ log π_ref per row on
// the device.
func (m *Model) RefLogProbs(b gpt.Batch) (*RefScores, error) {
	k, err := pairBatch(b)
	if err != nil {
		return nil, err
	}
	r := &RefScores{m: m, pairs: k}
	err = m.dev.Do(func() error {
		if err := m.upload(b); err != nil {
			return err
		}
		if err := m.forward(b.B, b.T, true); err != nil {
			return err
		}
		p, err := m.dev.Alloc(8 * int64(b.B))
		if err != nil {
			return fmt.Errorf("cudagpt: reference scores: %w", err)
		}
		r.p = p
		if err := m.k.SeqSums(r.p, m.act.logp, m.act.targets, b.B, b.T); err != nil {
			return fmt.Errorf("cudagpt: reference scores: %w", err)
		}
		return nil
	})
	if err != nil {
		r.Free()
		return nil, err
	}
	return r, nil
}

// DPOResult is what a device-side DPO step reads back: the mean loss and
// TRL's metrics (gpu.DPOStats' fields, means over the pairs), and the
// gradient norm before clipping.
type DPOResult struct {
	Loss                                              float64
	RewardsChosen, RewardsRejected, RewardsAccuracies float64
	RewardsMargins, LogpsChosen, LogpsRejected        float64
	GradNorm                                          float64
}

// DPOStep is one preference step entirely on the device: the policy's
// per-sequence log-probs of b (k chosen rows, then k rejected), the loss
// against ref's scores (DPOLoss: sigmoid, cDPO, IPO or hinge), its
// per-sequence gradient scattered to the scored positions, backward,
// clipping and AdamW. Only b's tokens go in; scalars come back.
func (m *Model) DPOStep(b gpt.Batch, ref *RefScores, cfg DPOParams, lr, clip float64) (DPOResult, error) {
	k, err := pairBatch(b)
	if err != nil {
		return DPOResult{}, err
	}
	if ref == nil || ref.p == 0 || ref.pairs != k || ref.m != m {
		return DPOResult{}, errors.New("cudagpt: dpo step: the reference scores are not this batch's (RefLogProbs of the same pairs)")
	}
	var metrics [DPOMetrics]float64
	err = m.dev.Do(func() error {
		if err := m.trainForward(b); err != nil {
			return err
		}
		a := &m.act
		var l launches
		l.do(m.k.SeqSums(a.seqLogP, a.logp, a.targets, b.B, b.T))
		out := at(m.scratch, 2*scalarMetrics)
		l.do(m.k.DPOLoss(out, a.dseq, a.seqLogP, seqAt(a.seqLogP, k), ref.p, seqAt(ref.p, k), k, cfg))
		l.do(m.k.ScatterSeqGrad(a.dlogp, a.dseq, a.targets, b.B, b.T))
		if l.err != nil {
			return fmt.Errorf("cudagpt: dpo loss: %w", l.err)
		}
		if err := m.backward(); err != nil {
			return err
		}
		return m.dev.CopyOut(unsafe.Pointer(&metrics[0]), out, 8*DPOMetrics)
	})
	if err != nil {
		return DPOResult{}, err
	}
	res := DPOResult{Loss: metrics[MetricLoss], RewardsChosen: metrics[MetricRewardsChosen],
		RewardsRejected: metrics[MetricRewardsRejected], RewardsAccuracies: metrics[MetricRewardsAccuracies],
		RewardsMargins: metrics[MetricRewardsMargins], LogpsChosen: metrics[MetricLogpsChosen], LogpsRejected: metrics[MetricLogpsRejected]}
	return res, m.finish(&res.GradNorm, res.Loss, lr, clip)
}

// seqAt is the address of the i-th per-sequence float64 in p.
func seqAt(p Ptr, i int) Ptr { return p + Ptr(8*i) }
