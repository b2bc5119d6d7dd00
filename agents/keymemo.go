package agents

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// keyMemoEntries bounds the memo; a full memo is simply emptied, so a
// cluster with more live keys than this decodes some of them again.
const keyMemoEntries = 1 << 16

// KeyMemo remembers decoded principals by the stored bytes they came
// from. Every authenticated request resolves its key, and decoding the
// stored JSON was 7% of a leader's CPU under owner-key writes. Keyed by the
// stored bytes, a hit is exact in whatever transaction the read is in: a
// revoked key has no bytes, a rotated one other bytes, so nothing needs
// invalidating. Safe for concurrent use; a nil memo decodes every time.
type KeyMemo struct {
	mu sync.Mutex
	m  map[string]memoKey
}

type memoKey struct {
	raw []byte
	p   Principal
}

// NewKeyMemo returns an empty memo.
func NewKeyMemo() *KeyMemo { return &KeyMemo{m: map[string]memoKey{}} }

// Lookup is LookupKey through the memo.
func (m *KeyMemo) Lookup(tx *bolt.Tx, keyHash string) (Principal, bool, error) {
	v := tx.Bucket(bucketKeys).Get([]byte(keyHash))
	if v == nil {
		return Principal{}, false, nil
	}
	if m != nil {
		m.mu.Lock()
		e, ok := m.m[keyHash]
		m.mu.Unlock()
		if ok && bytes.Equal(e.raw, v) {
			return e.p, true, nil
		}
	}
	var p Principal
	if err := json.Unmarshal(v, &p); err != nil {
		return Principal{}, false, fmt.Errorf("decode %s/%s: %w", bucketKeys, keyHash, err)
	}
	if m != nil {
		m.mu.Lock()
		if len(m.m) >= keyMemoEntries {
			clear(m.m)
		}
		m.m[keyHash] = memoKey{raw: bytes.Clone(v), p: p}
		m.mu.Unlock()
	}
	return p, true, nil
}
