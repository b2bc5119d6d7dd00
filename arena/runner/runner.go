package runner

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/agents/secrets"
	"github.com/agentarena/arena/agents/webhook"
	"github.com/agentarena/arena/apperr"
	"github.com/agentarena/arena/arena"
	"github.com/agentarena/arena/internal/egress"
)

// Config configures the contest runner.
type Config struct {
	// Node is the local node; arena.Node satisfies it.
	Node Node
	Bots []Bot
	// Reference returns the house's published answer to a prompt (the
	// built-in bots' reference answers, public in the repository), if it
	// has one: the copy check counts it as the house's, published before
	// any contest, so another owner's agent that replays it is a copier
	// however early it plays it (nil: none).
	Reference func(promptID, promptText string) (string, bool)
	Judges    map[string]Judge
	// JudgeTimeout bounds one judging try (0: 60 s): a judge that has no
	// verdict by then fails that try, which is retried with backoff.
	JudgeTimeout time.Duration
	// JudgeGiveUpAfter bounds how long a contest waits in judging for
	// its verdict (0: 15 min; negative: for ever). Once its judging has
	// lasted that long, the next failed try gives it up: the contest is
	// aborted, its stakes refunded, with a reason naming the judge's
	// error (judge_giveup.go).
	JudgeGiveUpAfter time.Duration
	// JudgeGiveUpPermanentAfter is the same bound for a contest whose
	// last try failed with an error the server says waiting will not
	// fix (a refused key, an unknown model, a spent quota, a prompt past
	// the model's context): 0: 2 min; never longer than JudgeGiveUpAfter.
	JudgeGiveUpPermanentAfter time.Duration
	// BotDelay is how long a bot waits before moving, so spectators can
	// follow a game; 0 in tests.
	BotDelay time.Duration
	// HouseFloor is the balance, in minor units, that the leader keeps
	// the built-in bots' wallet at: below it, a grant brings it back up
	// (house.go). 0: never.
	HouseFloor int64
	// Tick is how often deadlines, matchmaking and queues are checked.
	Tick time.Duration
	// HTTPClient calls webhook agents (nil: webhook.New's default, a
	// 60 s timeout; each call also ends at the turn's deadline).
	HTTPClient *http.Client
	// AgentEgress says which addresses webhook and model-endpoint calls
	// may reach; the zero value, egress.Public, only public ones (the
	// operator's --agent-egress).
	AgentEgress egress.Policy
	Logger      *slog.Logger
	Now         func() time.Time
	// SeedDefaults makes a new leader propose the default arenas and bots.
	SeedDefaults bool
	// Sealer opens model-endpoint API keys of openai agents.
	Sealer *secrets.Sealer
	// Registerer receives the judge metrics (nil: not exported).
	Registerer prometheus.Registerer
	// EventBuffer is how many committed events wait for the runner in
	// its channel (0: 8192); more wait in a backlog, never dropped.
	EventBuffer int
}

// Runner drives contests on the leader: it matches queued agents, delivers
// turns (to websocket sessions, webhooks, model endpoints and bots),
// enforces deadlines and disconnect grace, and has judges rank judged
// contests. Every decision it makes is a command in the log; on a follower
// it only keeps sessions attached. A new leader's runner resumes
// everything from the state.
type Runner struct {
	cfg  Config
	node Node
	log  *slog.Logger
	bots map[string]Bot // by agent id
	hook webhookCaller
	// modelHTTP calls model endpoints, held to cfg.AgentEgress; one
	// client for every turn, so connections are reused.
	modelHTTP *http.Client
	metrics   *metrics
	// deliveries are the webhook calls this node made (deliveries.go);
	// prunedAt is when the sweep last dropped deleted agents' calls.
	deliveries deliveryLog
	prunedAt   time.Time
	// houseChecked is when the leader last read the bots' wallet.
	houseChecked time.Time

	mu      sync.Mutex
	conns   map[string]AgentConn // agent id -> live session on this node
	goneAt  map[string]time.Time // agent id -> when its session went away
	leading bool
	// term-scoped state, reset on every leadership change
	termCtx    context.Context
	termCancel context.CancelFunc
	dispatched map[string]map[turnID]bool // contest -> turns delivered
	inflight   map[string]bool            // timeouts, judgings, forfeits
	judgeRetry map[string]retryWait       // contest -> when judging may run again
	wg         sync.WaitGroup

	// announceMu orders a session's frames: contest_start goes out
	// before the contest's first turn, though the event handler and the
	// periodic sweep may both reach a new contest (see announce).
	announceMu sync.Mutex
	announced  map[string]AgentConn // contest + agent -> session told of it

	answers answerMemo // settled prompt contests' answers (copies.go)
	// events is Run's subscription, for the backlog gauge.
	events atomic.Pointer[arena.Subscription]
}

// retryWait paces retries of a failing judgement and remembers since
// when the contest has been judging, to give it up (judge_giveup.go).
type retryWait struct {
	delay time.Duration
	next  time.Time
	// since is when the contest entered judging (its judging event's
	// time, read once per term); zero until a try failed.
	since time.Time
}

// New builds a runner; Run starts it.
func New(cfg Config) *Runner {
	if cfg.Tick <= 0 {
		cfg.Tick = 100 * time.Millisecond
	}
	if cfg.EventBuffer <= 0 {
		cfg.EventBuffer = 8192
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.JudgeTimeout <= 0 {
		cfg.JudgeTimeout = DefaultJudgeTimeout
	}
	if cfg.JudgeGiveUpAfter == 0 {
		cfg.JudgeGiveUpAfter = DefaultJudgeGiveUpAfter
	}
	if cfg.JudgeGiveUpPermanentAfter <= 0 {
		cfg.JudgeGiveUpPermanentAfter = DefaultJudgeGiveUpPermanentAfter
	}
	if cfg.JudgeGiveUpAfter > 0 {
		cfg.JudgeGiveUpPermanentAfter = min(cfg.JudgeGiveUpPermanentAfter, cfg.JudgeGiveUpAfter)
	}
	r := &Runner{cfg: cfg, node: cfg.Node, log: cfg.Logger.With("component", "runner"),
		bots: map[string]Bot{}, hook: webhook.New(cfg.HTTPClient, cfg.AgentEgress), modelHTTP: cfg.AgentEgress.Client(nil),
		conns: map[string]AgentConn{}, goneAt: map[string]time.Time{}, announced: map[string]AgentConn{}}
	r.metrics = newMetrics(cfg.Registerer, r.eventBacklog, cfg.EventBuffer)
	for _, b := range cfg.Bots {
		r.bots[arena.BotAgentID(b.Name())] = b
	}
	return r
}

// BotSpecs describes the runner's bots for seeding; each plays in the
// default arena named after its game.
func (r *Runner) BotSpecs() []arena.BotSpec {
	var out []arena.BotSpec
	for _, b := range r.cfg.Bots {
		out = append(out, arena.BotSpec{Name: b.Name(), Description: b.Description(), Arena: b.Game()})
	}
	return out
}

// Run blocks until ctx ends, then waits for the work it started.
func (r *Runner) Run(ctx context.Context) {
	// Lossless: the runner acts on every event, and some it alone turns
	// into frames (contest_end, unqueued on an arena's delete) that the
	// sweep cannot redo once the contest has left the active ones.
	sub := r.node.Bus().SubscribeAll(r.cfg.EventBuffer)
	r.events.Store(sub)
	t := time.NewTicker(r.cfg.Tick)
	defer func() {
		t.Stop()
		sub.Close()
		r.stopLeading()
		r.wg.Wait()
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case ev := <-sub.C:
			if r.isLeading() {
				r.onEvent(ev)
			}
		case <-t.C:
			r.tick(ctx)
		}
	}
}

// eventBacklog is how many committed events wait for the runner beyond
// its channel.
func (r *Runner) eventBacklog() float64 {
	if sub := r.events.Load(); sub != nil {
		return float64(sub.Backlog())
	}
	return 0
}

func (r *Runner) isLeading() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.leading
}

func (r *Runner) tick(ctx context.Context) {
	ready := r.node.LeaderReady()
	switch {
	case ready && !r.isLeading():
		r.startLeading(ctx)
	case !ready && r.isLeading():
		r.stopLeading()
		return
	case !ready:
		return
	}
	r.leaderTick()
}

func (r *Runner) startLeading(parent context.Context) {
	r.mu.Lock()
	r.leading = true
	r.termCtx, r.termCancel = context.WithCancel(parent)
	r.dispatched = map[string]map[turnID]bool{}
	r.inflight = map[string]bool{}
	r.judgeRetry = map[string]retryWait{}
	now := r.cfg.Now()
	// Disconnect grace restarts with the term: agents could not reach a
	// node that was not leading.
	for id := range r.goneAt {
		r.goneAt[id] = now
	}
	conns := make(map[string]AgentConn, len(r.conns))
	for id, c := range r.conns {
		conns[id] = c
	}
	r.mu.Unlock()
	r.log.Info("runner leading")
	if r.cfg.SeedDefaults {
		ctx, cancel := context.WithTimeout(r.termCtx, 5*time.Second)
		if err := r.node.Seed(ctx, arena.DefaultArenas(), r.BotSpecs()); err != nil {
			r.log.Warn("seeding defaults failed", "err", err)
		}
		cancel()
	}
	r.resumeAll()
	for id, c := range conns {
		r.greet(id, c)
	}
}

// resumeAll gives every running contest fresh deadlines under the new
// leader; the deadline change also makes the runner deliver each turn again.
func (r *Runner) resumeAll() {
	active, err := r.node.ActiveContests()
	if err != nil {
		r.log.Warn("list active contests", "err", err)
		return
	}
	for _, c := range active {
		if c.Status != arena.StatusRunning {
			continue
		}
		ctx, cancel := r.opCtx(r.termCtx)
		if err := r.node.ResumeContest(ctx, c.ID); err != nil {
			r.log.Warn("resume contest", "contest", c.ID, "err", err)
		}
		cancel()
	}
}

func (r *Runner) stopLeading() {
	r.mu.Lock()
	if !r.leading {
		r.mu.Unlock()
		return
	}
	r.leading = false
	r.termCancel()
	conns := r.conns
	r.conns = map[string]AgentConn{}
	r.mu.Unlock()
	// Announcements are the term's too: a contest that ends under another
	// leader is never forgotten here (ended), and each would keep its
	// seat's closed session.
	r.announceMu.Lock()
	clear(r.announced)
	r.announceMu.Unlock()
	r.log.Info("runner stopped leading")
	// Sessions here can no longer act; agents reconnect to the new leader.
	for _, c := range conns {
		c.Close("this node is no longer the leader; reconnect")
	}
}

// goDo runs f in a tracked goroutine once per key at a time.
func (r *Runner) goDo(key string, f func(ctx context.Context)) {
	r.mu.Lock()
	if !r.leading || r.inflight[key] {
		r.mu.Unlock()
		return
	}
	r.inflight[key] = true
	ctx := r.termCtx
	r.wg.Add(1)
	r.mu.Unlock()
	go func() {
		defer r.wg.Done()
		defer func() {
			r.mu.Lock()
			delete(r.inflight, key)
			r.mu.Unlock()
		}()
		f(ctx)
	}()
}

func (r *Runner) opCtx(parent context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(parent, 10*time.Second)
}

// newContestID sorts by creation time, so listing newest-first is a
// reverse key scan.
func newContestID(now time.Time) (string, uint64, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", 0, fmt.Errorf("read random: %w", err)
	}
	return fmt.Sprintf("c_%016x%s", now.UnixNano(), hex.EncodeToString(b[:4])), binary.BigEndian.Uint64(b[8:]), nil
}

func (r *Runner) agentKind(id string) string {
	kind, _ := r.agentState(id)
	return kind
}

// agentState is agentKind, and whether the agent was deleted: its seats
// in running contests can never be played again.
func (r *Runner) agentState(id string) (kind string, deleted bool) {
	if _, ok := r.bots[id]; ok {
		return agents.KindBuiltin, false
	}
	a, err := r.node.GetAgent(id)
	if err != nil {
		return "", apperr.Is(err, apperr.NotFound)
	}
	return a.Kind, false
}
