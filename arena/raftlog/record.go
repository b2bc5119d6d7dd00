package raftlog

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"time"

	"github.com/hashicorp/raft"
)

// A record is one log entry in a segment file:
//
//	[4] payload length, little-endian
//	[4] CRC-32C of the payload
//	payload: [8] index [8] term [1] type [8] appended-at (unix ns)
//	         [4] data length, data, [4] extensions length, extensions
//
// The CRC tells a torn write at the end of the last segment (a crash in
// the middle of an append) from a complete record.
const (
	recordHeaderLen  = 8
	payloadFixedLen  = 8 + 8 + 1 + 8 + 4 + 4
	maxRecordPayload = 64 << 20 // far above any command; guards a corrupt length
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// errTorn marks bytes that are not a complete record: the end of the log
// in the last segment, corruption anywhere else.
var errTorn = errors.New("incomplete or corrupt record")

func recordLen(l *raft.Log) int {
	return recordHeaderLen + payloadFixedLen + len(l.Data) + len(l.Extensions)
}

// appendRecord encodes l onto buf.
func appendRecord(buf []byte, l *raft.Log) []byte {
	n := payloadFixedLen + len(l.Data) + len(l.Extensions)
	start := len(buf)
	buf = binary.LittleEndian.AppendUint32(buf, uint32(n))
	buf = binary.LittleEndian.AppendUint32(buf, 0) // CRC, filled in below
	buf = binary.LittleEndian.AppendUint64(buf, l.Index)
	buf = binary.LittleEndian.AppendUint64(buf, l.Term)
	buf = append(buf, byte(l.Type))
	var at int64
	if !l.AppendedAt.IsZero() {
		at = l.AppendedAt.UnixNano()
	}
	buf = binary.LittleEndian.AppendUint64(buf, uint64(at))
	buf = binary.LittleEndian.AppendUint32(buf, uint32(len(l.Data)))
	buf = append(buf, l.Data...)
	buf = binary.LittleEndian.AppendUint32(buf, uint32(len(l.Extensions)))
	buf = append(buf, l.Extensions...)
	payload := buf[start+recordHeaderLen:]
	binary.LittleEndian.PutUint32(buf[start+4:], crc32.Checksum(payload, crcTable))
	return buf
}

// readHeader returns the payload length of the record whose header is b,
// or errTorn.
func readHeader(b []byte) (int, error) {
	if len(b) < recordHeaderLen {
		return 0, errTorn
	}
	n := binary.LittleEndian.Uint32(b)
	if n < payloadFixedLen || n > maxRecordPayload {
		return 0, errTorn
	}
	return int(n), nil
}

// decodeRecord decodes a whole record (header and payload) into l. Data
// and Extensions are copied, so rec may be reused.
func decodeRecord(rec []byte, l *raft.Log) error {
	n, err := readHeader(rec)
	if err != nil {
		return err
	}
	if len(rec) != recordHeaderLen+n {
		return errTorn
	}
	payload := rec[recordHeaderLen:]
	if crc32.Checksum(payload, crcTable) != binary.LittleEndian.Uint32(rec[4:]) {
		return errTorn
	}
	l.Index = binary.LittleEndian.Uint64(payload)
	l.Term = binary.LittleEndian.Uint64(payload[8:])
	l.Type = raft.LogType(payload[16])
	at := int64(binary.LittleEndian.Uint64(payload[17:]))
	l.AppendedAt = time.Time{}
	if at != 0 {
		l.AppendedAt = time.Unix(0, at).UTC()
	}
	rest := payload[25:]
	data, rest, err := lengthPrefixed(rest)
	if err != nil {
		return err
	}
	ext, rest, err := lengthPrefixed(rest)
	if err != nil {
		return err
	}
	if len(rest) != 0 {
		return fmt.Errorf("%w: %d bytes after the extensions", errTorn, len(rest))
	}
	l.Data = clone(data)
	l.Extensions = clone(ext)
	return nil
}

func lengthPrefixed(b []byte) (field, rest []byte, err error) {
	if len(b) < 4 {
		return nil, nil, errTorn
	}
	n := binary.LittleEndian.Uint32(b)
	if uint64(n) > uint64(len(b)-4) {
		return nil, nil, errTorn
	}
	return b[4 : 4+n], b[4+n:], nil
}

// clone keeps nil for empty fields, as raft's other stores return them.
func clone(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return append([]byte(nil), b...)
}
