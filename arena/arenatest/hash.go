package arenatest

import "github.com/agentarena/arena/agents"

func hashHex(s string) string { return agents.HashKey(s) }
