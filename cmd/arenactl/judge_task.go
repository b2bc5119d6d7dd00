package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/agentarena/arena/games/verifiable"
)

// taskFlags are judge's flags for a generated verifiable task: the
// contest seed it is derived from and, as an arena's options would, the
// family and level to draw from.
type taskFlags struct {
	seed   string
	family string
	level  int
	// options are the verifiable arena's (--arena), which --family and
	// --level narrow further.
	options verifiable.Options
}

// taskReport is judge --task --json's output: the task as agents see it
// (its ground truth stays out; the checks name what each answer missed)
// and the checker's result per file.
type taskReport struct {
	Task    taskView            `json:"task"`
	Files   []string            `json:"files"`
	Results []verifiable.Result `json:"results"`
	Ranks   []int               `json:"ranks"`
	Checker string              `json:"checker"`
}

type taskView struct {
	ID     string `json:"id"`
	Family string `json:"family"`
	Level  int    `json:"level"`
	Text   string `json:"text"`
}

// generateTask draws the task a verifiable contest with this seed would
// pose in an arena restricted to the family and level given.
func generateTask(f taskFlags) (verifiable.Task, error) {
	seed, err := strconv.ParseUint(f.seed, 0, 64)
	if err != nil {
		return verifiable.Task{}, usagef("--task takes a seed, an unsigned 64-bit integer: %q", f.seed)
	}
	o := f.options
	if f.family != "" {
		known := verifiable.Families()
		if !containsString(known, f.family) {
			return verifiable.Task{}, usagef("unknown family %q (families: %s)", f.family, strings.Join(known, ", "))
		}
		o.Families = []string{f.family}
	}
	if f.level != 0 {
		if f.level < 1 || f.level > verifiable.MaxLevel {
			return verifiable.Task{}, usagef("--level must be 1 to %d", verifiable.MaxLevel)
		}
		o.Levels = []int{f.level}
	}
	t, err := verifiable.Generate(seed, o)
	if err != nil {
		return verifiable.Task{}, fmt.Errorf("generate task: %w", err)
	}
	return t, nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// judgeTask checks answer files against a generated task with the checker
// the node's referee runs, and ranks them the way the game does: by score,
// equal scores sharing a place.
func judgeTask(ctx context.Context, inv *invocation, f taskFlags, arenaName string) error {
	if arenaName != "" {
		// The task a contest of that arena posed: its options decide the
		// families and levels the seed draws from (without them the seed
		// drew from every family, another task, with no warning).
		a, err := inv.client.GetArena(ctx, arenaName)
		if err != nil {
			return err
		}
		if a.Game != verifiable.Name {
			return usagef("--task checks verifiable tasks; arena %s plays %s (use --prompt for a prompt arena)", arenaName, a.Game)
		}
		if len(a.Options) > 0 {
			if err := json.Unmarshal(a.Options, &f.options); err != nil {
				return fmt.Errorf("arena %s's options: %w", arenaName, err)
			}
		}
	}
	t, err := generateTask(f)
	if err != nil {
		return err
	}
	results := make([]verifiable.Result, len(inv.args))
	for i, name := range inv.args {
		text, err := readAnswer(name, os.Stdin)
		if err != nil {
			return err
		}
		results[i] = verifiable.Check(t.Want, text)
	}
	ranks := make([]int, len(results))
	for i, r := range results {
		for _, o := range results {
			if o.Score > r.Score {
				ranks[i]++
			}
		}
	}
	view := taskView{ID: t.ID, Family: t.Family, Level: t.Level, Text: t.Text}
	if inv.g.json {
		return printJSON(inv.stdout, taskReport{Task: view, Files: inv.args, Results: results, Ranks: ranks, Checker: verifiable.CheckerName})
	}
	return printTaskResults(inv.stdout, view, inv.args, results, ranks)
}

func printTaskResults(w io.Writer, t taskView, files []string, results []verifiable.Result, ranks []int) error {
	fmt.Fprintf(w, "task %s (%s, level %d), checked by %s\n\n%s\n\n", t.ID, t.Family, t.Level, verifiable.CheckerName, printable(t.Text))
	tab := newTable(w)
	tab.row("SEAT", "FILE", "SCORE", "RANK", "PASSED", "MISSED")
	for i, name := range files {
		r := results[i]
		missed := r.FormatError
		if missed == "" {
			var names []string
			for _, c := range r.Checks {
				if !c.OK {
					names = append(names, c.Name)
				}
			}
			missed = strings.Join(names, ",")
		}
		tab.row(strconv.Itoa(i), name, strconv.FormatFloat(r.Score, 'f', 4, 64), strconv.Itoa(ranks[i]+1),
			strconv.FormatBool(r.Passed), printable(missed))
	}
	return tab.flush()
}
