package chaos

import (
	"fmt"
	"time"

	"github.com/anishathalye/porcupine"
)

// balanceModel is the sequential specification Porcupine checks the
// history against: each owner's balance is a counter that a grant raises
// by its amount and a linearizable read returns. Owners are independent,
// so the history splits by owner and each part is checked alone.
var balanceModel = porcupine.Model{
	Partition: func(ops []porcupine.Operation) [][]porcupine.Operation {
		by := map[string]int{}
		var parts [][]porcupine.Operation
		for _, op := range ops {
			o := op.Input.(balanceOp).Owner
			i, ok := by[o]
			if !ok {
				i = len(parts)
				by[o] = i
				parts = append(parts, nil)
			}
			parts[i] = append(parts[i], op)
		}
		return parts
	},
	Init: func() any { return int64(0) },
	Step: func(state, input, output any) (bool, any) {
		s, in := state.(int64), input.(balanceOp)
		if in.Amount != 0 {
			return true, s + in.Amount
		}
		return output.(balanceOut).Balance == s, s
	},
	DescribeOperation: func(input, output any) string {
		in := input.(balanceOp)
		if in.Amount != 0 {
			return fmt.Sprintf("grant(%s, %d)", in.Owner, in.Amount)
		}
		return fmt.Sprintf("read(%s) -> %d", in.Owner, output.(balanceOut).Balance)
	},
	DescribeState: func(state any) string { return fmt.Sprint(state.(int64)) },
}

// linearizability is the outcome of checking a history.
type linearizability struct {
	Result porcupine.CheckResult
	Ops    int
}

// checkLinearizable runs Porcupine over ops; with vizPath set it also
// writes the visualization (an HTML file) there.
func checkLinearizable(ops []porcupine.Operation, timeout time.Duration, vizPath string) (linearizability, error) {
	res, info := porcupine.CheckOperationsVerbose(balanceModel, ops, timeout)
	out := linearizability{Result: res, Ops: len(ops)}
	if vizPath != "" {
		if err := porcupine.VisualizePath(balanceModel, info, vizPath); err != nil {
			return out, fmt.Errorf("write the linearizability visualization: %w", err)
		}
	}
	return out, nil
}
