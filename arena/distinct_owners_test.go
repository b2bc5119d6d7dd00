package arena

import (
	"strings"
	"testing"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/apperr"
)

// TestDistinctOwnersIsTheArenasRule: an arena with distinct_owners refuses
// a contest seating two agents of one owner, whoever proposes it; an arena
// without it (every arena stored before the field) seats them as before.
func TestDistinctOwnersIsTheArenasRule(t *testing.T) {
	d := newDriver(t)
	d.must(CmdOwnerCreate, ownerCreateCmd{ID: "ow_2", Name: "bo", KeyHash: agents.HashKey("k2")})
	d.must(CmdAgentCreate, agentCreateCmd{ID: "ag_z", OwnerID: "ow_2", Name: "z", Kind: agents.KindWebsocket, KeyHash: agents.HashKey("kz")})
	strict := DefaultArenas()[0]
	strict.Name, strict.DistinctOwners = "strict", true
	d.must(CmdArenaPut, arenaPutCmd{Arena: strict})
	for _, tc := range []struct {
		name, arena string
		agents      []string
		wantErr     string
	}{
		{"two agents of one owner in a strict arena", "strict", []string{"ag_a", "ag_b"}, "arena strict seats one agent per owner: ag_a and ag_b are both owner ow_1's"},
		{"two owners in a strict arena", "strict", []string{"ag_a", "ag_z"}, ""},
		{"two agents of one owner in an arena without the rule", "connect4", []string{"ag_b", "ag_c"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := d.apply(CmdContestCreate, contestCreateCmd{ID: "c_" + strings.ReplaceAll(tc.name, " ", "_"), Arena: tc.arena, Agents: tc.agents, Seed: 1, KeepTerms: true})
			switch {
			case tc.wantErr == "" && r.Err != nil:
				t.Fatalf("refused: %v", r.Err)
			case tc.wantErr != "" && (!apperr.Is(r.Err, apperr.Invalid) || !strings.Contains(r.Err.Error(), tc.wantErr)):
				t.Fatalf("got %v, want invalid saying %q", r.Err, tc.wantErr)
			}
		})
	}
	d.audit()
}
