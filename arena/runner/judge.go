package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/agentarena/arena/api"
	"github.com/agentarena/arena/apperr"
	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/games/prompt"
	"github.com/agentarena/arena/judges"
)

// Judge ranks the entries of a judged contest.
type Judge interface {
	Name() string
	Rank(ctx context.Context, task judges.Task, entries []judges.Entry) (judges.Verdict, error)
}

// promptState is what the judge needs from the prompt game's state.
type promptState interface {
	Prompt() prompt.Prompt
	Answers() []string
}

// judge runs the arena's judges outside the state machine; the verdict
// becomes one command. A new leader judges again anything still judging.
// A failed try is retried with backoff until the contest is given up
// (judgeFailed, judge_giveup.go).
func (r *Runner) judge(c *arena.Contest) {
	id := c.ID
	r.mu.Lock()
	wait := r.judgeRetry[id]
	r.mu.Unlock()
	if !wait.next.IsZero() && r.cfg.Now().Before(wait.next) {
		return
	}
	r.goDo("judge/"+id, func(ctx context.Context) {
		c, err := r.node.Contest(id)
		if err != nil || c.Status != arena.StatusJudging {
			return
		}
		ar, err := r.node.Arena(c.Arena)
		if err != nil {
			return
		}
		st, err := r.node.GameState(c)
		if err != nil {
			return
		}
		ps, ok := st.(promptState)
		if !ok {
			r.judgeFailed(ctx, c, "none", fmt.Errorf("%w: game %s", errNotJudgeable, c.Game), true)
			return
		}
		p := ps.Prompt()
		task := judges.Task{PromptID: p.ID, Prompt: p.Text, Criteria: p.Criteria}
		var entries []judges.Entry
		for seat, text := range ps.Answers() {
			e := judges.Entry{Seat: seat, Text: text}
			if seat < len(c.Seats) {
				e.Recent = r.recentAnswers(c.Arena, c.Seats[seat].AgentID, p.ID)
				e.Published, e.Own = r.copyEvidence(c, seat, p.ID, p.Text)
			}
			entries = append(entries, e)
		}
		j := r.pickJudge(ar)
		if j == nil {
			r.judgeFailed(ctx, c, "none", fmt.Errorf("%w: arena %s names %q, and this node runs none of them nor the rubric judge", errNoJudge, ar.Name, ar.Judges), false)
			return
		}
		jctx, cancel := context.WithTimeout(ctx, r.cfg.JudgeTimeout)
		started := time.Now()
		v, err := j.Rank(jctx, task, entries)
		cancel()
		r.metrics.observeJudge(j.Name(), time.Since(started), err)
		if err != nil {
			if ctx.Err() != nil {
				return // the term ended: the next leader judges it
			}
			r.judgeFailed(ctx, c, j.Name(), err, permanentJudgeError(err))
			return
		}
		r.mu.Lock()
		delete(r.judgeRetry, id)
		r.mu.Unlock()
		raw, _ := json.Marshal(v)
		var flagged []int
		seen := map[int]bool{}
		for _, f := range v.Flags {
			if f.Kind == judges.FlagJudgeAddressing && !seen[f.Entry] && f.Entry >= 0 && f.Entry < len(entries) {
				seen[f.Entry] = true
				flagged = append(flagged, entries[f.Entry].Seat)
			}
		}
		octx, ocancel := r.opCtx(ctx)
		defer ocancel()
		if err := r.node.Judged(octx, id, v.Ranks, raw, flagged); err != nil && !apperr.Is(err, apperr.Conflict) {
			r.log.Warn("record verdict", "contest", id, "err", err)
		}
	})
}

// pickJudge builds the arena's judge: its one named judge, or a panel of
// several (Borda aggregation, agreement reported). Unknown names are
// skipped; with none left, the offline rubric judge rules.
func (r *Runner) pickJudge(ar api.Arena) Judge {
	var members []judges.Judge
	for _, name := range ar.Judges {
		if j, ok := r.cfg.Judges[name]; ok {
			members = append(members, j)
		} else if name != "referee" {
			r.log.Warn("arena names a judge this node cannot run; it is left out", "arena", ar.Name, "judge", name)
		}
	}
	switch len(members) {
	case 0:
		if j, ok := r.cfg.Judges["rubric"]; ok {
			return j
		}
		return nil
	case 1:
		return members[0]
	}
	p, err := judges.NewPanel(judges.PanelConfig{Judges: members, Aggregation: judges.AggregateBorda})
	if err != nil {
		r.log.Error("build judge panel", "arena", ar.Name, "err", err)
		return nil
	}
	return p
}

// Bounds of recentAnswers: how many of an agent's earlier answers the
// judge compares an entry with, and how many contests of the history it
// reads to find them.
const (
	maxRecentAnswers = 8
	recentScan       = 2000
)

// recentAnswers returns agent's answers in its latest settled contests of
// the arena on other prompts, newest first, so the judge can see one
// template reused across prompts (judges.Earlier). They are read from the
// replicated state the verdict is recorded in, and the verdict itself is
// stored, so replicas never recompute it.
func (r *Runner) recentAnswers(arenaName, agent, promptID string) []judges.Earlier {
	list, _, err := r.node.Contests(arena.ContestFilter{Arena: arenaName, Agent: agent,
		Status: arena.StatusSettled, Limit: 4 * maxRecentAnswers, Scan: recentScan})
	if err != nil {
		r.log.Warn("read an agent's earlier answers", "agent", agent, "err", err)
		return nil
	}
	var out []judges.Earlier
	for _, old := range list {
		if len(out) == maxRecentAnswers {
			break
		}
		full, err := r.node.Contest(old.ID)
		if err != nil {
			continue
		}
		st, err := r.node.GameState(full)
		if err != nil {
			continue
		}
		ps, ok := st.(promptState)
		seat := full.SeatOf(agent)
		if !ok || seat < 0 || seat >= len(ps.Answers()) {
			continue
		}
		p := ps.Prompt()
		if p.Text == "" || p.ID == promptID {
			continue
		}
		out = append(out, judges.Earlier{Task: judges.Task{PromptID: p.ID, Prompt: p.Text, Criteria: p.Criteria},
			Text: ps.Answers()[seat]})
	}
	return out
}
