package judges

import (
	"cmp"
	"slices"
)

// EntryFlags runs the detectors every judge shares over every entry: the
// judge-addressing detector (addressing.go, FlagJudgeAddressing) and the
// non-answer detector (nonanswer.go and, for text that is not English
// prose, content.go; FlagNonAnswer) and the template detector
// (template.go, FlagTemplate) and the copy detector (copy.go,
// FlagCopied). Any judge, panel or
// wrapper calls it, so entries that try to game the judge are flagged
// whatever the judge itself made of them. Flagging is all it does: the
// penalty is the caller's, per the arena's rule (by default the arena
// forfeits entries flagged for addressing the judge), because a judge that
// lowered scores on its own would make the rule depend on which judge an
// arena happened to use.
func EntryFlags(task Task, entries []Entry) []Flag {
	var out []Flag
	for i, e := range entries {
		out = append(out, entryFlags(task, i, e)...)
	}
	return out
}

// entryFlags returns one entry's flags, addressing first.
func entryFlags(task Task, i int, e Entry) []Flag {
	text := e.Text
	var out []Flag
	if d := detectAddressing(task, text); d != "" {
		out = append(out, Flag{Entry: i, Kind: FlagJudgeAddressing, Detail: d})
	}
	if d := cmp.Or(detectNonAnswer(task, text), detectContentFree(text)); d != "" {
		out = append(out, Flag{Entry: i, Kind: FlagNonAnswer, Detail: d})
	}
	if d := cmp.Or(detectTemplate(task, text), detectReuse(task, text, e.Recent)); d != "" {
		out = append(out, Flag{Entry: i, Kind: FlagTemplate, Detail: d})
	}
	if d := detectCopy(task, e); d != "" {
		out = append(out, Flag{Entry: i, Kind: FlagCopied, Detail: d})
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
