package gpu

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"strings"
	"testing"
)

func TestMetricsJSONL(t *testing.T) {
	var buf bytes.Buffer
	w := NewMetricsWriter(&buf)
	in := []StepMetrics{
		{Step: 1, Phase: PhaseSFT, Loss: 2.5, GradNorm: 3, LearningRate: 0.01, Sequences: 4, Tokens: 90},
		{Step: 2, Phase: PhaseDPO, Loss: 0.69, DPOStats: &DPOStats{RewardsChosen: 0.1, RewardsRejected: -0.2,
			RewardsAccuracies: 0.75, RewardsMargins: 0.3, LogpsChosen: -40, LogpsRejected: -45}, Sequences: 8, Tokens: 200},
	}
	for _, m := range in {
		if err := w.Write(m); err != nil {
			t.Fatal(err)
		}
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines", len(lines))
	}
	t.Run("SFT lines carry no reward fields", func(t *testing.T) {
		if strings.Contains(lines[0], "rewards/") {
			t.Fatal(lines[0])
		}
	})
	t.Run("DPO lines use TRL's names", func(t *testing.T) {
		var obj map[string]float64
		dec := json.NewDecoder(strings.NewReader(strings.Replace(lines[1], `"phase":"dpo",`, "", 1)))
		if err := dec.Decode(&obj); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"loss", "rewards/chosen", "rewards/rejected", "rewards/accuracies",
			"rewards/margins", "logps/chosen", "logps/rejected", "grad_norm", "learning_rate"} {
			if _, ok := obj[k]; !ok {
				t.Errorf("missing %q in %s", k, lines[1])
			}
		}
	})
	t.Run("a torn last line is dropped on read", func(t *testing.T) {
		out, err := ReadMetrics(io.MultiReader(&buf, strings.NewReader(`{"step":3,"lo`)))
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != 2 || out[1].DPOStats == nil || *out[1].DPOStats != *in[1].DPOStats || out[0].DPOStats != nil {
			t.Fatalf("read back %+v", out)
		}
	})
	t.Run("a bad line in the middle fails the read", func(t *testing.T) {
		if _, err := ReadMetrics(strings.NewReader("{}\nnot json\n{}\n")); err == nil {
			t.Fatal("accepted")
		}
	})
}

func TestChartIsWellFormedSVG(t *testing.T) {
	var ms []StepMetrics
	for i := 1; i <= 30; i++ {
		m := StepMetrics{Step: i, Phase: PhaseSFT, Loss: 5 / float64(i)}
		if i > 10 {
			f := float64(i - 10)
			m.Phase, m.Loss = PhaseDPO, 0.69/f
			m.DPOStats = &DPOStats{RewardsMargins: 0.1 * f, RewardsChosen: 0.05 * f, RewardsRejected: -0.05 * f}
		}
		ms = append(ms, m)
	}
	for _, tc := range []struct {
		name string
		ms   []StepMetrics
	}{{"a full run", ms}, {"no steps at all", nil}, {"a single step", ms[:1]}} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteChart(&buf, "DPO <run> & co", tc.ms); err != nil {
				t.Fatal(err)
			}
			dec := xml.NewDecoder(&buf)
			for {
				_, err := dec.Token()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("invalid SVG: %v", err)
				}
			}
		})
	}
	var buf bytes.Buffer
	WriteChart(&buf, "run", ms)
	for _, want := range []string{"rewards/margins", "loss (dpo)", "loss (sft)", "<polyline"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("chart lacks %q", want)
		}
	}
}

// A run of several rounds or versions alternates SFT and DPO steps: each
// phase's line stops where the phase does. It used to be one polyline
// per phase, so a straight line joined DPO's last step of round 1 to its
// first of round 2 across the SFT steps between them, a trend that never
// happened (and likewise for SFT and the rewards). A phase of one step
// is a dot.
func TestChartBreaksEachPhaseLineBetweenRounds(t *testing.T) {
	var ms []StepMetrics
	step := 0
	for _, phases := range [][2]int{{3, 2}, {3, 2}, {2, 1}} { // SFT steps, DPO steps per round
		for range phases[0] {
			step++
			ms = append(ms, StepMetrics{Step: step, Phase: PhaseSFT, Loss: 3})
		}
		for range phases[1] {
			step++
			ms = append(ms, StepMetrics{Step: step, Phase: PhaseDPO, Loss: 0.6, DPOStats: &DPOStats{RewardsMargins: 0.1}})
		}
	}
	var buf bytes.Buffer
	if err := WriteChart(&buf, "rounds", ms); err != nil {
		t.Fatal(err)
	}
	svg := buf.String()
	for _, tt := range []struct {
		series      string
		color       string
		lines, dots int
	}{
		{"loss (sft)", "#1f77b4", 3, 0},
		{"loss (dpo)", "#d62728", 2, 1},
		{"rewards/margins", "#2ca02c", 2, 1},
	} {
		lines := strings.Count(svg, `<polyline fill="none" stroke="`+tt.color+`"`)
		dots := strings.Count(svg, `<circle fill="`+tt.color+`"`)
		if lines != tt.lines || dots != tt.dots {
			t.Errorf("%s: %d lines and %d dots, want %d and %d (one per round's stretch of steps)", tt.series, lines, dots, tt.lines, tt.dots)
		}
	}
}
