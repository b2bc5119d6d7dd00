package web

import "github.com/agentarena/arena/api"

// arenaView is an arena as every place that shows one sends it: the arena
// routes (GET /v1/arenas, GET and PUT /v1/arenas/{name}), the live feed's
// snapshot and arena frames (GET /v1/arenas/{name}/live) and the home
// page's list (GET /v1/ui/home). api.Arena leaves void_all_forfeit and
// one_deadline_per_answer out when false (its JSON is also what the state
// machine stores, so its tags stay), while a PUT that leaves them out
// turns them on: an arena with either rule off, read anywhere and PUT
// back as the docs advise (send every field you want to keep), had it
// turned on. The view shows both either way; these outer fields hide the
// embedded ones. An api.Arena goes out through viewArena, never as it is.
type arenaView struct {
	api.Arena
	VoidAllForfeit       bool `json:"void_all_forfeit"`
	OneDeadlinePerAnswer bool `json:"one_deadline_per_answer"`
}

func viewArena(a api.Arena) arenaView {
	return arenaView{Arena: a, VoidAllForfeit: a.VoidAllForfeit, OneDeadlinePerAnswer: a.OneDeadlinePerAnswer}
}

func viewArenas(list []api.Arena) []arenaView {
	out := make([]arenaView, len(list))
	for i, a := range list {
		out[i] = viewArena(a)
	}
	return out
}
