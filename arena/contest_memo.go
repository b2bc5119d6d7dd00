package arena

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"

	"github.com/agentarena/arena/apperr"
	"github.com/agentarena/arena/games"
)

// contestMemoBytes bounds the contest memo by the stored bytes it
// remembers (a prompt contest's state holds whole answers); the running
// contests of a busy arena fit, and a full memo is simply emptied.
// arenaMemoBytes does the same for arena records, a few hundred bytes
// each.
// stateMemoBytes bounds the game states remembered (a connect4 state is
// a few hundred bytes).
const (
	contestMemoBytes = 16 << 20
	arenaMemoBytes   = 1 << 20
	stateMemoBytes   = 8 << 20
)

// byteMemo remembers values decoded from stored records by the bytes they
// came from. Keyed by the stored bytes, a hit is exact whatever
// transaction the read is in, so it needs no invalidation; callers get
// their own copy (clone) to change.
type byteMemo[T any] struct {
	mu    sync.Mutex
	m     map[string]memoEntry[T]
	bytes int // stored bytes remembered, counted twice (raw and decoded)
	limit int
	clone func(T) T
	// decode is what the memo saves; verify calls it on every hit and
	// panics when the remembered value differs. Verification is on in test
	// binaries (memoVerify), so every test that applies commands checks
	// that a memo answers what decoding would: the state machine must
	// behave the same on a node that hits and on one that decodes.
	decode func(key string, raw []byte) (T, error)
	verify bool
}

type memoEntry[T any] struct {
	raw []byte
	v   T
}

func newByteMemo[T any](limit int, clone func(T) T, decode func(string, []byte) (T, error)) *byteMemo[T] {
	return &byteMemo[T]{m: map[string]memoEntry[T]{}, limit: limit, clone: clone, decode: decode, verify: memoVerify()}
}

// memoVerify: on in test binaries, unless they were asked to run
// benchmarks, which must measure what a node runs.
func memoVerify() bool {
	if !testing.Testing() {
		return false
	}
	b := flag.Lookup("test.bench")
	return b == nil || b.Value.String() == ""
}

// lookup returns a copy of what raw decodes to, if remembered.
func (m *byteMemo[T]) lookup(key string, raw []byte) (T, bool) {
	v, ok := m.lookupShared(key, raw)
	if !ok {
		return v, false
	}
	return m.clone(v), true
}

// lookupShared returns what raw decodes to, if remembered: the memo's own
// value, which the caller must not change.
func (m *byteMemo[T]) lookupShared(key string, raw []byte) (T, bool) {
	m.mu.Lock()
	e, ok := m.m[key]
	m.mu.Unlock()
	if !ok || !bytes.Equal(e.raw, raw) {
		var zero T
		return zero, false
	}
	if m.verify {
		if fresh, err := m.decode(key, raw); err != nil || !reflect.DeepEqual(fresh, e.v) {
			panic(fmt.Sprintf("memo of %s answers %+v, decoding gives %+v (%v)", key, e.v, fresh, err))
		}
	}
	return e.v, true
}

// store remembers v as what raw decodes to. The memo owns both from now
// on: callers pass copies no one else changes.
func (m *byteMemo[T]) store(key string, raw []byte, v T) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.m[key]; ok {
		m.bytes -= 2 * len(old.raw)
	}
	if m.bytes+2*len(raw) > m.limit {
		clear(m.m)
		m.bytes = 0
	}
	m.m[key] = memoEntry[T]{raw: raw, v: v}
	m.bytes += 2 * len(raw)
}

// decodeJSON is the decode of a memo of JSON records.
func decodeJSON[T any](_ string, raw []byte) (*T, error) {
	var v T
	err := json.Unmarshal(raw, &v)
	return &v, err
}

// contestMemo remembers decoded contests. Every move reads its contest
// several times (the apply, the runner's reaction, the agent's session),
// and decoding the JSON record was the largest single cost of a move.
type contestMemo struct{ *byteMemo[*Contest] }

func newContestMemo() *contestMemo {
	return &contestMemo{newByteMemo(contestMemoBytes, cloneContest, decodeJSON[Contest])}
}

// get reads a contest in tx; a nil memo decodes every time.
func (m *contestMemo) get(tx *bolt.Tx, id string) (*Contest, error) {
	return m.read(tx, id, false)
}

// getShared is get without the copy of a remembered contest: the caller
// must change nothing in what it returns (SharedContest).
func (m *contestMemo) getShared(tx *bolt.Tx, id string) (*Contest, error) {
	return m.read(tx, id, true)
}

func (m *contestMemo) read(tx *bolt.Tx, id string, shared bool) (*Contest, error) {
	v := tx.Bucket(bucketContests).Get([]byte(id))
	if v == nil {
		return nil, apperr.New(apperr.NotFound, "contest %s not found", id)
	}
	if m != nil {
		if shared {
			if c, ok := m.lookupShared(id, v); ok {
				return c, nil
			}
		} else if c, ok := m.lookup(id, v); ok {
			return c, nil
		}
	}
	var c Contest
	if err := json.Unmarshal(v, &c); err != nil {
		return nil, fmt.Errorf("decode %s: %w", id, err)
	}
	if m != nil {
		m.store(id, bytes.Clone(v), cloneContest(&c))
	}
	return &c, nil
}

// remember records c as putContest just stored it (raw), so that the
// next read needs no decode: on a follower, which never reads a contest
// between two applies, every move used to decode its contest. Only a
// contest whose decode gives back exactly c (with empty omitted slices
// as nil) is remembered; any other is decoded on its next read.
func (m *contestMemo) remember(raw []byte, c *Contest) {
	if m == nil || !decodesExactly(c) {
		return
	}
	d := cloneContest(c)
	if len(d.Ranks) == 0 {
		d.Ranks = nil
	}
	if len(d.RatingDeltas) == 0 {
		d.RatingDeltas = nil
	}
	if len(d.Payouts) == 0 {
		d.Payouts = nil
	}
	if len(d.Verdict) == 0 {
		d.Verdict = nil
	}
	d.CreatedAt, d.EndedAt = decodedTime(d.CreatedAt), decodedTime(d.EndedAt)
	m.store(c.ID, raw, d)
}

// decodesExactly reports whether json.Unmarshal(json.Marshal(c)) gives c
// back, up to what remember normalizes: its strings are valid UTF-8 (the
// encoder replaces invalid bytes), its raw JSON is already in the
// encoder's compact, HTML-escaped form (which is what decoding returns),
// its state is not null, and its times are UTC within UnixNano's range.
func decodesExactly(c *Contest) bool {
	for _, s := range []string{c.ID, c.Arena, c.Game, c.Status, c.Reason} {
		if !utf8.ValidString(s) {
			return false
		}
	}
	for _, s := range c.Seats {
		if !utf8.ValidString(s.AgentID) || !utf8.ValidString(s.OwnerID) || !utf8.ValidString(s.Name) {
			return false
		}
	}
	if len(c.State) == 0 || !compactRaw(c.State) || (len(c.Verdict) > 0 && !compactRaw(c.Verdict)) {
		return false
	}
	return utcInRange(c.CreatedAt) && utcInRange(c.EndedAt)
}

// compactRaw: b holds nothing the encoder's compaction would change (no
// whitespace, even inside strings, and none of the characters it
// escapes). Conservative: a prompt game's state, whose answers have
// spaces, is simply not remembered on write.
func compactRaw(b []byte) bool {
	return utf8.Valid(b) && !bytes.ContainsAny(b, " \t\n\r<>&\u2028\u2029")
}

func utcInRange(t time.Time) bool {
	if t.IsZero() {
		return true
	}
	y := t.Year()
	return t.Location() == time.UTC && y > 1678 && y < 2262
}

// decodedTime is t as decoding its RFC 3339 text returns it: no monotonic
// reading, the UTC location.
func decodedTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return time.Unix(0, t.UnixNano()).UTC()
}

// cloneContest copies a contest deeply: the memo's copy and the caller's
// must share no slice.
func cloneContest(c *Contest) *Contest {
	d := *c
	d.Seats = slices.Clone(c.Seats)
	d.State = bytes.Clone(c.State)
	d.Deadlines = slices.Clone(c.Deadlines)
	d.Strikes = slices.Clone(c.Strikes)
	d.Ranks = slices.Clone(c.Ranks)
	d.RatingDeltas = slices.Clone(c.RatingDeltas)
	d.Payouts = slices.Clone(c.Payouts)
	d.Verdict = bytes.Clone(c.Verdict)
	if c.Terms != nil {
		t := *c.Terms
		t.Rewards = slices.Clone(c.Terms.Rewards)
		d.Terms = &t
	}
	return &d
}

// arenaMemo remembers decoded arena records: every move's apply reads
// its contest's arena.
type arenaMemo struct{ *byteMemo[*Arena] }

func newArenaMemo() *arenaMemo {
	return &arenaMemo{newByteMemo(arenaMemoBytes, cloneArena, decodeJSON[Arena])}
}

// get reads an arena in tx; a nil memo decodes every time.
func (m *arenaMemo) get(tx *bolt.Tx, name string) (Arena, error) {
	if m == nil {
		return getArena(tx, name)
	}
	v := tx.Bucket(bucketArenas).Get([]byte(name))
	if v == nil {
		return Arena{}, apperr.New(apperr.NotFound, "arena %s not found", name)
	}
	if a, ok := m.lookup(name, v); ok {
		return *a, nil
	}
	var a Arena
	if err := json.Unmarshal(v, &a); err != nil {
		return Arena{}, fmt.Errorf("decode %s: %w", name, err)
	}
	m.store(name, bytes.Clone(v), cloneArena(&a))
	return a, nil
}

func cloneArena(a *Arena) *Arena {
	d := *a
	d.Rewards = slices.Clone(a.Rewards)
	d.Judges = slices.Clone(a.Judges)
	d.Options = bytes.Clone(a.Options)
	return &d
}

// stateMemo remembers loaded game states of the games whose states copy
// themselves (games.Cloner), keyed by game and contest.
type stateMemo struct{ *byteMemo[games.State] }

func newStateMemo(reg GameRegistry) *stateMemo {
	decode := func(key string, raw []byte) (games.State, error) {
		name, _, _ := strings.Cut(key, "/")
		g, ok := reg[name]
		if !ok {
			return nil, fmt.Errorf("game %s is not available", name)
		}
		return g.Load(raw)
	}
	return &stateMemo{newByteMemo(stateMemoBytes, cloneState, decode)}
}

// cloneState copies a remembered state (only Cloners are remembered).
func cloneState(st games.State) games.State { return st.(games.Cloner).Clone() }

func stateKey(c *Contest) string { return c.Game + "/" + c.ID }

// load returns c's game state; a nil memo loads it every time.
func (m *stateMemo) load(g games.Game, c *Contest) (games.State, error) {
	if m != nil {
		if st, ok := m.lookup(stateKey(c), c.State); ok {
			return st, nil
		}
	}
	st, err := g.Load(c.State)
	if err != nil {
		return nil, err
	}
	m.remember(c, st)
	return st, nil
}

// remember records st as the state c.State holds (setState's output, or
// what load decoded), for a game whose states copy themselves. A game
// state's Load must give back what Marshal was given; verification in
// tests checks it for every hit.
func (m *stateMemo) remember(c *Contest, st games.State) {
	cl, ok := st.(games.Cloner)
	if m == nil || !ok {
		return
	}
	m.store(stateKey(c), bytes.Clone(c.State), cl.Clone())
}
