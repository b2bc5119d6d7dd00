package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/agentarena/arena/client"
)

var agentCommands = []*command{
	{
		group: "agent", name: "create",
		synopsis: "--name N [--description D] [--kind websocket|webhook|openai] [--webhook-url U]\n" +
			"        [--base-url U --model M [--api-key K] [--temperature T] [--top-p P]\n" +
			"        [--max-tokens N] [--system S]]",
		summary: "Register an agent for the owner of --key and print its agent key (shown only once).\n" +
			"        An openai agent is a model server: --base-url (the API root, with /v1) and\n" +
			"        --model are required; its API key comes from --api-key or, better, from\n" +
			"        ARENA_MODEL_API_KEY (a flag shows in ps and shell history). The key is\n" +
			"        write-only: no command prints it.",
		cred:  credOwner,
		setup: agentCreate,
	},
	{
		group: "agent", name: "list",
		synopsis: "[--owner ID|me] [--limit N [--cursor C]]",
		summary: "List agents: --owner me (the default), an owner id, or --owner= for everyone's.\n" +
			"        One owner's agents also show whether each is connected and the arenas it\n" +
			"        waits in (CONNECTION, QUEUED: to that owner and the operator) and its Elo\n" +
			"        in each arena it played (ELO), read a page at a time, not per agent.\n" +
			"        Without --limit every page is fetched; with it, one page of at most N,\n" +
			"        and the cursor of the next page is printed.",
		cred:  credOptional,
		setup: agentList,
	},
	{
		group: "agent", name: "show",
		synopsis: "ID",
		summary: "Show one agent: for its owner and the operator also where it waits and whether\n" +
			"        it is connected, and for everyone its Elo in each arena it played.",
		args:  []string{"ID"},
		cred:  credOptional,
		setup: agentShow,
	},
	{
		group: "agent", name: "update",
		synopsis: "ID [--name N] [--description D] [--kind K] [--webhook-url U] [--base-url U]\n" +
			"        [--model M] [--temperature T] [--top-p P] [--max-tokens N] [--system S] [--api-key K]",
		summary: "Change the given fields of an agent; an empty value clears a field. Endpoint\n" +
			"        flags change an openai agent's endpoint and keep its other settings;\n" +
			"        --api-key replaces its model API key (--api-key= removes it).",
		args:  []string{"ID"},
		cred:  credOwner,
		setup: agentUpdate,
	},
	{
		group: "agent", name: "webhook-secret",
		synopsis: "ID",
		summary: "Rotate a webhook agent's signing secret and print the new one (shown only once).\n" +
			"        The arena signs every call with it from the next call on; the old one stops.",
		args:  []string{"ID"},
		cred:  credOwner,
		setup: agentWebhookSecret,
	},
	{
		group: "agent", name: "ratings",
		synopsis: "ID [--arena A]",
		summary: "Show an agent's Elo history: one row per settled contest, oldest first within\n" +
			"        each arena, with its place and the rating before and after.",
		args:  []string{"ID"},
		cred:  credNone,
		setup: agentRatings,
	},
	{
		group: "agent", name: "rotate-key",
		synopsis: "ID",
		summary: "Replace an agent's key and print the new one (shown only once). The old key is\n" +
			"        refused at once, and a websocket session open with it is closed.",
		args:  []string{"ID"},
		cred:  credOwner,
		setup: agentRotateKey,
	},
	{
		group: "agent", name: "deliveries",
		synopsis: "ID",
		summary: "List the arena's recent calls to a webhook agent, newest first: the status it\n" +
			"        answered and why a turn played no move. Kept by the leader, the last 50.",
		args:  []string{"ID"},
		cred:  credOwnerOrOperator,
		setup: agentDeliveries,
	},
	{
		group: "agent", name: "queue",
		synopsis: "ID --arena A [--keep]",
		summary: "Queue one of your agents in an arena; the matchmaker seats it in the next contest.\n" +
			"        With --keep the arena queues it again after each contest until\n" +
			"        `agent unqueue` (or a forfeit) stops it; without, queue it after each one.",
		args:  []string{"ID"},
		cred:  credOwner,
		setup: agentQueue,
	},
	{
		group: "agent", name: "unqueue",
		synopsis: "ID --arena A",
		summary:  "Take one of your agents out of an arena's queue; stops --keep as well.",
		args:     []string{"ID"},
		cred:     credOwner,
		setup:    agentUnqueue,
	},
	{
		group: "agent", name: "delete",
		synopsis: "ID",
		summary:  "Delete an agent.",
		args:     []string{"ID"},
		cred:     credOwner,
		setup:    agentDelete,
	},
}

func checkKind(kind string) error {
	switch client.AgentKind(kind) {
	case "", client.KindWebSocket, client.KindWebhook, client.KindOpenAI:
		return nil
	}
	return usagef("--kind must be websocket, webhook or openai, not %q", kind)
}

// endpointFlags are the model-endpoint fields of an openai agent.
type endpointFlags struct {
	fs                  *flag.FlagSet
	baseURL, model, sys *string
	temperature, topP   *float64
	maxTokens           *int
}

var endpointFlagNames = []string{"base-url", "model", "temperature", "top-p", "max-tokens", "system"}

func registerEndpointFlags(fs *flag.FlagSet) *endpointFlags {
	return &endpointFlags{
		fs:          fs,
		baseURL:     fs.String("base-url", "", ""),
		model:       fs.String("model", "", ""),
		temperature: fs.Float64("temperature", 0, ""),
		topP:        fs.Float64("top-p", 0, ""),
		maxTokens:   fs.Int("max-tokens", 0, ""),
		sys:         fs.String("system", "", ""),
	}
}

// given reports whether any endpoint flag was on the command line.
func (f *endpointFlags) given() bool {
	for _, n := range endpointFlagNames {
		if visited(f.fs, n) {
			return true
		}
	}
	return false
}

// apply copies the flags given on the command line into e.
func (f *endpointFlags) apply(e *client.ModelEndpoint) {
	f.fs.Visit(func(fl *flag.Flag) {
		switch fl.Name {
		case "base-url":
			e.BaseURL = *f.baseURL
		case "model":
			e.Model = *f.model
		case "temperature":
			e.Temperature = new(*f.temperature)
		case "top-p":
			e.TopP = new(*f.topP)
		case "max-tokens":
			e.MaxTokens = *f.maxTokens
		case "system":
			e.System = *f.sys
		}
	})
}

func agentCreate(fs *flag.FlagSet) action {
	var req client.CreateAgentRequest
	fs.StringVar(&req.Name, "name", "", "")
	fs.StringVar(&req.Description, "description", "", "")
	fs.StringVar((*string)(&req.Kind), "kind", "", "")
	fs.StringVar(&req.WebhookURL, "webhook-url", "", "")
	ep := registerEndpointFlags(fs)
	apiKey := fs.String("api-key", "", "")
	return func(ctx context.Context, inv *invocation) error {
		if req.Name == "" {
			return usagef("agent create needs --name")
		}
		if err := checkKind(string(req.Kind)); err != nil {
			return err
		}
		if req.Kind == client.KindOpenAI {
			req.Endpoint = &client.ModelEndpoint{}
			ep.apply(req.Endpoint)
			if req.Endpoint.BaseURL == "" || req.Endpoint.Model == "" {
				return usagef("agent create --kind openai needs --base-url and --model")
			}
			// The environment variable is only a default for openai
			// agents: other kinds refuse an API key.
			req.APIKey = inv.g.modelAPIKey
			if visited(fs, "api-key") {
				req.APIKey = *apiKey
			}
		} else if ep.given() || visited(fs, "api-key") {
			return usagef("--%s and --api-key are only for --kind openai", strings.Join(endpointFlagNames, ", --"))
		}
		res, err := inv.client.CreateAgent(ctx, req)
		if err != nil {
			return err
		}
		warning := fmt.Sprintf(keyWarning, "agent key")
		if res.WebhookSecret != "" {
			warning = fmt.Sprintf(keysWarning, "agent key and webhook secret")
		}
		return printOnce(inv, warning, res, func(t *table) {
			agentRows(t, &res.Agent)
			t.row("AGENT KEY", res.AgentKey)
			if res.WebhookSecret != "" {
				t.row("WEBHOOK SECRET", res.WebhookSecret)
			}
		})
	}
}

func agentList(fs *flag.FlagSet) action {
	owner := fs.String("owner", "me", "")
	limit := fs.Int("limit", 0, "")
	cursor := fs.String("cursor", "", "")
	return func(ctx context.Context, inv *invocation) error {
		limited := false
		fs.Visit(func(f *flag.Flag) { limited = limited || f.Name == "limit" })
		switch {
		case limited && *limit < 1:
			return usagef("--limit must be at least 1")
		case *cursor != "" && !limited:
			return usagef("--cursor pages through --limit results; pass --limit too")
		case *owner == "me" && inv.g.key == "":
			return usagef("--owner me (the default) needs an owner API key: pass --key, set ARENA_KEY, or give --owner ID")
		}
		opts := client.ListAgentsOptions{Owner: *owner, Limit: *limit, Cursor: *cursor}
		if inv.g.json {
			return agentListJSON(ctx, inv, opts, limited)
		}
		extra, err := newAgentListExtras(inv, *owner)
		if err != nil {
			return err
		}
		var all []client.Agent
		next := ""
		// Each page of agents, then the same page (limit and cursor) of
		// the owner's connections and ratings: three requests a page,
		// whatever the number of agents on it.
		for seen := map[string]bool{}; ; {
			page, err := inv.client.ListAgents(ctx, opts)
			if err != nil {
				return err
			}
			if err := extra.fetch(ctx, inv, opts.Limit, opts.Cursor); err != nil {
				return err
			}
			all = append(all, page.Agents...)
			if limited || page.NextCursor == "" {
				next = page.NextCursor
				break
			}
			if seen[page.NextCursor] || page.NextCursor == opts.Cursor {
				return fmt.Errorf("server repeated list cursor %q", page.NextCursor)
			}
			seen[page.NextCursor] = true
			opts.Cursor = page.NextCursor
		}
		t := newTable(inv.stdout)
		t.row(append([]string{"ID", "NAME", "KIND", "VERSION", "OWNER", "UPDATED"}, extra.header()...)...)
		for _, a := range all {
			t.row(append([]string{a.ID, a.Name, string(a.Kind), strconv.FormatInt(a.Version, 10), a.OwnerID, formatTime(a.UpdatedAt)},
				extra.cells(a.ID)...)...)
		}
		if err := t.flush(); err != nil {
			return err
		}
		if next != "" {
			fmt.Fprintf(inv.stderr, "arenactl: more agents follow; next page: --limit %d --cursor %s\n", *limit, sanitize(next))
		}
		return nil
	}
}

// agentListJSON prints the agent list as the API pages it: one page with
// --limit, else every page in one, without a cursor.
func agentListJSON(ctx context.Context, inv *invocation, opts client.ListAgentsOptions, limited bool) error {
	page := &client.AgentPage{Agents: []client.Agent{}}
	if limited {
		var err error
		if page, err = inv.client.ListAgents(ctx, opts); err != nil {
			return err
		}
	} else {
		for a, err := range inv.client.AllAgents(ctx, opts) {
			if err != nil {
				return err
			}
			page.Agents = append(page.Agents, a)
		}
	}
	if page.Agents == nil {
		page.Agents = []client.Agent{}
	}
	return printJSON(inv.stdout, page)
}

// agentListExtras are agent list's CONNECTION, QUEUED and ELO columns for
// one owner's agents, read a page at a time from GET
// /v1/owners/{id}/connections and /ratings (whose pages are the agent
// list's) rather than once per agent. A nil client leaves its columns
// out: connections are the owner's and the operator's to see, and a list
// of every owner's agents has no owner to ask about.
type agentListExtras struct {
	owner       string
	conns       *client.Client
	ratings     *client.Client
	connections map[string]client.OwnerConnection
	elo         map[string][]client.ArenaRating
}

// newAgentListExtras picks the credentials as balance and transfers do:
// --owner me the key; an owner id the operator token when there is one,
// else the key (refused unless it is that owner's: the columns are then
// left out), and no connections without either. Ratings are public.
func newAgentListExtras(inv *invocation, owner string) (*agentListExtras, error) {
	x := &agentListExtras{owner: owner, connections: map[string]client.OwnerConnection{}, elo: map[string][]client.ArenaRating{}}
	if owner == "" {
		return x, nil
	}
	x.ratings = inv.client
	switch {
	case owner == "me" || (inv.g.key != "" && inv.g.operatorToken == ""):
		x.conns = inv.client
	case inv.g.operatorToken != "":
		c, err := newClient(inv.g, credOperator)
		if err != nil {
			return nil, err
		}
		x.conns = c
	}
	return x, nil
}

// fetch reads the page of connections and ratings that starts at cursor.
// A refusal (another owner's key; a server without these routes) drops
// the columns with a note on stderr rather than failing the list.
func (x *agentListExtras) fetch(ctx context.Context, inv *invocation, limit int, cursor string) error {
	opts := client.OwnerAgentsOptions{Owner: x.owner, Limit: limit, Cursor: cursor}
	if x.conns != nil {
		page, err := x.conns.OwnerConnections(ctx, opts)
		switch {
		case refused(err):
			fmt.Fprintf(inv.stderr, "arenactl: CONNECTION and QUEUED not shown: %s\n", refusal(err))
			x.conns = nil
		case err != nil:
			return err
		default:
			for _, c := range page.Connections {
				x.connections[c.AgentID] = c
			}
		}
	}
	if x.ratings != nil {
		page, err := x.ratings.OwnerRatings(ctx, opts)
		switch {
		case refused(err):
			fmt.Fprintf(inv.stderr, "arenactl: ELO not shown: %s\n", refusal(err))
			x.ratings = nil
		case err != nil:
			return err
		default:
			for _, r := range page.Ratings {
				x.elo[r.AgentID] = r.Arenas
			}
		}
	}
	return nil
}

// refused reports whether err is the server saying no to the caller or
// not knowing the route, rather than a failure to ask.
func refused(err error) bool {
	return client.IsCode(err, client.CodeForbidden) || client.IsCode(err, client.CodeUnauthorized) ||
		client.IsCode(err, client.CodeNotFound)
}

// refusal is a refused err as arenactl prints an API error: "code: message".
func refusal(err error) string {
	var apiErr *client.APIError
	if errors.As(err, &apiErr) {
		return string(apiErr.Code) + ": " + sanitize(apiErr.Message)
	}
	return err.Error()
}

func (x *agentListExtras) header() []string {
	var h []string
	if x.conns != nil {
		h = append(h, "CONNECTION", "QUEUED")
	}
	if x.ratings != nil {
		h = append(h, "ELO")
	}
	return h
}

// cells are agent id's extra cells: its connection state ("-" for an
// agent the arena calls), the arenas it waits in ("prompt(keep)" for a
// keep ticket) and its Elo in each arena it played ("connect4=1016.0"),
// comma-separated so that each column stays one word.
func (x *agentListExtras) cells(id string) []string {
	var out []string
	if x.conns != nil {
		c := x.connections[id]
		state := ""
		if c.Connection != nil {
			state = c.Connection.State
		}
		var qs []string
		for _, q := range c.Queued {
			if q.Keep {
				qs = append(qs, q.Arena+"(keep)")
			} else {
				qs = append(qs, q.Arena)
			}
		}
		out = append(out, state, strings.Join(qs, ","))
	}
	if x.ratings != nil {
		var rs []string
		for _, r := range x.elo[id] {
			rs = append(rs, r.Arena+"="+strconv.FormatFloat(r.Elo, 'f', 1, 64))
		}
		out = append(out, strings.Join(rs, ","))
	}
	return out
}

func agentShow(*flag.FlagSet) action {
	return func(ctx context.Context, inv *invocation) error {
		d, err := inv.client.GetAgentDetail(ctx, inv.args[0])
		if err != nil {
			return err
		}
		if inv.g.json {
			return printJSON(inv.stdout, d)
		}
		t := newTable(inv.stdout)
		agentRows(t, &d.Agent)
		if d.Queued != nil {
			// Shown to the owner and the operator: whether the agent still
			// waits (a websocket agent's ticket goes when it stays away, a
			// keep ticket when it forfeits).
			var qs []string
			for _, q := range *d.Queued {
				if q.Keep {
					qs = append(qs, q.Arena+" (keep)")
				} else {
					qs = append(qs, q.Arena)
				}
			}
			t.row("QUEUED", strings.Join(qs, ", "))
		}
		if c := d.Connection; c != nil {
			t.row("CONNECTION", connectionText(*c))
		}
		// Each arena's latest point is the current rating: one request,
		// however long the history.
		h, err := inv.client.RecentRatings(ctx, d.Agent.ID, "", 1)
		if err != nil {
			return err
		}
		t.row("ELO", eloText(h))
		return t.flush()
	}
}

func agentUpdate(fs *flag.FlagSet) action {
	fields := []string{"name", "description", "kind", "webhook-url"}
	values := map[string]*string{}
	for _, f := range fields {
		values[f] = fs.String(f, "", "")
	}
	ep := registerEndpointFlags(fs)
	apiKey := fs.String("api-key", "", "")
	return func(ctx context.Context, inv *invocation) error {
		// Only flags given on the command line are sent, so that an
		// explicit empty value ("--description=") clears the field while
		// an absent flag leaves it alone.
		var req client.UpdateAgentRequest
		if visited(fs, "api-key") {
			req.APIKey = apiKey
		}
		fs.Visit(func(f *flag.Flag) {
			v := values[f.Name]
			switch f.Name {
			case "name":
				req.Name = v
			case "description":
				req.Description = v
			case "kind":
				req.Kind = (*client.AgentKind)(v)
			case "webhook-url":
				req.WebhookURL = v
			}
		})
		if req.IsEmpty() && !ep.given() {
			return usagef("agent update needs at least one of --name, --description, --kind, --webhook-url, --%s, --api-key",
				strings.Join(endpointFlagNames, ", --"))
		}
		if req.Kind != nil {
			if err := checkKind(string(*req.Kind)); err != nil || *req.Kind == "" {
				return usagef("--kind must be websocket, webhook or openai, not %q", *req.Kind)
			}
		}
		if ep.given() {
			// The API replaces the whole endpoint, so start from the
			// agent's current one: a flag changes only its own field.
			e := &client.ModelEndpoint{}
			if req.Kind == nil || *req.Kind == client.KindOpenAI {
				cur, err := inv.client.GetAgent(ctx, inv.args[0])
				if err != nil {
					return err
				}
				if cur.Endpoint != nil {
					*e = *cur.Endpoint
				}
			}
			ep.apply(e)
			req.Endpoint = e
		}
		res, err := inv.client.UpdateAgentDetail(ctx, inv.args[0], req)
		if err != nil {
			return err
		}
		if res.WebhookSecret == "" {
			return printAgent(inv, &res.Agent)
		}
		// The agent just became a webhook agent: its signing secret.
		return printOnce(inv, fmt.Sprintf(keyWarning, "webhook secret"), res, func(t *table) {
			agentRows(t, &res.Agent)
			t.row("WEBHOOK SECRET", res.WebhookSecret)
		})
	}
}

func agentWebhookSecret(*flag.FlagSet) action {
	return func(ctx context.Context, inv *invocation) error {
		res, err := inv.client.RotateWebhookSecret(ctx, inv.args[0])
		if err != nil {
			return err
		}
		return printOnce(inv, fmt.Sprintf(keyWarning, "webhook secret"), res, func(t *table) {
			t.row("ID", res.ID)
			t.row("WEBHOOK SECRET", res.WebhookSecret)
		})
	}
}

func agentRatings(fs *flag.FlagSet) action {
	arena := fs.String("arena", "", "")
	return func(ctx context.Context, inv *invocation) error {
		h, err := inv.client.RatingHistory(ctx, inv.args[0], *arena)
		if err != nil {
			return err
		}
		if inv.g.json {
			return printJSON(inv.stdout, h)
		}
		t := newTable(inv.stdout)
		t.row("ARENA", "CONTEST", "AT", "PLACE", "BEFORE", "AFTER", "CHANGE")
		for _, p := range h.History {
			t.row(p.Arena, p.Contest, formatTime(p.At), fmt.Sprintf("%d of %d", p.Rank+1, p.Seats),
				formatElo(p.Before), formatElo(p.After), fmt.Sprintf("%+.1f", float64(p.After-p.Before)/1000))
		}
		return t.flush()
	}
}

// eloText is agent show's ELO row: the rating after the agent's latest
// contest in each arena, with how many it played there:
// "connect4=1016.0 (1 contest), prompt=990.2 (3 contests)".
func eloText(h *client.RatingHistory) string {
	var parts []string
	for _, p := range h.History {
		n := h.Contests[p.Arena]
		unit := "contests"
		if n == 1 {
			unit = "contest"
		}
		parts = append(parts, fmt.Sprintf("%s=%s (%d %s)", p.Arena, formatElo(p.After), n, unit))
	}
	return strings.Join(parts, ", ")
}

// formatElo shows a fixed-point rating (1000 per point) in points.
func formatElo(r int64) string { return fmt.Sprintf("%.1f", float64(r)/1000) }

func agentRotateKey(*flag.FlagSet) action {
	return func(ctx context.Context, inv *invocation) error {
		key, err := inv.client.RotateAgentKey(ctx, inv.args[0])
		if err != nil {
			return err
		}
		res := client.AgentKeyResponse{ID: inv.args[0], AgentKey: key}
		warning := fmt.Sprintf(keyWarning, "agent key") + "arenactl: the old key is refused from now on; an agent connected with it was disconnected and must reconnect with the new one.\n"
		return printOnce(inv, warning, res, func(t *table) {
			t.row("ID", res.ID)
			t.row("AGENT KEY", res.AgentKey)
		})
	}
}

func agentDeliveries(*flag.FlagSet) action {
	return func(ctx context.Context, inv *invocation) error {
		res, err := inv.client.Deliveries(ctx, inv.args[0])
		if err != nil {
			return err
		}
		if inv.g.json {
			return printJSON(inv.stdout, res)
		}
		t := newTable(inv.stdout)
		t.row("AT", "EVENT", "CONTEST", "SEQ", "STATUS", "MS", "OUTCOME", "ERROR")
		for _, d := range res.Deliveries {
			seq, status := "-", "-"
			if d.Seq != nil {
				seq = strconv.FormatUint(*d.Seq, 10)
			}
			if d.Status != 0 {
				status = strconv.Itoa(d.Status)
			}
			t.row(formatTime(d.At), d.Event, d.Contest, seq, status, strconv.FormatInt(d.DurationMS, 10), d.Outcome, d.Error)
		}
		return t.flush()
	}
}

func agentQueue(fs *flag.FlagSet) action {
	arena := fs.String("arena", "", "")
	keep := fs.Bool("keep", false, "")
	return func(ctx context.Context, inv *invocation) error {
		if *arena == "" {
			return usagef("agent queue needs --arena")
		}
		queue := inv.client.QueueAgent
		if *keep {
			queue = inv.client.KeepAgentQueued
		}
		tk, err := queue(ctx, inv.args[0], *arena)
		if err != nil {
			return err
		}
		if inv.g.json {
			return printJSON(inv.stdout, map[string]any{"ticket": tk})
		}
		t := newTable(inv.stdout)
		t.row("ARENA", tk.Arena)
		t.row("AGENT", tk.AgentID)
		t.row("OWNER", tk.OwnerID)
		t.row("QUEUED", formatTime(tk.QueuedAt))
		t.row("SEQ", formatUint(tk.Seq))
		if tk.Keep {
			t.row("KEEP", "yes: queued again after each contest until unqueued")
		}
		return t.flush()
	}
}

func agentUnqueue(fs *flag.FlagSet) action {
	arena := fs.String("arena", "", "")
	return func(ctx context.Context, inv *invocation) error {
		if *arena == "" {
			return usagef("agent unqueue needs --arena")
		}
		if err := inv.client.UnqueueAgent(ctx, inv.args[0], *arena); err != nil {
			return err
		}
		// The API answers 204 with no body, so --json has nothing to print.
		if !inv.g.json {
			fmt.Fprintf(inv.stdout, "removed agent %s from the queue of arena %s\n", sanitize(inv.args[0]), sanitize(*arena))
		}
		return nil
	}
}

func agentDelete(*flag.FlagSet) action {
	return func(ctx context.Context, inv *invocation) error {
		id := inv.args[0]
		if err := inv.client.DeleteAgent(ctx, id); err != nil {
			return err
		}
		// The API answers 204 with no body, so --json has nothing to print.
		if !inv.g.json {
			fmt.Fprintf(inv.stdout, "deleted agent %s\n", sanitize(id))
		}
		return nil
	}
}

func printAgent(inv *invocation, a *client.Agent) error {
	if inv.g.json {
		return printJSON(inv.stdout, map[string]any{"agent": a})
	}
	t := newTable(inv.stdout)
	agentRows(t, a)
	return t.flush()
}

func agentRows(t *table, a *client.Agent) {
	t.row("ID", a.ID)
	t.row("OWNER", a.OwnerID)
	t.row("NAME", a.Name)
	t.row("DESCRIPTION", a.Description)
	t.row("KIND", string(a.Kind))
	t.row("WEBHOOK URL", a.WebhookURL)
	if e := a.Endpoint; e != nil {
		// Only the owner and the operator see more than the model; the
		// API key is never returned at all.
		t.row("MODEL", e.Model)
		t.row("BASE URL", e.BaseURL)
		if e.Temperature != nil {
			t.row("TEMPERATURE", strconv.FormatFloat(*e.Temperature, 'f', -1, 64))
		}
		if e.TopP != nil {
			t.row("TOP P", strconv.FormatFloat(*e.TopP, 'f', -1, 64))
		}
		if e.MaxTokens > 0 {
			t.row("MAX TOKENS", strconv.Itoa(e.MaxTokens))
		}
		if e.System != "" {
			t.row("SYSTEM", e.System)
		}
	}
	t.row("VERSION", strconv.FormatInt(a.Version, 10))
	t.row("CREATED", formatTime(a.CreatedAt))
	t.row("UPDATED", formatTime(a.UpdatedAt))
}

// connectionText is agent show's CONNECTION row: "connected to node1 since
// <time>", "disconnected (node1 saw it close at <time>)", "disconnected",
// or "unknown: <reason>".
func connectionText(c client.AgentConnection) string {
	switch {
	case c.State == "connected" && c.Since != nil:
		return fmt.Sprintf("connected to %s since %s", sanitize(c.NodeID), formatTime(*c.Since))
	case c.State == "disconnected" && c.Since != nil:
		return fmt.Sprintf("disconnected (%s saw it close at %s)", sanitize(c.NodeID), formatTime(*c.Since))
	case c.State == "unknown":
		return "unknown: " + sanitize(c.Reason)
	}
	return sanitize(c.State)
}
