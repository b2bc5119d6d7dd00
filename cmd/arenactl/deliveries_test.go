package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/agentarena/arena/agents/bots"
	"github.com/agentarena/arena/agents/secrets"
	"github.com/agentarena/arena/arena/arenatest"
	"github.com/agentarena/arena/arena/runner"
	"github.com/agentarena/arena/client/clienttest"
	"github.com/agentarena/arena/internal/egress"
	"github.com/agentarena/arena/web"
)

// agent deliveries shows which turn each call was for: a webhook agent plays
// a connect4 contest against a bot on a real node with its runner, and the
// table's SEQ column holds each turn call's seq (the table had none, so a
// refused move could not be told from the calls around it) and "-" on the
// contest_end call.
func TestAgentDeliveriesShowEachTurnsSeq(t *testing.T) {
	c := arenatest.NewCluster(t, 1)
	bot, _ := bots.Lookup("c4-random", 1)
	key, _ := secrets.NewKey()
	sealer, err := secrets.New(key)
	if err != nil {
		t.Fatal(err)
	}
	r := runner.New(runner.Config{Node: c.Nodes[0], Bots: []runner.Bot{bot}, Tick: 20 * time.Millisecond, SeedDefaults: true, Sealer: sealer, AgentEgress: egress.Any})
	url := clienttest.ServeWithRunner(t, r, web.Config{Node: c.Nodes[0], Sealer: sealer, AgentEgress: egress.Any})
	c.Eventually(10*time.Second, func() error {
		_, err := c.Nodes[0].Arena("connect4")
		return err
	})
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var turn struct {
			View struct{ Legal []int } `json:"view"`
		}
		if err := json.NewDecoder(r.Body).Decode(&turn); err != nil || len(turn.View.Legal) == 0 {
			w.WriteHeader(http.StatusNoContent) // contest_end
			return
		}
		fmt.Fprintf(w, `{"move": %d}`, turn.View.Legal[0])
	}))
	defer hook.Close()

	env := map[string]string{"ARENA_SERVER": url}
	var owner struct {
		APIKey string `json:"api_key"`
	}
	if err := json.Unmarshal([]byte(runCLI(t, env, "--json", "owner", "create", "--name", "hooker").stdout), &owner); err != nil {
		t.Fatal(err)
	}
	env["ARENA_KEY"] = owner.APIKey
	var created struct {
		Agent struct{ ID string } `json:"agent"`
	}
	res := runCLI(t, env, "--json", "agent", "create", "--name", "hook", "--kind", "webhook", "--webhook-url", hook.URL+"/turn")
	if err := json.Unmarshal([]byte(res.stdout), &created); err != nil {
		t.Fatalf("agent create: %q, %q (%v)", res.stdout, res.stderr, err)
	}
	if res := runCLI(t, env, "agent", "queue", created.Agent.ID, "--arena", "connect4"); res.code != 0 {
		t.Fatalf("agent queue: %s", res.stderr)
	}
	var rows [][]string
	c.Eventually(60*time.Second, func() error {
		res := runCLI(t, env, "agent", "deliveries", created.Agent.ID)
		if res.code != 0 {
			return fmt.Errorf("exit %d: %s", res.code, res.stderr)
		}
		rows = cells(res.stdout)
		if len(rows) < 3 || rows[1][1] != "contest_end" {
			return fmt.Errorf("no contest_end yet:\n%s", res.stdout)
		}
		return nil
	})
	if got := strings.Join(rows[0], " "); got != "AT EVENT CONTEST SEQ STATUS MS OUTCOME ERROR" {
		t.Fatalf("header %q", got)
	}
	number := regexp.MustCompile(`^[0-9]+$`)
	seqs := map[string]bool{}
	for _, row := range rows[1:] {
		if len(row) < 7 {
			t.Fatalf("row %q", row)
		}
		switch row[1] {
		case "contest_end":
			if row[3] != "-" || row[4] != "204" || row[6] != "delivered" {
				t.Errorf("contest_end row %q; want seq -, status 204, delivered", row)
			}
		case "turn":
			if !number.MatchString(row[3]) || seqs[row[3]] || row[4] != "200" || row[6] != "played" {
				t.Errorf("turn row %q; want a seq of its own, status 200, played", row)
			}
			seqs[row[3]] = true
		default:
			t.Errorf("row %q", row)
		}
	}
}
