package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/client"
	"github.com/agentarena/arena/client/clienttest"
)

// TestArenaPutAgainstARealNode: an organiser creates a staked arena with
// its payout settings from the CLI, changes one setting without resetting
// the others (the API's PUT replaces the whole definition), and copies a
// definition from a file; mistakes are refused before anything is sent.
func TestArenaPutAgainstARealNode(t *testing.T) {
	ctx := context.Background()
	srv := clienttest.NewServer(t)
	type res struct {
		out, err string
		code     int
	}
	op := map[string]string{"ARENA_SERVER": srv.URL, "ARENA_OPERATOR_TOKEN": clienttest.OperatorToken}
	cli := func(env map[string]string, args ...string) res {
		t.Helper()
		var out, errb bytes.Buffer
		code := run(ctx, args, func(k string) string { return env[k] }, &out, &errb)
		return res{out.String(), errb.String(), code}
	}
	show := func(name string) client.Arena {
		t.Helper()
		a, err := srv.Client(t, "").GetArena(ctx, name)
		if err != nil {
			t.Fatalf("get arena %s: %v", name, err)
		}
		return *a
	}
	put := func(args ...string) res {
		t.Helper()
		r := cli(op, append([]string{"arena", "put"}, args...)...)
		if r.code != 0 {
			t.Fatalf("arena put %q: exit %d\nstdout:\n%s\nstderr:\n%s", args, r.code, r.out, r.err)
		}
		return r
	}

	t.Run("creates an arena with every payout setting given", func(t *testing.T) {
		r := put("pot", "game=prompt", "seats=3", "stake=77", "reward_mode=linear", "house_fee_bps=250",
			"max_queued_per_owner=3", "distinct_owners=true", "forfeit=three_strikes", `options={"max_answer_bytes":2048}`)
		a := show("pot")
		if a.Game != "prompt" || a.Seats != 3 || a.Stake != 77 || a.RewardMode != "linear" || a.HouseFeeBps != 250 ||
			a.MaxQueuedPerOwner != 3 || !a.DistinctOwners || a.Forfeit != "three_strikes" || string(a.Options) != `{"max_answer_bytes":2048}` {
			t.Errorf("stored arena = %+v", a)
		}
		if !strings.Contains(r.out, "HOUSE FEE       2.50%") || !strings.Contains(r.out, "REWARDS %       linear: 50,33,17") ||
			!strings.Contains(r.out, "MAX QUEUED      3 per owner") {
			t.Errorf("printed:\n%s", r.out)
		}
	})
	t.Run("changing one field keeps the others", func(t *testing.T) {
		before := show("pot")
		put("pot", "stake=150", "rewards=60,30", "reward_mode=schedule")
		a := show("pot")
		if a.Stake != 150 || !slices.Equal(a.Rewards, []int{60, 30}) || a.RewardMode != "schedule" {
			t.Errorf("changed fields: stake %d, rewards %v, mode %q", a.Stake, a.Rewards, a.RewardMode)
		}
		if a.HouseFeeBps != before.HouseFeeBps || a.MaxQueuedPerOwner != before.MaxQueuedPerOwner || !a.DistinctOwners ||
			a.Forfeit != before.Forfeit || string(a.Options) != string(before.Options) || !a.CreatedAt.Equal(before.CreatedAt) {
			t.Errorf("fields not named were reset: before %+v, after %+v", before, a)
		}
	})
	t.Run("a list field takes a comma-separated list", func(t *testing.T) {
		put("panel", "game=prompt", "seats=2", "judges=rubric, ai", "rewards=70,30")
		if a := show("panel"); !slices.Equal(a.Judges, []string{"rubric", "ai"}) || !slices.Equal(a.Rewards, []int{70, 30}) {
			t.Errorf("judges %q, rewards %v", a.Judges, a.Rewards)
		}
		put("panel", "rewards=[]")
		if a := show("panel"); len(a.Rewards) != 0 || a.Rewards == nil {
			t.Errorf("rewards=[]: %#v, want an empty schedule", a.Rewards)
		}
	})
	t.Run("a rule that is off stays off", func(t *testing.T) {
		// The API shows void_all_forfeit and one_deadline_per_answer only
		// when true, and a PUT without them turns them on.
		put("rules-off", "game=verifiable", "seats=2", "void_all_forfeit=false", "one_deadline_per_answer=false")
		put("rules-off", "stake=9")
		if a := show("rules-off"); a.Stake != 9 || a.VoidAllForfeit || a.OneDeadlinePerAnswer {
			t.Errorf("after arena put stake=9: stake %d, void_all_forfeit %v, one_deadline_per_answer %v; want 9, false, false",
				a.Stake, a.VoidAllForfeit, a.OneDeadlinePerAnswer)
		}
		file := filepath.Join(t.TempDir(), "rules-off.json")
		if err := os.WriteFile(file, []byte(cli(op, "arena", "show", "rules-off", "--json").out), 0o600); err != nil {
			t.Fatal(err)
		}
		put("rules-off-copy", "--file", file)
		if a := show("rules-off-copy"); a.VoidAllForfeit || a.OneDeadlinePerAnswer {
			t.Errorf("a copy from arena show --json turned the rules on: %+v", a)
		}
		// A definition written by hand leaves them out for the default.
		hand := filepath.Join(t.TempDir(), "hand.json")
		if err := os.WriteFile(hand, []byte(`{"game":"verifiable","seats":2}`), 0o600); err != nil {
			t.Fatal(err)
		}
		put("rules-default", "--file", hand)
		if a := show("rules-default"); !a.VoidAllForfeit || !a.OneDeadlinePerAnswer {
			t.Errorf("a hand-written definition without the rules: %+v, want both on", a)
		}
	})
	t.Run("a file from arena show --json copies the arena", func(t *testing.T) {
		r := cli(op, "arena", "show", "pot", "--json")
		file := filepath.Join(t.TempDir(), "pot.json")
		if err := os.WriteFile(file, []byte(r.out), 0o600); err != nil {
			t.Fatal(err)
		}
		put("pot-copy", "--file", file, "house_fee_bps=0")
		a, src := show("pot-copy"), show("pot")
		if a.Stake != src.Stake || !slices.Equal(a.Rewards, src.Rewards) || a.HouseFeeBps != 0 || !a.DistinctOwners ||
			a.MaxQueuedPerOwner != src.MaxQueuedPerOwner {
			t.Errorf("copy = %+v, source %+v", a, src)
		}
		var out struct{ Arena client.Arena }
		if err := json.Unmarshal([]byte(cli(op, "arena", "put", "pot-copy", "stake=5", "--json").out), &out); err != nil || out.Arena.Stake != 5 {
			t.Errorf("--json: %+v, %v", out.Arena, err)
		}
	})
	t.Run("mistakes are refused before anything is sent", func(t *testing.T) {
		before := show("pot")
		for _, tc := range []struct {
			env  map[string]string
			args []string
			want string
		}{
			{op, []string{"pot", "stakes=5"}, `unknown field "stakes"`},
			// encoding/json alone fills stake from "Stake" (or keeps the
			// other of the two): the server refuses a miscased field.
			{op, []string{"pot", "Stake=5"}, "Stake"},
			{op, []string{"pot", "stake"}, "is not FIELD=VALUE"},
			{op, []string{"pot", "name=other"}, "name cannot be set"},
			{op, []string{"pot", "stake=1.5"}, "stake"},
			{op, []string{"nothing-here", "stake=5"}, "there is no arena nothing-here yet"},
			{map[string]string{"ARENA_SERVER": srv.URL}, []string{"pot", "stake=5"}, "needs the operator token"},
		} {
			r := cli(tc.env, append([]string{"arena", "put"}, tc.args...)...)
			if r.code != 2 || !strings.Contains(r.err, tc.want) {
				t.Errorf("arena put %q: exit %d, stderr %q; want 2 and %q", tc.args, r.code, r.err, tc.want)
			}
		}
		dup := filepath.Join(t.TempDir(), "dup.json")
		if err := os.WriteFile(dup, []byte(`{"arena":{"game":"prompt","seats":3,"stake":5,"stake":6}}`), 0o600); err != nil {
			t.Fatal(err)
		}
		if r := cli(op, "arena", "put", "pot", "--file", dup); r.code != 2 || !strings.Contains(r.err, "twice") {
			t.Errorf("a file giving stake twice: exit %d, stderr %q", r.code, r.err)
		}
		if a := show("pot"); !a.UpdatedAt.Equal(before.UpdatedAt) || a.Stake != before.Stake {
			t.Errorf("a refused put changed the arena: %+v", a)
		}
		if _, err := srv.Client(t, "").GetArena(ctx, "nothing-here"); err == nil {
			t.Error("a refused put created an arena")
		}
	})
	t.Run("the server's refusal is printed with its code", func(t *testing.T) {
		r := cli(op, "arena", "put", "pot", "house_fee_bps=10001")
		if r.code != 1 || !strings.Contains(r.err, "arenactl: invalid: house_fee_bps must be from 0 to 10000") {
			t.Errorf("exit %d, stderr %q", r.code, r.err)
		}
	})
}

// TestArenaShowsTheNodesDefaultQueueCap: arena show prints the node's
// default max_queued_per_owner for an arena that sets none; arenactl keeps
// its own copy of the number, which must not drift from the node's.
func TestArenaShowsTheNodesDefaultQueueCap(t *testing.T) {
	if defaultMaxQueuedPerOwner != arena.DefaultMaxQueuedPerOwner {
		t.Fatalf("arenactl shows %d as the default, the node uses %d", defaultMaxQueuedPerOwner, arena.DefaultMaxQueuedPerOwner)
	}
}

// TestArenaPutSendsEveryFieldAnArenaHas: arena put round-trips the arena
// as the server shows it through client.PutArenaRequest, so a field the
// API gains on api.Arena but the request type lacks would make every
// arena put of such an arena fail (unknown field), and one the request
// lacked could not be set at all (reward_mode, house_fee_bps and
// max_queued_per_owner could not, before arena put).
func TestArenaPutSendsEveryFieldAnArenaHas(t *testing.T) {
	names := func(v any) map[string]bool {
		out := map[string]bool{}
		rt := reflect.TypeOf(v)
		for i := range rt.NumField() {
			name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
			out[name] = true
		}
		return out
	}
	req := names(client.PutArenaRequest{})
	for name := range names(client.Arena{}) {
		if !req[name] && !slices.Contains(arenaReadOnly, name) {
			t.Errorf("arena field %q has no place in client.PutArenaRequest", name)
		}
	}
	for name := range req {
		if !names(client.Arena{})[name] {
			t.Errorf("client.PutArenaRequest sends %q, which an arena does not show", name)
		}
	}
}
