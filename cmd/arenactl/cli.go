package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/agentarena/arena/client"
)

const defaultServer = "http://localhost:8080"

// globals are the flags every command accepts. Each also has an
// environment variable, so a shell session can be pointed at a cluster
// once; an explicit flag wins over the variable.
type globals struct {
	server        string
	key           string
	operatorToken string
	json          bool
	// modelAPIKey is ARENA_MODEL_API_KEY, the default of agent create
	// --api-key; it has no global flag.
	modelAPIKey string
}

func globalsFromEnv(getenv func(string) string) globals {
	g := globals{
		server:        getenv("ARENA_SERVER"),
		key:           getenv("ARENA_KEY"),
		operatorToken: getenv("ARENA_OPERATOR_TOKEN"),
		modelAPIKey:   getenv("ARENA_MODEL_API_KEY"),
	}
	if g.server == "" {
		g.server = defaultServer
	}
	return g
}

// register binds the global flags to fs with their current values as
// defaults, so registering them on the subcommand's flag set after the
// top-level parse keeps what was already set.
func (g *globals) register(fs *flag.FlagSet) {
	fs.StringVar(&g.server, "server", g.server, "")
	fs.StringVar(&g.key, "key", g.key, "")
	fs.StringVar(&g.operatorToken, "operator-token", g.operatorToken, "")
	fs.BoolVar(&g.json, "json", g.json, "")
}

// credential says which bearer key a command sends.
type credential int

const (
	credNone     credential = iota // anonymous route
	credOptional                   // send --key when there is one
	credOwner                      // --key is required
	credOperator                   // --operator-token is required
	// credKeyOrOperator is for routes a scoped key (a trainer's) or the
	// operator token may read: --key when given, else the operator token.
	credKeyOrOperator
	// credOwnerOrOperator is for routes about one agent that its owner's
	// key or the operator token may read: --key when given, else the
	// operator token.
	credOwnerOrOperator
	// credOwnerScope is for routes about one owner's money, chosen by the
	// command's --owner flag: "me" needs --key; an id is read with the
	// operator token when there is one (it may read any owner), else with
	// --key (an owner may read itself).
	credOwnerScope
)

// invocation is what a command's action works with.
type invocation struct {
	client *client.Client
	args   []string // positional arguments, already counted
	g      globals
	stdout io.Writer
	stderr io.Writer
}

type action func(ctx context.Context, inv *invocation) error

type command struct {
	// group and name are the words that select the command; a command
	// that is a single word ("balance") has an empty name.
	group, name string
	synopsis    string // flags and arguments, for the usage text
	summary     string
	args        []string // names of the required positional arguments
	// variadic lets the last of args repeat: the command takes at least
	// len(args) positional arguments (judge's answer files).
	variadic bool
	cred     credential
	// setup registers the command's own flags and returns its action,
	// which reads them after parsing.
	setup func(fs *flag.FlagSet) action
}

// usageLine is the command's synopsis on one line, for error messages.
func (c *command) usageLine() string {
	return strings.Join(strings.Fields("arenactl "+c.group+" "+c.name+" "+c.synopsis), " ")
}

// usageBlock is the synopsis as written, wrapped where it has newlines,
// for the help text.
func (c *command) usageBlock() string {
	return strings.TrimSpace("arenactl " + c.title() + " " + c.synopsis)
}

func (c *command) title() string { return strings.TrimSpace(c.group + " " + c.name) }

// usageError is a mistake in how arenactl was invoked; it exits 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// commands lists every command in the order the usage text shows them.
var commands = slices.Concat(ownerCommands, ledgerCommands, agentCommands, arenaCommands, judgeCommands, contestCommands, prefsCommands, clusterCommands)

func lookup(group, name string) *command {
	for _, c := range commands {
		if c.group == group && c.name == name {
			return c
		}
	}
	return nil
}

func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	// Parse errors are reported once, by run, in arenactl's own format.
	fs.SetOutput(io.Discard)
	return fs
}

// run is the whole CLI behind a testable seam: it never touches os.Args,
// os.Getenv, os.Stdout or os.Exit.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	g := globalsFromEnv(getenv)
	top := newFlagSet("arenactl")
	g.register(top)
	if err := top.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(stdout)
			return 0
		}
		return fail(stderr, usagef("%v", err), nil)
	}
	rest := top.Args()
	if len(rest) == 0 {
		printUsage(stderr)
		return 2
	}
	group := rest[0]
	if group == "help" {
		printUsage(stdout)
		return 0
	}
	cmd, cmdArgs := lookup(group, ""), rest[1:]
	if cmd == nil {
		if len(rest) < 2 || strings.HasPrefix(rest[1], "-") {
			if len(rest) >= 2 && (rest[1] == "-h" || rest[1] == "--help") && hasGroup(group) {
				printUsage(stdout)
				return 0
			}
			if !hasGroup(group) {
				return fail(stderr, usagef("unknown command %q", group), nil)
			}
			return fail(stderr, usagef("%s needs a subcommand", group), nil)
		}
		if cmd, cmdArgs = lookup(group, rest[1]), rest[2:]; cmd == nil {
			return fail(stderr, usagef("unknown command %q", group+" "+rest[1]), nil)
		}
	}

	fs := newFlagSet(cmd.title())
	g.register(fs)
	act := cmd.setup(fs)
	positional, err := parseInterleaved(fs, cmdArgs)
	if errors.Is(err, flag.ErrHelp) {
		printCommandUsage(stdout, cmd)
		return 0
	}
	switch {
	case err != nil || len(positional) == len(cmd.args):
	case cmd.variadic && len(positional) > len(cmd.args):
	case cmd.variadic:
		err = usagef("%s takes at least %d argument(s) (%s...), got %d", cmd.title(),
			len(cmd.args), strings.Join(cmd.args, " "), len(positional))
	case len(cmd.args) == 0:
		err = usagef("%s takes no arguments, got %d", cmd.title(), len(positional))
	default:
		err = usagef("%s takes %d argument(s) (%s), got %d", cmd.title(),
			len(cmd.args), strings.Join(cmd.args, " "), len(positional))
	}
	if err != nil {
		return fail(stderr, err, cmd)
	}
	cred := cmd.cred
	if cred == credOwnerScope {
		if cred, err = scopeCredential(g, fs.Lookup("owner").Value.String()); err != nil {
			return fail(stderr, err, cmd)
		}
	}
	c, err := newClient(g, cred)
	if err != nil {
		return fail(stderr, err, cmd)
	}
	inv := &invocation{client: c, args: positional, g: g, stdout: stdout, stderr: stderr}
	return fail(stderr, act(ctx, inv), cmd)
}

// parseInterleaved lets flags follow positional arguments
// ("agent show ID --json"), which the flag package alone stops at.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usagef("%v", err)
		}
		consumed := len(args) - fs.NArg()
		if consumed > 0 && args[consumed-1] == "--" {
			// The flag package ate a "--" terminator: what follows is
			// positional even if it looks like a flag.
			return append(positional, fs.Args()...), nil
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// scopeCredential picks the key for a command about owner's money.
func scopeCredential(g globals, owner string) (credential, error) {
	switch {
	case owner == "" || owner == "me":
		return credOwner, nil
	case g.operatorToken != "":
		return credOperator, nil
	case g.key != "":
		return credOwner, nil
	}
	return 0, usagef("--owner %s needs that owner's API key (--key, ARENA_KEY) or the operator token (--operator-token, ARENA_OPERATOR_TOKEN)", owner)
}

func newClient(g globals, cred credential) (*client.Client, error) {
	opts := []client.Option{
		client.WithUserAgent("arenactl"),
		client.WithHTTPClient(newHTTPClient()),
	}
	switch cred {
	case credOptional:
		opts = append(opts, client.WithKey(g.key))
	case credOwner:
		if g.key == "" {
			return nil, usagef("this command needs an owner API key: pass --key or set ARENA_KEY")
		}
		opts = append(opts, client.WithKey(g.key))
	case credKeyOrOperator, credOwnerOrOperator:
		switch {
		case g.key != "":
			opts = append(opts, client.WithKey(g.key))
		case g.operatorToken != "":
			opts = append(opts, client.WithKey(g.operatorToken))
		case cred == credOwnerOrOperator:
			return nil, usagef("this command needs the owner API key (--key, ARENA_KEY) or the operator token (--operator-token, ARENA_OPERATOR_TOKEN)")
		default:
			return nil, usagef("this command needs a trainer key (--key, ARENA_KEY) or the operator token (--operator-token, ARENA_OPERATOR_TOKEN)")
		}
	case credOperator:
		if g.operatorToken == "" {
			return nil, usagef("this command needs the operator token: pass --operator-token or set ARENA_OPERATOR_TOKEN")
		}
		opts = append(opts, client.WithKey(g.operatorToken))
	}
	c, err := client.New(g.server, opts...)
	if err != nil {
		return nil, usagef("invalid --server: %v", err)
	}
	return c, nil
}

// fail reports err and returns the exit status: 0 for no error, 2 for a
// usage error, 1 for anything that went wrong while doing the work.
func fail(stderr io.Writer, err error, cmd *command) int {
	if err == nil {
		return 0
	}
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "arenactl: %s\n", ue.msg)
		if cmd != nil {
			fmt.Fprintf(stderr, "usage: %s\n", cmd.usageLine())
		}
		fmt.Fprintln(stderr, "Run 'arenactl help' for usage.")
		return 2
	}
	var apiErr *client.APIError
	if errors.As(err, &apiErr) {
		fmt.Fprintf(stderr, "arenactl: %s: %s\n", apiErr.Code, sanitize(apiErr.Message))
		if cmd != nil && cmd.cred == credOperator && apiErr.Status == http.StatusUnauthorized {
			// The server cannot tell a mistyped operator token from any
			// unknown key; this command only takes the operator's.
			fmt.Fprintln(stderr, "arenactl: the node does not take this operator token: pass the cluster's with --operator-token or ARENA_OPERATOR_TOKEN")
		}
		return 1
	}
	fmt.Fprintf(stderr, "arenactl: %v\n", err)
	return 1
}

func hasGroup(group string) bool {
	for _, c := range commands {
		if c.group == group {
			return true
		}
	}
	return false
}

const globalUsage = `Global flags (accepted before the command or after the subcommand):
  --server URL            Arena node to talk to; any node works, writes are
                          forwarded to the leader (env ARENA_SERVER,
                          default ` + defaultServer + `)
  --key KEY               owner API key, aro_... (env ARENA_KEY)
  --operator-token TOKEN  operator token, for grant, adjust, audit, ledger
                          settings, arena put and delete, contest abort,
                          cluster remove, and balance or transfers of
                          another owner (env ARENA_OPERATOR_TOKEN)
  --json                  print the API's JSON object instead of a table;
                          amounts are then integers in minor units
`

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "arenactl manages owners, money, agents, arenas, contests and cluster membership")
	fmt.Fprintln(w, "of an Agent Arena.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: arenactl [global flags] <command> [<subcommand>] [flags] [args]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %s\n        %s\n", strings.TrimPrefix(c.usageBlock(), "arenactl "), c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprint(w, globalUsage)
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Amounts are shown in units with two decimals (100 minor units = 1.00);")
	fmt.Fprintln(w, "--amount and --json use integer minor units, as the API does.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Exit status: 0 on success, 1 if the request failed (or audit found problems),")
	fmt.Fprintln(w, "2 on a usage error.")
}

func printCommandUsage(w io.Writer, c *command) {
	fmt.Fprintf(w, "Usage: %s\n\n%s\n\n%s", c.usageBlock(), strings.TrimSpace(c.summary), globalUsage)
}

// newHTTPClient bounds each HTTP call so a hung node cannot hang a script;
// Ctrl-C cancels sooner through the context.
func newHTTPClient() *http.Client {
	return &http.Client{Timeout: 30 * time.Second}
}
