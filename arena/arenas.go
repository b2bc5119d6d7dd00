package arena

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"

	"github.com/agentarena/arena/api"
	"github.com/agentarena/arena/apperr"
	"github.com/agentarena/arena/ledger"
	"github.com/agentarena/arena/ranking"
)

// Forfeit rules: what a missed move deadline costs.
const (
	// ForfeitLose: the seat forfeits the contest at once.
	ForfeitLose = "lose"
	// ForfeitStrikes: a missed deadline is a strike and the deadline is
	// re-armed; the MaxStrikes-th strike forfeits the contest.
	ForfeitStrikes = "three_strikes"
)

// KnownJudges are the judge names an arena may list. Which of them a node
// can run depends on its configuration ("ai" needs a judge endpoint); a
// leader without one falls back to the rubric and says so in its log.
var KnownJudges = map[string]bool{"referee": true, "rubric": true, "ai": true, "ai-pairwise": true}

// Injection rules.
const (
	InjectionForfeit  = "forfeit"
	InjectionFlagOnly = "flag_only"
)

// MaxStrikes is how many missed deadlines ForfeitStrikes tolerates.
const MaxStrikes = 3

// Arena is a named contest configuration, the API's resource (package
// api) as the state machine stores it.
type Arena = api.Arena

var validArenaName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)

// validateArena checks an arena against the games this node knows.
func validateArena(a *Arena, reg GameRegistry) error {
	if !validArenaName.MatchString(a.Name) {
		return apperr.New(apperr.Invalid, "arena name must be 1-40 lowercase letters, digits or dashes, starting with a letter or digit")
	}
	g, ok := reg[a.Game]
	if !ok {
		return apperr.New(apperr.Invalid, "unknown game %q (known: %v)", a.Game, reg.Names())
	}
	lo, hi := g.Seats()
	if a.Seats < lo || a.Seats > hi {
		return apperr.New(apperr.Invalid, "game %s takes %d to %d seats, not %d", a.Game, lo, hi, a.Seats)
	}
	if a.MoveDeadlineMS < 100 || a.MoveDeadlineMS > 10*60*1000 {
		return apperr.New(apperr.Invalid, "move_deadline_ms must be from 100 to 600000")
	}
	if a.GraceMS < 0 || a.GraceMS > 10*60*1000 {
		return apperr.New(apperr.Invalid, "grace_ms must be from 0 to 600000")
	}
	if a.Forfeit != ForfeitLose && a.Forfeit != ForfeitStrikes {
		return apperr.New(apperr.Invalid, "forfeit must be %q or %q", ForfeitLose, ForfeitStrikes)
	}
	if a.Stake < 0 {
		return apperr.New(apperr.Invalid, "stake must not be negative")
	}
	sum := 0
	for _, r := range a.Rewards {
		if r < 0 {
			return apperr.New(apperr.Invalid, "rewards must not be negative")
		}
		sum += r
	}
	if len(a.Rewards) > a.Seats || sum > 100 {
		return apperr.New(apperr.Invalid, "rewards must list at most one percentage per seat, summing to at most 100")
	}
	if a.RewardMode != "" && a.RewardMode != "schedule" && a.RewardMode != "linear" {
		return apperr.New(apperr.Invalid, "reward_mode must be \"schedule\" or \"linear\"")
	}
	if a.HouseFeeBps < 0 || a.HouseFeeBps > 10000 {
		return apperr.New(apperr.Invalid, "house_fee_bps must be from 0 to 10000")
	}
	for _, j := range a.Judges {
		if !KnownJudges[j] {
			return apperr.New(apperr.Invalid, "unknown judge %q (known: referee, rubric, ai, ai-pairwise)", truncateType(j))
		}
	}
	if a.EloK <= 0 || a.EloK > 400 {
		return apperr.New(apperr.Invalid, "elo_k must be in (0, 400]")
	}
	if a.MaxConcurrentPerAgent < 1 || a.MaxConcurrentPerAgent > 100 {
		return apperr.New(apperr.Invalid, "max_concurrent_per_agent must be from 1 to 100")
	}
	if a.MaxQueuedPerOwner < 0 || a.MaxQueuedPerOwner > 10000 {
		return apperr.New(apperr.Invalid, "max_queued_per_owner must be from 0 (the default, %d) to 10000", DefaultMaxQueuedPerOwner)
	}
	if a.Injection != "" && a.Injection != InjectionForfeit && a.Injection != InjectionFlagOnly {
		return apperr.New(apperr.Invalid, "injection must be %q or %q", InjectionForfeit, InjectionFlagOnly)
	}
	if a.RankBy != "" && a.RankBy != api.RankElo && a.RankBy != api.RankBT {
		return apperr.New(apperr.Invalid, "rank_by must be %q or %q", api.RankElo, api.RankBT)
	}
	if a.ProvisionalGames < 0 || a.ProvisionalGames > 10000 {
		return apperr.New(apperr.Invalid, "provisional_games must be from 0 (the default, %d) to 10000", ranking.DefaultProvisionalGames)
	}
	if len(a.Options) > 0 && !json.Valid(a.Options) {
		return apperr.New(apperr.Invalid, "options must be valid JSON")
	}
	if _, err := g.Start(gamesSetup(a, 0, taskRevAt(CommandLevel))); err != nil {
		return apperr.Wrap(apperr.Invalid, err, "game %s rejects this configuration: %v", a.Game, err)
	}
	return nil
}

// judgedGames says, for each game, whether a judge ranks its contests
// (true) or the game ranks them itself through the referee (false); the
// runner never calls a judge for the latter, whatever the arena lists.
var judgedGames = map[string]bool{"connect4": false, "prompt": true, "verifiable": false}

// optionlessGames take no options: their Start ignores them, so an
// arena's options would be shown to readers and never apply.
var optionlessGames = map[string]bool{"connect4": true}

// CheckArenaPut refuses an arena definition that validateArena lets
// through but that could not work as written: judges its game never
// calls (a prompt arena "judged" by the referee was ranked by the rubric,
// a connect4 arena listing the AI judge was refereed and its leaderboard
// ordered as a judged one), a judge listed twice, options a game ignores,
// and a stake whose escrow (stake × seats) is more than the ledger's
// credit cap, which no owners could ever pay. It runs before the
// definition is proposed, not in the state machine, so old logs whose
// arenas passed the checks of their day replay to the same state.
func CheckArenaPut(a *Arena) error {
	for i, j := range a.Judges {
		if !KnownJudges[j] {
			return apperr.New(apperr.Invalid, "unknown judge %q (known: referee, rubric, ai, ai-pairwise)", truncateType(j))
		}
		if slices.Contains(a.Judges[:i], j) {
			return apperr.New(apperr.Invalid, "judge %q is listed twice", j)
		}
	}
	if judged, known := judgedGames[a.Game]; known {
		switch {
		case judged && slices.Contains(a.Judges, "referee"):
			return apperr.New(apperr.Invalid, "game %s is ranked by judges; the referee ranks only rule games (use rubric, ai or ai-pairwise)", a.Game)
		case !judged && !slices.Equal(a.Judges, []string{"referee"}):
			return apperr.New(apperr.Invalid, "game %s ranks its own contests: judges must be [\"referee\"] or absent, not %q", a.Game, a.Judges)
		}
	}
	if optionlessGames[a.Game] && len(a.Options) > 0 && !bytes.Equal(a.Options, []byte("null")) && !bytes.Equal(a.Options, []byte("{}")) {
		return apperr.New(apperr.Invalid, "game %s takes no options", a.Game)
	}
	// No escrow can hold more than the ledger ever puts in circulation
	// (ledger.MaxCredit, 2^53-1), so a larger stake × seats could never be
	// paid by anyone: its queue would wait for good. It is also past what
	// JSON readers holding numbers as doubles read exactly.
	if a.Seats > 0 && a.Stake > ledger.MaxCredit/int64(a.Seats) {
		return apperr.New(apperr.Invalid, "stake %d for %d seats is more than any contest's escrow can hold (the ledger puts at most %d minor units in circulation); at most %d",
			a.Stake, a.Seats, ledger.MaxCredit, ledger.MaxCredit/int64(a.Seats))
	}
	return nil
}

// maxQueuedPerOwner is a.MaxQueuedPerOwner with its default applied.
func maxQueuedPerOwner(a *Arena) int {
	if a.MaxQueuedPerOwner > 0 {
		return a.MaxQueuedPerOwner
	}
	return DefaultMaxQueuedPerOwner
}

// paySchedule is the payout percentages by place.
func paySchedule(a *Arena) []int {
	if a.RewardMode == "linear" {
		return ledger.LinearSchedule(a.Seats)
	}
	return a.Rewards
}

// DefaultArenas are created on a fresh cluster, so it is lively at once.
// They void contests every seat forfeited (VoidAllForfeit) and give an
// answer one deadline (OneDeadlinePerAnswer): the seed command carries the
// arenas, so an old log's seed keeps its own.
func DefaultArenas() []Arena {
	return []Arena{
		{Name: "connect4", Game: "connect4", Seats: 2, MoveDeadlineMS: 5000, GraceMS: 10000, Forfeit: ForfeitLose,
			Stake: 100, Rewards: []int{100}, Judges: []string{"referee"}, EloK: 32, MaxConcurrentPerAgent: 1, VoidAllForfeit: true, OneDeadlinePerAnswer: true},
		{Name: "prompt", Game: "prompt", Seats: 2, MoveDeadlineMS: 30000, GraceMS: 10000, Forfeit: ForfeitLose,
			Stake: 100, Rewards: []int{100}, Judges: []string{"rubric"}, EloK: 32, MaxConcurrentPerAgent: 1, VoidAllForfeit: true, OneDeadlinePerAnswer: true},
		// The checker ranks the seats itself (the referee), so a contest
		// settles the moment the last answer is final. Two seats keep the
		// matchmaker's no-instant-rematch rule satisfiable with a handful
		// of agents; the deadline is the prompt game's, time to think.
		{Name: "verifiable", Game: "verifiable", Seats: 2, MoveDeadlineMS: 30000, GraceMS: 10000, Forfeit: ForfeitLose,
			Stake: 100, Rewards: []int{100}, Judges: []string{"referee"}, EloK: 32, MaxConcurrentPerAgent: 1, VoidAllForfeit: true, OneDeadlinePerAnswer: true},
	}
}
