package arena

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/api"
	"github.com/agentarena/arena/apperr"
	"github.com/agentarena/arena/ledger"
)

// Command types. A type name is part of the log format: never rename one.
const (
	CmdOwnerCreate       = "owner.create"
	CmdAgentCreate       = "agent.create"
	CmdAgentUpdate       = "agent.update"
	CmdAgentDelete       = "agent.delete"
	CmdCounterAdd        = "counter.add"
	CmdClusterOperator   = "cluster.operator_token"
	CmdClusterNode       = "cluster.node"
	CmdClusterNodeRemove = "cluster.node_remove"
	CmdClusterLeader     = "cluster.leader"
	CmdSystemSeed        = "system.seed"
	CmdArenaPut          = "arena.put"
	CmdQueueJoin         = "queue.join"
	CmdQueueLeave        = "queue.leave"
	CmdContestCreate     = "contest.create"
	CmdContestMove       = "contest.move"
	CmdContestTimeout    = "contest.timeout"
	CmdContestForfeit    = "contest.forfeit"
	CmdContestJudged     = "contest.judged"
	CmdContestAbort      = "contest.abort"
	CmdContestResume     = "contest.resume"
	CmdLedgerGrant       = "ledger.grant"
	CmdLedgerSettings    = "ledger.settings"
	CmdTrainerCreate     = "trainer.create"
	CmdKeyRotate         = "key.rotate"
)

var (
	bucketCluster  = []byte("cluster")
	bucketCounters = []byte("counters")
	keyOperator    = []byte("operator_token_hash")
	keyLeaders     = []byte("leader_changes")
	nodePrefix     = "node/"
)

// maxLeaderChanges bounds the leader-change history kept in the state.
const maxLeaderChanges = 50

// applyCtx is what a command handler sees: the batch transaction, the log
// index and the leader-stamped time. Handlers must check everything before
// writing anything, because a failed command shares its transaction with the
// rest of the batch and there is no partial rollback.
type applyCtx struct {
	tx     *bolt.Tx
	index  uint64
	now    time.Time
	events *[]Event
}

func (ac *applyCtx) emit(typ string, data any) {
	*ac.events = append(*ac.events, Event{Type: typ, Index: ac.index, Data: data})
}

type handler func(ac *applyCtx, env Envelope) (any, error)

func allBuckets() [][]byte {
	out := append([][]byte{}, ledger.Buckets()...)
	out = append(out, bucketMeta, bucketCluster, bucketCounters, bucketArenas, bucketContests, bucketContestEvents,
		bucketActive, bucketAgentActive, bucketQueue, bucketRatings, bucketRecent, bucketHistory, bucketBattles, bucketPreferences)
	return append(out, agents.Buckets()...)
}

// CommandTypes lists every command type the state machine applies, sorted.
func CommandTypes() []string {
	types := slices.Collect(maps.Keys((&FSM{}).stateHandlers()))
	slices.Sort(types)
	return types
}

func (f *FSM) stateHandlers() map[string]handler {
	return map[string]handler{
		CmdSystemSeed:        f.applySystemSeed,
		CmdArenaPut:          f.applyArenaPut,
		CmdQueueJoin:         f.applyQueueJoin,
		CmdQueueLeave:        f.applyQueueLeave,
		CmdContestCreate:     f.applyContestCreate,
		CmdContestMove:       f.applyContestMove,
		CmdContestTimeout:    f.applyContestTimeout,
		CmdContestForfeit:    f.applyContestForfeit,
		CmdContestJudged:     f.applyContestJudged,
		CmdContestAbort:      f.applyContestAbort,
		CmdContestResume:     f.applyContestResume,
		CmdLedgerGrant:       f.applyLedgerGrant,
		CmdLedgerSettings:    f.applyLedgerSettings,
		CmdOwnerCreate:       applyOwnerCreate,
		CmdTrainerCreate:     applyTrainerCreate,
		CmdKeyRotate:         applyKeyRotate,
		CmdAgentCreate:       applyAgentCreate,
		CmdAgentUpdate:       applyAgentUpdate,
		CmdAgentDelete:       applyAgentDelete,
		CmdCounterAdd:        applyCounterAdd,
		CmdClusterOperator:   applyOperatorToken,
		CmdClusterNode:       applyClusterNode,
		CmdClusterNodeRemove: applyClusterNodeRemove,
		CmdClusterLeader:     applyClusterLeader,
	}
}

type ownerCreateCmd struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Email   string `json:"email,omitempty"`
	KeyHash string `json:"key_hash"`
}

func applyOwnerCreate(ac *applyCtx, env Envelope) (any, error) {
	var c ownerCreateCmd
	if err := decodePayload(env, &c); err != nil {
		return nil, err
	}
	o := agents.Owner{ID: c.ID, Name: c.Name, Email: c.Email, CreatedAt: ac.now}
	if err := agents.CreateOwner(ac.tx, o, c.KeyHash); err != nil {
		return nil, err
	}
	if err := grantStart(ac, o.ID); err != nil {
		return nil, err
	}
	ac.emit("owner.created", o)
	return o, nil
}

type agentCreateCmd struct {
	ID          string                `json:"id"`
	OwnerID     string                `json:"owner_id"`
	Name        string                `json:"name"`
	Description string                `json:"description,omitempty"`
	Kind        string                `json:"kind"`
	WebhookURL  string                `json:"webhook_url,omitempty"`
	Endpoint    *agents.ModelEndpoint `json:"endpoint,omitempty"`
	// SealedKey is the endpoint's API key, sealed by the leader.
	SealedKey string `json:"sealed_key,omitempty"`
	KeyHash   string `json:"key_hash"`
}

func applyAgentCreate(ac *applyCtx, env Envelope) (any, error) {
	var c agentCreateCmd
	if err := decodePayload(env, &c); err != nil {
		return nil, err
	}
	a := agents.Agent{ID: c.ID, OwnerID: c.OwnerID, Name: c.Name, Description: c.Description,
		Kind: c.Kind, WebhookURL: c.WebhookURL, Endpoint: c.Endpoint, CreatedAt: ac.now}
	if c.SealedKey != "" && c.Kind != agents.KindOpenAI {
		return nil, apperr.New(apperr.Invalid, "only %s agents carry an API key", agents.KindOpenAI)
	}
	if err := agents.CreateAgent(ac.tx, a, c.KeyHash); err != nil {
		return nil, err
	}
	if err := agents.PutSecret(ac.tx, a.ID, c.SealedKey); err != nil {
		return nil, err
	}
	a, err := agents.GetAgent(ac.tx, a.ID)
	if err != nil {
		return nil, err
	}
	ac.emit("agent.created", a)
	return a, nil
}

type agentUpdateCmd struct {
	ID    string            `json:"id"`
	Actor string            `json:"actor"`
	Patch agents.AgentPatch `json:"patch"`
	// SealedKey replaces the endpoint API key when set ("" removes it).
	SealedKey *string `json:"sealed_key,omitempty"`
}

func applyAgentUpdate(ac *applyCtx, env Envelope) (any, error) {
	var c agentUpdateCmd
	if err := decodePayload(env, &c); err != nil {
		return nil, err
	}
	if c.SealedKey != nil && c.Patch.Empty() {
		// A key rotation alone is a valid change: touch nothing else.
		a, err := agents.GetAgent(ac.tx, c.ID)
		if err != nil {
			return nil, err
		}
		if a.OwnerID != c.Actor {
			return nil, apperr.New(apperr.Forbidden, "agent %s belongs to another owner", c.ID)
		}
		if a.Kind != agents.KindOpenAI {
			return nil, apperr.New(apperr.Invalid, "only %s agents carry an API key", agents.KindOpenAI)
		}
		return a, agents.PutSecret(ac.tx, a.ID, *c.SealedKey)
	}
	if c.SealedKey != nil && *c.SealedKey != "" {
		cur, err := agents.GetAgent(ac.tx, c.ID)
		if err != nil {
			return nil, err
		}
		kind := cur.Kind
		if c.Patch.Kind != nil {
			kind = *c.Patch.Kind
		}
		if kind != agents.KindOpenAI {
			return nil, apperr.New(apperr.Invalid, "only %s agents carry an API key", agents.KindOpenAI)
		}
	}
	a, err := agents.UpdateAgent(ac.tx, c.ID, c.Actor, c.Patch, ac.now)
	if err != nil {
		return nil, err
	}
	switch {
	case a.Kind != agents.KindOpenAI:
		// A key must not outlive the kind that uses it.
		if err := agents.PutSecret(ac.tx, a.ID, ""); err != nil {
			return nil, err
		}
	case c.SealedKey != nil:
		if err := agents.PutSecret(ac.tx, a.ID, *c.SealedKey); err != nil {
			return nil, err
		}
	}
	ac.emit("agent.updated", a)
	return a, nil
}

type agentDeleteCmd struct {
	ID    string `json:"id"`
	Actor string `json:"actor"`
}

func applyAgentDelete(ac *applyCtx, env Envelope) (any, error) {
	var c agentDeleteCmd
	if err := decodePayload(env, &c); err != nil {
		return nil, err
	}
	if err := agents.DeleteAgent(ac.tx, c.ID, c.Actor, ac.now); err != nil {
		return nil, err
	}
	ac.emit("agent.deleted", c.ID)
	return nil, nil
}

// counterAddCmd is a diagnostic command: tests use it to prove exactly-once
// application across restarts, and the benchmark uses it as a minimal write.
type counterAddCmd struct {
	Name  string `json:"name"`
	Delta int64  `json:"delta"`
}

func applyCounterAdd(ac *applyCtx, env Envelope) (any, error) {
	var c counterAddCmd
	if err := decodePayload(env, &c); err != nil {
		return nil, err
	}
	if c.Name == "" || len(c.Name) > 128 {
		return nil, apperr.New(apperr.Invalid, "counter name must be 1-128 bytes")
	}
	b := ac.tx.Bucket(bucketCounters)
	v := int64(getUint(b, []byte(c.Name))) + c.Delta
	return v, putUint(b, []byte(c.Name), uint64(v))
}

type operatorTokenCmd struct {
	Hash string `json:"hash"`
}

// applyOperatorToken sets the cluster's operator token hash once: the first
// leader proposes its own, later proposals are no-ops, so every node checks
// operator requests against the same secret.
func applyOperatorToken(ac *applyCtx, env Envelope) (any, error) {
	var c operatorTokenCmd
	if err := decodePayload(env, &c); err != nil {
		return nil, err
	}
	if len(c.Hash) != 64 {
		return nil, apperr.New(apperr.Invalid, "operator token hash must be 64 hex characters")
	}
	b := ac.tx.Bucket(bucketCluster)
	if b.Get(keyOperator) != nil {
		return false, nil
	}
	return true, b.Put(keyOperator, []byte(c.Hash))
}

// NodeMeta is what the cluster knows about a member beyond Raft: where its
// HTTP API lives, so followers can forward writes to the leader.
type NodeMeta = api.NodeMeta

func applyClusterNode(ac *applyCtx, env Envelope) (any, error) {
	var c NodeMeta
	if err := decodePayload(env, &c); err != nil {
		return nil, err
	}
	if c.ID == "" || c.RaftAddr == "" {
		return nil, apperr.New(apperr.Invalid, "node id and raft_addr are required")
	}
	return c, putJSON(ac.tx.Bucket(bucketCluster), []byte(nodePrefix+c.ID), c)
}

type nodeRemoveCmd struct {
	ID string `json:"id"`
}

func applyClusterNodeRemove(ac *applyCtx, env Envelope) (any, error) {
	var c nodeRemoveCmd
	if err := decodePayload(env, &c); err != nil {
		return nil, err
	}
	if err := ac.tx.Bucket(bucketCluster).Delete([]byte(nodePrefix + c.ID)); err != nil {
		return nil, fmt.Errorf("delete node meta: %w", err)
	}
	return nil, nil
}

// LeaderChange records one election, for operators.
type LeaderChange = api.LeaderChange

type leaderCmd struct {
	NodeID string `json:"node_id"`
	Term   uint64 `json:"term"`
}

func applyClusterLeader(ac *applyCtx, env Envelope) (any, error) {
	var c leaderCmd
	if err := decodePayload(env, &c); err != nil {
		return nil, err
	}
	b := ac.tx.Bucket(bucketCluster)
	var hist []LeaderChange
	if _, err := getJSON(b, keyLeaders, &hist); err != nil {
		return nil, err
	}
	hist = append(hist, LeaderChange{NodeID: c.NodeID, Term: c.Term, At: ac.now})
	if len(hist) > maxLeaderChanges {
		hist = hist[len(hist)-maxLeaderChanges:]
	}
	ac.emit("cluster.leader", hist[len(hist)-1])
	return nil, putJSON(b, keyLeaders, hist)
}

// readClusterNodes lists node metadata in id order.
func readClusterNodes(tx *bolt.Tx) (map[string]NodeMeta, error) {
	out := map[string]NodeMeta{}
	c := tx.Bucket(bucketCluster).Cursor()
	prefix := []byte(nodePrefix)
	for k, v := c.Seek(prefix); k != nil && len(k) >= len(prefix) && string(k[:len(prefix)]) == nodePrefix; k, v = c.Next() {
		var m NodeMeta
		if err := json.Unmarshal(v, &m); err != nil {
			return nil, fmt.Errorf("decode node meta %s: %w", k, err)
		}
		out[m.ID] = m
	}
	return out, nil
}

type trainerCreateCmd struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	KeyHash string `json:"key_hash"`
}

func applyTrainerCreate(ac *applyCtx, env Envelope) (any, error) {
	var c trainerCreateCmd
	if err := decodePayload(env, &c); err != nil {
		return nil, err
	}
	t := agents.Trainer{ID: c.ID, Name: c.Name, CreatedAt: ac.now}
	return t, agents.CreateTrainer(ac.tx, t, c.KeyHash)
}

type keyRotateCmd struct {
	Kind    string `json:"kind"`
	ID      string `json:"id"`
	Actor   string `json:"actor"`
	KeyHash string `json:"key_hash"`
}

// applyKeyRotate swaps a principal's key for a new one on behalf of the
// owner actor (an owner rotates its own key and its agents' keys).
func applyKeyRotate(ac *applyCtx, env Envelope) (any, error) {
	var c keyRotateCmd
	if err := decodePayload(env, &c); err != nil {
		return nil, err
	}
	switch c.Kind {
	case agents.PrincipalOwner:
		if c.ID != c.Actor {
			return nil, apperr.New(apperr.Forbidden, "you may only rotate your own key")
		}
	case agents.PrincipalAgent:
		a, err := agents.GetAgent(ac.tx, c.ID)
		if err != nil {
			return nil, err
		}
		if a.OwnerID != c.Actor || a.Kind == agents.KindBuiltin {
			return nil, apperr.New(apperr.Forbidden, "agent %s belongs to another owner", c.ID)
		}
	}
	return nil, agents.RotateKey(ac.tx, c.Kind, c.ID, c.KeyHash)
}
