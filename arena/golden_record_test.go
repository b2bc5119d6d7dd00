package arena_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/arena/arenatest"
)

var record = flag.Bool("golden.record", false, "drive a fresh cluster and record testdata/golden/log.txt anew")

// TestGoldenRecord writes a new golden log from a real two-node cluster:
// bots play connect4 and prompt contests (moves, judged verdicts, payouts,
// preference pairs), then every other command is proposed once through the
// node's API, including a timeout, a forfeit, an abort, a resume and a
// member's removal, and three entries every replica must reject. Only run
// it on purpose: the point of the golden log is that it stays fixed while
// the code under it changes.
func TestGoldenRecord(t *testing.T) {
	if !*record {
		t.Skip("records the golden log only with -golden.record")
	}
	var skew atomic.Int64 // lets the recording jump past a move deadline
	c := arenatest.NewCluster(t, 2, arenatest.WithConfig(func(i int, cfg *arena.Config) {
		cfg.OperatorTokenHash = agents.HashKey("golden-operator-token")
		cfg.SnapshotThreshold = 1 << 40 // keep the whole log
		cfg.SnapshotInterval = time.Hour
		cfg.TrailingLogs = 1 << 40
		cfg.Now = func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	}))
	leader := c.Leader()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	// Bots play until both kinds of contest have settled a few times.
	rs := arenatest.NewRunners(t, c)
	rs.Start(t, c.Index(leader), "c4-random", "c4-greedy", "txt-careful", "txt-terse", "txt-echo")
	c.Eventually(90*time.Second, func() error {
		for _, name := range []string{"connect4", "prompt"} {
			list, _, err := leader.Contests(arena.ContestFilter{Arena: name, Status: arena.StatusSettled})
			if err != nil {
				return err
			}
			if len(list) < 3 {
				return fmt.Errorf("%s: %d settled", name, len(list))
			}
		}
		return nil
	})
	rs.StopAll()

	// Owners, agents, trainers and keys.
	owner, err := leader.CreateOwner(ctx, agents.Owner{ID: "ow_golden", Name: "Golden Owner", Email: "golden@example.org"}, agents.HashKey("owner-key-1"))
	must(err)
	mk := func(id, name string) agents.Agent {
		a, err := leader.CreateAgent(ctx, agents.Agent{ID: id, OwnerID: owner.ID, Name: name, Kind: agents.KindWebsocket}, agents.HashKey(id+"-key"))
		must(err)
		return a
	}
	a1, a2, a3 := mk("ag_golden_1", "golden-one"), mk("ag_golden_2", "golden-two"), mk("ag_golden_3", "golden-three")
	_, err = leader.CreateAgentWithSecret(ctx, agents.Agent{ID: "ag_golden_model", OwnerID: owner.ID, Name: "golden-model", Kind: agents.KindOpenAI,
		Endpoint: &agents.ModelEndpoint{BaseURL: "http://127.0.0.1:9/v1", Model: "golden"}}, agents.HashKey("model-key"), "sealed-secret-bytes")
	must(err)
	_, err = leader.CreateTrainer(ctx, agents.Trainer{ID: "tr_golden", Name: "golden-trainer"}, agents.HashKey("trainer-key"))
	must(err)
	must(leader.RotateKey(ctx, "owner", owner.ID, owner.ID, agents.HashKey("owner-key-2")))
	desc := "updated by the golden recording"
	_, err = leader.UpdateAgent(ctx, a3.ID, owner.ID, agents.AgentPatch{Description: &desc})
	must(err)
	must(leader.DeleteAgent(ctx, a3.ID, owner.ID))
	_, err = leader.AddCounter(ctx, "golden", 7)
	must(err)

	// Money.
	_, err = leader.Grant(ctx, "tx_golden_grant", owner.ID, 12_345, "grant", "golden recording")
	must(err)
	_, err = leader.SetLedgerSettings(ctx, arena.LedgerSettings{StartingGrant: 50_000, Currency: "ARC"})
	must(err)

	custom := arena.DefaultArenas()[0]
	custom.Name = "golden-connect4"
	custom.Stake = 250
	_, err = leader.PutArena(ctx, custom)
	must(err)

	// Queues and contests driven by hand: a move, a resume, a timeout
	// strike or forfeit, a resignation and an abort.
	_, err = leader.Queue(ctx, "connect4", a1.ID)
	must(err)
	must(leader.Unqueue(ctx, "connect4", a1.ID))
	c1, err := leader.CreateContest(ctx, "ct_golden_1", "connect4", []string{a1.ID, a2.ID}, 42)
	must(err)
	turn := c1.Turn
	must(leader.Move(ctx, c1.ID, a1.ID, &turn, json.RawMessage(`3`)))
	must(leader.ResumeContest(ctx, c1.ID))
	c1, err = leader.Contest(c1.ID)
	must(err)
	skew.Add(int64(time.Minute))
	must(leader.Timeout(ctx, c1.ID, 1, c1.Deadlines[1]))
	c2, err := leader.CreateContest(ctx, "ct_golden_2", "connect4", []string{a2.ID, a1.ID}, 43)
	must(err)
	must(leader.Resign(ctx, c2.ID, a1.ID, "resigned by the golden recording"))
	c3, err := leader.CreateContest(ctx, "ct_golden_3", "prompt", []string{a1.ID, a2.ID}, 44)
	must(err)
	must(leader.Move(ctx, c3.ID, a1.ID, nil, json.RawMessage(`{"text":"A partial answer","final":false}`)))
	must(leader.AbortContest(ctx, c3.ID, "aborted by the golden recording"))

	// Membership: the second node leaves.
	other := "node1"
	if leader.ID() == other {
		other = "node0"
	}
	must(leader.Remove(ctx, other))
	leaderDir := c.Dirs[c.Index(leader)]
	c.Close()

	entries := readCommands(t, leaderDir)
	// Entries every replica must reject the same way.
	last := entries[len(entries)-1].Index
	for i, data := range []string{
		`{"v":1,"type":"no.such.command","ts":1,"data":{}}`,
		`{"v":99,"type":"counter.add","ts":1,"data":{"name":"c","delta":1}}`,
		`{"v":1,"type":"ledger.grant","ts":1,"data":{"id":"tx_bad","owner_id":"ow_golden","amount":-5,"kind":"grant"}}`,
	} {
		entries = append(entries, &raft.Log{Index: last + uint64(i) + 1, Type: raft.LogCommand, Data: []byte(data)})
	}
	var ds []directive
	for _, e := range entries {
		ds = append(ds, directive{cmd: "apply", args: map[string]string{"index": strconv.FormatUint(e.Index, 10)}, input: string(e.Data)})
	}
	ds = append(ds, directive{cmd: "state", args: map[string]string{}})
	must(os.MkdirAll(filepath.Dir(goldenLog), 0o755))
	must(os.WriteFile(goldenLog, []byte(writeDirectives(ds)), 0o644))
	t.Logf("recorded %d entries; now run with -update to fill in the results", len(entries))
}

// readCommands returns the command entries of a stopped node's Raft log.
func readCommands(t *testing.T, dataDir string) []*raft.Log {
	t.Helper()
	store, err := arena.OpenRaftLog(dataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	first, err := store.FirstIndex()
	if err != nil {
		t.Fatal(err)
	}
	last, err := store.LastIndex()
	if err != nil {
		t.Fatal(err)
	}
	var out []*raft.Log
	for i := first; i <= last; i++ {
		var l raft.Log
		if err := store.GetLog(i, &l); err != nil {
			t.Fatalf("log entry %d: %v", i, err)
		}
		if l.Type == raft.LogCommand {
			out = append(out, &l)
		}
	}
	return out
}
