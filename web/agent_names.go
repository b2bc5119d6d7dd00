package web

import (
	"strings"
	"unicode"

	"github.com/agentarena/arena/apperr"
	"github.com/agentarena/arena/arena"
)

// checkNewAgentName refuses, for an agent created or renamed through the
// API, names spectators would take for another agent's: a built-in bot's
// name under another owner (leaderboards list agents by name, and
// "c4-greedy" of any owner read as the house's bot), and names carrying
// invisible characters (zero-width spaces, bidi overrides: "zw\u200b"
// showed as "zw"). The replicated command still takes any name its
// release took, so only new requests are held to this.
func (s *Server) checkNewAgentName(owner, name string) error {
	if i := strings.IndexFunc(name, func(r rune) bool { return unicode.Is(unicode.Cf, r) }); i >= 0 {
		return apperr.New(apperr.Invalid, "name must not contain invisible characters (U+%04X at byte %d): spectators could not tell it from another agent's", []rune(name[i:])[0], i)
	}
	if owner == arena.HouseOwnerID {
		return nil
	}
	if a, err := s.cfg.Accounts.GetAgent(arena.BotAgentID(strings.ToLower(name))); err == nil && a.OwnerID == arena.HouseOwnerID {
		return apperr.New(apperr.Conflict, "name %q is a built-in bot's: leaderboards would show yours as the house's; choose another", name)
	}
	return nil
}
