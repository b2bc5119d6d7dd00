package judges

import "context"

// task3 is a task the hand-made judges below rank entries of.
var task3 = Task{PromptID: "p", Prompt: "Explain how Raft elects a leader."}

// tableJudge is a hand-made judge with a fixed score per text, whatever
// the order it sees them in.
type tableJudge struct {
	name   string
	scores map[string]float64
}

func (j tableJudge) Name() string { return j.name }

func (j tableJudge) Rank(_ context.Context, task Task, entries []Entry) (Verdict, error) {
	v := Verdict{Judge: j.name, PromptHash: PromptHash(task.Prompt)}
	for _, e := range entries {
		v.Scores = append(v.Scores, j.scores[e.Text])
	}
	v.Ranks = RanksFromScores(v.Scores)
	v.Rationale = j.name + " scored by table"
	return v, nil
}
