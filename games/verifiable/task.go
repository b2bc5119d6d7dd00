package verifiable

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/agentarena/arena/games"
)

// Task is one generated problem: the text every seat sees, the inputs in
// machine-readable form, and the ground truth the checker holds answers
// to. The whole task is stored in the contest's state, so a stored
// contest is re-checked exactly, whatever generator a later release runs.
type Task struct {
	// ID names the task: family, level and the instance it was drawn from.
	ID     string `json:"id"`
	Family string `json:"family"`
	Level  int    `json:"level"`
	// Text is the prompt, ending with the exact answer format.
	Text string `json:"text"`
	// Data is the task's inputs as JSON (the numbers, dates, lists and
	// clues the text states), for agents that prefer structure.
	Data json.RawMessage `json:"data"`
	// Want is the ground truth; never shown while the contest runs.
	Want Want `json:"want"`
	// Eval marks a task drawn from the held-out pool (evaluation only).
	Eval bool `json:"eval,omitempty"`
}

// instance is one family's generated inputs: it states itself as text and
// computes its own answer, so generation and solving share one code path.
type instance interface {
	prompt() string
	want() Want
}

// family is a task generator. gen draws inputs for a level (1-3) as the
// given generator revision (games.Rev) drew them; decode reads them back
// from Task.Data. revised is the last revision that changed what gen
// draws (0: never): its tasks' IDs name it, so that one ID never stands
// for two different tasks.
type family struct {
	name    string
	gen     func(r *rng, level, rev int) instance
	decode  func(data []byte) (instance, error)
	revised int
}

// same adapts a generator that no revision has changed.
func same(gen func(r *rng, level int) instance) func(r *rng, level, rev int) instance {
	return func(r *rng, level, _ int) instance { return gen(r, level) }
}

func decodeAs[T instance](data []byte) (instance, error) {
	var in T
	if err := json.Unmarshal(data, &in); err != nil {
		return nil, err
	}
	return in, nil
}

// Family names, stable: arena options and preference filters name them.
const (
	FamilyArithmetic = "arithmetic"
	FamilyDates      = "dates"
	FamilyLists      = "lists"
	FamilyExtract    = "extract"
	FamilyCounting   = "counting"
	FamilyStrings    = "strings"
	FamilyLogic      = "logic"
	FamilyForms      = "forms"
)

// allFamilies is the generator table in a fixed order: Generate indexes
// into it, so new families are appended, never inserted.
func allFamilies() []family {
	return []family{
		{FamilyArithmetic, same(genArithmetic), decodeAs[arithInput], 0},
		{FamilyDates, same(genDates), decodeAs[datesInput], 0},
		{FamilyLists, same(genLists), decodeAs[listsInput], 0},
		{FamilyExtract, same(genExtract), decodeAs[extractInput], 0},
		{FamilyCounting, same(genCounting), decodeAs[countingInput], 0},
		{FamilyStrings, same(genStrings), decodeAs[stringsInput], 0},
		{FamilyLogic, genLogic, decodeAs[logicInput], 1},
		{FamilyForms, same(genForms), decodeAs[formsInput], 0},
	}
}

// Families lists every family name in generator order.
func Families() []string {
	var out []string
	for _, f := range allFamilies() {
		out = append(out, f.name)
	}
	return out
}

func familyByName(name string) (family, bool) {
	for _, f := range allFamilies() {
		if f.name == name {
			return f, true
		}
	}
	return family{}, false
}

// MaxLevel is the hardest difficulty level; levels run from 1.
const MaxLevel = 3

// maxDraws bounds the search for an instance in the arena's pool. The
// pool is never empty (ParseOptions sees to it) and at least 1% of draws
// land in it, so 2000 draws miss it with probability below 1e-8; a miss
// is an error, never a task from outside the pool.
const maxDraws = 2000

// Generate derives a task from a seed and an arena's options as this
// release's newest generators draw it (what offline tools and trainers
// want).
func Generate(seed uint64, o Options) (Task, error) {
	return GenerateAt(seed, o, games.Rev)
}

// GenerateAt derives the task for a contest from its seed, the arena's
// options and the generator revision the contest was created at. Same
// inputs, same task, on every node and every later release.
func GenerateAt(seed uint64, o Options, rev int) (Task, error) {
	fams := o.pool()
	for k := uint64(0); k < maxDraws; k++ {
		r := newRNG(seed+k*0x9e3779b97f4a7c15, "verifiable/draw")
		inst := r.next()
		fam := fams[r.intn(len(fams))]
		level := o.levels()[r.intn(len(o.levels()))]
		if o.Eval != o.holds(fam, inst) {
			continue
		}
		f, _ := familyByName(fam)
		in := f.gen(newRNG(inst, fam), level, rev)
		return build(f, level, inst, in, o.Eval, rev)
	}
	return Task{}, fmt.Errorf("no task in the arena's pool after %d draws", maxDraws)
}

// holds reports whether the arena keeps a family's instance for
// evaluation only.
func (o Options) holds(fam string, inst uint64) bool {
	return slices.Contains(o.HeldOut, fam) || int(inst%100) < o.HeldOutPercent
}

// HoldsOut reports whether the arena's options now hold a stored task out
// for evaluation: an evaluation task, a task of a held-out family, or an
// instance among the held-out percent. A training arena's pairs from
// before it held tasks out can be told apart this way. A task ID that
// does not name an instance counts as held out, since it cannot be shown
// not to be.
func (o Options) HoldsOut(taskID, family string, eval bool) bool {
	if eval || slices.Contains(o.HeldOut, family) {
		return true
	}
	if o.HeldOutPercent == 0 {
		return false
	}
	inst, ok := instanceOf(taskID)
	return !ok || o.holds(family, inst)
}

// instanceOf reads the instance number out of a task ID:
// family-level-instance, with -rN after it for a revised generator's task.
func instanceOf(taskID string) (uint64, bool) {
	parts := strings.Split(taskID, "-")
	if n := len(parts); n > 3 && strings.HasPrefix(parts[n-1], "r") {
		parts = parts[:n-1]
	}
	if len(parts) < 3 {
		return 0, false
	}
	inst, err := strconv.ParseUint(parts[len(parts)-1], 16, 64)
	return inst, err == nil
}

// build states an instance as a Task. A task of a revised generator names
// the revision in its ID (logic-3-68aed0563d57b8fa-r1): its text may
// differ from the task revision 0 drew for the same instance.
func build(f family, level int, inst uint64, in instance, eval bool, rev int) (Task, error) {
	data, err := json.Marshal(in)
	if err != nil {
		return Task{}, fmt.Errorf("encode %s task: %w", f.name, err)
	}
	w := in.want()
	text := strings.TrimSpace(in.prompt()) + "\n\n" + w.formatHelp()
	id := fmt.Sprintf("%s-%d-%016x", f.name, level, inst)
	if f.revised > 0 && rev >= f.revised {
		id += "-r" + strconv.Itoa(f.revised)
	}
	return Task{ID: id, Family: f.name, Level: level, Text: text, Data: data, Want: w, Eval: eval}, nil
}

// Solve computes a task's answer from its Data alone, as any agent could:
// it is the exact solver the built-in bots use, and tests use it to show
// that Data determines Want.
func Solve(family string, data []byte) (Want, error) {
	f, ok := familyByName(family)
	if !ok {
		return Want{}, fmt.Errorf("unknown family %q", family)
	}
	in, err := f.decode(data)
	if err != nil {
		return Want{}, fmt.Errorf("decode %s data: %w", family, err)
	}
	return in.want(), nil
}
