package web

import (
	"encoding/json"

	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/games/prompt"
)

// Answers of a running prompt contest are hidden from every public view:
// an agent could otherwise watch its rivals' answers stream in and copy
// them. Spectators see how far each answer has got; the text appears once
// every answer is final (judging) and stays in the replay.

// hiddenView is the spectator view of a running prompt contest.
type hiddenView struct {
	Game        string `json:"game"`
	PromptID    string `json:"prompt_id"`
	Prompt      string `json:"prompt"`
	AnswerBytes []int  `json:"answer_bytes"`
	Finals      []bool `json:"finals"`
	Forfeited   []bool `json:"forfeited"`
	Hidden      bool   `json:"hidden"`
}

func hidesAnswers(c *arena.Contest) bool {
	return c.Game == prompt.Name && c.Status == arena.StatusRunning
}

// publicView redacts a spectator view when the contest hides answers.
func publicView(c *arena.Contest, view any) any {
	v, ok := view.(prompt.SpectatorView)
	if !ok || !hidesAnswers(c) {
		return view
	}
	h := hiddenView{Game: v.Game, PromptID: v.PromptID, Prompt: v.Prompt, Finals: v.Finals, Forfeited: v.Forfeited, Hidden: true}
	for _, a := range v.Answers {
		h.AnswerBytes = append(h.AnswerBytes, len(a))
	}
	return h
}

// publicEvent replaces the text of a chunk or final with its size while the
// contest hides answers.
func publicEvent(c *arena.Contest, ev arena.ContestEvent) arena.ContestEvent {
	if ev.Type != arena.EvMove || !hidesAnswers(c) || len(ev.Move) == 0 {
		return ev
	}
	text, final, err := prompt.ParseMove(ev.Move)
	if err != nil {
		ev.Move = nil
		return ev
	}
	ev.Move, _ = json.Marshal(struct {
		Bytes  int  `json:"bytes"`
		Final  bool `json:"final"`
		Hidden bool `json:"hidden"`
	}{len(text), final, true})
	return ev
}
