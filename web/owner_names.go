package web

import "github.com/agentarena/arena/api"

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
