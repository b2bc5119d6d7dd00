package arena

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"

	bolt "go.etcd.io/bbolt"
)

// metaOffHighWater is where a bbolt meta page keeps the number of pages
// its commit uses (the file must hold at least that many).
const metaOffHighWater = 56

// checkStateFileSize refuses a state file shorter than its newest valid
// meta page says it is. bbolt maps the file and would read past its end,
// which is SIGBUS, a crash no recover() catches, on the first access: a
// truncated copy or a cut-off backup must be an error before that. advice
// ends the error: what the reader of it should do, which differs between
// a node's own file and a backup being restored.
func checkStateFileSize(path, advice string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	var best []byte
	for _, off := range []int64{0, -1} {
		if off < 0 {
			if best == nil {
				break // no page size to find the second meta page by
			}
			off = int64(binary.LittleEndian.Uint32(best[metaOffPageSize:]))
		}
		head := make([]byte, metaHeadLen)
		if _, err := f.ReadAt(head, off); err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read state file %s: %w", path, err)
		}
		if validMetaHead(head) != nil {
			continue
		}
		if best == nil || binary.LittleEndian.Uint64(head[metaOffTxid:]) > binary.LittleEndian.Uint64(best[metaOffTxid:]) {
			best = head
		}
	}
	if best == nil {
		return nil // no valid meta page: bbolt's own open says so
	}
	ps := int64(binary.LittleEndian.Uint32(best[metaOffPageSize:]))
	need := int64(binary.LittleEndian.Uint64(best[metaOffHighWater:])) * ps
	if fi.Size() < need {
		return fmt.Errorf("state file %s is truncated: %d bytes, but its last commit uses %d (%d pages of %d bytes); %s",
			path, fi.Size(), need, need/ps, ps, advice)
	}
	return nil
}

// checkStateFile reads every bucket, key and value of an open state file,
// and turns what a damaged page does to bbolt (a panic, or a fault on a
// page number past the file's end) into an error. bbolt's own Tx.Check
// cannot be used: it runs in a goroutine of its own, where a panic is
// fatal.
func checkStateFile(db *bolt.DB) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("damaged page: %v", r)
		}
	}()
	return db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			return walkBucket(b, 0)
		})
	})
}

// walkBucket reads a bucket whole, nested buckets too.
func walkBucket(b *bolt.Bucket, depth int) error {
	if depth > 64 {
		return errors.New("buckets nested over 64 deep: a damaged page")
	}
	return b.ForEach(func(k, v []byte) error {
		if v != nil {
			return nil
		}
		nested := b.Bucket(k)
		if nested == nil {
			return fmt.Errorf("key %q is neither a value nor a bucket: a damaged page", k)
		}
		return walkBucket(nested, depth+1)
	})
}
