package arena

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sync"

	bolt "go.etcd.io/bbolt"

	"github.com/agentarena/arena/apperr"
)

// contestMemoBytes bounds the memo by the stored bytes it remembers (a
// prompt contest's state holds whole answers); the running contests of a
// busy arena fit, and a full memo is simply emptied.
const contestMemoBytes = 16 << 20

// contestMemo remembers decoded contests by the bytes they were decoded
// from. Every move reads its contest several times (the apply, the
// runner's reaction, the agent's session), and decoding the JSON record
// was the largest single cost of a move. Keyed by the stored bytes, a hit
// is exact whatever transaction the read is in, so the memo needs no
// invalidation; callers get their own copy to change.
type contestMemo struct {
	mu    sync.Mutex
	m     map[string]memoContest
	bytes int // stored bytes remembered, counted twice (raw and decoded)
}

type memoContest struct {
	raw []byte
	c   *Contest
}

func newContestMemo() *contestMemo { return &contestMemo{m: map[string]memoContest{}} }

// get reads a contest in tx; a nil memo decodes every time.
func (m *contestMemo) get(tx *bolt.Tx, id string) (*Contest, error) {
	v := tx.Bucket(bucketContests).Get([]byte(id))
	if v == nil {
		return nil, apperr.New(apperr.NotFound, "contest %s not found", id)
	}
	if m != nil {
		m.mu.Lock()
		e, ok := m.m[id]
		m.mu.Unlock()
		if ok && bytes.Equal(e.raw, v) {
			return cloneContest(e.c), nil
		}
	}
	var c Contest
	if err := json.Unmarshal(v, &c); err != nil {
		return nil, fmt.Errorf("decode %s: %w", id, err)
	}
	if m != nil {
		m.mu.Lock()
		if old, ok := m.m[id]; ok {
			m.bytes -= 2 * len(old.raw)
		}
		if m.bytes+2*len(v) > contestMemoBytes {
			clear(m.m)
			m.bytes = 0
		}
		m.m[id] = memoContest{raw: bytes.Clone(v), c: cloneContest(&c)}
		m.bytes += 2 * len(v)
		m.mu.Unlock()
	}
	return &c, nil
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
	return &d
}
