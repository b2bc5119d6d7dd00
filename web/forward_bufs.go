package web

import "sync"

// forwardBufSize is what httputil.ReverseProxy allocates for each copy
// when it has no pool.
const forwardBufSize = 32 << 10

// bufferPool lends the forwarding proxy its copy buffers
// (httputil.BufferPool). Without it every forwarded write allocated a
// fresh 32 KiB buffer for its answer: under load, a quarter of the bytes a
// follower allocated. The zero value is ready to use.
type bufferPool struct{ pool sync.Pool }

func (p *bufferPool) Get() []byte {
	if b, ok := p.pool.Get().(*[]byte); ok {
		return *b
	}
	return make([]byte, forwardBufSize)
}

func (p *bufferPool) Put(b []byte) {
	if cap(b) != forwardBufSize {
		return
	}
	b = b[:forwardBufSize]
	p.pool.Put(&b)
}
