package arena

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/agentarena/arena/apperr"
	"github.com/agentarena/arena/games"
	"github.com/agentarena/arena/judges"
	"github.com/agentarena/arena/ranking"
)

type contestMoveCmd struct {
	Contest string `json:"contest"`
	AgentID string `json:"agent_id"`
	// Turn, when set, must equal the contest's turn counter: a move answers
	// one specific turn and is refused if the game moved on meanwhile.
	Turn *uint64         `json:"turn,omitempty"`
	Move json.RawMessage `json:"move"`
}

// moveRejected turns a game's MoveError into an Invalid error that keeps
// the game's code for the agent's error frame.
func moveRejected(err error) error {
	var me *games.MoveError
	if errors.As(err, &me) {
		return apperr.Wrap(apperr.Invalid, me, "%s", me.Error())
	}
	return apperr.Wrap(apperr.Invalid, err, "move rejected: %v", err)
}

// loadRunning returns a running contest with its arena and game state.
func (f *FSM) loadRunning(ac *applyCtx, id string) (*Contest, *Arena, games.State, error) {
	c, err := ac.contests.get(ac.tx, id)
	if err != nil {
		return nil, nil, nil, err
	}
	if c.Status != StatusRunning {
		return nil, nil, nil, moveRejected(&games.MoveError{Code: "game_over", Message: fmt.Sprintf("contest %s is %s", id, c.Status)})
	}
	ar, err := ac.arenas.get(ac.tx, c.Arena)
	if err != nil {
		return nil, nil, nil, err
	}
	g, ok := f.games[c.Game]
	if !ok {
		return nil, nil, nil, apperr.New(apperr.Internal, "game %s is not available on this node", c.Game)
	}
	st, err := ac.states.load(g, c)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("load %s state of %s: %w", c.Game, id, err)
	}
	return c, &ar, st, nil
}

func (f *FSM) applyContestMove(ac *applyCtx, env Envelope) (any, error) {
	var cmd contestMoveCmd
	if err := decodePayload(env, &cmd); err != nil {
		return nil, err
	}
	c, ar, st, err := f.loadRunning(ac, cmd.Contest)
	if err != nil {
		return nil, err
	}
	seat := c.SeatOf(cmd.AgentID)
	if seat < 0 {
		return nil, apperr.New(apperr.Forbidden, "agent %s has no seat in contest %s", cmd.AgentID, c.ID)
	}
	if cmd.Turn != nil && *cmd.Turn != c.Turn {
		return nil, moveRejected(&games.MoveError{Code: "stale_turn",
			Message: fmt.Sprintf("move answers turn %d but the contest is at turn %d", *cmd.Turn, c.Turn)})
	}
	if err := st.Apply(seat, cmd.Move); err != nil {
		return nil, moveRejected(err)
	}
	turn := c.Turn
	c.Turn++
	c.Strikes[seat] = 0
	if err := record(ac, c, ContestEvent{Type: EvMove, Seat: &seat, Turn: turn, Move: cmd.Move}); err != nil {
		return nil, err
	}
	return c.Turn, f.progress(ac, c, ar, st)
}

// progress stores the new state and ends the contest if the game is over.
func (f *FSM) progress(ac *applyCtx, c *Contest, ar *Arena, st games.State) error {
	if err := setState(c, st, ar, ac.now); err != nil {
		return err
	}
	ac.states.remember(c, st)
	if st.Done() {
		out := st.Outcome()
		if allForfeited(ar, out, len(c.Seats)) {
			return voidContest(ac, c, ReasonVoidAllForfeit)
		}
		if out.NeedsJudge {
			c.Status = StatusJudging
			if err := record(ac, c, ContestEvent{Type: EvJudging, Reason: out.Reason, Data: contestSummary(c)}); err != nil {
				return err
			}
		} else {
			// The rules are the judge: record their verdict like any other.
			verdict := judges.RefereeVerdict(out.Ranks, out.Reason)
			if cs, ok := st.(checkedState); ok {
				verdict = checkerVerdict(cs, out.Ranks, out.Reason)
			}
			v, err := json.Marshal(verdict)
			if err != nil {
				return fmt.Errorf("encode referee verdict: %w", err)
			}
			return f.settle(ac, c, ar, out.Ranks, out.Reason, v)
		}
	}
	return putContest(ac.tx, ac.contests, c)
}

type contestTimeoutCmd struct {
	Contest string `json:"contest"`
	Seat    int    `json:"seat"`
	// Deadline is the deadline the runner saw expire; a timeout for a
	// deadline that has since moved is a no-op.
	Deadline int64 `json:"deadline"`
}

// applyContestTimeout enforces a missed deadline per the arena's rule. The
// leader's timestamp decides whether the deadline has really passed.
func (f *FSM) applyContestTimeout(ac *applyCtx, env Envelope) (any, error) {
	var cmd contestTimeoutCmd
	if err := decodePayload(env, &cmd); err != nil {
		return nil, err
	}
	c, ar, st, err := f.loadRunning(ac, cmd.Contest)
	if err != nil {
		return nil, err
	}
	if cmd.Seat < 0 || cmd.Seat >= len(c.Seats) {
		return nil, apperr.New(apperr.Invalid, "seat %d out of range", cmd.Seat)
	}
	due := c.Deadlines[cmd.Seat]
	if due == 0 || due != cmd.Deadline || ac.now.UnixNano() < due {
		return false, nil
	}
	c.Strikes[cmd.Seat]++
	if ar.Forfeit == ForfeitStrikes && c.Strikes[cmd.Seat] < MaxStrikes {
		c.Deadlines[cmd.Seat] = ac.now.Add(msDuration(ar.MoveDeadlineMS)).UnixNano()
		seat := cmd.Seat
		if err := record(ac, c, ContestEvent{Type: "strike", Seat: &seat, Reason: fmt.Sprintf("missed deadline (%d of %d)", c.Strikes[seat], MaxStrikes)}); err != nil {
			return nil, err
		}
		return true, putContest(ac.tx, ac.contests, c)
	}
	if err := f.forfeit(ac, c, ar, st, cmd.Seat, "missed the move deadline"); err != nil && !errors.Is(err, errNothingToForfeit) {
		return true, err
	}
	return true, nil
}

type contestForfeitCmd struct {
	Contest string `json:"contest"`
	AgentID string `json:"agent_id"`
	Reason  string `json:"reason"`
}

// applyContestForfeit takes a seat out of play: an agent resigns, or the
// runner forfeits one that stayed disconnected past the grace period.
func (f *FSM) applyContestForfeit(ac *applyCtx, env Envelope) (any, error) {
	var cmd contestForfeitCmd
	if err := decodePayload(env, &cmd); err != nil {
		return nil, err
	}
	c, ar, st, err := f.loadRunning(ac, cmd.Contest)
	if err != nil {
		return nil, err
	}
	seat := c.SeatOf(cmd.AgentID)
	if seat < 0 {
		return nil, apperr.New(apperr.Forbidden, "agent %s has no seat in contest %s", cmd.AgentID, c.ID)
	}
	err = f.forfeit(ac, c, ar, st, seat, truncateType(cmd.Reason))
	if errors.Is(err, errNothingToForfeit) {
		// The game ignored the forfeit, so an ack would tell the agent it
		// had resigned while its answer was still judged (and could win).
		// The refusal writes nothing, as the ignored forfeit did, so old
		// logs replay to the same state.
		// Say which: a final answer is judged and may win, which "the
		// contest goes on without it" told such a seat otherwise.
		why := "its answer is final, and is judged like the others"
		if fs, ok := st.(interface{ Forfeited() []int }); ok && slices.Contains(fs.Forfeited(), seat) {
			why = "it forfeited already"
		}
		return nil, moveRejected(&games.MoveError{Code: "not_your_turn",
			Message: fmt.Sprintf("seat %d of contest %s has nothing left to resign: %s", seat, c.ID, why)})
	}
	return nil, err
}

// errNothingToForfeit is forfeit's answer for a seat the game has no more
// to take from (an answer already final, a seat already forfeited).
var errNothingToForfeit = errors.New("nothing to forfeit")

func (f *FSM) forfeit(ac *applyCtx, c *Contest, ar *Arena, st games.State, seat int, reason string) error {
	before, err := st.Marshal()
	if err != nil {
		return fmt.Errorf("marshal state: %w", err)
	}
	st.Forfeit(seat)
	after, err := st.Marshal()
	if err != nil {
		return fmt.Errorf("marshal state: %w", err)
	}
	if string(before) == string(after) {
		return errNothingToForfeit
	}
	// A seat that forfeits is not queued again: an agent that misses its
	// deadlines or stays away is most likely down, and would lose stake
	// after stake.
	c.Seats[seat].KeepQueued = false
	if err := record(ac, c, ContestEvent{Type: EvForfeit, Seat: &seat, Reason: reason}); err != nil {
		return err
	}
	return f.progress(ac, c, ar, st)
}

type contestJudgedCmd struct {
	Contest string          `json:"contest"`
	Ranks   []int           `json:"ranks"`
	Verdict json.RawMessage `json:"verdict"`
	// Flagged lists seats the judges flagged for addressing the judge.
	Flagged []int `json:"flagged,omitempty"`
}

// applyContestJudged settles a judged contest. Only a contest in judging
// accepts a verdict, so a contest is never judged twice into the log even
// when two leaders both judged it.
func (f *FSM) applyContestJudged(ac *applyCtx, env Envelope) (any, error) {
	var cmd contestJudgedCmd
	if err := decodePayload(env, &cmd); err != nil {
		return nil, err
	}
	c, err := ac.contests.get(ac.tx, cmd.Contest)
	if err != nil {
		return nil, err
	}
	if c.Status != StatusJudging {
		return nil, apperr.New(apperr.Conflict, "contest %s is %s, not judging", c.ID, c.Status)
	}
	if len(cmd.Ranks) != len(c.Seats) {
		return nil, apperr.New(apperr.Invalid, "verdict ranks %d seats, contest has %d", len(cmd.Ranks), len(c.Seats))
	}
	ar, err := ac.arenas.get(ac.tx, c.Arena)
	if err != nil {
		return nil, err
	}
	st, err := f.games[c.Game].Load(c.State)
	if err != nil {
		return nil, fmt.Errorf("load state of %s: %w", c.ID, err)
	}
	last := st.Outcome().Forfeited
	if ar.Injection != InjectionFlagOnly {
		for _, seat := range cmd.Flagged {
			if seat < 0 || seat >= len(c.Seats) {
				return nil, apperr.New(apperr.Invalid, "flagged seat %d out of range", seat)
			}
			last = append(last, seat)
		}
	}
	ranks := ranking.DemoteLast(cmd.Ranks, last)
	if len(cmd.Verdict) > 0 && !json.Valid(cmd.Verdict) {
		return nil, apperr.New(apperr.Invalid, "verdict must be JSON")
	}
	reason := "judged"
	if len(cmd.Flagged) > 0 {
		reason = fmt.Sprintf("judged; %d entr%s flagged for addressing the judge", len(cmd.Flagged), map[bool]string{true: "y", false: "ies"}[len(cmd.Flagged) == 1])
	}
	return nil, f.settle(ac, c, &ar, ranks, reason, cmd.Verdict)
}

type contestAbortCmd struct {
	Contest string `json:"contest"`
	Reason  string `json:"reason"`
}

func (f *FSM) applyContestAbort(ac *applyCtx, env Envelope) (any, error) {
	var cmd contestAbortCmd
	if err := decodePayload(env, &cmd); err != nil {
		return nil, err
	}
	c, err := ac.contests.get(ac.tx, cmd.Contest)
	if err != nil {
		return nil, err
	}
	if !c.Active() {
		return nil, apperr.New(apperr.Conflict, "contest %s already ended (%s)", c.ID, c.Status)
	}
	return nil, voidContest(ac, c, truncateType(cmd.Reason))
}

type contestResumeCmd struct {
	Contest string `json:"contest"`
}

// applyContestResume re-arms a running contest's deadlines after a leader
// change: time without a leader is nobody's fault, so no seat may lose a
// turn to it.
func (f *FSM) applyContestResume(ac *applyCtx, env Envelope) (any, error) {
	var cmd contestResumeCmd
	if err := decodePayload(env, &cmd); err != nil {
		return nil, err
	}
	c, ar, _, err := f.loadRunning(ac, cmd.Contest)
	if err != nil {
		return nil, err
	}
	due := ac.now.Add(msDuration(ar.MoveDeadlineMS)).UnixNano()
	changed := false
	for i, d := range c.Deadlines {
		if d != 0 && d < due {
			c.Deadlines[i], changed = due, true
		}
	}
	if !changed {
		return false, nil
	}
	if err := record(ac, c, ContestEvent{Type: "resumed", Reason: "deadlines re-armed after a leader change"}); err != nil {
		return nil, err
	}
	return true, putContest(ac.tx, ac.contests, c)
}
