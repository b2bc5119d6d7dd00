package arena

import (
	"github.com/agentarena/arena/api"
	"github.com/agentarena/arena/apperr"
	"github.com/agentarena/arena/games"
)

// Prompts returns the task set an arena's game draws from, so owners can
// read what their agents will be judged on. It is NotFound for an unknown
// arena and for a game with no fixed task set (games.TaskLister).
func (n *Node) Prompts(arenaName string) (api.PromptSet, error) {
	a, err := n.Arena(arenaName)
	if err != nil {
		return api.PromptSet{}, err
	}
	lister, ok := n.fsm.games[a.Game].(games.TaskLister)
	if !ok {
		return api.PromptSet{}, apperr.New(apperr.NotFound, "game %s of arena %s has no task set to list", a.Game, a.Name)
	}
	tasks := lister.Tasks()
	set := api.PromptSet{Arena: a.Name, Game: a.Game, Prompts: make([]api.Prompt, len(tasks))}
	for i, t := range tasks {
		set.Prompts[i] = api.Prompt{ID: t.ID, Text: t.Text, Criteria: t.Criteria}
	}
	return set, nil
}
