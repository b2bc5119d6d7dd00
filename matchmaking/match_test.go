package matchmaking

import (
	"fmt"
	"math"
	"math/rand"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)

// tk builds a ticket queued at t0+at; Seq follows the order tickets are
// written in a test case, set by queue.
func tk(id string, rating float64, at time.Duration) Ticket {
	return Ticket{AgentID: id, OwnerID: "owner-" + id, Rating: rating, QueuedAt: t0.Add(at)}
}

func queue(ts ...Ticket) []Ticket {
	for i := range ts {
		ts[i].Seq = uint64(i + 1)
	}
	return ts
}

// ids renders groups and rest compactly: "a+b c+d | e".
func ids(groups [][]Ticket, rest []Ticket) string {
	var parts []string
	for _, g := range groups {
		var m []string
		for _, t := range g {
			m = append(m, t.AgentID)
		}
		parts = append(parts, strings.Join(m, "+"))
	}
	var r []string
	for _, t := range rest {
		r = append(r, t.AgentID)
	}
	return strings.TrimSpace(strings.Join(parts, " ") + " | " + strings.Join(r, " "))
}

func TestWindowWidensWithWaitingTime(t *testing.T) {
	tests := []struct {
		name   string
		waited time.Duration
		want   float64
	}{
		{"a fresh ticket accepts the base window", 0, 100},
		{"four seconds add a hundred points", 4 * time.Second, 200},
		{"the window is still finite just before MaxWait", 29*time.Second + 900*time.Millisecond, 847.5},
		{"at MaxWait anyone is acceptable", 30 * time.Second, math.Inf(1)},
		{"a ticket from the future has not waited", -time.Minute, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (Config{}).Window(tt.waited); got != tt.want {
				t.Fatalf("Window(%v) = %v, want %v", tt.waited, got, tt.want)
			}
		})
	}
}

func TestMatchPairsTwoSeats(t *testing.T) {
	avoid := Config{AvoidRematch: true}
	justPlayed := History{"a": {"b"}, "b": {"a"}}
	tests := []struct {
		name    string
		tickets []Ticket
		now     time.Duration
		cfg     Config
		recent  History
		want    string
	}{
		// Gap 300: windows are 100+25·s, so they meet at s = 8.
		{"tickets 300 apart do not match at once", queue(tk("a", 1000, 0), tk("b", 1300, 0)), 0, Config{}, nil, "| a b"},
		{"tickets 300 apart still do not match after 7s", queue(tk("a", 1000, 0), tk("b", 1300, 0)), 7 * time.Second, Config{}, nil, "| a b"},
		{"tickets 300 apart match once the windows reach 300", queue(tk("a", 1000, 0), tk("b", 1300, 0)), 8 * time.Second, Config{}, nil, "a+b |"},
		{"any gap is acceptable after MaxWait", queue(tk("a", 1000, 0), tk("b", 3000, 0)), 30 * time.Second, Config{}, nil, "a+b |"},
		// a has waited 20s (window 600); b is new (window 100); gap 500.
		{"the longer waiter's window governs", queue(tk("a", 1000, 0), tk("b", 1500, 20*time.Second)), 20 * time.Second, Config{}, nil, "a+b |"},
		{"the anchor takes the closest rated candidate", queue(tk("a", 1000, 0), tk("b", 1090, 0), tk("c", 1020, 0), tk("d", 1050, 0)), 0, Config{}, nil, "a+c b+d |"},
		{"equal gaps go to the older candidate", queue(tk("a", 1000, 0), tk("b", 1050, 0), tk("c", 950, 0)), 0, Config{}, nil, "a+b | c"},
		// b and c are 10 apart, but a is older and picks first.
		{"the oldest ticket picks first even when a younger pair is closer", queue(tk("a", 1000, 0), tk("b", 1060, 0), tk("c", 1050, 0)), 0, Config{}, nil, "a+c | b"},
		{"agents of one owner may play each other", queue(Ticket{AgentID: "bot1", OwnerID: "house"}, Ticket{AgentID: "bot2", OwnerID: "house"}), 0, Config{}, nil, "bot1+bot2 |"},
		{"an agent never plays itself", queue(tk("a", 1000, 0), tk("a", 1000, 0)), time.Minute, Config{}, nil, "| a a"},
		{"an agent with two tickets is seated once", queue(tk("a", 1000, 0), tk("a", 1000, 0), tk("b", 1000, 0), tk("c", 1000, 0)), 0, Config{}, nil, "a+b | a c"},

		{"a rematch is avoided while someone else can play", queue(tk("a", 1000, 0), tk("b", 1000, 0), tk("c", 1050, 0)), 0, avoid, justPlayed, "a+c | b"},
		{"the history of either side is enough", queue(tk("a", 1000, 0), tk("b", 1000, 0), tk("c", 1050, 0)), 0, avoid, History{"b": {"a"}}, "a+c | b"},
		{"fresh rematch partners wait when alone", queue(tk("a", 1000, 0), tk("b", 1000, 0)), time.Second, avoid, justPlayed, "| a b"},
		{"rematch partners play once both waited MaxWait/2", queue(tk("a", 1000, 0), tk("b", 1000, 0)), 15 * time.Second, avoid, justPlayed, "a+b |"},
		{"one patient side is not enough for a rematch", queue(tk("a", 1000, 0), tk("b", 1000, 10*time.Second)), 20 * time.Second, avoid, justPlayed, "| a b"},
		// c is out of a's window, so b is a's only option; c waits.
		{"a rematch is allowed when the others are out of range", queue(tk("a", 1000, 0), tk("b", 1000, 0), tk("c", 1900, 15*time.Second)), 15 * time.Second, avoid, justPlayed, "a+b | c"},
		{"rematches are allowed when the arena does not avoid them", queue(tk("a", 1000, 0), tk("b", 1000, 0), tk("c", 1050, 0)), 0, Config{}, justPlayed, "a+b | c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ids(Match(tt.tickets, t0.Add(tt.now), tt.cfg, tt.recent)); got != tt.want {
				t.Fatalf("Match = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestMatchGroupsManySeats(t *testing.T) {
	late := time.Minute // everyone past MaxWait: only closeness decides
	tests := []struct {
		name    string
		tickets []Ticket
		now     time.Duration
		cfg     Config
		recent  History
		want    string
	}{{
		// a (oldest, 1000) takes the three closest: c, e, g. Then b (1400)
		// takes d, f, h. i (1200) is left over.
		name: "nine tickets make two groups of four chosen by closeness",
		tickets: queue(tk("a", 1000, 0), tk("b", 1400, 0), tk("c", 1010, 0), tk("d", 1390, 0), tk("e", 1020, 0),
			tk("f", 1380, 0), tk("g", 1030, 0), tk("h", 1370, 0), tk("i", 1200, 0)),
		now: late, cfg: Config{Seats: 4}, want: "a+c+e+g b+d+f+h | i",
	}, {
		name:    "a group forms only when every seat can be filled",
		tickets: queue(tk("a", 1000, 0), tk("b", 1010, 0), tk("c", 1500, 0)),
		now:     0, cfg: Config{Seats: 3}, want: "| a b c",
	}, {
		name:    "a member is not joined by its last opponent while others can fill the seat",
		tickets: queue(tk("a", 1000, 0), tk("b", 1000, 0), tk("c", 1040, 0), tk("d", 1060, 0)),
		now:     0, cfg: Config{Seats: 3, AvoidRematch: true}, recent: History{"a": {"b", "x"}}, want: "a+c+d | b",
	}, {
		name:    "a late seat may go to a waited-out rematch",
		tickets: queue(tk("a", 1000, 0), tk("b", 1000, 0), tk("c", 1040, 0)),
		now:     20 * time.Second, cfg: Config{Seats: 3, AvoidRematch: true}, recent: History{"c": {"b"}}, want: "a+b+c |",
	}, {
		// With six agents at four seats every group holds two who just
		// met; e and f are new to them all, so the table is no replay.
		name:    "a seat no fresh agent can fill goes to one who meets a member for the first time",
		tickets: queue(tk("e", 1000, 0), tk("f", 1000, 0), tk("a", 1000, 0), tk("b", 1000, 0), tk("c", 1000, 0), tk("d", 1000, 0)),
		now:     0, cfg: Config{Seats: 4, AvoidRematch: true}, recent: lastTable("a", "b", "c", "d"), want: "e+f+a+b | c d",
	}, {
		name:    "the last table does not sit down again at once",
		tickets: queue(tk("a", 1000, 0), tk("b", 1000, 0), tk("c", 1000, 0), tk("d", 1000, 0)),
		now:     time.Second, cfg: Config{Seats: 4, AvoidRematch: true}, recent: lastTable("a", "b", "c", "d"), want: "| a b c d",
	}, {
		name:    "the last table sits down again once everyone waited MaxWait/2",
		tickets: queue(tk("a", 1000, 0), tk("b", 1000, 0), tk("c", 1000, 0), tk("d", 1000, 0)),
		now:     15 * time.Second, cfg: Config{Seats: 4, AvoidRematch: true}, recent: lastTable("a", "b", "c", "d"), want: "a+b+c+d |",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			groups, rest := Match(tt.tickets, t0.Add(tt.now), tt.cfg, tt.recent)
			if got := ids(groups, rest); got != tt.want {
				t.Fatalf("Match = %q, want %q", got, tt.want)
			}
			for _, g := range groups {
				if len(g) != tt.cfg.Seats {
					t.Fatalf("group %v has %d members, want %d", g, len(g), tt.cfg.Seats)
				}
			}
		})
	}
}

func TestMatchIsDeterministic(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	var tickets []Ticket
	for i := range 40 {
		// Coarse ratings and shared queue times make many exact ties.
		tickets = append(tickets, tk(fmt.Sprintf("agent%02d", i), float64(1000+50*rng.Intn(10)), time.Duration(rng.Intn(5))*time.Second))
	}
	tickets = queue(tickets...)
	recent := History{"agent01": {"agent02"}, "agent05": {"agent09", "agent11"}}
	for _, seats := range []int{2, 3, 4} {
		cfg := Config{Seats: seats, AvoidRematch: true}
		now := t0.Add(6 * time.Second)
		wantGroups, wantRest := Match(tickets, now, cfg, recent)
		t.Run(fmt.Sprintf("%d seats give the same groups for any input order", seats), func(t *testing.T) {
			for range 50 {
				shuffled := slices.Clone(tickets)
				rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
				before := slices.Clone(shuffled)
				groups, rest := Match(shuffled, now, cfg, recent)
				if !reflect.DeepEqual(groups, wantGroups) || !reflect.DeepEqual(rest, wantRest) {
					t.Fatalf("shuffled input gave %s, want %s", ids(groups, rest), ids(wantGroups, wantRest))
				}
				if !slices.Equal(shuffled, before) {
					t.Fatal("Match modified its input")
				}
			}
		})
	}
}

// Five agents and two seats: every round one agent sits out. Agents
// re-queue the moment their contest ends. Whatever the ratings, nobody may
// wait much longer than MaxWait, because past it the oldest ticket accepts
// anyone and picks first.
func TestMatchNeverStarvesAnAgent(t *testing.T) {
	const step = 2 * time.Second
	maxRounds := int(DefaultMaxWait/step) + 2 // MaxWait plus the round it expires in
	tests := []struct {
		name    string
		ratings []float64
		avoid   bool
	}{
		{"spread ratings with an outlier all get played", []float64{1000, 1100, 1250, 1600, 2400}, true},
		{"equal ratings rotate partners", []float64{1000, 1000, 1000, 1000, 1000}, true},
		{"two distant clusters still mix eventually", []float64{800, 820, 2000, 2010, 2030}, true},
		{"without rematch avoidance the odd one out still plays", []float64{1000, 1001, 1002, 1003, 3000}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var seq uint64
			var tickets []Ticket
			lastPlayed := map[string]int{}
			for i, r := range tt.ratings {
				seq++
				id := fmt.Sprintf("agent%d", i)
				tickets = append(tickets, Ticket{AgentID: id, Rating: r, QueuedAt: t0, Seq: seq})
				lastPlayed[id] = 0
			}
			recent := History{}
			cfg := Config{Seats: 2, AvoidRematch: tt.avoid}
			for round := 1; round <= 300; round++ {
				now := t0.Add(time.Duration(round) * step)
				groups, rest := Match(tickets, now, cfg, recent)
				tickets = rest
				for _, g := range groups {
					if len(g) != 2 || g[0].AgentID == g[1].AgentID {
						t.Fatalf("round %d: bad group %v", round, g)
					}
					recent[g[0].AgentID] = []string{g[1].AgentID}
					recent[g[1].AgentID] = []string{g[0].AgentID}
					for _, p := range g {
						lastPlayed[p.AgentID] = round
						seq++
						p.QueuedAt, p.Seq = now, seq
						tickets = append(tickets, p)
					}
				}
				for id, last := range lastPlayed {
					if round-last > maxRounds {
						t.Fatalf("round %d: %s last played in round %d (bound %d rounds)", round, id, last, maxRounds)
					}
				}
			}
		})
	}
}

// lastTable is the history of one contest among ids: each met the others.
func lastTable(ids ...string) History {
	h := History{}
	for _, a := range ids {
		for _, b := range ids {
			if a != b {
				h[a] = append(h[a], b)
			}
		}
	}
	return h
}

// TestDistinctOwnersNeverShareAContest: under DistinctOwners no group holds
// two agents of one owner, however long they waited; without it an owner's
// agents meet like anyone else's.
func TestDistinctOwnersNeverShareAContest(t *testing.T) {
	owned := func(id, owner string, rating float64, at time.Duration) Ticket {
		tk := tk(id, rating, at)
		tk.OwnerID = owner
		return tk
	}
	now := t0.Add(time.Hour) // every ticket is past MaxWait
	tests := []struct {
		name    string
		cfg     Config
		tickets []Ticket
		want    string
	}{
		{"an owner's two agents meet without the rule", Config{},
			queue(owned("a1", "ann", 1000, 0), owned("a2", "ann", 1000, 0)), "a1+a2 |"},
		{"an owner's two agents wait under it", Config{DistinctOwners: true},
			queue(owned("a1", "ann", 1000, 0), owned("a2", "ann", 1000, 0)), "| a1 a2"},
		{"the closest agent of another owner is taken instead", Config{DistinctOwners: true},
			queue(owned("a1", "ann", 1000, 0), owned("a2", "ann", 1000, 0), owned("b1", "bo", 1400, 0)), "a1+b1 | a2"},
		{"a table of three takes three owners", Config{Seats: 3, DistinctOwners: true},
			queue(owned("a1", "ann", 1000, 0), owned("a2", "ann", 1000, 0), owned("b1", "bo", 1000, 0), owned("c1", "cy", 1000, 0)), "a1+b1+c1 | a2"},
		{"two owners cannot fill a table of three", Config{Seats: 3, DistinctOwners: true},
			queue(owned("a1", "ann", 1000, 0), owned("a2", "ann", 1000, 0), owned("b1", "bo", 1000, 0)), "| a1 a2 b1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ids(Match(tt.tickets, now, tt.cfg, nil)); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}
