package judges

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"sync"
)

// Aggregations a Panel can use.
const (
	// AggregateBorda gives an entry, per judge, one point for each entry
	// it places below it and half a point for each tie, then divides the
	// total by judges × (n−1). It uses places only, so a judge that
	// scores on a compressed scale weighs as much as any other.
	AggregateBorda = "borda"
	// AggregateMeanScore averages the judges' scores. Verdict scores are
	// already on [0, 1], so they are used as they are: rescaling each
	// judge's scores to its own min and max would blow a judge's
	// float-noise differences up to full-scale ones.
	AggregateMeanScore = "mean_score"
)

// DefaultAgreementThreshold is the agreement below which a panel verdict
// is flagged FlagLowAgreement.
const DefaultAgreementThreshold = 0.3

// PanelConfig configures a Panel.
type PanelConfig struct {
	Judges []Judge
	// Aggregation is AggregateBorda (the default) or AggregateMeanScore.
	Aggregation string
	// MinJudges is how many members must return a verdict; the default
	// (0) is all of them. With fewer, say 2 of 3, a member that fails
	// (a model server down) is left out and named in the rationale, and
	// the panel judges with the rest; below MinJudges the panel fails
	// and the caller retries later.
	MinJudges int
	// AgreementThreshold flags verdicts whose agreement is below it;
	// 0 means DefaultAgreementThreshold, and a value below −1 never
	// flags.
	AgreementThreshold float64
	// Name overrides the generated name.
	Name string
	// Rand supplies the shuffle seeds; default crypto/rand.Reader.
	Rand io.Reader
}

// Panel is a judge made of judges. Each member sees the entries in its
// own random order (mapped back before aggregating, and recorded in the
// member's Order), so no two members share a position bias. The panel
// reports agreement as the mean Kendall's tau-b over pairs of members,
// merges the members' flags, and adds its own judge-addressing flags so
// that a member that cannot detect them (or was fooled) changes nothing.
type Panel struct {
	cfg    PanelConfig
	name   string
	randMu sync.Mutex
}

var _ Judge = (*Panel)(nil)

// NewPanel checks cfg and returns a panel.
func NewPanel(cfg PanelConfig) (*Panel, error) {
	if len(cfg.Judges) == 0 {
		return nil, errors.New("panel: no judges")
	}
	for i, j := range cfg.Judges {
		if j == nil {
			return nil, fmt.Errorf("panel: judge %d is nil", i)
		}
	}
	switch cfg.Aggregation {
	case "":
		cfg.Aggregation = AggregateBorda
	case AggregateBorda, AggregateMeanScore:
	default:
		return nil, fmt.Errorf("panel: unknown aggregation %q", cfg.Aggregation)
	}
	if cfg.MinJudges <= 0 || cfg.MinJudges > len(cfg.Judges) {
		cfg.MinJudges = len(cfg.Judges)
	}
	if cfg.AgreementThreshold == 0 {
		cfg.AgreementThreshold = DefaultAgreementThreshold
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	name := cfg.Name
	if name == "" {
		names := make([]string, len(cfg.Judges))
		for i, j := range cfg.Judges {
			names[i] = j.Name()
		}
		name = "panel:" + cfg.Aggregation + "(" + strings.Join(names, ",") + ")"
	}
	return &Panel{cfg: cfg, name: name}, nil
}

// Name identifies the panel, its aggregation and its members.
func (p *Panel) Name() string { return p.name }

// Rank asks every member concurrently and aggregates.
func (p *Panel) Rank(ctx context.Context, task Task, entries []Entry) (Verdict, error) {
	n := len(entries)
	if n == 0 {
		return Verdict{}, fmt.Errorf("%s: no entries", p.name)
	}
	perms := make([][]int, len(p.cfg.Judges))
	for k := range perms {
		seed, err := p.seed()
		if err != nil {
			return Verdict{}, err
		}
		perms[k] = Shuffle(n, seed)
	}
	verdicts := make([]Verdict, len(p.cfg.Judges))
	errs := make([]error, len(p.cfg.Judges))
	var wg sync.WaitGroup
	for k, j := range p.cfg.Judges {
		wg.Go(func() {
			shown := make([]Entry, n)
			for pos, i := range perms[k] {
				shown[pos] = entries[i]
			}
			v, err := j.Rank(ctx, task, shown)
			if err == nil {
				v, err = unshuffle(v, perms[k])
			}
			verdicts[k], errs[k] = v, err
		})
	}
	wg.Wait()

	var members []Verdict
	var failed []string
	for k, err := range errs {
		if err != nil {
			errs[k] = fmt.Errorf("%s: %w", p.cfg.Judges[k].Name(), err)
			failed = append(failed, errs[k].Error())
			continue
		}
		members = append(members, verdicts[k])
	}
	if len(members) < p.cfg.MinJudges {
		return Verdict{}, fmt.Errorf("%s: %d of %d judges answered, want %d: %w",
			p.name, len(members), len(p.cfg.Judges), p.cfg.MinJudges, errors.Join(errs...))
	}
	return p.aggregate(task, entries, members, failed), nil
}

// aggregate combines member verdicts, already indexed like entries.
func (p *Panel) aggregate(task Task, entries []Entry, members []Verdict, failed []string) Verdict {
	n := len(entries)
	v := Verdict{Judge: p.name, PromptHash: PromptHash(task.Prompt), Scores: make([]float64, n), Members: members}
	for _, m := range members {
		for i := range n {
			if p.cfg.Aggregation == AggregateMeanScore {
				v.Scores[i] += RoundScore(m.Scores[i])
			} else {
				v.Scores[i] += bordaPoints(m.Ranks, i)
			}
		}
	}
	div := float64(len(members))
	if p.cfg.Aggregation == AggregateBorda {
		div *= float64(max(n-1, 1))
	}
	for i := range v.Scores {
		v.Scores[i] = RoundScore(v.Scores[i] / div)
		if p.cfg.Aggregation == AggregateBorda && n == 1 {
			v.Scores[i] = 1
		}
	}
	v.Ranks = RanksFromScores(v.Scores)

	flags := [][]Flag{EntryFlags(task, entries)}
	lines := []string{fmt.Sprintf("%s of %d judges", p.cfg.Aggregation, len(members))}
	if a, ok := agreement(members); ok {
		v.Agreement = &a
		lines[0] += fmt.Sprintf(", agreement (mean Kendall tau-b) %s", fmtNum(a, 3))
		if a < p.cfg.AgreementThreshold {
			flags = append(flags, []Flag{{Entry: -1, Kind: FlagLowAgreement,
				Detail: fmt.Sprintf("agreement %s below %s", fmtNum(a, 3), fmtNum(p.cfg.AgreementThreshold, 3))}})
		}
	}
	for _, m := range members {
		flags = append(flags, m.Flags)
		lines = append(lines, "["+m.Judge+"] "+strings.ReplaceAll(m.Rationale, "\n", "\n  "))
	}
	for _, f := range failed {
		lines = append(lines, "[failed] "+f)
	}
	v.Flags = mergeFlags(flags...)
	v.Rationale = strings.Join(lines, "\n")
	return v
}

// bordaPoints is entry i's Borda points in one ranking: one per entry
// placed below it, half per entry tied with it.
func bordaPoints(ranks []int, i int) float64 {
	pts := 0.0
	for j, r := range ranks {
		switch {
		case j == i:
		case r > ranks[i]:
			pts++
		case r == ranks[i]:
			pts += 0.5
		}
	}
	return pts
}

// agreement is the mean Kendall's tau-b over pairs of members whose tau
// is defined; ok is false if no pair's is.
func agreement(members []Verdict) (float64, bool) {
	sum, pairs := 0.0, 0
	for a := range members {
		for b := a + 1; b < len(members); b++ {
			if t, ok := KendallTauB(members[a].Ranks, members[b].Ranks); ok {
				sum += t
				pairs++
			}
		}
	}
	if pairs == 0 {
		return 0, false
	}
	return math.Round(sum/float64(pairs)*1e6) / 1e6, true
}

// unshuffle re-indexes a verdict given for entries shown in perm order
// (shown k-th = entries[perm[k]]) like the original entries, and checks
// its shape.
func unshuffle(v Verdict, perm []int) (Verdict, error) {
	n := len(perm)
	if len(v.Ranks) != n || len(v.Scores) != n {
		return Verdict{}, fmt.Errorf("verdict has %d ranks and %d scores for %d entries", len(v.Ranks), len(v.Scores), n)
	}
	out := v
	out.Ranks, out.Scores = make([]int, n), make([]float64, n)
	for pos, i := range perm {
		out.Ranks[i], out.Scores[i] = v.Ranks[pos], v.Scores[pos]
	}
	out.Flags = remapFlags(v.Flags, perm)
	// The member's Order (if it shuffled again) refers to the entries it
	// was given; compose it so Order names original entries.
	out.Order = make([]int, n)
	if len(v.Order) == n {
		for k, pos := range v.Order {
			if pos < 0 || pos >= n {
				return Verdict{}, fmt.Errorf("verdict order names entry %d of %d", pos, n)
			}
			out.Order[k] = perm[pos]
		}
	} else {
		copy(out.Order, perm)
	}
	return out, nil
}

func (p *Panel) seed() (uint64, error) {
	var b [8]byte
	p.randMu.Lock()
	defer p.randMu.Unlock()
	if _, err := io.ReadFull(p.cfg.Rand, b[:]); err != nil {
		return 0, fmt.Errorf("%s: read random: %w", p.name, err)
	}
	return binary.BigEndian.Uint64(b[:]), nil
}
