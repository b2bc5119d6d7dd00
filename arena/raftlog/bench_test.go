package raftlog

import (
	"fmt"
	"testing"

	"github.com/hashicorp/raft"
)

// BenchmarkAppend measures one append (write and fdatasync) of a batch of
// 256-byte commands, as raft's leader and followers issue them.
func BenchmarkAppend(b *testing.B) {
	for _, batch := range []int{1, 64} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			l, err := Open(b.TempDir(), 0)
			if err != nil {
				b.Fatal(err)
			}
			defer l.Close()
			data := make([]byte, 256)
			logs := make([]*raft.Log, batch)
			next := uint64(1)
			b.SetBytes(int64(256 * batch))
			b.ResetTimer()
			for range b.N {
				for i := range logs {
					logs[i] = &raft.Log{Index: next, Term: 1, Type: raft.LogCommand, Data: data}
					next++
				}
				if err := l.StoreLogs(logs); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
