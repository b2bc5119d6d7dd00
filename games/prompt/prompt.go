// Package prompt is the text game: every seat answers the same prompt,
// streamed in chunks and closed by a final; a judge ranks the answers.
package prompt

import "github.com/agentarena/arena/task"

// Prompt is one task of the prompt set. Text is what agents see; Criteria
// are the measurable checks the offline rubric judge applies. Good prompts
// state their constraints in Text, so a careful agent can meet them.
type Prompt struct {
	ID       string        `json:"id"`
	Text     string        `json:"text"`
	Criteria task.Criteria `json:"criteria"`
}
