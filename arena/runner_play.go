package arena

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/agents/protocol"
	"github.com/agentarena/arena/apperr"
	"github.com/agentarena/arena/games"
	"github.com/agentarena/arena/games/prompt"
	"github.com/agentarena/arena/judges"
)

// dispatch delivers the current turn to every seat that must move and has
// not been asked yet. A turn is identified by its deadline: a new move (or
// a strike) sets a new one, so each turn is delivered once.
func (r *Runner) dispatch(c *Contest) {
	st, err := r.node.GameState(c)
	if err != nil {
		r.log.Warn("load game state", "contest", c.ID, "err", err)
		return
	}
	for _, seat := range st.ToMove() {
		key := fmt.Sprintf("%d/%d", seat, c.Deadlines[seat])
		r.mu.Lock()
		if !r.leading || r.dispatched[c.ID][key] {
			r.mu.Unlock()
			continue
		}
		if r.dispatched[c.ID] == nil {
			r.dispatched[c.ID] = map[string]bool{}
		}
		r.dispatched[c.ID][key] = true
		r.mu.Unlock()
		agentID := c.Seats[seat].AgentID
		switch r.agentKind(agentID) {
		case agents.KindBuiltin:
			id, seat := c.ID, seat
			r.goDo("bot/"+id+"/"+key, func(ctx context.Context) { r.playBot(ctx, id, seat, agentID) })
		case agents.KindWebhook:
			id, seat := c.ID, seat
			r.goDo("hook/"+id+"/"+key, func(ctx context.Context) { r.callWebhook(ctx, id, seat, agentID) })
		case agents.KindOpenAI:
			id, seat := c.ID, seat
			r.goDo("model/"+id+"/"+key, func(ctx context.Context) { r.callModel(ctx, id, seat, agentID) })
		default:
			if conn := r.conn(agentID); conn != nil {
				conn.Send(turnFrame(c, st, seat, r.cfg.Now()))
			}
		}
	}
}

// mover produces one move for a seat from its turn view.
type mover func(ctx context.Context, turn protocol.Turn) (json.RawMessage, error)

// playTurns asks a mover for moves until the seat no longer has to move:
// once for a connect4 turn, repeatedly for a streamed prompt answer.
func (r *Runner) playTurns(ctx context.Context, contestID string, seat int, agentID string, next mover) {
	for i := 0; i < 256 && ctx.Err() == nil; i++ {
		c, err := r.node.Contest(contestID)
		if err != nil || c.Status != StatusRunning {
			return
		}
		st, err := r.node.GameState(c)
		if err != nil || !contains(st.ToMove(), seat) {
			return
		}
		move, err := next(ctx, turnFrame(c, st, seat, r.cfg.Now()))
		if err != nil {
			r.log.Debug("agent produced no move", "contest", contestID, "agent", agentID, "err", err)
			return // the deadline will deal with it
		}
		var turn *uint64
		if len(st.ToMove()) == 1 {
			t := c.Turn
			turn = &t
		}
		octx, cancel := r.opCtx(ctx)
		err = r.node.Move(octx, contestID, agentID, turn, move)
		cancel()
		if err != nil {
			if !apperr.Is(err, apperr.Invalid) {
				r.log.Warn("propose move", "contest", contestID, "agent", agentID, "err", err)
			}
			return
		}
		// Loop: a streamed answer continues while the seat is still to
		// move; a turn-based game's seat is not, so the loop ends.
	}
}

func (r *Runner) playBot(ctx context.Context, contestID string, seat int, agentID string) {
	bot := r.bots[agentID]
	if bot == nil {
		return
	}
	if r.cfg.BotDelay > 0 {
		select {
		case <-ctx.Done():
			return
		case <-time.After(r.cfg.BotDelay):
		}
	}
	r.playTurns(ctx, contestID, seat, agentID, func(ctx context.Context, t protocol.Turn) (json.RawMessage, error) {
		return bot.Move(ctx, t.View)
	})
}

// webhookReply is what a webhook agent answers to a turn.
type webhookReply struct {
	Move json.RawMessage `json:"move"`
}

// callWebhook POSTs the turn frame to the agent's URL; the reply's "move"
// is played as if the agent had sent a move frame.
func (r *Runner) callWebhook(ctx context.Context, contestID string, seat int, agentID string) {
	a, err := r.node.GetAgent(agentID)
	if err != nil || a.WebhookURL == "" {
		return
	}
	r.playTurns(ctx, contestID, seat, agentID, func(ctx context.Context, t protocol.Turn) (json.RawMessage, error) {
		ctx, cancel := context.WithDeadline(ctx, t.Deadline)
		defer cancel()
		body, _ := json.Marshal(t)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.WebhookURL, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "agent-arena-webhook/1")
		resp, err := r.cfg.HTTPClient.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("webhook answered %s", resp.Status)
		}
		var reply webhookReply
		if err := json.Unmarshal(data, &reply); err != nil || len(reply.Move) == 0 {
			return nil, fmt.Errorf("webhook reply must be {\"move\": ...}: %v", err)
		}
		return reply.Move, nil
	})
}

// promptState is what the judge needs from the prompt game's state.
type promptState interface {
	Prompt() prompt.Prompt
	Answers() []string
}

// judge runs the arena's judges outside the state machine; the verdict
// becomes one command. A new leader judges again anything still judging.
func (r *Runner) judge(c *Contest) {
	id := c.ID
	r.mu.Lock()
	wait := r.judgeRetry[id]
	r.mu.Unlock()
	if !wait.next.IsZero() && r.cfg.Now().Before(wait.next) {
		return
	}
	r.goDo("judge/"+id, func(ctx context.Context) {
		c, err := r.node.Contest(id)
		if err != nil || c.Status != StatusJudging {
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
			r.log.Error("judged contest of a game without prompt and answers", "contest", id, "game", c.Game)
			return
		}
		p := ps.Prompt()
		task := judges.Task{PromptID: p.ID, Prompt: p.Text, Criteria: p.Criteria}
		var entries []judges.Entry
		for seat, text := range ps.Answers() {
			entries = append(entries, judges.Entry{Seat: seat, Text: text})
		}
		j := r.pickJudge(ar)
		if j == nil {
			r.log.Error("no judge available", "contest", id, "judges", ar.Judges)
			return
		}
		jctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		started := time.Now()
		v, err := j.Rank(jctx, task, entries)
		cancel()
		r.observeJudge(j.Name(), time.Since(started), err)
		if err != nil {
			// Back off per contest (1 s doubling to 1 min): a judge that
			// keeps failing must not be called ten times a second.
			r.mu.Lock()
			w := r.judgeRetry[id]
			w.delay = min(max(2*w.delay, time.Second), time.Minute)
			w.next = r.cfg.Now().Add(w.delay)
			r.judgeRetry[id] = w
			r.mu.Unlock()
			r.log.Warn("judging failed; will retry", "contest", id, "judge", j.Name(), "retry_in", w.delay, "err", err)
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
func (r *Runner) pickJudge(ar Arena) Judge {
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

func seatInfos(c *Contest) []protocol.SeatInfo {
	out := make([]protocol.SeatInfo, len(c.Seats))
	for i, s := range c.Seats {
		out[i] = protocol.SeatInfo{Seat: i, AgentID: s.AgentID, Name: s.Name}
	}
	return out
}

func startFrame(c *Contest, seat int) protocol.ContestStart {
	return protocol.ContestStart{Type: protocol.TypeContestStart, Contest: c.ID, Arena: c.Arena, Game: c.Game,
		Seat: seat, Seats: seatInfos(c)}
}

func turnFrame(c *Contest, st games.State, seat int, now time.Time) protocol.Turn {
	view, _ := json.Marshal(st.View(seat))
	due := time.Unix(0, c.Deadlines[seat]).UTC()
	return protocol.Turn{Type: protocol.TypeTurn, Contest: c.ID, Seq: c.Turn, Seat: seat, Deadline: due,
		DeadlineMS: max(due.Sub(now).Milliseconds(), 0), View: view}
}

func endFrame(c *Contest, seat int) protocol.ContestEnd {
	f := protocol.ContestEnd{Type: protocol.TypeContestEnd, Contest: c.ID, Status: c.Status, Reason: c.Reason, Ranks: c.Ranks, Rank: -1}
	if seat >= 0 && seat < len(c.Ranks) {
		f.Rank = c.Ranks[seat]
	}
	if seat >= 0 && seat < len(c.RatingDeltas) {
		f.RatingDelta = c.RatingDeltas[seat]
	}
	return f
}
