package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/agentarena/arena/client"
	"github.com/agentarena/arena/internal/strictjson"
	"github.com/agentarena/arena/ledger"
	"github.com/agentarena/arena/ranking"
)

var arenaCommands = []*command{
	{
		group: "arena", name: "list",
		summary: "List the arenas.",
		cred:    credOptional,
		setup:   arenaList,
	},
	{
		group: "arena", name: "show",
		synopsis: "NAME",
		summary:  "Show one arena's configuration.",
		args:     []string{"NAME"},
		cred:     credOptional,
		setup:    arenaShow,
	},
	{
		group: "arena", name: "leaderboard",
		synopsis: "NAME [--method elo|bt]",
		summary: "Show an arena's standings by Elo or by Bradley–Terry rank (default: the\n" +
			"        arena's, Bradley–Terry for judged arenas), with each agent's Bradley–Terry\n" +
			"        rating and 95% interval; provisional agents (too few games) rank last.",
		args:  []string{"NAME"},
		cred:  credOptional,
		setup: arenaLeaderboard,
	},
	{
		group: "arena", name: "put",
		synopsis: "NAME [--file FILE] [FIELD=VALUE...]",
		summary: "Create an arena or change one (needs --operator-token). Starts from FILE (- for\n" +
			"        stdin: a definition as PUT /v1/arenas/{name} takes it, or what arena show --json\n" +
			"        prints) or else from the arena as it is now, sets each FIELD=VALUE (VALUE is\n" +
			"        JSON, a comma-separated list for a list field, or else a string: stake=150\n" +
			"        rewards=60,30 judges=rubric,ai reward_mode=linear), and sends the whole\n" +
			"        definition, so fields not named keep their values. Running contests keep the\n" +
			"        stakes and payout terms they began with.",
		args:     []string{"NAME"},
		variadic: true,
		cred:     credOperator,
		setup:    arenaPut,
	},
	{
		group: "arena", name: "delete",
		synopsis: "NAME [--abort]",
		summary: "Delete an arena with its queue, ratings and battles (needs --operator-token);\n" +
			"        refused while any of its contests runs, unless --abort voids them (stakes\n" +
			"        refunded). Its past contests stay.",
		args:  []string{"NAME"},
		cred:  credOperator,
		setup: arenaDelete,
	},
}

// arenaReadOnly are the fields of an arena as the API shows it that a
// definition cannot set: PUT refuses them as unknown fields.
var arenaReadOnly = []string{"name", "created_at", "updated_at"}

// arenaPut builds an arena definition and PUTs it. The API's PUT replaces
// the whole definition and gives every field left out its default (a
// stake of 0, rewards [100], no house fee), so changing one field means
// sending all the others as they are: without --file, arena put starts
// from the arena as it stands, which is what an operator changing a stake
// means. The definition is decoded as strictly as the server would,
// so a misspelt field is a usage error before anything is sent.
func arenaPut(fs *flag.FlagSet) action {
	file := fs.String("file", "", "")
	return func(ctx context.Context, inv *invocation) error {
		name, sets := inv.args[0], inv.args[1:]
		def, err := arenaBase(ctx, inv, name, *file)
		if err != nil {
			return err
		}
		if def == nil {
			if !slices.ContainsFunc(sets, func(s string) bool { return strings.HasPrefix(s, "game=") }) {
				return usagef("arena put: there is no arena %s yet; create it with game= and seats= (and any other FIELD=VALUE), or --file", sanitize(name))
			}
			def = map[string]json.RawMessage{}
		}
		for _, s := range sets {
			k, v, ok := strings.Cut(s, "=")
			if !ok || k == "" {
				return usagef("arena put: %q is not FIELD=VALUE (e.g. stake=150, rewards=[60,30])", s)
			}
			if slices.Contains(arenaReadOnly, k) {
				return usagef("arena put: %s cannot be set (the name is the NAME argument; the times are the server's)", k)
			}
			def[k] = fieldValue(k, v)
		}
		body, err := json.Marshal(def)
		if err != nil {
			return err
		}
		var req client.PutArenaRequest
		if err := strictjson.UnmarshalNamed(body, &req, "arena definition"); err != nil {
			return usagef("arena put: %v", err)
		}
		// The server refuses a miscased field ("Stake") that
		// encoding/json would take for another.
		if err := strictjson.CheckKeys(body, &req); err != nil {
			return usagef("arena put: %v", err)
		}
		a, err := inv.client.PutArena(ctx, name, req)
		if err != nil {
			return err
		}
		if inv.g.json {
			return printJSON(inv.stdout, map[string]any{"arena": a})
		}
		return printArena(inv, a)
	}
}

// fieldValue is the JSON a FIELD=VALUE argument sets: VALUE itself when
// it is JSON (stake=150, rewards=[60,30], distinct_owners=true), a list
// of its comma-separated parts for a list field (rewards=60,30,
// judges=rubric,ai), and otherwise the string (forfeit=three_strikes).
func fieldValue(field, value string) json.RawMessage {
	if json.Valid([]byte(value)) {
		return json.RawMessage(value)
	}
	if f, ok := putArenaField(field); ok && f.Type.Kind() == reflect.Slice {
		parts := []json.RawMessage{}
		for p := range strings.SplitSeq(value, ",") {
			p = strings.TrimSpace(p)
			if json.Valid([]byte(p)) {
				parts = append(parts, json.RawMessage(p))
			} else {
				s, _ := json.Marshal(p)
				parts = append(parts, s)
			}
		}
		out, _ := json.Marshal(parts)
		return out
	}
	out, _ := json.Marshal(value)
	return out
}

// putArenaField is the field of client.PutArenaRequest named name in JSON.
func putArenaField(name string) (reflect.StructField, bool) {
	t := reflect.TypeFor[client.PutArenaRequest]()
	for i := range t.NumField() {
		if n, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); n == name {
			return t.Field(i), true
		}
	}
	return reflect.StructField{}, false
}

// arenaBase is the definition arena put starts from: file's (- is stdin),
// else the arena's own, else (no such arena yet) an empty one. The
// fields only the server sets are dropped, the name too: NAME says which
// arena the definition is for, so another arena's file copies it. The
// rules a PUT turns on when left out (void_all_forfeit,
// one_deadline_per_answer) are sent as false when the arena as shown has
// them off, which it shows by leaving them out: otherwise a change that
// did not name them would turn them on.
func arenaBase(ctx context.Context, inv *invocation, name, file string) (map[string]json.RawMessage, error) {
	var data []byte
	var err error
	switch {
	case file == "-":
		data, err = io.ReadAll(io.LimitReader(os.Stdin, 1<<20))
	case file != "":
		data, err = os.ReadFile(file)
	default:
		a, gerr := inv.client.GetArena(ctx, name)
		var apiErr *client.APIError
		switch {
		case errors.As(gerr, &apiErr) && apiErr.Status == http.StatusNotFound:
			return nil, nil // created from the FIELD=VALUE arguments alone
		case gerr != nil:
			return nil, gerr
		}
		data, err = json.Marshal(a)
	}
	if err != nil {
		return nil, err
	}
	def := map[string]json.RawMessage{}
	if err := strictjson.UnmarshalNamed(data, &def, "arena definition "+file); err != nil {
		return nil, usagef("arena put: %v", err)
	}
	if err := strictjson.CheckKeys(data, &def); err != nil { // a field given twice
		return nil, usagef("arena put: %s: %v", file, err)
	}
	if inner, ok := def["arena"]; ok && file != "" {
		// arena show --json wraps the arena: {"arena": {...}}.
		def = map[string]json.RawMessage{}
		if err := strictjson.UnmarshalNamed(inner, &def, "arena definition "+file); err != nil {
			return nil, usagef("arena put: %v", err)
		}
		if err := strictjson.CheckKeys(inner, &def); err != nil {
			return nil, usagef("arena put: %s: %v", file, err)
		}
	}
	if _, shown := def["created_at"]; shown {
		// An arena as the server shows it (arena show --json) leaves these
		// out when false; a definition written by hand leaves them out
		// for the default, true.
		for _, k := range []string{"void_all_forfeit", "one_deadline_per_answer"} {
			if _, ok := def[k]; !ok {
				def[k] = json.RawMessage("false")
			}
		}
	}
	for _, k := range arenaReadOnly {
		delete(def, k)
	}
	return def, nil
}

func arenaDelete(fs *flag.FlagSet) action {
	abort := fs.Bool("abort", false, "")
	return func(ctx context.Context, inv *invocation) error {
		name := inv.args[0]
		if err := inv.client.DeleteArena(ctx, name, *abort); err != nil {
			var apiErr *client.APIError
			if errors.As(err, &apiErr) && apiErr.Status == http.StatusConflict && !*abort {
				// The server's message names the API's abort=true.
				e := *apiErr
				e.Message += " (here: arena delete " + name + " --abort)"
				return &e
			}
			return err
		}
		// The API answers 204 with no body, so --json has nothing to print.
		if !inv.g.json {
			fmt.Fprintf(inv.stdout, "deleted arena %s\n", sanitize(name))
		}
		return nil
	}
}

func arenaList(*flag.FlagSet) action {
	return func(ctx context.Context, inv *invocation) error {
		list, err := inv.client.ListArenas(ctx)
		if err != nil {
			return err
		}
		if inv.g.json {
			return printJSON(inv.stdout, map[string]any{"arenas": list})
		}
		t := newTable(inv.stdout)
		t.row("NAME", "GAME", "SEATS", "STAKE", "REWARDS %", "DEADLINE", "JUDGES")
		for _, a := range list {
			t.row(a.Name, a.Game, strconv.Itoa(a.Seats), formatAmount(a.Stake), rewards(&a),
				formatMS(a.MoveDeadlineMS), strings.Join(a.Judges, ","))
		}
		return t.flush()
	}
}

func rewards(a *client.Arena) string {
	if a.RewardMode == "linear" {
		return "linear"
	}
	return joinInts(a.Rewards)
}

// rewardsShown is arena show's REWARDS row: a linear arena's schedule
// written out for its seats, as its contests store it in their terms.
func rewardsShown(a *client.Arena) string {
	if a.RewardMode == "linear" {
		return fmt.Sprintf("linear: %s", joinInts(ledger.LinearSchedule(a.Seats)))
	}
	return rewards(a)
}

// defaultMaxQueuedPerOwner is the node's max_queued_per_owner when an
// arena sets none (arena.DefaultMaxQueuedPerOwner; arenactl does not link
// the node).
const defaultMaxQueuedPerOwner = 20

func maxQueued(a *client.Arena) string {
	if a.MaxQueuedPerOwner > 0 {
		return fmt.Sprintf("%d per owner", a.MaxQueuedPerOwner)
	}
	return fmt.Sprintf("%d per owner (default)", defaultMaxQueuedPerOwner)
}

func arenaShow(*flag.FlagSet) action {
	return func(ctx context.Context, inv *invocation) error {
		a, err := inv.client.GetArena(ctx, inv.args[0])
		if err != nil {
			return err
		}
		if inv.g.json {
			return printJSON(inv.stdout, map[string]any{"arena": a})
		}
		return printArena(inv, a)
	}
}

// printArena is arena show's table, which arena put prints too.
func printArena(inv *invocation, a *client.Arena) error {
	t := newTable(inv.stdout)
	t.row("NAME", a.Name)
	t.row("GAME", a.Game)
	t.row("SEATS", strconv.Itoa(a.Seats))
	t.row("MOVE DEADLINE", formatMS(a.MoveDeadlineMS))
	t.row("GRACE", formatMS(a.GraceMS))
	t.row("FORFEIT", a.Forfeit)
	t.row("STAKE", formatAmount(a.Stake))
	t.row("REWARDS %", rewardsShown(a))
	t.row("HOUSE FEE", fmt.Sprintf("%d.%02d%%", a.HouseFeeBps/100, a.HouseFeeBps%100))
	t.row("JUDGES", strings.Join(a.Judges, ","))
	t.row("ELO K", strconv.FormatFloat(a.EloK, 'f', -1, 64))
	t.row("MAX CONCURRENT", strconv.Itoa(a.MaxConcurrentPerAgent))
	t.row("MAX QUEUED", maxQueued(a))
	t.row("INJECTION", a.Injection)
	t.row("RANK BY", string(a.DefaultRankMethod()))
	t.row("PROVISIONAL", fmt.Sprintf("fewer than %d games", provisionalGames(a)))
	t.row("ALL FORFEIT", map[bool]string{true: "void", false: "draw"}[a.VoidAllForfeit])
	t.row("OWNERS", map[bool]string{true: "one agent per owner per contest", false: "an owner's agents may meet"}[a.DistinctOwners])
	if a.Game != "connect4" {
		t.row("ANSWER CLOCK", map[bool]string{true: "one deadline per answer", false: "restarts when a seat moves (older arena)"}[a.OneDeadlinePerAnswer || a.Game == "prompt"])
	}
	t.row("OPTIONS", compactJSON(a.Options))
	t.row("CREATED", formatTime(a.CreatedAt))
	t.row("UPDATED", formatTime(a.UpdatedAt))
	return t.flush()
}

// provisionalGames is the arena's provisional threshold with the server's
// default applied.
func provisionalGames(a *client.Arena) int {
	if a.ProvisionalGames > 0 {
		return a.ProvisionalGames
	}
	return ranking.DefaultProvisionalGames
}

func compactJSON(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return string(raw)
	}
	return b.String()
}

func arenaLeaderboard(fs *flag.FlagSet) action {
	method := fs.String("method", "", "")
	return func(ctx context.Context, inv *invocation) error {
		m := client.RankMethod(*method)
		if m != "" && m != client.RankElo && m != client.RankBT {
			return usagef("--method must be elo or bt, not %q", *method)
		}
		lb, err := inv.client.Leaderboard(ctx, inv.args[0], m)
		if err != nil {
			return err
		}
		if inv.g.json {
			return printJSON(inv.stdout, lb)
		}
		t := newTable(inv.stdout)
		t.row("RANK", "NAME", "AGENT", "ELO", "BT", "BT 95%", "GAMES", "PROV", "W-D-L", "OWNER")
		for _, e := range lb.Entries {
			bt, ci := "", ""
			if e.BT != nil {
				bt = strconv.FormatFloat(e.BT.Rating, 'f', 1, 64)
				ci = fmt.Sprintf("%.1f..%.1f", e.BT.Lower, e.BT.Upper)
			}
			prov := ""
			if e.Provisional {
				prov = "yes"
			}
			t.row(strconv.Itoa(e.Rank), e.Name, e.AgentID, strconv.FormatFloat(e.Elo, 'f', 1, 64), bt, ci,
				strconv.Itoa(e.Games), prov, fmt.Sprintf("%d-%d-%d", e.Wins, e.Draws, e.Losses), e.OwnerID)
		}
		if err := t.flush(); err != nil {
			return err
		}
		if note := btNote(lb.BTFreshness, time.Now()); note != "" {
			fmt.Fprintf(inv.stderr, "arenactl: %s\n", note)
		}
		return nil
	}
}

// btNote says, for a board whose Bradley–Terry cells lag its Elo columns,
// what they cover: a large arena's fit runs in the background, and the
// node serves the previous fit (or, before the first, no BT cells)
// meanwhile. It is "" for a current board. The time is UTC, with the date
// when it is not today's.
func btNote(f client.BTFreshness, now time.Time) string {
	switch {
	case !f.BTStale:
		return ""
	case f.BTAsOf == nil:
		return "BT being fitted (no BT cells until the first fit lands; the Elo columns are current)"
	}
	at, layout := f.BTAsOf.UTC(), "15:04:05 UTC"
	if y, m, d := at.Date(); !(y == now.UTC().Year() && m == now.UTC().Month() && d == now.UTC().Day()) {
		layout = "2006-01-02 15:04:05 UTC"
	}
	return "BT as of " + at.Format(layout) + ", refitting (later contests are not in the BT columns yet; the Elo columns are current)"
}
