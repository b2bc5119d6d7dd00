package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/agents/openai"
	"github.com/agentarena/arena/agents/protocol"
	"github.com/agentarena/arena/agents/webhook"
	"github.com/agentarena/arena/api"
	"github.com/agentarena/arena/apperr"
	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/games"
)

// dispatch delivers the current turn to every seat that must move and has
// not been asked yet. A turn is identified by its deadline: a new move (or
// a strike) sets a new one, so each turn is delivered once.
//
// c is the contest as it is now, which for an event handled late (the
// runner behind its events) may have ended since: an aborted game still
// has a seat to move, and must not be asked for it.
func (r *Runner) dispatch(c *arena.Contest) {
	if c.Status != arena.StatusRunning || r.askedAll(c) {
		return
	}
	st, err := r.node.GameState(c)
	if err != nil {
		r.log.Warn("load game state", "contest", c.ID, "err", err)
		return
	}
	for _, seat := range st.ToMove() {
		key := turnKey(seat, c.Deadlines[seat])
		r.mu.Lock()
		if !r.leading || r.dispatched[c.ID][key] {
			r.mu.Unlock()
			continue
		}
		if r.dispatched[c.ID] == nil {
			r.dispatched[c.ID] = map[turnID]bool{}
		}
		r.dispatched[c.ID][key] = true
		r.mu.Unlock()
		agentID := c.Seats[seat].AgentID
		// Only websocket agents hold sessions (a change of kind closes
		// the session), so a connected seat needs no read of its agent.
		if conn := r.conn(agentID); conn != nil {
			r.announce(conn, agentID, c, seat)
			conn.Send(turnFrame(c, st, seat, r.cfg.Now()))
			continue
		}
		kind, deleted := r.agentState(agentID)
		if deleted {
			r.forfeitDeleted(c.ID, agentID)
			continue
		}
		switch kind {
		case agents.KindBuiltin:
			id, seat := c.ID, seat
			r.goDo("bot/"+id+"/"+key.String(), func(ctx context.Context) { r.playBot(ctx, id, seat, agentID) })
		case agents.KindWebhook:
			id, seat := c.ID, seat
			r.goDo("hook/"+id+"/"+key.String(), func(ctx context.Context) { r.callWebhook(ctx, id, seat, agentID) })
		case agents.KindOpenAI:
			id, seat := c.ID, seat
			r.goDo("model/"+id+"/"+key.String(), func(ctx context.Context) { r.callModel(ctx, id, seat, agentID) })
		default:
			if conn := r.conn(agentID); conn != nil {
				r.announce(conn, agentID, c, seat)
				conn.Send(turnFrame(c, st, seat, r.cfg.Now()))
			}
		}
	}
}

// turnID names a turn delivered to a seat: the seat and its deadline. A
// comparable struct, so that the sweep's check of every running contest
// builds no string.
type turnID struct {
	seat int
	due  int64
}

func turnKey(seat int, due int64) turnID { return turnID{seat, due} }

// String is the turn in goDo's keys: "seat/deadline".
func (t turnID) String() string {
	return strconv.Itoa(t.seat) + "/" + strconv.FormatInt(t.due, 10)
}

// askedAll reports whether every seat to move has been asked for its turn
// already (or this node does not lead), so that the sweep, which passes
// every running contest each tick, reads no game state for them. A running
// contest's deadlines are set exactly for the seats to move (setState), so
// they name the turns without the game state.
func (r *Runner) askedAll(c *arena.Contest) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.leading {
		return true
	}
	asked, any := r.dispatched[c.ID], false
	for seat, due := range c.Deadlines {
		if due == 0 {
			continue
		}
		if !asked[turnKey(seat, due)] {
			return false
		}
		any = true
	}
	return any
}

// mover produces one move for a seat from its turn view.
type mover func(ctx context.Context, turn protocol.Turn) (json.RawMessage, error)

// maxMovesPerTurn bounds the moves one turn call asks a mover for: the
// parts of one streamed answer. A mover that never finishes its answer
// must not keep a goroutine calling it until the deadline.
const maxMovesPerTurn = 256

// playTurns asks a mover for moves until the seat no longer has to move:
// once for a connect4 turn, repeatedly for a streamed prompt answer. It
// reports whether it stopped at maxMovesPerTurn with the seat still to
// move (left to its deadline).
//
// played, when set, hears how each move the mover produced fared: nil when
// it was played, or the node's refusal.
func (r *Runner) playTurns(ctx context.Context, contestID string, seat int, agentID string, next mover, played func(error)) (capped bool) {
	for i := 0; ctx.Err() == nil; i++ {
		c, err := r.node.Contest(contestID)
		if err != nil || c.Status != arena.StatusRunning {
			return false
		}
		st, err := r.node.GameState(c)
		if err != nil || !slices.Contains(st.ToMove(), seat) {
			return false
		}
		if i == maxMovesPerTurn {
			r.log.Warn("agent's answer took too many parts; left to its deadline", "contest", contestID, "agent", agentID, "parts", i)
			return true
		}
		move, err := next(ctx, turnFrame(c, st, seat, r.cfg.Now()))
		if err != nil {
			r.log.Warn("agent produced no move", "contest", contestID, "agent", agentID, "err", err)
			return false // the deadline will deal with it
		}
		var turn *uint64
		if len(st.ToMove()) == 1 {
			t := c.Turn
			turn = &t
		}
		octx, cancel := r.opCtx(ctx)
		err = r.node.Move(octx, contestID, agentID, turn, move)
		cancel()
		if played != nil {
			played(err)
		}
		if err != nil {
			if !apperr.Is(err, apperr.Invalid) {
				r.log.Warn("propose move", "contest", contestID, "agent", agentID, "err", err)
			}
			return false
		}
		// Loop: a streamed answer continues while the seat is still to
		// move; a turn-based game's seat is not, so the loop ends.
	}
	return false
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
	}, nil)
}

// callWebhook POSTs each turn frame to the agent's URL; the reply's "move"
// is played as if the agent had sent a move frame.
func (r *Runner) callWebhook(ctx context.Context, contestID string, seat int, agentID string) {
	a, err := r.node.GetAgent(agentID)
	if err != nil || a.WebhookURL == "" {
		return
	}
	secret, ok := r.webhookSecret(agentID)
	if !ok {
		// No call is made, and the seat forfeits by its deadlines: the
		// owner would see an empty list and no reason.
		r.deliveries.add(agentID, api.Delivery{At: r.cfg.Now(), Event: protocol.TypeTurn, Contest: contestID, Outcome: api.DeliveryFailed,
			Error: "not called: this node cannot open the agent's webhook secret (sealed with another secrets key); rotate it with POST /v1/agents/{id}/webhook-secret"})
		return
	}
	var last api.Delivery
	capped := r.playTurns(ctx, contestID, seat, agentID, func(ctx context.Context, t protocol.Turn) (json.RawMessage, error) {
		start := r.cfg.Now()
		move, call, err := r.hook.Move(ctx, a.WebhookURL, secret, t)
		seq := t.Seq
		last = api.Delivery{ID: call.Delivery, At: start, Event: protocol.TypeTurn, Contest: contestID, Seq: &seq,
			Status: call.Status, DurationMS: r.cfg.Now().Sub(start).Milliseconds()}
		if err != nil {
			last.Outcome, last.Error = api.DeliveryFailed, err.Error()
			r.deliveries.add(agentID, last)
		}
		return move, err
	}, func(err error) {
		switch {
		case err == nil:
			last.Outcome = api.DeliveryPlayed
		case apperr.Is(err, apperr.Invalid):
			last.Outcome, last.Error = api.DeliveryRefused, refusal(err)
		default:
			last.Outcome, last.Error = api.DeliveryFailed, "the arena could not play the move: "+err.Error()
		}
		r.deliveries.add(agentID, last)
	})
	if capped {
		r.deliveries.add(agentID, api.Delivery{At: r.cfg.Now(), Event: protocol.TypeTurn, Contest: contestID, Outcome: api.DeliveryFailed,
			Error: fmt.Sprintf("not called again: %d parts of one answer, none final; the seat is left to its deadline. Send the answer in fewer, larger parts, the last with \"final\": true", maxMovesPerTurn)})
	}
}

// notifyWebhook POSTs the contest_end frame to a webhook agent, once and
// without retries: the contest record (GET /v1/contests/{id}) stays the
// truth for an agent that missed it.
func (r *Runner) notifyWebhook(ctx context.Context, agentID string, end protocol.ContestEnd) {
	a, err := r.node.GetAgent(agentID)
	if err != nil || a.Kind != agents.KindWebhook || a.WebhookURL == "" {
		return
	}
	secret, ok := r.webhookSecret(agentID)
	if !ok {
		return
	}
	start := r.cfg.Now()
	call, err := r.hook.Notify(ctx, a.WebhookURL, secret, end)
	d := api.Delivery{ID: call.Delivery, At: start, Event: protocol.TypeContestEnd, Contest: end.Contest, Status: call.Status,
		DurationMS: r.cfg.Now().Sub(start).Milliseconds(), Outcome: api.DeliveryDelivered}
	if err != nil {
		d.Outcome, d.Error = api.DeliveryFailed, err.Error()
		r.log.Info("webhook contest_end not delivered", "agent", agentID, "contest", end.Contest, "err", err)
	}
	r.deliveries.add(agentID, d)
}

// webhookSecret opens an agent's webhook secret. An agent created before
// webhook secrets existed has none and is called unsigned ("", true); a
// secret this node cannot open stops the call (false): sending it
// unsigned would teach the agent to accept unsigned calls.
func (r *Runner) webhookSecret(agentID string) (string, bool) {
	sealed := r.node.WebhookSecret(agentID)
	if sealed == "" {
		return "", true
	}
	secret, err := r.cfg.Sealer.Open(sealed, webhook.SealAAD(agentID))
	if err != nil {
		r.log.Error("cannot open the webhook secret of an agent", "agent", agentID, "err", err)
		return "", false
	}
	return secret, true
}

// callModel plays a turn for an OpenAI-compatible agent: prompt contests
// stream the model's answer in as chunk moves; connect4 asks for a column.
func (r *Runner) callModel(ctx context.Context, contestID string, seat int, agentID string) {
	a, err := r.node.GetAgent(agentID)
	if err != nil || a.Endpoint == nil {
		return
	}
	key := ""
	if sealed := r.node.AgentSecret(agentID); sealed != "" {
		if key, err = r.cfg.Sealer.Open(sealed, agentID); err != nil {
			r.log.Error("cannot open the endpoint key of an agent", "agent", agentID, "err", err)
			return
		}
	}
	var model modelPlayer
	model, err = openai.New(openai.Config{Endpoint: *a.Endpoint, APIKey: key, Egress: r.cfg.AgentEgress, HTTPClient: r.modelHTTP,
		Logger: r.log.With("contest", contestID, "agent", agentID)})
	if err != nil {
		r.log.Warn("bad model endpoint", "agent", agentID, "err", err)
		return
	}
	c, err := r.node.Contest(contestID)
	if err != nil || c.Status != arena.StatusRunning {
		return
	}
	st, err := r.node.GameState(c)
	if err != nil {
		return
	}
	turn := turnFrame(c, st, seat, r.cfg.Now())
	ctx, cancel := context.WithDeadline(ctx, turn.Deadline)
	defer cancel()
	if _, answering := st.(games.Answering); answering {
		// Chunks are relayed past the turn's deadline context: the final
		// chunk must still be proposed after the answer was cut off.
		err := model.Answer(ctx, turn, func(text string, final bool) error {
			octx, cancel := r.opCtx(context.WithoutCancel(ctx))
			defer cancel()
			return r.node.Move(octx, contestID, agentID, nil, protocol.TextMove(text, final))
		})
		if err != nil {
			// No answer at all: the seat forfeits, which the contest's
			// history shows its owner, and which stops a keep ticket
			// from losing stake after stake to a dead endpoint.
			r.log.Warn("model agent gave no answer; forfeiting its seat", "contest", contestID, "agent", agentID, "err", err)
			octx, cancel := r.opCtx(context.WithoutCancel(ctx))
			defer cancel()
			if err := r.node.Resign(octx, contestID, agentID, "model endpoint failed: "+err.Error()); err != nil && !apperr.Is(err, apperr.Invalid) {
				r.log.Warn("forfeit a model agent's seat", "contest", contestID, "agent", agentID, "err", err)
			}
		}
		return
	}
	r.playTurns(ctx, contestID, seat, agentID, model.Column, nil)
}

// refusal is the message of the node's refusal of a move, without the
// wrapped cause it repeats.
func refusal(err error) string {
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return ae.Message
	}
	return err.Error()
}
