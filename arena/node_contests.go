package arena

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/agentarena/arena/apperr"
	"github.com/agentarena/arena/games"
	"github.com/agentarena/arena/internal/textcut"
	"github.com/agentarena/arena/ledger"
)

// Contest-side reads and writes used by the web layer and the runner.

// PutArena creates or replaces an arena (operators).
func (n *Node) PutArena(ctx context.Context, a Arena) (Arena, error) {
	if a.DistinctOwners {
		if err := n.levelAtLeast(LevelKeptTerms, "an arena with distinct_owners"); err != nil {
			return Arena{}, err
		}
	}
	v, err := n.Apply(ctx, CmdArenaPut, arenaPutCmd{Arena: a})
	if err != nil {
		return Arena{}, err
	}
	return as[Arena](v)
}

// DeleteArena removes an arena with its queue, ratings and battles, and
// returns it as it was. With abort, its running and judging contests are
// voided first (stakes refunded); without, any such contest refuses the
// delete (apperr.Conflict).
func (n *Node) DeleteArena(ctx context.Context, name string, abort bool) (Arena, error) {
	if err := n.levelAtLeast(LevelKeptTerms, "deleting an arena"); err != nil {
		return Arena{}, err
	}
	v, err := n.Apply(ctx, CmdArenaDelete, arenaDeleteCmd{Name: name, Abort: abort, KeepDeleted: true})
	if err != nil {
		return Arena{}, err
	}
	return as[Arena](v)
}

// Arena reads one arena.
func (n *Node) Arena(name string) (a Arena, err error) {
	err = n.fsm.View(func(tx *bolt.Tx) error {
		a, err = n.fsm.arenas.get(tx, name)
		return err
	})
	return a, err
}

// Arenas lists every arena in name order.
func (n *Node) Arenas() (list []Arena, err error) {
	err = n.fsm.View(func(tx *bolt.Tx) error {
		list, err = listArenas(tx)
		return err
	})
	return list, err
}

// Queue puts an agent in an arena's queue.
func (n *Node) Queue(ctx context.Context, arenaName, agentID string) (Ticket, error) {
	return n.QueueKeep(ctx, arenaName, agentID, false)
}

// QueueKeep queues an agent; with keep, the arena queues it again after
// each contest until Unqueue.
func (n *Node) QueueKeep(ctx context.Context, arenaName, agentID string, keep bool) (Ticket, error) {
	v, err := n.Apply(ctx, CmdQueueJoin, queueCmd{Arena: arenaName, AgentID: agentID, Keep: keep})
	if err != nil {
		return Ticket{}, err
	}
	return as[Ticket](v)
}

// Unqueue takes an agent out of an arena's queue.
func (n *Node) Unqueue(ctx context.Context, arenaName, agentID string) error {
	_, err := n.Apply(ctx, CmdQueueLeave, queueCmd{Arena: arenaName, AgentID: agentID})
	return err
}

// Move plays an agent's move. turn, when non-nil, pins the turn it answers.
func (n *Node) Move(ctx context.Context, contest, agentID string, turn *uint64, move json.RawMessage) error {
	_, err := n.Apply(ctx, CmdContestMove, contestMoveCmd{Contest: contest, AgentID: agentID, Turn: turn, Move: move})
	return err
}

// Play is Move that also returns the contest's turn counter right after
// the move was applied, which is what an agent's ack quotes: reading the
// contest back for it decoded the whole record once more per move.
func (n *Node) Play(ctx context.Context, contest, agentID string, turn *uint64, move json.RawMessage) (uint64, error) {
	v, err := n.Apply(ctx, CmdContestMove, contestMoveCmd{Contest: contest, AgentID: agentID, Turn: turn, Move: move})
	if err != nil {
		return 0, err
	}
	return as[uint64](v)
}

// Resign forfeits an agent's seat.
func (n *Node) Resign(ctx context.Context, contest, agentID, reason string) error {
	_, err := n.Apply(ctx, CmdContestForfeit, contestForfeitCmd{Contest: contest, AgentID: agentID, Reason: textcut.Cut(reason, maxReason)})
	return err
}

// maxReason is the longest reason a contest keeps, in bytes (the apply
// cuts longer ones there, byte-wise: truncateType).
const maxReason = 64

// AbortContest ends a contest without result (operators). A reason over
// maxReason bytes is cut at a character boundary here, before the apply's
// byte-wise cut could split one.
func (n *Node) AbortContest(ctx context.Context, contest, reason string) error {
	_, err := n.Apply(ctx, CmdContestAbort, contestAbortCmd{Contest: contest, Reason: textcut.Cut(reason, maxReason)})
	return err
}

// Contest reads one contest.
func (n *Node) Contest(id string) (c *Contest, err error) {
	err = n.fsm.View(func(tx *bolt.Tx) error {
		c, err = n.fsm.contests.get(tx, id)
		return err
	})
	return c, err
}

// SharedContest reads one contest like Contest, without copying what the
// contest memo remembers: the contest it returns may be the memo's own,
// shared with every other reader, and the caller must change nothing in
// it (nor in the slices it holds). It is for the hot read-only paths (the
// runner's reaction to each move, an agent's seat check), where the copy
// cost more than the read. A test binary's memo checks every hit against
// a fresh decode, so a caller that changed a shared contest panics there.
func (n *Node) SharedContest(id string) (c *Contest, err error) {
	err = n.fsm.View(func(tx *bolt.Tx) error {
		c, err = n.fsm.contests.getShared(tx, id)
		return err
	})
	return c, err
}

// ContestEvents returns the events of a contest with Seq > since, at most
// limit (0 = all).
func (n *Node) ContestEvents(id string, since uint64, limit int) (evs []ContestEvent, err error) {
	err = n.fsm.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketContests).Get([]byte(id)) == nil {
			return apperr.New(apperr.NotFound, "contest %s not found", id)
		}
		evs = []ContestEvent{}
		c := tx.Bucket(bucketContestEvents).Cursor()
		prefix := []byte(id + "/")
		for k, v := c.Seek(eventKey(id, since+1)); k != nil && len(k) == len(prefix)+8 && string(k[:len(prefix)]) == string(prefix); k, v = c.Next() {
			// UseNumber keeps 64-bit integers inside Data (seeds,
			// deadlines) exact when the event is encoded again.
			var ev ContestEvent
			dec := json.NewDecoder(bytes.NewReader(v))
			dec.UseNumber()
			if err := dec.Decode(&ev); err != nil {
				return fmt.Errorf("decode event %s: %w", k, err)
			}
			evs = append(evs, ev)
			if limit > 0 && len(evs) == limit {
				break
			}
		}
		return nil
	})
	return evs, err
}

// ContestFilter selects contests for listing.
type ContestFilter struct {
	Arena, Agent, Status string
	// Before is a contest id cursor: list contests older than it.
	Before string
	Limit  int
	// Scan, when positive, bounds how many contests the listing reads,
	// matching or not: a caller on a hot path (the judge looking for an
	// agent's recent answers) must not walk the whole history for an
	// agent that rarely plays. next is then empty.
	Scan int
}

// Contests lists contests newest first. Contest ids sort by creation time,
// so a reverse scan is a time order.
func (n *Node) Contests(f ContestFilter) (list []Contest, next string, err error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	err = n.fsm.View(func(tx *bolt.Tx) error {
		list = []Contest{}
		contests := tx.Bucket(bucketContests)
		cur := contests.Cursor()
		if f.Status == StatusRunning || f.Status == StatusJudging {
			// Walk the active index (keyed alike), not every contest the
			// node ever held: the home page and spectators ask for the
			// running ones, and a node's history only grows.
			cur = tx.Bucket(bucketActive).Cursor()
		}
		var k, v []byte
		if f.Before == "" {
			k, v = cur.Last()
		} else {
			k, v = cur.Seek([]byte(f.Before))
			if k == nil {
				k, v = cur.Last()
			} else {
				k, v = cur.Prev()
			}
		}
		for scanned := 0; k != nil; k, v = cur.Prev() {
			if scanned++; f.Scan > 0 && scanned > f.Scan {
				return nil
			}
			if f.Status == StatusRunning || f.Status == StatusJudging {
				if f.Arena != "" && string(v) != f.Arena { // the index holds each contest's arena
					continue
				}
				if v = contests.Get(k); v == nil {
					return fmt.Errorf("the active index lists contest %s, which is not stored", k)
				}
			}
			var c Contest
			if err := json.Unmarshal(v, &c); err != nil {
				return fmt.Errorf("decode contest %s: %w", k, err)
			}
			if (f.Arena != "" && c.Arena != f.Arena) || (f.Status != "" && c.Status != f.Status) || (f.Agent != "" && c.SeatOf(f.Agent) < 0) {
				continue
			}
			if len(list) == f.Limit {
				next = list[len(list)-1].ID
				return nil
			}
			c.State = nil
			list = append(list, c)
		}
		return nil
	})
	return list, next, err
}

// Stakes returns what each seat of each contest staked, read from the
// ledger's stake transfers (nil for a contest in a free arena). The
// contest record does not keep it, and its arena's stake may have changed
// since the contest started.
func (n *Node) Stakes(cs []Contest) ([][]int64, error) {
	out := make([][]int64, len(cs))
	err := n.fsm.View(func(tx *bolt.Tx) error {
		for i, c := range cs {
			for seat := range c.Seats {
				t, ok, err := ledger.Get(tx, stakeTransferID(c.ID, seat))
				if err != nil {
					return fmt.Errorf("stake of %s seat %d: %w", c.ID, seat, err)
				}
				if !ok {
					continue
				}
				if out[i] == nil {
					out[i] = make([]int64, len(c.Seats))
				}
				out[i][seat] = t.Amount
			}
		}
		return nil
	})
	return out, err
}

// ActiveContests returns every running or judging contest.
func (n *Node) ActiveContests() (list []*Contest, err error) {
	err = n.fsm.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketActive).ForEach(func(k, _ []byte) error {
			c, err := n.fsm.contests.get(tx, string(k))
			if err != nil {
				return err
			}
			list = append(list, c)
			return nil
		})
	})
	return list, err
}

// SharedActiveContests is ActiveContests without copying what the contest
// memo remembers, for the runner's sweep, which reads every running
// contest ten times a second: as with SharedContest, the caller must
// change nothing in the contests it returns.
func (n *Node) SharedActiveContests() (list []*Contest, err error) {
	err = n.fsm.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketActive).ForEach(func(k, _ []byte) error {
			c, err := n.fsm.contests.getShared(tx, string(k))
			if err != nil {
				return err
			}
			list = append(list, c)
			return nil
		})
	})
	return list, err
}

// ContestsOf lists an agent's active contest ids.
func (n *Node) ContestsOf(agentID string) (ids []string) {
	_ = n.fsm.View(func(tx *bolt.Tx) error {
		ids = activeContestsOf(tx, agentID)
		return nil
	})
	return ids
}

// GameState loads a contest's game state.
func (n *Node) GameState(c *Contest) (games.State, error) {
	g, ok := n.fsm.games[c.Game]
	if !ok {
		return nil, apperr.New(apperr.Internal, "game %s is not available", c.Game)
	}
	st, err := n.fsm.states.load(g, c)
	if err != nil {
		return nil, fmt.Errorf("load state of %s: %w", c.ID, err)
	}
	return st, nil
}

// Tickets lists an arena's queue.
func (n *Node) Tickets(arenaName string) (list []Ticket, err error) {
	err = n.fsm.View(func(tx *bolt.Tx) error {
		list, err = queuedTickets(tx, arenaName)
		return err
	})
	return list, err
}

// TicketsOf lists an agent's queue tickets, one per arena at most, in
// arena name order.
func (n *Node) TicketsOf(agentID string) (list []Ticket, err error) {
	err = n.fsm.View(func(tx *bolt.Tx) error {
		q := tx.Bucket(bucketQueue)
		return tx.Bucket(bucketArenas).ForEach(func(name, _ []byte) error {
			var t Ticket
			ok, err := getJSON(q, queueKey(string(name), agentID), &t)
			if ok {
				list = append(list, t)
			}
			return err
		})
	})
	return list, err
}

// CreateContest starts a contest for the given agents (the matchmaker).
func (n *Node) CreateContest(ctx context.Context, id, arenaName string, agentIDs []string, seed uint64) (*Contest, error) {
	level := n.ClusterLevel()
	v, err := n.Apply(ctx, CmdContestCreate, contestCreateCmd{ID: id, Arena: arenaName, Agents: agentIDs, Seed: seed,
		KeepTerms: level >= LevelKeptTerms, TaskRev: taskRevAt(level)})
	if err != nil {
		return nil, err
	}
	return as[*Contest](v)
}

// Timeout reports a missed deadline (the runner).
func (n *Node) Timeout(ctx context.Context, contest string, seat int, deadline int64) error {
	_, err := n.Apply(ctx, CmdContestTimeout, contestTimeoutCmd{Contest: contest, Seat: seat, Deadline: deadline})
	return err
}

// Judged records a judge panel's verdict (the runner).
func (n *Node) Judged(ctx context.Context, contest string, ranks []int, verdict json.RawMessage, flagged []int) error {
	_, err := n.Apply(ctx, CmdContestJudged, contestJudgedCmd{Contest: contest, Ranks: ranks, Verdict: verdict, Flagged: flagged})
	return err
}

// Seed proposes the default arenas and built-in bots (idempotent).
func (n *Node) Seed(ctx context.Context, arenas []Arena, bots []BotSpec) error {
	_, err := n.Apply(ctx, CmdSystemSeed, systemSeedCmd{Arenas: arenas, Bots: bots})
	return err
}

// ResumeContest re-arms a running contest's deadlines (a new leader).
func (n *Node) ResumeContest(ctx context.Context, contest string) error {
	_, err := n.Apply(ctx, CmdContestResume, contestResumeCmd{Contest: contest})
	return err
}
