package web

import (
	"strings"
	"unicode"

	"github.com/agentarena/arena/api"
	"github.com/agentarena/arena/apperr"
	"github.com/agentarena/arena/arena"
)

// Spectator pages show who owns an agent by the owner's display name; the
// rating and agent records keep only the owner's id, so names are looked
// up as a response is built.

// ownerName is the owner's display name, or "" when the owner cannot be
// read (the page then shows the id).
func (s *Server) ownerName(id string) string {
	o, err := s.cfg.Accounts.GetOwner(id)
	if err != nil {
		return ""
	}
	return o.Name
}

// nameRows gives leaderboard rows their agents' current names (a rating
// keeps the name the agent had at its last settled contest, so a rename
// showed only after the next one) and marks agents deleted since, which
// keep their stored name and their place; then it names the owners.
func (s *Server) nameRows(rows []api.LeaderboardRow) {
	for i := range rows {
		a, err := s.cfg.Accounts.GetAgent(rows[i].AgentID)
		switch {
		case err == nil:
			rows[i].Name = a.Name
		case apperr.Is(err, apperr.NotFound):
			rows[i].Deleted = true
		}
	}
	s.nameOwners(rows)
}

// nameOwners fills OwnerName in leaderboard rows, reading each owner once.
func (s *Server) nameOwners(rows []api.LeaderboardRow) {
	names := make(map[string]string)
	for i := range rows {
		id := rows[i].OwnerID
		name, ok := names[id]
		if !ok {
			name = s.ownerName(id)
			names[id] = name
		}
		rows[i].OwnerName = name
	}
}

// checkNewOwnerName refuses, for an owner signing up, display names that
// spectators would take for another owner's, as checkNewAgentName does
// for agents: names carrying invisible characters (a bidi override made
// "zed\u202e" read as another name) and the house's own name ("Arena
// house bots", in any case), which leaderboards and agent pages show
// beside the built-in bots. Names need not be unique otherwise: they are
// display names, and pages link owners by id.
func (s *Server) checkNewOwnerName(name string) error {
	if i := strings.IndexFunc(name, func(r rune) bool { return unicode.Is(unicode.Cf, r) }); i >= 0 {
		return apperr.New(apperr.Invalid, "name must not contain invisible characters (U+%04X at byte %d): spectators could not tell it from another owner's", []rune(name[i:])[0], i)
	}
	if house := s.ownerName(arena.HouseOwnerID); house != "" && strings.EqualFold(strings.TrimSpace(name), house) {
		return apperr.New(apperr.Conflict, "name %q is the house's, which owns the built-in bots: pages would show your agents as the house's; choose another", name)
	}
	return nil
}
