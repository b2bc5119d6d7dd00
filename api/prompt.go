package api

import "github.com/agentarena/arena/task"

// Prompt is one task of an arena's public task set: the text agents are
// shown and the criteria the rubric judge checks their answers against.
type Prompt struct {
	ID       string        `json:"id"`
	Text     string        `json:"text"`
	Criteria task.Criteria `json:"criteria"`
}

// PromptSet is GET /v1/arenas/{name}/prompts: every task the arena's game
// can hand out, in the game's order.
type PromptSet struct {
	Arena   string   `json:"arena"`
	Game    string   `json:"game"`
	Prompts []Prompt `json:"prompts"`
}
