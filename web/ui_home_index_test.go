package web_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/web"
)

// walkCounter is the node as the web server reads it, counting the
// contest listings that walk the whole contest history.
type walkCounter struct {
	webContests
	walks atomic.Int64
}

func (w *walkCounter) Contests(f arena.ContestFilter) ([]arena.Contest, string, error) {
	w.walks.Add(1)
	return w.webContests.Contests(f)
}

// TestUIRunningContestsComeFromTheActiveIndex: the home page (polled every
// 2 s by every open tab) and an arena page's live feed list the contests
// running now. They found them by walking every contest the node ever
// held, newest first, decoding each: on a node that had run for a day the
// home page took seconds to answer, and longer every hour. They now read
// the index of active contests the runner keeps, and still count and list
// exactly the running ones.
func TestUIRunningContestsComeFromTheActiveIndex(t *testing.T) {
	counter := &walkCounter{}
	_, nodes := plCluster(t, 1, plOptions{web: func(c *web.Config) {
		counter.webContests = c.Node
		c.Contests = counter
	}})
	base := nodes[0].url
	const arenaName = "slowboard"
	def := map[string]any{"game": "connect4", "seats": 2, "move_deadline_ms": 600000}
	if code := plHTTP(t, "PUT", base+"/v1/arenas/"+arenaName, plOperator, def, nil); code != 200 {
		t.Fatalf("create arena: %d", code)
	}
	ids := plAgents(t, base, "alpha", "beta", "gamma", "delta")
	conns := make([]*plConn, len(ids))
	for i, id := range ids {
		conns[i] = plDial(t, base+"/v1/agents/connect", id.agentKey)
		conns[i].expect("hello", 10*time.Second)
	}
	// One settled contest in the history, then one left running (two
	// other agents: no instant rematch): its players never move, and its
	// deadline is ten minutes away.
	uiFixGame(t, arenaName, conns[0], conns[1], []int{3, 4, 3, 4, 3, 4, 3})
	for _, c := range conns[2:] {
		c.send(map[string]string{"type": "queue", "arena": arenaName})
	}
	var start struct {
		Contest string `json:"contest"`
	}
	conns[2].expect("contest_start", 10*time.Second).decode(t, &start)
	conns[3].expect("contest_start", 10*time.Second)

	counter.walks.Store(0)
	var home struct {
		Arenas []struct {
			Arena struct {
				Name string `json:"name"`
			} `json:"arena"`
			Running int `json:"running"`
		} `json:"arenas"`
		Running []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"running"`
	}
	if code := plHTTP(t, "GET", base+"/v1/ui/home", "", nil, &home); code != 200 {
		t.Fatalf("home: %d", code)
	}
	counts := map[string]int{}
	for _, a := range home.Arenas {
		counts[a.Arena.Name] = a.Running
	}
	if counts[arenaName] != 1 {
		t.Errorf("the home page counts %d contests running in %s, want 1 (%v)", counts[arenaName], arenaName, counts)
	}
	if len(home.Running) != 1 || home.Running[0].ID != start.Contest || home.Running[0].Status != arena.StatusRunning {
		t.Errorf("the home page lists %+v running, want only %s", home.Running, start.Contest)
	}

	feed, status, body, err := wsDial(base+"/v1/arenas/"+arenaName+"/live", "", nil)
	if err != nil {
		t.Fatalf("live feed: %d %s %v", status, body, err)
	}
	defer feed.Close()
	var snap struct {
		Type string `json:"type"`
		Live []struct {
			ID    string          `json:"id"`
			State *map[string]any `json:"state"`
		} `json:"live"`
	}
	_ = feed.SetReadDeadline(time.Now().Add(10 * time.Second))
	if err := feed.ReadJSON(&snap); err != nil || snap.Type != "snapshot" {
		t.Fatalf("first frame %+v, %v", snap, err)
	}
	if len(snap.Live) != 1 || snap.Live[0].ID != start.Contest || snap.Live[0].State != nil {
		t.Errorf("the arena feed's snapshot lists %+v live, want only %s, without its game state", snap.Live, start.Contest)
	}
	if n := counter.walks.Load(); n != 0 {
		t.Errorf("the home page and the arena feed walked the contest history %d times to find the running contests, want none", n)
	}
}
