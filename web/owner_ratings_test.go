package web_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

type ownerRatingsBody struct {
	OwnerID string `json:"owner_id"`
	Ratings []struct {
		AgentID string `json:"agent_id"`
		Arenas  []struct {
			Arena  string    `json:"arena"`
			Elo    float64   `json:"elo"`
			Rating int64     `json:"rating"`
			Games  int       `json:"games"`
			Wins   int       `json:"wins"`
			Losses int       `json:"losses"`
			LastAt time.Time `json:"last_at"`
		} `json:"arenas"`
	} `json:"ratings"`
	NextCursor string `json:"next_cursor"`
}

// The owner page read each agent's rating history, one request per agent
// it showed, every time it was opened. GET /v1/owners/{id}/ratings
// answers a page of an owner's agents' current ratings at once, in the
// pages and cursors of the agent list: public, as the leaderboards are,
// with the lists' strict query.
func TestAnOwnersAgentsRatingsComeInOneRequest(t *testing.T) {
	_, nodes := plCluster(t, 1, plOptions{})
	base := nodes[0].url
	const arenaName = "rated"
	if code := plHTTP(t, "PUT", base+"/v1/arenas/"+arenaName, plOperator, map[string]any{"game": "connect4", "seats": 2, "move_deadline_ms": 5000}, nil); code != 200 {
		t.Fatalf("create arena: %d", code)
	}
	ids := plAgents(t, base, "alpha", "beta", "idle")
	dial := func(key string) *plConn {
		c := plDial(t, base+"/v1/agents/connect", key)
		c.expect("hello", 10*time.Second)
		return c
	}
	// alpha plays first and wins with four in column 3.
	uiFixGame(t, arenaName, dial(ids[0].agentKey), dial(ids[1].agentKey), []int{3, 4, 3, 4, 3, 4, 3})
	var me struct {
		Owner struct{ ID string } `json:"owner"`
	}
	if code := plHTTP(t, "GET", base+"/v1/owners/me", ids[0].ownerKey, nil, &me); code != 200 {
		t.Fatalf("read the owner: %d", code)
	}
	owner := me.Owner.ID

	for _, as := range []struct{ who, key, path string }{{"anyone", "", owner}, {"the owner (me)", ids[0].ownerKey, "me"}} {
		t.Run(as.who+" reads every agent's ratings, page by page", func(t *testing.T) {
			got := map[string]string{}
			var order []string
			for cur, pages := "", 0; ; pages++ {
				var page ownerRatingsBody
				if code := plHTTP(t, "GET", base+"/v1/owners/"+as.path+"/ratings?limit=2&cursor="+cur, as.key, nil, &page); code != 200 {
					t.Fatalf("GET ratings: %d", code)
				}
				if page.OwnerID != owner {
					t.Errorf("owner_id %q, want %q", page.OwnerID, owner)
				}
				for _, r := range page.Ratings {
					order = append(order, r.AgentID)
					var s []string
					for _, a := range r.Arenas {
						s = append(s, fmt.Sprintf("%s games=%d wins=%d losses=%d up=%v", a.Arena, a.Games, a.Wins, a.Losses, a.Elo > 1000 && a.Rating == int64(a.Elo*1000+0.5)))
					}
					got[r.AgentID] = strings.Join(s, ";")
				}
				if page.NextCursor == "" {
					break
				}
				if pages > 3 {
					t.Fatal("the pages do not end")
				}
				cur = page.NextCursor
			}
			want := map[string]string{
				ids[0].agentID: arenaName + " games=1 wins=1 losses=0 up=true",
				ids[1].agentID: arenaName + " games=1 wins=0 losses=1 up=false",
				ids[2].agentID: "",
			}
			for id, w := range want {
				if got[id] != w {
					t.Errorf("agent %s reads %q, want %q", id, got[id], w)
				}
			}
			if len(got) != 3 || !slices.IsSorted(order) {
				t.Errorf("agents %v, want the owner's 3 in the agent list's order", order)
			}
		})
	}

	for _, tc := range []struct {
		name, key, path string
		code            int
		says            string
	}{
		{"me without a key", "", "me", 401, "owner API key"},
		{"me with the operator token", plOperator, "me", 401, "owner API key"},
		{"an unknown owner", "", "ow_nobody", 404, ""},
		{"an unknown parameter", "", owner + "?arena=x", 400, "arena"},
		{"a limit of 0", "", owner + "?limit=0", 400, "limit"},
		{"a cursor no list hands out", "", owner + "?cursor=zzz", 400, "cursor"},
	} {
		t.Run(tc.name+" is refused", func(t *testing.T) {
			var e struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			p, q, _ := strings.Cut(tc.path, "?")
			if code := plHTTP(t, "GET", base+"/v1/owners/"+p+"/ratings?"+q, tc.key, nil, &e); code != tc.code || !strings.Contains(e.Error.Message, tc.says) {
				t.Errorf("%d %+v, want %d saying %q", code, e.Error, tc.code, tc.says)
			}
		})
	}
}
