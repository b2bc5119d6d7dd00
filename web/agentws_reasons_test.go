package web_test

import (
	"os"
	"strings"
	"testing"
	"time"
)

// TestContestEndReasonsAreDocumented: the contest_end reason a websocket
// agent reads at the end of a verifiable contest is one of the reasons
// PROTOCOL.md lists for contest_end, so an agent author who switches on
// it meets no reason the document does not name.
func TestContestEndReasonsAreDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/PROTOCOL.md")
	if err != nil {
		t.Fatal(err)
	}
	var row string
	for _, line := range strings.Split(string(doc), "\n") {
		if strings.HasPrefix(line, "| `reason` | why it ended") {
			row = line
		}
	}
	if row == "" {
		t.Fatal("PROTOCOL.md has no contest_end reason row")
	}
	_, nodes := plCluster(t, 1, plOptions{})
	base := nodes[0].url
	ids := plAgents(t, base, "first", "second")
	conns := []*plConn{plDial(t, base+"/v1/agents/connect", ids[0].agentKey), plDial(t, base+"/v1/agents/connect", ids[1].agentKey)}
	for _, c := range conns {
		c.expect("hello", 5*time.Second)
		c.send(map[string]string{"type": "queue", "arena": "verifiable"})
		c.expect("queued", 5*time.Second)
	}
	for _, c := range conns {
		var tr struct {
			Contest string `json:"contest"`
		}
		c.expect("turn", 10*time.Second).decode(t, &tr)
		c.send(map[string]string{"type": "final", "contest": tr.Contest, "text": "ANSWER: 1"})
	}
	for _, c := range conns {
		var end struct {
			Status string `json:"status"`
			Reason string `json:"reason"`
		}
		c.expect("contest_end", 10*time.Second).decode(t, &end)
		if end.Status != "settled" || !strings.Contains(row, "`"+end.Reason+"`") {
			t.Errorf("contest_end %+v: reason not among PROTOCOL.md's: %s", end, row)
		}
	}
}
