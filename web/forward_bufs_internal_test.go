package web

import "testing"

func TestBufferPoolLendsFullSizeBuffers(t *testing.T) {
	var p bufferPool
	b := p.Get()
	if len(b) != forwardBufSize {
		t.Fatalf("len %d, want %d", len(b), forwardBufSize)
	}
	p.Put(b[:10]) // a slice of a pooled buffer comes back whole
	if b2 := p.Get(); len(b2) != forwardBufSize {
		t.Fatalf("after Put: len %d, want %d", len(b2), forwardBufSize)
	}
	p.Put(make([]byte, 7)) // a foreign buffer is dropped, not lent out
	for range 3 {
		if b3 := p.Get(); len(b3) != forwardBufSize {
			t.Fatalf("len %d after a foreign Put", len(b3))
		}
	}
}
