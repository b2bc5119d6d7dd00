package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/agentarena/arena/client"
	"github.com/agentarena/arena/games/verifiable"
	"github.com/agentarena/arena/gpu"
)

// runState is what arena-trainer run keeps in its checkpoint beside the
// trainer's own state (gpu.Trainer.ProgramState): the arena it trains on
// and that arena's options when the run started. The options decide
// which pairs are left out as held out and which tasks each version is
// evaluated on, so a run that took the arena's options afresh on every
// start trained its resumed versions on other pairs than the ones before
// (pulled again under the new options) and measured them on other tasks:
// versions of one run that cannot be compared. As TRL and llm.c keep a
// run's data split in the run, the recorded options win; a change to the
// arena is reported, and a new -out takes the arena's options as they are.
type runState struct {
	Arena string `json:"arena"`
	// Verifiable is the verifiable arena's options when the run started;
	// nil for a game that holds nothing out.
	Verifiable *verifiable.Options `json:"verifiable,omitempty"`
	// Flags are the values the run started with of the flags its
	// checkpoint fixes (keptOnResume), so that a resumed run names only
	// those given otherwise as ignored: the same command run again was
	// told its own -preset was ignored. Nil for a checkpoint saved before
	// runs recorded them, or one another command made.
	Flags map[string]string `json:"flags,omitempty"`
}

// recordedRun reads the run state a checkpoint holds; ok is false for a
// checkpoint without one (offline's, or one saved before runs recorded
// their arena's options).
func recordedRun(tr *gpu.Trainer) (runState, bool) {
	var st runState
	if tr == nil || len(tr.ProgramState()) == 0 || json.Unmarshal(tr.ProgramState(), &st) != nil || st.Arena == "" {
		return runState{}, false
	}
	return st, true
}

// record puts the run state into the trainer's next checkpoint (and
// drops an offline run's state: kept there, it would have offline resume
// a run that is not its own).
func (st runState) record(tr *gpu.Trainer) error {
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	tr.SetProgramState(b)
	return nil
}

// held is the held-out rule of the recorded options.
func (st runState) held() heldOut { return heldOut{opts: st.Verifiable} }

// describeOptions is how the options that decide held-out tasks and the
// evaluation pool read in a message, and what two reads are compared by
// (the answer size cap changes neither).
func describeOptions(o *verifiable.Options) string {
	if o == nil {
		return "none (its game holds nothing out)"
	}
	c := *o
	c.MaxAnswerBytes = 0
	b, _ := json.Marshal(c)
	return string(b)
}

// optionsWatch reports, once per change, that the arena's options differ
// from the ones the run keeps.
type optionsWatch struct {
	arena string
	kept  runState
	shown string // the arena's options last reported
	log   io.Writer
}

// check reads the arena's options and says so when they differ from the
// run's and from what was last reported. A read that fails is left to the
// pull that follows, which reports it.
func (w *optionsWatch) check(ctx context.Context, c *client.Client) {
	now, err := arenaHeldOut(ctx, c, w.arena)
	if err != nil {
		return
	}
	w.compare(now)
}

func (w *optionsWatch) compare(now heldOut) {
	kept, cur := describeOptions(w.kept.Verifiable), describeOptions(now.opts)
	if cur == kept {
		w.shown = ""
		return
	}
	if cur == w.shown {
		return
	}
	w.shown = cur
	fmt.Fprintf(w.log, "arena-trainer: arena %q's options changed since this run started: now %s; the run keeps %s, recorded in its checkpoint, for the pairs it leaves out as held out and the tasks it evaluates its versions on, so that its versions stay comparable (give another -out to start a run with the arena's current options)\n",
		w.arena, cur, kept)
}
