// Package matchmaking groups queued agents into contests.
//
// Match is pure: the caller passes the queue, the time and the recent
// history, and gets groups back. The same inputs always give the same
// groups, whatever order the tickets arrive in, so the leader-only service
// that drives it can be tested with a fake clock and its decisions replayed.
//
// The rules, in the order they apply:
//
//   - Oldest first. Tickets are taken in queue order (Seq); each unmatched
//     ticket in turn becomes the anchor of a group and picks its opponents
//     before any younger ticket picks. A ticket that cannot be seated now
//     keeps its place, so it picks first in the next call.
//   - Windows widen. A ticket accepts opponents within its window:
//     BaseWindow + WidenPerSecond × seconds waited, and anyone at all once
//     it has waited MaxWait.
//   - The longer waiter's window governs. Two tickets are compatible when
//     their rating gap is within the larger of their two windows. A new
//     ticket may therefore be matched a little wide of its own window, but
//     a patient ticket is never held hostage by newcomers' narrow windows;
//     that is what rules out starvation. In a group of more than two every
//     member is compatible with the anchor (the oldest, whose window is the
//     widest), so members are within twice that window of each other.
//   - Closest first. Among compatible candidates the anchor takes the
//     closest rated; equal gaps go to the older ticket.
//   - No instant rematch (when AvoidRematch is set). Agents that met in
//     their last contest are kept apart while any other compatible
//     candidate can fill the seat. In a group of more than two, a seat no
//     fresh candidate can fill goes next to one who meets at least one
//     member for the first time: the group is then not a replay of a last
//     contest, and with fewer than twice the seats in agents no group
//     could avoid every old pairing (six agents at four seats waited
//     MaxWait/2 before every contest). A candidate who met every member
//     may join only when nobody else can, and when it and those it met
//     have waited at least MaxWait/2, so two lone bots still play each
//     other rather than wait forever.
//   - One seat per agent. An agent appears at most once in the whole
//     result, even if it somehow holds two tickets.
//   - One seat per owner, when DistinctOwners is set: no group holds two
//     agents of one owner, whatever they have waited. Without it owners
//     are not a constraint, and an owner's agents may play each other
//     (built-in bots all share one owner).
package matchmaking

import (
	"cmp"
	"math"
	"slices"
	"time"
)

// Ticket is one agent waiting in an arena's queue.
type Ticket struct {
	AgentID  string
	OwnerID  string  // a constraint only under Config.DistinctOwners
	Rating   float64 // rating points
	QueuedAt time.Time
	Seq      uint64 // queue order, assigned when the ticket is queued
}

// Config is an arena's matchmaking policy. Zero (or negative) fields take
// the defaults below, so Config{} is a sensible two-seat arena.
type Config struct {
	Seats          int           // agents per contest; default 2
	BaseWindow     float64       // rating points accepted at once; default 100
	WidenPerSecond float64       // points the window grows per second waited; default 25
	MaxWait        time.Duration // after this anyone is acceptable; default 30s
	AvoidRematch   bool          // keep last contest's opponents apart while others can play
	DistinctOwners bool          // never seat two agents of one owner together
}

// Defaults used for zero Config fields.
const (
	DefaultSeats          = 2
	DefaultBaseWindow     = 100.0
	DefaultWidenPerSecond = 25.0
	DefaultMaxWait        = 30 * time.Second
)

// withDefaults fills zero or negative fields with the defaults.
func (c Config) withDefaults() Config {
	if c.Seats < 2 {
		c.Seats = DefaultSeats
	}
	if c.BaseWindow <= 0 {
		c.BaseWindow = DefaultBaseWindow
	}
	if c.WidenPerSecond <= 0 {
		c.WidenPerSecond = DefaultWidenPerSecond
	}
	if c.MaxWait <= 0 {
		c.MaxWait = DefaultMaxWait
	}
	return c
}

// Window is the rating gap a ticket accepts after waiting this long:
// BaseWindow + WidenPerSecond × seconds, or +Inf from MaxWait on.
// Defaults apply to zero fields, as in Match.
func (c Config) Window(waited time.Duration) float64 {
	c = c.withDefaults()
	waited = max(waited, 0) // a ticket stamped after now has simply not waited
	if waited >= c.MaxWait {
		return math.Inf(1)
	}
	return c.BaseWindow + float64(c.WidenPerSecond*waited.Seconds())
}

// History answers "did a and b meet in their last contest?": it maps an
// agent id to the opponents of that agent's most recent contest. Either
// side's record is enough, so the caller may keep only one side.
type History map[string][]string

// Met reports whether a and b were opponents in either one's last contest.
func (h History) Met(a, b string) bool {
	return slices.Contains(h[a], b) || slices.Contains(h[b], a)
}

// waiting is a ticket with what Match derives from it once.
type waiting struct {
	Ticket
	pos    int // index in queue order
	waited time.Duration
	window float64
	taken  bool
}

// Match forms as many groups of cfg.Seats as the rules above allow and
// returns them with the tickets left waiting. Groups come in the order they
// were formed (by their anchor's age); members of a group and the rest are
// in queue order. Seat assignment within a group is the caller's (with a
// seeded shuffle if the game has a first-move advantage). tickets is not
// modified.
func Match(tickets []Ticket, now time.Time, cfg Config, recent History) (groups [][]Ticket, rest []Ticket) {
	cfg = cfg.withDefaults()
	queue := make([]*waiting, len(tickets))
	for i, t := range tickets {
		w := &waiting{Ticket: t, waited: max(now.Sub(t.QueuedAt), 0)}
		w.window = cfg.Window(w.waited)
		queue[i] = w
	}
	// Queue order, with total tie-breaks so input order never matters.
	slices.SortFunc(queue, func(a, b *waiting) int {
		return cmp.Or(
			cmp.Compare(a.Seq, b.Seq),
			a.QueuedAt.Compare(b.QueuedAt),
			cmp.Compare(a.AgentID, b.AgentID),
			cmp.Compare(a.OwnerID, b.OwnerID),
			cmp.Compare(a.Rating, b.Rating),
		)
	})
	for i, w := range queue {
		w.pos = i
	}

	seated := map[string]bool{} // agents already in a group (lookups only)
	for _, anchor := range queue {
		if anchor.taken || seated[anchor.AgentID] {
			continue
		}
		group := fill(anchor, queue, seated, cfg, recent)
		if group == nil {
			continue
		}
		members := make([]Ticket, len(group))
		for i, w := range group {
			w.taken = true
			seated[w.AgentID] = true
			members[i] = w.Ticket
		}
		groups = append(groups, members)
	}
	for _, w := range queue {
		if !w.taken {
			rest = append(rest, w.Ticket)
		}
	}
	return groups, rest
}

// fill tries to seat cfg.Seats agents around anchor and returns them in
// queue order, or nil when the anchor must keep waiting.
func fill(anchor *waiting, queue []*waiting, seated map[string]bool, cfg Config, recent History) []*waiting {
	var cands []*waiting
	for _, w := range queue {
		if w != anchor && !w.taken && !seated[w.AgentID] && w.AgentID != anchor.AgentID && compatible(anchor, w) {
			cands = append(cands, w)
		}
	}
	if len(cands) < cfg.Seats-1 {
		return nil
	}
	// Closest first; the stable sort keeps queue order among equal gaps.
	slices.SortStableFunc(cands, func(a, b *waiting) int {
		return cmp.Compare(gap(anchor, a), gap(anchor, b))
	})

	group := []*waiting{anchor}
	inGroup := func(w *waiting) bool {
		return slices.ContainsFunc(group, func(m *waiting) bool { return m.AgentID == w.AgentID })
	}
	// First pass: nobody who just played a member. Second pass, only if
	// seats remain: someone who met some members but not all. Third
	// pass: rematches that both sides have waited out.
	for pass := range 3 {
		for _, w := range cands {
			if len(group) == cfg.Seats {
				break
			}
			if inGroup(w) {
				continue // the same agent queued twice
			}
			if cfg.DistinctOwners && slices.ContainsFunc(group, func(m *waiting) bool { return m.OwnerID == w.OwnerID }) {
				continue
			}
			if cfg.AvoidRematch && !rematchOK(w, group, pass, cfg, recent) {
				continue
			}
			group = append(group, w)
		}
	}
	if len(group) < cfg.Seats {
		return nil
	}
	slices.SortFunc(group, func(a, b *waiting) int {
		return a.pos - b.pos
	})
	return group
}

// rematchOK reports whether w may join group under the rematch rule in
// the given pass: 0, it met no member last time; 1, it did not meet them
// all; 2, every member it met and w itself have waited at least
// MaxWait/2.
func rematchOK(w *waiting, group []*waiting, pass int, cfg Config, recent History) bool {
	met := 0
	for _, m := range group {
		if !recent.Met(w.AgentID, m.AgentID) {
			continue
		}
		met++
		if pass == 2 && (w.waited < cfg.MaxWait/2 || m.waited < cfg.MaxWait/2) {
			return false
		}
	}
	switch pass {
	case 0:
		return met == 0
	case 1:
		return met < len(group)
	}
	return true
}

// compatible applies the larger-window rule.
func compatible(a, b *waiting) bool {
	return gap(a, b) <= max(a.window, b.window)
}

// gap is the rating distance; a NaN rating counts as infinitely far, so
// such a ticket is matched only by someone past MaxWait.
func gap(a, b *waiting) float64 {
	d := math.Abs(a.Rating - b.Rating)
	if math.IsNaN(d) {
		return math.Inf(1)
	}
	return d
}
