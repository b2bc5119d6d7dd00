package arena

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sort"

	bolt "go.etcd.io/bbolt"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/apperr"
	"github.com/agentarena/arena/ledger"
)

// Storage: every bucket of the state file, the layout of its keys, and
// the typed reads and writes on them. Apply handlers and node reads both
// come here, so a read path is: node method, then this file.

var (
	bucketMeta = []byte("_meta") // bookkeeping, excluded from the state hash
	keyApplied = []byte("applied_index")
	keyLastTS  = []byte("last_ts")
	// keyAppliedTerm and keyConfiguration place the state in the log for
	// snapshots streamed from it (describeState).
	keyAppliedTerm   = []byte("applied_term")
	keyConfiguration = []byte("configuration") // index(8) + raft's encoding
)

var (
	bucketCluster  = []byte("cluster")
	bucketCounters = []byte("counters")
	keyOperator    = []byte("operator_token_hash")
	keyLeaders     = []byte("leader_changes")
	keyClusterID   = []byte("cluster_id")
	nodePrefix     = "node/"
)

func allBuckets() [][]byte {
	out := append([][]byte{}, ledger.Buckets()...)
	out = append(out, bucketMeta, bucketCluster, bucketCounters, bucketArenas, bucketContests, bucketContestEvents,
		bucketActive, bucketAgentActive, bucketQueue, bucketQueueOwners, bucketRatings, bucketRecent, bucketHistory, bucketBattles, bucketPreferences)
	return append(out, agents.Buckets()...)
}

func getUint(b *bolt.Bucket, k []byte) uint64 {
	v := b.Get(k)
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

func putUint(b *bolt.Bucket, k []byte, v uint64) error {
	var buf [8]byte
	binary.BigEndian.PutUint64(buf[:], v)
	if err := b.Put(k, buf[:]); err != nil {
		return fmt.Errorf("put %s: %w", k, err)
	}
	return nil
}

func getJSON(b *bolt.Bucket, k []byte, v any) (bool, error) {
	data := b.Get(k)
	if data == nil {
		return false, nil
	}
	if err := json.Unmarshal(data, v); err != nil {
		return false, fmt.Errorf("decode %s: %w", k, err)
	}
	return true, nil
}

func putJSON(b *bolt.Bucket, k []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", k, err)
	}
	if err := b.Put(k, data); err != nil {
		return fmt.Errorf("put %s: %w", k, err)
	}
	return nil
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

var keyLedgerSettings = []byte("ledger_settings")

func ledgerSettings(tx *bolt.Tx) (LedgerSettings, bool, error) {
	var s LedgerSettings
	ok, err := getJSON(tx.Bucket(bucketCluster), keyLedgerSettings, &s)
	return s, ok, err
}

func currencyOf(tx *bolt.Tx) string {
	if s, ok, _ := ledgerSettings(tx); ok && s.Currency != "" {
		return s.Currency
	}
	return ledger.DefaultCurrency
}

var bucketArenas = []byte("arenas")

func getArena(tx *bolt.Tx, name string) (Arena, error) {
	var a Arena
	ok, err := getJSON(tx.Bucket(bucketArenas), []byte(name), &a)
	if err != nil {
		return Arena{}, err
	}
	if !ok {
		return Arena{}, apperr.New(apperr.NotFound, "arena %s not found", name)
	}
	return a, nil
}

func listArenas(tx *bolt.Tx) ([]Arena, error) {
	out := []Arena{}
	err := tx.Bucket(bucketArenas).ForEach(func(k, v []byte) error {
		var a Arena
		if err := json.Unmarshal(v, &a); err != nil {
			return fmt.Errorf("decode arena %s: %w", k, err)
		}
		out = append(out, a)
		return nil
	})
	return out, err
}

var (
	bucketContests      = []byte("contests")
	bucketContestEvents = []byte("contest_events") // id "/" seq(8) -> ContestEvent
	bucketActive        = []byte("contests_active")
	bucketAgentActive   = []byte("agent_active") // agent "\x00" contest -> arena
)

func eventKey(contestID string, seq uint64) []byte {
	k := make([]byte, 0, len(contestID)+9)
	k = append(k, contestID...)
	k = append(k, '/')
	return binary.BigEndian.AppendUint64(k, seq)
}

// putContest stores c, keeps the active indexes in step and tells the
// memo (nil: none) what it stored.
func putContest(tx *bolt.Tx, m *contestMemo, c *Contest) error {
	data, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("encode %s: %w", c.ID, err)
	}
	if err := tx.Bucket(bucketContests).Put([]byte(c.ID), data); err != nil {
		return fmt.Errorf("put %s: %w", c.ID, err)
	}
	m.remember(data, c)
	act, agentAct := tx.Bucket(bucketActive), tx.Bucket(bucketAgentActive)
	for _, s := range c.Seats {
		k := []byte(s.AgentID + "\x00" + c.ID)
		var err error
		if c.Active() {
			err = putChanged(agentAct, k, []byte(c.Arena))
		} else {
			err = agentAct.Delete(k)
		}
		if err != nil {
			return fmt.Errorf("index agent contest: %w", err)
		}
	}
	if c.Active() {
		return putChanged(act, []byte(c.ID), []byte(c.Arena))
	}
	return act.Delete([]byte(c.ID))
}

// putChanged puts v under k unless it is stored there already: a bbolt
// Put rewrites the key's page at the commit even when nothing changed,
// and a running contest's index entries are put again with every move.
func putChanged(b *bolt.Bucket, k, v []byte) error {
	if old := b.Get(k); old != nil && bytes.Equal(old, v) {
		return nil
	}
	return b.Put(k, v)
}

func notFoundContest(id string) error { return apperr.New(apperr.NotFound, "contest %s not found", id) }

// activeContestsOf lists the ids of an agent's running or judging contests.
func activeContestsOf(tx *bolt.Tx, agentID string) []string {
	var out []string
	prefix := []byte(agentID + "\x00")
	c := tx.Bucket(bucketAgentActive).Cursor()
	for k, _ := c.Seek(prefix); k != nil && len(k) > len(prefix) && string(k[:len(prefix)]) == string(prefix); k, _ = c.Next() {
		out = append(out, string(k[len(prefix):]))
	}
	return out
}

func activeContestsInArena(tx *bolt.Tx, agentID, arenaName string) []string {
	var out []string
	b := tx.Bucket(bucketAgentActive)
	for _, id := range activeContestsOf(tx, agentID) {
		if string(b.Get([]byte(agentID+"\x00"+id))) == arenaName {
			out = append(out, id)
		}
	}
	return out
}

var (
	bucketRatings = []byte("ratings") // arena "\x00" agent -> RatingEntry
	bucketRecent  = []byte("recent")  // agent -> []agent (last contest's opponents)
	// bucketHistory: agent "\x00" arena "\x00" index(8) -> RatingPoint
	bucketHistory = []byte("rating_history")
	// bucketBattles: arena "\x00" index(8) "\x00" pair(2) -> Battle; the
	// pairwise outcomes Bradley–Terry ratings are fitted on.
	bucketBattles = []byte("battles")
)

func ratingKey(arenaName, agent string) []byte { return []byte(arenaName + "\x00" + agent) }

// leaderboard lists an arena's entries, best first.
func leaderboard(tx *bolt.Tx, arenaName string) ([]RatingEntry, error) {
	out := []RatingEntry{}
	prefix := []byte(arenaName + "\x00")
	c := tx.Bucket(bucketRatings).Cursor()
	for k, v := c.Seek(prefix); k != nil && len(k) > len(prefix) && string(k[:len(prefix)]) == string(prefix); k, v = c.Next() {
		var e RatingEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return nil, fmt.Errorf("decode rating %s: %w", k, err)
		}
		out = append(out, e)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Rating != out[j].Rating {
			return out[i].Rating > out[j].Rating
		}
		return out[i].AgentID < out[j].AgentID
	})
	return out, nil
}

func recentOpponents(tx *bolt.Tx) (map[string][]string, error) {
	out := map[string][]string{}
	err := tx.Bucket(bucketRecent).ForEach(func(k, v []byte) error {
		var opp []string
		if err := json.Unmarshal(v, &opp); err != nil {
			return fmt.Errorf("decode recent %s: %w", k, err)
		}
		out[string(k)] = opp
		return nil
	})
	return out, err
}

var bucketPreferences = []byte("preferences") // cursor(8) -> PreferencePair
