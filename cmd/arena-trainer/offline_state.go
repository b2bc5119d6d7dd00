package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/agentarena/arena/gpu"
)

// offlineState is what the offline loop keeps in its checkpoint beside
// the trainer's own state (gpu.Trainer.ProgramState, saved in the same
// file, so the two can never be one save apart). With it, the same
// command run again in the same -out trains on from the last saved
// version, as a resumed TRL or llm.c run does, and gives what the run
// would have given had it never stopped: the same data, batches, samples
// and report.
type offlineState struct {
	// Version is the last version saved; Versions their report rows.
	Version  int       `json:"version"`
	Versions []Version `json:"versions"`
	// Flags are the values the run started with of the flags that fix its
	// data and its model (offlineKept); a resumed run takes them back.
	Flags map[string]string `json:"flags"`
	// RNG is the state of the generator that draws batches, on-policy
	// tasks and sampling seeds (a rand.PCG).
	RNG []byte `json:"rng"`
	// Learner is every answer the learner gave to training tasks in the
	// saved versions: they joined the data, and join it again on resume
	// (the bots' answers are recomputed from the tasks).
	Learner []learnerAnswers `json:"learner,omitempty"`
	// Seconds is the training time of the saved versions.
	Seconds float64 `json:"seconds"`
}

// learnerAnswers are the learner's samples for one on-policy task: the
// K-th of version Version, task Task of the training pool.
type learnerAnswers struct {
	Version int      `json:"version"`
	K       int      `json:"k"`
	Task    int      `json:"task"`
	Texts   []string `json:"texts"`
}

// offlineKept are the flags a resumed offline run takes from its
// checkpoint: the model and training settings (as run keeps them), and
// what draws the tasks and the bots' answers, which the learner's saved
// answers refer to by position. Step counts, batch, sampling and
// -versions (the run's total) are this command's.
var offlineKept = append(slices.Clone(keptOnResume), "loss", "seed", "families", "levels", "heldout-families", "heldout-percent", "train-tasks", "eval-tasks")

// resume loads the checkpoint in -out when there is one: it returns the
// trainer and the run's state, with the kept flags set back to the values
// the run started with (naming those given otherwise). A new run gets no
// trainer and a state holding its kept flags.
func (o *offlineOptions) resume(path string, fs *flag.FlagSet, log io.Writer) (*gpu.Trainer, *offlineState, error) {
	tr, err := openCheckpoint(path, o.Model.Vocab, o.Model.Merges)
	if err != nil {
		return nil, nil, err
	}
	if tr == nil {
		st := &offlineState{Flags: map[string]string{}}
		for _, name := range offlineKept {
			if f := fs.Lookup(name); f != nil {
				st.Flags[name] = f.Value.String()
			}
		}
		return nil, st, nil
	}
	var st offlineState
	if len(tr.ProgramState()) == 0 || json.Unmarshal(tr.ProgramState(), &st) != nil || st.Version < 1 || len(st.RNG) == 0 {
		return nil, nil, fmt.Errorf("%s is not an arena-trainer offline run's checkpoint (arena-trainer run saved it, or an offline run before offline runs resumed), so it cannot be resumed: give another -out for a new run, or move the checkpoint away", path)
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var ignored []string
	for _, name := range offlineKept {
		f, v := fs.Lookup(name), st.Flags[name]
		if f == nil || v == f.Value.String() {
			continue
		}
		if given[name] {
			ignored = append(ignored, fmt.Sprintf("-%s %s (the run's: %s)", name, f.Value.String(), v))
		}
		if err := fs.Set(name, v); err != nil {
			return nil, nil, fmt.Errorf("%s: the run's -%s: %w", path, name, err)
		}
	}
	if len(ignored) > 0 {
		fmt.Fprintf(log, "arena-trainer: resuming %s, whose data, model and training settings are kept: %s ignored (give another -out for a new run)\n",
			path, strings.Join(ignored, ", "))
	}
	if o.Model.Device == "cpu" {
		if err := checkResumedMemory(tr.Policy().Config, 2*o.Batch/max(o.Accumulate, 1), path); err != nil {
			return nil, nil, err
		}
	}
	// The phases' lengths are this run's, as in a new run.
	return tr, &st, tr.SetSchedules(phaseSchedules(tr.Config(), o.SFTSteps, o.DPOSteps))
}

// save puts the state, with the generator's, into the trainer's next
// checkpoint.
func (st *offlineState) save(tr *gpu.Trainer, pcg *rand.PCG) error {
	var err error
	if st.RNG, err = pcg.MarshalBinary(); err != nil {
		return err
	}
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	tr.SetProgramState(b)
	return nil
}
