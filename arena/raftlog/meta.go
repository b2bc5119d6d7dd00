package raftlog

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"sort"
)

// meta is what the log keeps beside its segments: raft's stable store
// (current term, vote) and the first index still in the log. It is small
// and changes at elections and log compactions only, so it is rewritten
// whole: a temporary file, fsync, rename over the old one, fsync of the
// directory. A crash leaves either the old file or the new one.
type meta struct {
	first  uint64
	stable map[string][]byte
}

const metaName = "meta"

// errKeyNotFound is what raft expects of a stable store for a key it has
// never set: it compares the message, "not found", as raft-boltdb's is.
var errKeyNotFound = errors.New("not found")

func (m *meta) encode() []byte {
	keys := make([]string, 0, len(m.stable))
	for k := range m.stable {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b := binary.LittleEndian.AppendUint32(nil, 0) // CRC of the rest
	b = binary.LittleEndian.AppendUint64(b, m.first)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(keys)))
	for _, k := range keys {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(k)))
		b = append(b, k...)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(m.stable[k])))
		b = append(b, m.stable[k]...)
	}
	binary.LittleEndian.PutUint32(b, crc32.Checksum(b[4:], crcTable))
	return b
}

func decodeMeta(b []byte) (meta, error) {
	m := meta{stable: map[string][]byte{}}
	if len(b) < 16 || crc32.Checksum(b[4:], crcTable) != binary.LittleEndian.Uint32(b) {
		return m, errors.New("checksum mismatch")
	}
	m.first = binary.LittleEndian.Uint64(b[4:])
	n := binary.LittleEndian.Uint32(b[12:])
	rest := b[16:]
	for range n {
		k, r, err := lengthPrefixed(rest)
		if err != nil {
			return m, errors.New("truncated key")
		}
		v, r, err := lengthPrefixed(r)
		if err != nil {
			return m, errors.New("truncated value")
		}
		if _, dup := m.stable[string(k)]; dup {
			return m, fmt.Errorf("key %q twice", k)
		}
		m.stable[string(k)] = clone(v)
		rest = r
	}
	if len(rest) != 0 {
		return m, fmt.Errorf("%d trailing bytes", len(rest))
	}
	return m, nil
}

// loadMeta reads the meta file, writing an empty one into a new log so
// that the directory shows which store it holds from the start.
func loadMeta(dir string) (meta, error) {
	b, err := os.ReadFile(filepath.Join(dir, metaName))
	if errors.Is(err, os.ErrNotExist) {
		m := meta{stable: map[string][]byte{}}
		return m, m.save(dir)
	}
	if err != nil {
		return meta{}, fmt.Errorf("read raft log meta: %w", err)
	}
	m, err := decodeMeta(b)
	if err != nil {
		return meta{}, fmt.Errorf("raft log meta %s is corrupt: %w", filepath.Join(dir, metaName), err)
	}
	return m, nil
}

func (m *meta) save(dir string) error {
	tmp := filepath.Join(dir, metaName+".tmp")
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("write raft log meta: %w", err)
	}
	_, err = f.Write(m.encode())
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, metaName))
	}
	if err == nil {
		err = syncDir(dir)
	}
	if err != nil {
		return fmt.Errorf("write raft log meta: %w", err)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

func appendUint64(b []byte, v uint64) []byte { return binary.BigEndian.AppendUint64(b, v) }

func readUint64(b []byte) uint64 { return binary.BigEndian.Uint64(b) }
