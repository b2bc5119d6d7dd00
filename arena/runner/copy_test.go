package runner_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/arena/arenatest"
	"github.com/agentarena/arena/arena/runner"
	"github.com/agentarena/arena/games/prompt"
	"github.com/agentarena/arena/judges"
)

// copyArena runs a prompt arena with the rubric judge on one node, and
// owners a, b and c (and the house) with one websocket agent each
// (ag_a, ag_b, ag_c, ag_house). play creates a contest on seed's
// prompt, has both seats answer, and returns its verdict once judged;
// seed is a prompt that asks for prose (a JSON or list answer has one
// right form and is never checked for copying).
func copyArena(t *testing.T, reference func(promptID, promptText string) (string, bool)) (play func(id string, seats [2]string, answers [2]string) judges.Verdict) {
	t.Helper()
	c := arenatest.NewCluster(t, 1)
	node := c.Leader()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	ar := arena.DefaultArenas()[1]
	if ar.Game != prompt.Name {
		t.Fatalf("default arena 1 is %s, want the prompt game", ar.Game)
	}
	ar.Stake, ar.Rewards, ar.MoveDeadlineMS, ar.MaxConcurrentPerAgent = 0, nil, 60000, 100
	// The test's agents never connect: they move through the node. With
	// the default 10 s grace, a loaded machine still playing the probes
	// below forfeited them as disconnected (c_copy ended "judging" for a
	// forfeit, once in a full -race run).
	ar.GraceMS = 600000
	if _, err := node.PutArena(ctx, ar); err != nil {
		t.Fatal(err)
	}
	for _, o := range []string{"a", "b", "c", "house"} {
		owner := "ow_" + o
		if _, err := node.CreateOwner(ctx, agents.Owner{ID: owner, Name: o}, agents.HashKey("k"+o)); err != nil {
			t.Fatal(err)
		}
		if _, err := node.CreateAgent(ctx, agents.Agent{ID: "ag_" + o, OwnerID: owner, Name: o, Kind: agents.KindWebsocket}, agents.HashKey("ak"+o)); err != nil {
			t.Fatal(err)
		}
	}
	r := runner.New(runner.Config{Node: node, Tick: 10 * time.Millisecond, Reference: reference,
		Judges: map[string]runner.Judge{"rubric": judges.NewRubricJudge()}})
	done := make(chan struct{})
	go func() { defer close(done); r.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	var seed uint64
	for s := uint64(1); s < 90 && seed == 0; s++ {
		id := fmt.Sprintf("c_probe%d", s)
		if _, err := node.CreateContest(ctx, id, ar.Name, []string{"ag_c", "ag_a"}, s); err != nil {
			t.Fatal(err)
		}
		ct, err := node.Contest(id)
		if err != nil {
			t.Fatal(err)
		}
		st, err := node.GameState(ct)
		if err != nil {
			t.Fatal(err)
		}
		if f := st.(interface{ Prompt() prompt.Prompt }).Prompt().Criteria.Format; f == "" || f == "plain" {
			seed = s
		}
		for _, a := range []string{"ag_c", "ag_a"} {
			if err := node.Move(ctx, id, a, nil, json.RawMessage(`{"text":"probe","final":true}`)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if seed == 0 {
		t.Fatal("no prose prompt in 90 seeds")
	}
	return func(id string, seats [2]string, answers [2]string) judges.Verdict {
		t.Helper()
		if _, err := node.CreateContest(ctx, id, ar.Name, seats[:], seed); err != nil {
			t.Fatal(err)
		}
		for i, a := range seats {
			move, _ := json.Marshal(map[string]any{"text": answers[i], "final": true})
			if err := node.Move(ctx, id, a, nil, move); err != nil {
				t.Fatal(err)
			}
		}
		var v judges.Verdict
		c.Eventually(60*time.Second, func() error {
			ct, err := node.Contest(id)
			if err != nil || ct.Status != arena.StatusSettled {
				return fmt.Errorf("contest %s not settled (%v)", id, err)
			}
			return json.Unmarshal(ct.Verdict, &v)
		})
		return v
	}
}

const (
	original = "Each election needs votes from more than half of the servers, because any two such groups share at least one server. " +
		"That shared server votes once per term and refuses a candidate whose log is behind its own, so two leaders cannot win the same term " +
		"and every committed entry survives into the next leader's log."
	copied = original + " That is the whole reason."
	other  = "Because a majority is needed."
)

func copiedBy(v judges.Verdict, entry int) (string, bool) {
	for _, f := range v.Flags {
		if f.Entry == entry && f.Kind == judges.FlagCopied {
			return f.Detail, true
		}
	}
	return "", false
}

// TestCopiedAnswerIsFlaggedAndItsAuthorIsNot: an agent's answer is
// public once its contest settles, and prompts recur. Another owner's
// agent that replays it is flagged as copied; the author giving it again,
// after the copy was published, is not.
func TestCopiedAnswerIsFlaggedAndItsAuthorIsNot(t *testing.T) {
	play := copyArena(t, nil)
	if v := play("c_first", [2]string{"ag_a", "ag_c"}, [2]string{original, other}); flagged(v, 0) || flagged(v, 1) {
		t.Fatalf("the first answers to the prompt are flagged as copied: %+v", v.Flags)
	}
	if v := play("c_copy", [2]string{"ag_b", "ag_c"}, [2]string{copied, other}); !flagged(v, 0) || flagged(v, 1) {
		t.Fatalf("the copier's verdict flags %+v, want a copied flag on entry 0 only", v.Flags)
	}
	if v := play("c_again", [2]string{"ag_a", "ag_c"}, [2]string{original, other}); flagged(v, 0) {
		t.Fatalf("the author giving its answer again is flagged as copied: %+v", v.Flags)
	}
}

func flagged(v judges.Verdict, entry int) bool {
	_, ok := copiedBy(v, entry)
	return ok
}

// TestTheHousesReferenceAnswersCountAsPublishedFirst: the built-in bots'
// answers are public in the repository. Replayed by another owner's agent
// before the house's own bot ever played the prompt, the copier used to
// count as the author from then on, and txt-careful was flagged as its
// copier (113 of 387 contests in a live run). The reference answer now
// counts as the house's, published before any contest.
func TestTheHousesReferenceAnswersCountAsPublishedFirst(t *testing.T) {
	play := copyArena(t, func(string, string) (string, bool) { return original, true })
	v := play("c_copier_first", [2]string{"ag_b", "ag_c"}, [2]string{copied, other})
	if why, ok := copiedBy(v, 0); !ok || !strings.Contains(why, "reference answer") || flagged(v, 1) {
		t.Fatalf("a copy of the reference answer, played first: flags %+v, want entry 0 flagged as repeating the reference", v.Flags)
	}
	if v := play("c_house", [2]string{"ag_house", "ag_c"}, [2]string{original, other}); flagged(v, 0) {
		t.Fatalf("the house's own agent giving its reference answer after a copier is flagged: %+v", v.Flags)
	}
}
