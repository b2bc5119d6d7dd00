package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/agentarena/arena/client"
	"github.com/agentarena/arena/games/prompt"
	"github.com/agentarena/arena/judges"
	"github.com/agentarena/arena/task"
)

// Owners see what they will be judged on: `prompts` reads an arena's task
// set from the server, and `judge` scores answer files on this machine
// with the judge code the node runs, so an agent can be tested before it
// enters (and a test suite can score answers without a node).
var judgeCommands = []*command{
	{
		group:    "prompts",
		synopsis: "[--arena NAME] [--id ID]",
		summary: "List the prompts an arena's contests draw from (default arena: prompt), with\n" +
			"        the criteria answers are judged against; --id shows one prompt in full.",
		cred:  credOptional,
		setup: promptsList,
	},
	{
		group:    "judge",
		synopsis: "--prompt ID [--arena NAME] FILE... | --task SEED [--arena NAME] [--family F] [--level N] FILE...",
		summary: "Score answer files (- for stdin) locally with the judge the node runs. With\n" +
			"        --prompt, the rubric judge: each score, rank and flag and the rationale; the\n" +
			"        prompt comes from the set built into arenactl, or with --arena from that arena\n" +
			"        on the server. With --task, the verifiable game's checker on the task a contest\n" +
			"        with that seed poses on a cluster of this release (its newest task generators),\n" +
			"        in the verifiable arena --arena names (its options) or\n" +
			"        one with every family (--family and --level narrow it as arena options do):\n" +
			"        the task, then each score, pass and the checks missed.",
		args:     []string{"FILE"},
		variadic: true,
		cred:     credOptional,
		setup:    judgeFiles,
	},
}

func promptsList(fs *flag.FlagSet) action {
	arenaName := fs.String("arena", "prompt", "")
	id := fs.String("id", "", "")
	return func(ctx context.Context, inv *invocation) error {
		set, err := inv.client.Prompts(ctx, *arenaName)
		if err != nil {
			return err
		}
		if *id != "" {
			p, ok := findPrompt(set.Prompts, *id)
			if !ok {
				return fmt.Errorf("arena %s has no prompt %q (%d prompts; run arenactl prompts --arena %s)", *arenaName, *id, len(set.Prompts), *arenaName)
			}
			if inv.g.json {
				return printJSON(inv.stdout, map[string]any{"arena": set.Arena, "prompt": p})
			}
			return printPrompt(inv.stdout, p)
		}
		if inv.g.json {
			return printJSON(inv.stdout, set)
		}
		t := newTable(inv.stdout)
		t.row("ID", "FORMAT", "WORDS", "REQUIRED", "FORBIDDEN", "PROMPT")
		for _, p := range set.Prompts {
			c := p.Criteria
			t.row(p.ID, c.Format, bounds(c.MinWords, c.MaxWords), strings.Join(c.Required, ","), strings.Join(c.Forbidden, ","), excerpt(p.Text, 60))
		}
		return t.flush()
	}
}

func findPrompt(set []client.Prompt, id string) (client.Prompt, bool) {
	for _, p := range set {
		if p.ID == id {
			return p, true
		}
	}
	return client.Prompt{}, false
}

// printPrompt shows one prompt: its text as agents see it, then every
// criterion the rubric checks.
func printPrompt(w io.Writer, p client.Prompt) error {
	t := newTable(w)
	t.row("ID", p.ID)
	for _, l := range criteriaLines(p.Criteria) {
		t.row(l[0], l[1])
	}
	if err := t.flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%s\n", printable(p.Text))
	return err
}

// criteriaLines names each criterion a prompt sets, in the rubric's order.
func criteriaLines(c task.Criteria) [][2]string {
	var out [][2]string
	add := func(k, v string) { out = append(out, [2]string{k, v}) }
	if c.MinWords > 0 || c.MaxWords > 0 {
		add("WORDS", bounds(c.MinWords, c.MaxWords))
	}
	if len(c.Required) > 0 {
		add("REQUIRED", strings.Join(c.Required, ", "))
	}
	if len(c.Forbidden) > 0 {
		add("FORBIDDEN", strings.Join(c.Forbidden, ", "))
	}
	if c.Format != "" {
		add("FORMAT", c.Format)
	}
	if c.MinItems > 0 || c.MaxItems > 0 {
		add("ITEMS", bounds(c.MinItems, c.MaxItems))
	}
	if len(c.JSONKeys) > 0 {
		add("JSON KEYS", strings.Join(c.JSONKeys, ", "))
	}
	if c.MaxSentenceWords > 0 {
		add("MAX SENTENCE WORDS", strconv.Itoa(c.MaxSentenceWords))
	}
	if c.EndsWith != "" {
		add("ENDS WITH", c.EndsWith)
	}
	return out
}

// bounds renders a range the way the rubric's rationale does.
func bounds(lo, hi int) string {
	switch {
	case lo > 0 && hi > 0:
		return fmt.Sprintf("%d–%d", lo, hi)
	case lo > 0:
		return fmt.Sprintf("≥ %d", lo)
	case hi > 0:
		return fmt.Sprintf("≤ %d", hi)
	}
	return ""
}

// excerpt is the first line of s, cut to n runes.
func excerpt(s string, n int) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// printable drops control characters other than newlines and tabs, so a
// prompt's text cannot drive the terminal.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r != '\n' && r != '\t' && unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}

// judgeReport is judge --json's output.
type judgeReport struct {
	Prompt  client.Prompt  `json:"prompt"`
	Files   []string       `json:"files"`
	Verdict judges.Verdict `json:"verdict"`
}

func judgeFiles(fs *flag.FlagSet) action {
	promptID := fs.String("prompt", "", "")
	arenaName := fs.String("arena", "", "")
	var tf taskFlags
	fs.StringVar(&tf.seed, "task", "", "")
	fs.StringVar(&tf.family, "family", "", "")
	fs.IntVar(&tf.level, "level", 0, "")
	return func(ctx context.Context, inv *invocation) error {
		switch {
		case *promptID != "" && tf.seed != "":
			return usagef("judge takes --prompt or --task, not both")
		case tf.seed != "":
			return judgeTask(ctx, inv, tf, *arenaName)
		case *promptID == "":
			return usagef("judge needs --prompt ID (see arenactl prompts) or --task SEED")
		}
		p, err := lookupPrompt(ctx, inv.client, *arenaName, *promptID)
		if err != nil {
			return err
		}
		entries := make([]judges.Entry, len(inv.args))
		for i, name := range inv.args {
			text, err := readAnswer(name, os.Stdin)
			if err != nil {
				return err
			}
			if len(text) > prompt.DefaultMaxAnswerBytes {
				fmt.Fprintf(inv.stderr, "arenactl: note: %s is %d bytes; prompt arenas accept %d by default\n", name, len(text), prompt.DefaultMaxAnswerBytes)
			}
			entries[i] = judges.Entry{Seat: i, Text: text}
		}
		v, err := judges.NewRubricJudge().Rank(ctx, judges.Task{PromptID: p.ID, Prompt: p.Text, Criteria: p.Criteria}, entries)
		if err != nil {
			return err
		}
		if inv.g.json {
			return printJSON(inv.stdout, judgeReport{Prompt: p, Files: inv.args, Verdict: v})
		}
		return printVerdict(inv.stdout, p.ID, inv.args, v)
	}
}

// lookupPrompt finds a prompt in an arena's set on the server, or with no
// arena in the set built into this binary (the set every node of the same
// build runs).
func lookupPrompt(ctx context.Context, c *client.Client, arenaName, id string) (client.Prompt, error) {
	if arenaName != "" {
		set, err := c.Prompts(ctx, arenaName)
		if err != nil {
			return client.Prompt{}, err
		}
		if p, ok := findPrompt(set.Prompts, id); ok {
			return p, nil
		}
		return client.Prompt{}, fmt.Errorf("arena %s has no prompt %q", arenaName, id)
	}
	for _, p := range prompt.DefaultSet() {
		if p.ID == id {
			return client.Prompt{ID: p.ID, Text: p.Text, Criteria: p.Criteria}, nil
		}
	}
	return client.Prompt{}, usagef("unknown prompt %q (the built-in set; pass --arena NAME for a server's set)", id)
}

// readAnswer reads one answer file ("-": stdin), at most the prompt
// game's hard cap on an answer.
func readAnswer(name string, stdin io.Reader) (string, error) {
	r := stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return "", fmt.Errorf("read answer: %w", err)
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, prompt.MaxAnswerBytesLimit+1))
	if err != nil {
		return "", fmt.Errorf("read answer %s: %w", name, err)
	}
	if len(b) > prompt.MaxAnswerBytesLimit {
		return "", fmt.Errorf("answer %s is over %d bytes, more than any arena accepts", name, prompt.MaxAnswerBytesLimit)
	}
	if !utf8.Valid(b) {
		return "", fmt.Errorf("answer %s is not UTF-8 text, which the prompt game rejects", name)
	}
	return string(b), nil
}

// printVerdict shows one row per answer (seat numbers are the order the
// files were given, as the rationale names them), each flag, then the
// rationale.
func printVerdict(w io.Writer, promptID string, files []string, v judges.Verdict) error {
	flags := make([][]string, len(files))
	for _, f := range v.Flags {
		if f.Entry >= 0 && f.Entry < len(files) {
			flags[f.Entry] = append(flags[f.Entry], f.Kind)
		}
	}
	fmt.Fprintf(w, "prompt %s, judged by %s\n\n", promptID, v.Judge)
	t := newTable(w)
	t.row("SEAT", "FILE", "SCORE", "RANK", "FLAGS")
	for i, name := range files {
		t.row(strconv.Itoa(i), name, strconv.FormatFloat(v.Scores[i], 'f', 4, 64), strconv.Itoa(v.Ranks[i]+1), strings.Join(flags[i], ","))
	}
	if err := t.flush(); err != nil {
		return err
	}
	if len(v.Flags) > 0 {
		fmt.Fprintln(w, "\nFlags:")
		for _, f := range v.Flags {
			fmt.Fprintf(w, "  seat %d %s: %s\n", f.Entry, f.Kind, printable(f.Detail))
		}
	}
	_, err := fmt.Fprintf(w, "\nRationale:\n%s\n", printable(v.Rationale))
	return err
}
