package bots

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"math/big"
	"slices"
	"time"

	"github.com/agentarena/arena/games/verifiable"
)

// GameVerifiable is the verifiable-task game's name.
const GameVerifiable = "verifiable"

// VerifiableSolver plays the verifiable-task game. It solves each task
// exactly from the task's data, as any agent could, then makes a mistake
// on the share of tasks its error rate for the task's family says. Which
// tasks it gets wrong is a pure function of its seed and the task id, so
// the skill levels are honest and reproducible. A solver with badFormat
// answers right but not in the format the task asks for.
type VerifiableSolver struct {
	name, desc string
	seed       uint64
	// errPct is the error rate per family, in percent; missing families
	// use errPct[""].
	errPct    map[string]int
	badFormat bool
}

// The verifiable bots from best to worst. Their mean error rates are 0%,
// about 17%, 38% and 62%; vt-format always answers in the wrong format.
// The gaps are wide so that a few hundred live contests rank them apart.
func verifiableBots(seed uint64) []Bot {
	mk := func(name, desc string, rates map[string]int, bad bool) Bot {
		return &VerifiableSolver{name: name, desc: desc, seed: derive(seed, name), errPct: rates, badFormat: bad}
	}
	return []Bot{
		mk("vt-exact", "Solves every verifiable task exactly.", map[string]int{"": 0}, false),
		mk("vt-good", "Solves verifiable tasks with about 17% errors, more on dates and logic.",
			map[string]int{"": 15, verifiable.FamilyDates: 20, verifiable.FamilyLogic: 25}, false),
		mk("vt-fair", "Solves verifiable tasks with about 38% errors, more on strings and logic.",
			map[string]int{"": 35, verifiable.FamilyStrings: 45, verifiable.FamilyLogic: 50}, false),
		mk("vt-weak", "Gets about 62% of the verifiable tasks wrong.",
			map[string]int{"": 62, verifiable.FamilyArithmetic: 55, verifiable.FamilyExtract: 70}, false),
		mk("vt-format", "Knows the answers but never writes them in the format the task asks for.", map[string]int{"": 0}, true),
	}
}

// Name returns the bot's stable name.
func (b *VerifiableSolver) Name() string { return b.name }

// Game returns "verifiable".
func (b *VerifiableSolver) Game() string { return GameVerifiable }

// Description says what the bot does.
func (b *VerifiableSolver) Description() string { return b.desc }

// ErrorRate is the bot's error rate for a family, in percent.
func (b *VerifiableSolver) ErrorRate(family string) int {
	if r, ok := b.errPct[family]; ok {
		return r
	}
	return b.errPct[""]
}

// verifiableView is the part of the game's seat view the bot reads.
type verifiableView struct {
	Game string `json:"game"`
	Task struct {
		ID     string          `json:"id"`
		Family string          `json:"family"`
		Data   json.RawMessage `json:"data"`
	} `json:"task"`
	Final  bool   `json:"final"`
	Answer string `json:"answer"`
}

// Move answers the whole task in one final chunk.
func (b *VerifiableSolver) Move(ctx context.Context, raw json.RawMessage) (json.RawMessage, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var v verifiableView
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, fmt.Errorf("decode verifiable view: %w", err)
	}
	if v.Game != GameVerifiable {
		return nil, fmt.Errorf("view is for game %q, not %s", v.Game, GameVerifiable)
	}
	if v.Final {
		return nil, errors.New("answer is already final")
	}
	m := textMove{Final: true}
	if v.Answer == "" {
		text, err := b.Answer(v.Task.ID, v.Task.Family, v.Task.Data)
		if err != nil {
			return nil, err
		}
		m.Text = text
	}
	return json.Marshal(m)
}

// Answer is the bot's whole answer to a task, from its id, family and data.
func (b *VerifiableSolver) Answer(id, family string, data []byte) (string, error) {
	want, err := verifiable.Solve(family, data)
	if err != nil {
		return "", fmt.Errorf("solve %s: %w", id, err)
	}
	h := fnv.New64a()
	_, _ = h.Write(binary.BigEndian.AppendUint64(nil, b.seed))
	_, _ = h.Write([]byte(id))
	roll := h.Sum64()
	if int(roll%100) < b.ErrorRate(family) {
		want = mistake(want, roll/100)
	}
	if b.badFormat {
		// Plausible prose a careless model writes: the value without the
		// ANSWER: line the task demands.
		return "I worked through the task carefully. The answer is " + want.Render() + ".", nil
	}
	return "Solved from the task's data.\nANSWER: " + want.Render(), nil
}

// mistake returns want with one realistic slip: an off-by-a-little
// number or date, a swapped pair, a wrong field. The slip always changes
// the answer, so an erring bot never passes by luck.
func mistake(w verifiable.Want, r uint64) verifiable.Want {
	switch {
	case w.Kind == verifiable.KindWord && len(w.Options) < 2,
		w.Kind == verifiable.KindObject && len(w.Fields) == 0,
		w.Kind == verifiable.KindOrder && len(w.Names) < 2:
		return w // no slip possible; only a malformed task looks like this
	}
	switch w.Kind {
	case verifiable.KindInteger, verifiable.KindNumber, verifiable.KindDate, verifiable.KindDateTime:
		w.Value = nudge(w.Kind, w.Value, r)
	case verifiable.KindWord:
		for i, o := range w.Options {
			if o == w.Value {
				w.Value = w.Options[(i+1+int(r%uint64(len(w.Options)-1)))%len(w.Options)]
				break
			}
		}
	case verifiable.KindString:
		w.Value += "s"
	case verifiable.KindList:
		w.Items = slices.Clone(w.Items)
		switch {
		case len(w.Items) == 0:
			w.Items = []string{map[bool]string{true: "0", false: "none"}[w.Elem == verifiable.FieldInteger]}
		case len(w.Items) >= 2 && w.Items[0] != w.Items[1]:
			w.Items[0], w.Items[1] = w.Items[1], w.Items[0]
		default:
			w.Items = w.Items[:len(w.Items)-1]
		}
	case verifiable.KindObject:
		w.Fields = slices.Clone(w.Fields)
		i := int(r % uint64(len(w.Fields)))
		f := &w.Fields[i]
		switch f.Kind {
		case verifiable.FieldBool:
			f.Value = map[string]string{"true": "false", "false": "true"}[f.Value]
		case verifiable.FieldString:
			f.Value += "x"
		default:
			f.Value = nudge(f.Kind, f.Value, r)
		}
	case verifiable.KindOrder:
		w.Names = slices.Clone(w.Names)
		i := int(r % uint64(len(w.Names)-1))
		w.Names[i], w.Names[i+1] = w.Names[i+1], w.Names[i]
	}
	return w
}

// nudge moves a number or date by a small non-zero amount.
func nudge(kind, v string, r uint64) string {
	d := int64(r%3) + 1
	switch kind {
	case verifiable.KindDate: // also FieldDate, the same name
		if t, err := time.Parse("2006-01-02", v); err == nil {
			return t.AddDate(0, 0, int(d)).Format("2006-01-02")
		}
	case verifiable.KindDateTime:
		if t, err := time.Parse("2006-01-02 15:04", v); err == nil {
			return t.Add(time.Duration(d*10) * time.Minute).Format("2006-01-02 15:04")
		}
	default:
		if x, ok := new(big.Rat).SetString(v); ok {
			x.Add(x, big.NewRat(d, 1))
			if x.IsInt() {
				return x.Num().String()
			}
			return x.FloatString(6)
		}
	}
	return v + "0"
}
