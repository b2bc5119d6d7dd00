package judges

import (
	"cmp"
	"slices"
)

// AddressingFlags runs the rubric's judge-addressing detector (see
// addressing.go) over every entry, so any judge, panel or wrapper can flag
// entries that try to instruct the judge, whatever the judge itself made
// of them. Flagging is all it does: the penalty is the caller's, per the
// arena's rule (by default the arena forfeits flagged entries), because a
// judge that lowered scores on its own would make the rule depend on which
// judge an arena happened to use.
func AddressingFlags(task Task, entries []Entry) []Flag {
	var out []Flag
	for i, e := range entries {
		if d := detectAddressing(task, e.Text); d != "" {
			out = append(out, Flag{Entry: i, Kind: FlagJudgeAddressing, Detail: d})
		}
	}
	return out
}

// mergeFlags unions flag lists, keeping the first flag of each (entry,
// kind), sorted by entry then kind so the verdict bytes do not depend on
// which judge answered first.
func mergeFlags(groups ...[]Flag) []Flag {
	var out []Flag
	for _, g := range groups {
		for _, f := range g {
			if !slices.ContainsFunc(out, func(o Flag) bool { return o.Entry == f.Entry && o.Kind == f.Kind }) {
				out = append(out, f)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Flag) int {
		return cmp.Or(cmp.Compare(a.Entry, b.Entry), cmp.Compare(a.Kind, b.Kind))
	})
	return out
}
