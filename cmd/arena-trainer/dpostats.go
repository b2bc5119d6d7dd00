package main

import "github.com/agentarena/arena/gpu"

// dpoMean is DPO's training metrics averaged over a version's (a round's)
// DPO steps, as TRL averages what it logs over its logging steps. One
// step's value is a mean over its batch alone: with -batch 4 its reward
// accuracy can only be 0, 0.25, 0.5, 0.75 or 1, too coarse to say whether
// DPO saturated. Both commands report this mean, and offline's verdict
// reads it.
type dpoMean struct {
	sum   gpu.DPOStats
	steps int
}

// add counts one DPO step's metrics.
func (m *dpoMean) add(s gpu.DPOStats) {
	m.sum.RewardsChosen += s.RewardsChosen
	m.sum.RewardsRejected += s.RewardsRejected
	m.sum.RewardsAccuracies += s.RewardsAccuracies
	m.sum.RewardsMargins += s.RewardsMargins
	m.sum.LogpsChosen += s.LogpsChosen
	m.sum.LogpsRejected += s.LogpsRejected
	m.sum.NLLLoss += s.NLLLoss
	m.steps++
}

// mean is the metrics' mean over the steps counted; nil when no DPO step
// ran (-dpo-steps 0), which is not measured rather than 0.
func (m dpoMean) mean() *gpu.DPOStats {
	if m.steps == 0 {
		return nil
	}
	n := float64(m.steps)
	s := m.sum
	s.RewardsChosen /= n
	s.RewardsRejected /= n
	s.RewardsAccuracies /= n
	s.RewardsMargins /= n
	s.LogpsChosen /= n
	s.LogpsRejected /= n
	s.NLLLoss /= n
	return &s
}
