package ledger

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"

	bolt "go.etcd.io/bbolt"

	"github.com/agentarena/arena/apperr"
)

// History pages: the default and the most one call returns.
const (
	DefaultPage = 100
	MaxPage     = 1000
)

// transfer reads a transfer by id.
func (s *store) transfer(id string) (Transfer, bool, error) {
	key := s.ids.Get([]byte(id))
	if key == nil {
		return Transfer{}, false, nil
	}
	t, err := s.transferAt(key)
	return t, err == nil, err
}

// transferAt reads a transfer by its seq key.
func (s *store) transferAt(key []byte) (Transfer, error) {
	data := s.transfers.Get(key)
	if data == nil {
		return Transfer{}, apperr.New(apperr.Internal, "transfer %d is indexed but missing", binary.BigEndian.Uint64(key))
	}
	var t Transfer
	if err := json.Unmarshal(data, &t); err != nil {
		return Transfer{}, fmt.Errorf("decode transfer %d: %w", binary.BigEndian.Uint64(key), err)
	}
	return t, nil
}

// Get reads one transfer by its id.
func Get(tx *bolt.Tx, transferID string) (Transfer, bool, error) {
	s, err := open(tx)
	if err != nil {
		return Transfer{}, false, err
	}
	return s.transfer(transferID)
}

// History lists an account's transfers oldest first, those with Seq greater
// than afterSeq, at most limit of them (DefaultPage when limit <= 0, never
// more than MaxPage). next is the afterSeq of the following page, 0 at the
// end, so a client pages with the cursor it is handed back.
func History(tx *bolt.Tx, accountID string, afterSeq uint64, limit int) (list []Transfer, next uint64, err error) {
	if _, err := kindOf(accountID); err != nil {
		return nil, 0, err
	}
	if limit <= 0 {
		limit = DefaultPage
	}
	limit = min(limit, MaxPage)
	s, err := open(tx)
	if err != nil {
		return nil, 0, err
	}
	list = []Transfer{}
	if afterSeq == math.MaxUint64 {
		return list, 0, nil
	}
	err = s.scan(s.byAccount, accountID, afterSeq+1, func(t Transfer) bool {
		if len(list) == limit {
			next = list[len(list)-1].Seq
			return false
		}
		list = append(list, t)
		return true
	})
	if err != nil {
		return nil, 0, err
	}
	return list, next, nil
}

// ContestTransfers lists every transfer of a contest in order: its stakes,
// then its payouts and fee, or its refunds.
func ContestTransfers(tx *bolt.Tx, contestID string) ([]Transfer, error) {
	if contestID == "" {
		return nil, apperr.New(apperr.Invalid, "contest id is required")
	}
	if err := checkText("contest id", contestID, maxIDLen); err != nil {
		return nil, err
	}
	s, err := open(tx)
	if err != nil {
		return nil, err
	}
	list := []Transfer{}
	err = s.scan(s.byContest, contestID, 1, func(t Transfer) bool {
		list = append(list, t)
		return true
	})
	if err != nil {
		return nil, err
	}
	return list, nil
}

// scan walks an index under id from seq fromSeq on, calling fn with each
// transfer until fn returns false.
func (s *store) scan(index *bolt.Bucket, id string, fromSeq uint64, fn func(Transfer) bool) error {
	prefix := append([]byte(id), 0)
	c := index.Cursor()
	for k, _ := c.Seek(indexKey(id, fromSeq)); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		if len(k) != len(prefix)+8 {
			return apperr.New(apperr.Internal, "ledger index key %q is malformed", k)
		}
		t, err := s.transferAt(k[len(prefix):])
		if err != nil {
			return err
		}
		if !fn(t) {
			return nil
		}
	}
	return nil
}
