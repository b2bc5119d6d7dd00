package web_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

// TestConnectingWithTheOwnerKeySaysWhichKeyToUse: a new owner holds two
// keys, aro_ (from sign-up, the one every owner route takes) and ara_
// (from POST /v1/agents). Dialling the agent socket with the owner key,
// the likeliest mistake, was answered only "only an agent key may
// connect as an agent", naming neither key nor where the right one comes
// from.
func TestConnectingWithTheOwnerKeySaysWhichKeyToUse(t *testing.T) {
	_, nodes := plCluster(t, 1, plOptions{})
	base := nodes[0].url
	ids := plAgents(t, base, "keyed")
	url := strings.Replace(base, "http://", "ws://", 1) + "/v1/agents/connect"
	for _, tc := range []struct {
		name, key string
		want      []string
	}{
		{"owner key", ids[0].ownerKey, []string{"owner key (aro_", "agent key (ara_", "POST /v1/agents", "/key"}},
		{"operator token", plOperator, []string{"operator token", "agent key (ara_"}},
	} {
		_, resp, err := websocket.DefaultDialer.Dial(url, http.Header{"Authorization": {"Bearer " + tc.key}})
		if err == nil || resp == nil {
			t.Fatalf("%s: dial succeeded or failed without an answer: %v", tc.name, err)
		}
		var body struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			t.Fatalf("%s: decode the answer: %v", tc.name, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || body.Error.Code != "forbidden" {
			t.Errorf("%s: %d %q, want 403 forbidden", tc.name, resp.StatusCode, body.Error.Code)
		}
		for _, w := range tc.want {
			if !strings.Contains(body.Error.Message, w) {
				t.Errorf("%s: message %q does not say %q", tc.name, body.Error.Message, w)
			}
		}
	}
}
