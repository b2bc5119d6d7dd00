package agents

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/agentarena/arena/apperr"
)

// Buckets owned by this package inside the state machine's bbolt file.
var (
	bucketOwners     = []byte("owners")
	bucketAgents     = []byte("agents")
	bucketAgentNames = []byte("agent_names") // owner_id "\x00" name -> agent id
	bucketKeys       = []byte("keys")        // sha256(key) hex -> Principal
	// bucketSecrets holds sealed model-endpoint API keys by agent id, apart
	// from the agent records so no read path can return them by accident.
	bucketSecrets  = []byte("agent_secrets")
	bucketTrainers = []byte("trainers")
)

// Buckets lists every bucket this package writes, so the state machine can
// create them when it opens a fresh file.
func Buckets() [][]byte {
	return [][]byte{bucketOwners, bucketAgents, bucketAgentNames, bucketKeys, bucketSecrets, bucketTrainers}
}

// Principal kinds: who a key acts for.
const (
	PrincipalOwner   = "owner"
	PrincipalAgent   = "agent"
	PrincipalTrainer = "trainer"
	// PrincipalOperator is the cluster's operator token; it has no key
	// record, only the replicated hash.
	PrincipalOperator = "operator"
)

// Trainer is a read-only consumer of preference data: its key may read
// preferences and change nothing.
type Trainer struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// CreateTrainer stores a trainer and the hash of its key.
func CreateTrainer(tx *bolt.Tx, t Trainer, keyHash string) error {
	if err := validateName("name", t.Name); err != nil {
		return err
	}
	if t.ID == "" || keyHash == "" {
		return apperr.New(apperr.Invalid, "trainer id and key hash are required")
	}
	if tx.Bucket(bucketTrainers).Get([]byte(t.ID)) != nil {
		return apperr.New(apperr.Conflict, "trainer %s already exists", t.ID)
	}
	if tx.Bucket(bucketKeys).Get([]byte(keyHash)) != nil {
		return apperr.New(apperr.Conflict, "key already registered")
	}
	if err := put(tx, bucketTrainers, t.ID, t); err != nil {
		return err
	}
	return put(tx, bucketKeys, keyHash, Principal{Kind: PrincipalTrainer, ID: t.ID})
}

// Principal is what a key resolves to.
type Principal struct {
	Kind    string `json:"kind"`
	ID      string `json:"id"`
	OwnerID string `json:"owner_id"`
}

// CreateOwner stores a new owner and the hash of its API key.
func CreateOwner(tx *bolt.Tx, o Owner, keyHash string) error {
	if err := ValidateOwner(o.Name, o.Email); err != nil {
		return err
	}
	if o.ID == "" || keyHash == "" {
		return apperr.New(apperr.Invalid, "owner id and key hash are required")
	}
	if tx.Bucket(bucketOwners).Get([]byte(o.ID)) != nil {
		return apperr.New(apperr.Conflict, "owner %s already exists", o.ID)
	}
	if tx.Bucket(bucketKeys).Get([]byte(keyHash)) != nil {
		return apperr.New(apperr.Conflict, "key already registered")
	}
	if err := put(tx, bucketOwners, o.ID, o); err != nil {
		return err
	}
	return put(tx, bucketKeys, keyHash, Principal{Kind: PrincipalOwner, ID: o.ID, OwnerID: o.ID})
}

// GetOwner reads one owner.
func GetOwner(tx *bolt.Tx, id string) (Owner, error) {
	var o Owner
	if err := get(tx, bucketOwners, id, &o); err != nil {
		return Owner{}, err
	}
	return o, nil
}

// OwnerExists is GetOwner's not-found check without decoding the owner,
// for the hot paths that only need to know (every ledger grant).
func OwnerExists(tx *bolt.Tx, id string) error {
	if tx.Bucket(bucketOwners).Get([]byte(id)) == nil {
		return apperr.New(apperr.NotFound, "owner %s not found", id)
	}
	return nil
}

// CreateAgent stores a new agent for an existing owner. Names are unique per
// owner so an owner can address their agents by name.
func CreateAgent(tx *bolt.Tx, a Agent, keyHash string) error {
	if err := a.Validate(); err != nil {
		return err
	}
	if a.ID == "" || keyHash == "" {
		return apperr.New(apperr.Invalid, "agent id and key hash are required")
	}
	if tx.Bucket(bucketOwners).Get([]byte(a.OwnerID)) == nil {
		return apperr.New(apperr.NotFound, "owner %s not found", a.OwnerID)
	}
	if tx.Bucket(bucketAgents).Get([]byte(a.ID)) != nil {
		return apperr.New(apperr.Conflict, "agent %s already exists", a.ID)
	}
	if tx.Bucket(bucketAgentNames).Get(nameKey(a.OwnerID, a.Name)) != nil {
		return apperr.New(apperr.Conflict, "you already have an agent named %q", a.Name)
	}
	if tx.Bucket(bucketKeys).Get([]byte(keyHash)) != nil {
		return apperr.New(apperr.Conflict, "key already registered")
	}
	a.Version = 1
	a.UpdatedAt = a.CreatedAt
	if err := put(tx, bucketAgents, a.ID, a); err != nil {
		return err
	}
	if err := tx.Bucket(bucketAgentNames).Put(nameKey(a.OwnerID, a.Name), []byte(a.ID)); err != nil {
		return fmt.Errorf("index agent name: %w", err)
	}
	return put(tx, bucketKeys, keyHash, Principal{Kind: PrincipalAgent, ID: a.ID, OwnerID: a.OwnerID})
}

// GetAgent reads one live agent; retired agents are not found.
func GetAgent(tx *bolt.Tx, id string) (Agent, error) {
	a, err := getAgentRecord(tx, id)
	if err != nil {
		return Agent{}, err
	}
	if a.Deleted() {
		return Agent{}, apperr.New(apperr.NotFound, "agent %s not found", id)
	}
	return a, nil
}

func getAgentRecord(tx *bolt.Tx, id string) (Agent, error) {
	var a Agent
	if err := get(tx, bucketAgents, id, &a); err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return Agent{}, apperr.New(apperr.NotFound, "agent %s not found", id)
		}
		return Agent{}, err
	}
	return a, nil
}

// UpdateAgent applies a patch on behalf of actor, who must own the agent.
func UpdateAgent(tx *bolt.Tx, id, actor string, p AgentPatch, now time.Time) (Agent, error) {
	a, err := GetAgent(tx, id)
	if err != nil {
		return Agent{}, err
	}
	if a.OwnerID != actor {
		return Agent{}, apperr.New(apperr.Forbidden, "agent %s belongs to another owner", id)
	}
	if p.Empty() {
		return Agent{}, apperr.New(apperr.Invalid, "patch changes nothing: give at least one of name, description, kind, webhook_url")
	}
	if a.Kind == KindBuiltin || (p.Kind != nil && *p.Kind == KindBuiltin) {
		return Agent{}, apperr.New(apperr.Invalid, "kind %q is reserved for the arena's own bots", KindBuiltin)
	}
	next := p.Apply(a)
	if err := next.Validate(); err != nil {
		return Agent{}, err
	}
	names := tx.Bucket(bucketAgentNames)
	if next.Name != a.Name {
		if names.Get(nameKey(a.OwnerID, next.Name)) != nil {
			return Agent{}, apperr.New(apperr.Conflict, "you already have an agent named %q", next.Name)
		}
		if err := names.Delete(nameKey(a.OwnerID, a.Name)); err != nil {
			return Agent{}, fmt.Errorf("unindex agent name: %w", err)
		}
		if err := names.Put(nameKey(a.OwnerID, next.Name), []byte(a.ID)); err != nil {
			return Agent{}, fmt.Errorf("index agent name: %w", err)
		}
	}
	next.Version = a.Version + 1
	next.UpdatedAt = now
	return next, put(tx, bucketAgents, a.ID, next)
}

// DeleteAgent retires an agent on behalf of actor, who must own it: its key
// stops working at once and its name is free again, but its record stays.
func DeleteAgent(tx *bolt.Tx, id, actor string, now time.Time) error {
	a, err := GetAgent(tx, id)
	if err != nil {
		return err
	}
	if a.OwnerID != actor {
		return apperr.New(apperr.Forbidden, "agent %s belongs to another owner", id)
	}
	if err := deleteKeysOf(tx, PrincipalAgent, a.ID); err != nil {
		return err
	}
	if err := PutSecret(tx, a.ID, ""); err != nil {
		return err
	}
	if err := PutWebhookSecret(tx, a.ID, ""); err != nil {
		return err
	}
	if err := tx.Bucket(bucketAgentNames).Delete(nameKey(a.OwnerID, a.Name)); err != nil {
		return fmt.Errorf("unindex agent name: %w", err)
	}
	a.DeletedAt = now
	a.UpdatedAt = now
	return put(tx, bucketAgents, a.ID, a)
}

// deleteKeysOf scans the key index. Deletions are rare, so a scan is cheaper
// than keeping a reverse index in step on every write.
func deleteKeysOf(tx *bolt.Tx, kind, id string) error {
	b := tx.Bucket(bucketKeys)
	var doomed [][]byte
	err := b.ForEach(func(k, v []byte) error {
		var p Principal
		if err := json.Unmarshal(v, &p); err != nil {
			return fmt.Errorf("decode key principal: %w", err)
		}
		if p.Kind == kind && p.ID == id {
			doomed = append(doomed, bytes.Clone(k))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range doomed {
		if err := b.Delete(k); err != nil {
			return fmt.Errorf("delete key: %w", err)
		}
	}
	return nil
}

// ListAgents returns live agents in id order, optionally of one owner,
// starting after the cursor (an agent id). next is empty at the end.
func ListAgents(tx *bolt.Tx, ownerID, after string, limit int) (list []Agent, next string, err error) {
	if limit <= 0 {
		limit = 100
	}
	if ownerID != "" {
		return listAgentsOf(tx, ownerID, after, limit)
	}
	c := tx.Bucket(bucketAgents).Cursor()
	k, v := c.First()
	if after != "" {
		k, v = c.Seek([]byte(after))
		if k != nil && string(k) == after {
			k, v = c.Next()
		}
	}
	list = []Agent{}
	for ; k != nil; k, v = c.Next() {
		var a Agent
		if err := json.Unmarshal(v, &a); err != nil {
			return nil, "", fmt.Errorf("decode agent %s: %w", k, err)
		}
		if a.Deleted() || (ownerID != "" && a.OwnerID != ownerID) {
			continue
		}
		if len(list) == limit {
			return list, list[len(list)-1].ID, nil
		}
		list = append(list, a)
	}
	return list, "", nil
}

// listAgentsOf is ListAgents for one owner. Walking every agent in the
// cluster and decoding each to find one owner's cost 3.5 ms per 1,000
// agents on a public route; the name index lists an owner's live agents
// together, so a page reads that owner's index keys and the page's
// records. Pages keep the order and cursors of the walk (by id).
func listAgentsOf(tx *bolt.Tx, ownerID, after string, limit int) (list []Agent, next string, err error) {
	prefix := []byte(ownerID + "\x00")
	var ids []string
	c := tx.Bucket(bucketAgentNames).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if id := string(v); id > after {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	list = []Agent{}
	for _, id := range ids {
		a, err := getAgentRecord(tx, id)
		if err != nil {
			return nil, "", err
		}
		if a.Deleted() || a.OwnerID != ownerID {
			continue
		}
		if len(list) == limit {
			return list, list[len(list)-1].ID, nil
		}
		list = append(list, a)
	}
	return list, "", nil
}

// LookupKey resolves a key hash to the principal it acts for.
func LookupKey(tx *bolt.Tx, keyHash string) (Principal, bool, error) {
	return (*KeyMemo)(nil).Lookup(tx, keyHash)
}

// CountAgentsOf counts owner's live agents, stopping at limit: the name
// index holds one key per live agent, grouped by owner, so this reads
// at most limit keys however many agents the cluster has.
func CountAgentsOf(tx *bolt.Tx, ownerID string, limit int) int {
	prefix := []byte(ownerID + "\x00")
	c := tx.Bucket(bucketAgentNames).Cursor()
	n := 0
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) && n < limit; k, _ = c.Next() {
		n++
	}
	return n
}

func nameKey(ownerID, name string) []byte {
	return []byte(ownerID + "\x00" + name)
}

func put(tx *bolt.Tx, bucket []byte, key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s/%s: %w", bucket, key, err)
	}
	if err := tx.Bucket(bucket).Put([]byte(key), data); err != nil {
		return fmt.Errorf("put %s/%s: %w", bucket, key, err)
	}
	return nil
}

func get(tx *bolt.Tx, bucket []byte, key string, v any) error {
	data := tx.Bucket(bucket).Get([]byte(key))
	if data == nil {
		// The bucket is named in the plural ("owners"); the message is about one.
		return apperr.New(apperr.NotFound, "%s %s not found", strings.TrimSuffix(string(bucket), "s"), key)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("decode %s/%s: %w", bucket, key, err)
	}
	return nil
}

// PutSecret stores (or, with "", removes) an agent's sealed endpoint key.
func PutSecret(tx *bolt.Tx, agentID, sealed string) error {
	b := tx.Bucket(bucketSecrets)
	if sealed == "" {
		return b.Delete([]byte(agentID))
	}
	if err := b.Put([]byte(agentID), []byte(sealed)); err != nil {
		return fmt.Errorf("put agent secret: %w", err)
	}
	return nil
}

// Secret reads an agent's sealed endpoint key ("" when it has none).
func Secret(tx *bolt.Tx, agentID string) string {
	return string(tx.Bucket(bucketSecrets).Get([]byte(agentID)))
}

// webhookSecretKey is where an agent's sealed webhook secret rests: in
// the secrets bucket beside endpoint keys (a new bucket would change the
// state hash of every old log), under a prefix no agent id has.
func webhookSecretKey(agentID string) []byte { return []byte("webhook\x00" + agentID) }

// PutWebhookSecret stores (or, with "", removes) an agent's sealed
// webhook signing secret.
func PutWebhookSecret(tx *bolt.Tx, agentID, sealed string) error {
	b := tx.Bucket(bucketSecrets)
	if sealed == "" {
		return b.Delete(webhookSecretKey(agentID))
	}
	if err := b.Put(webhookSecretKey(agentID), []byte(sealed)); err != nil {
		return fmt.Errorf("put webhook secret: %w", err)
	}
	return nil
}

// WebhookSecret reads an agent's sealed webhook secret ("" when it has
// none: not a webhook agent, or one created before secrets existed).
func WebhookSecret(tx *bolt.Tx, agentID string) string {
	return string(tx.Bucket(bucketSecrets).Get(webhookSecretKey(agentID)))
}

// RotateKey replaces every key of a principal with one new key hash: the
// old key stops working in the same apply.
func RotateKey(tx *bolt.Tx, kind, id, newHash string) error {
	if newHash == "" {
		return apperr.New(apperr.Invalid, "new key hash is required")
	}
	if tx.Bucket(bucketKeys).Get([]byte(newHash)) != nil {
		return apperr.New(apperr.Conflict, "key already registered")
	}
	p := Principal{Kind: kind, ID: id}
	switch kind {
	case PrincipalOwner:
		if _, err := GetOwner(tx, id); err != nil {
			return err
		}
		p.OwnerID = id
	case PrincipalAgent:
		a, err := GetAgent(tx, id)
		if err != nil {
			return err
		}
		p.OwnerID = a.OwnerID
	default:
		return apperr.New(apperr.Invalid, "keys of kind %q cannot be rotated", kind)
	}
	if err := deleteKeysOf(tx, kind, id); err != nil {
		return err
	}
	return put(tx, bucketKeys, newHash, p)
}
