package web

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// The batched forward (forward_batch.go) carries a follower's writes to
// the leader as one binary frame per batch, and the leader's answers back
// as one frame per answer, streamed in the order they finish. Both are
// uvarint-length-prefixed fields after a 4-byte magic: no base64 and no
// JSON on a path every forwarded write takes. A peer that sends garbage
// gets an error, never a panic or an unbounded allocation (FuzzForwardBatch).
const (
	batchMagic  = "AFB1"
	answerMagic = "AFA1"
	// maxBatchItems bounds the writes in one batch; a follower sends far
	// fewer (maxFwdBatch).
	maxBatchItems = 1024
	// maxHeaderBytes bounds one item's or answer's headers, like
	// net/http's default limit on a request's.
	maxHeaderBytes = 1 << 20
	maxHeaders     = 1024
)

// fwdItem is one client write a follower hands the leader.
type fwdItem struct {
	Method   string
	URI      string
	Client   string // limiter key of the client it acts for (clientKey)
	Deadline int64  // Unix milliseconds when the follower stops waiting
	Header   http.Header
	Body     []byte
}

// size is about what the item takes in a batch frame.
func (it fwdItem) size() int {
	n := len(it.Method) + len(it.URI) + len(it.Client) + len(it.Body) + 32
	for k, vs := range it.Header {
		for _, v := range vs {
			n += len(k) + len(v) + 8
		}
	}
	return n
}

// fwdAnswer is the leader's answer to one item, as its handler wrote it.
type fwdAnswer struct {
	Index  int // the item's position in its batch
	Status int
	Header http.Header
	Body   []byte
}

type frameWriter struct{ b []byte }

func (w *frameWriter) uvarint(v uint64) { w.b = binary.AppendUvarint(w.b, v) }
func (w *frameWriter) varint(v int64)   { w.b = binary.AppendVarint(w.b, v) }
func (w *frameWriter) str(s string)     { w.uvarint(uint64(len(s))); w.b = append(w.b, s...) }
func (w *frameWriter) bytes(p []byte)   { w.uvarint(uint64(len(p))); w.b = append(w.b, p...) }

func (w *frameWriter) header(h http.Header) {
	n := 0
	for _, vs := range h {
		n += len(vs)
	}
	w.uvarint(uint64(n))
	for k, vs := range h {
		for _, v := range vs {
			w.str(k)
			w.str(v)
		}
	}
}

// encodeBatch appends a batch frame to dst.
func encodeBatch(dst []byte, items []fwdItem) []byte {
	w := frameWriter{b: append(dst, batchMagic...)}
	w.uvarint(uint64(len(items)))
	for _, it := range items {
		w.str(it.Method)
		w.str(it.URI)
		w.str(it.Client)
		w.varint(it.Deadline)
		w.header(it.Header)
		w.bytes(it.Body)
	}
	return w.b
}

// encodeAnswer appends one answer frame to dst.
func encodeAnswer(dst []byte, a fwdAnswer) []byte {
	w := frameWriter{b: dst}
	w.uvarint(uint64(a.Index))
	w.uvarint(uint64(a.Status))
	w.header(a.Header)
	w.bytes(a.Body)
	return w.b
}

var errFrame = errors.New("malformed forward frame")

type frameReader struct {
	r *bufio.Reader
	// headerLeft is what the current item's or answer's headers may
	// still take.
	headerLeft int
}

func (d *frameReader) uvarint() (uint64, error) {
	v, err := binary.ReadUvarint(d.r)
	if err != nil {
		return 0, frameErr(err)
	}
	return v, nil
}

// bytes reads a length-prefixed field of at most max bytes. It reads in
// steps, so a length that lies costs no more memory than the bytes that
// actually arrive.
func (d *frameReader) bytes(max int) ([]byte, error) {
	n, err := d.uvarint()
	if err != nil {
		return nil, err
	}
	if n > uint64(max) {
		return nil, fmt.Errorf("%w: a field of %d bytes exceeds %d", errFrame, n, max)
	}
	const step = 64 << 10
	out := make([]byte, 0, min(int(n), step))
	for len(out) < int(n) {
		k := min(int(n)-len(out), step)
		out = append(out, make([]byte, k)...)
		if _, err := io.ReadFull(d.r, out[len(out)-k:]); err != nil {
			return nil, frameErr(err)
		}
	}
	return out, nil
}

func (d *frameReader) str(max int) (string, error) {
	b, err := d.bytes(max)
	return string(b), err
}

func (d *frameReader) header() (http.Header, error) {
	n, err := d.uvarint()
	if err != nil {
		return nil, err
	}
	if n > maxHeaders {
		return nil, fmt.Errorf("%w: %d header fields exceed %d", errFrame, n, maxHeaders)
	}
	d.headerLeft = maxHeaderBytes
	h := make(http.Header, n)
	for range n {
		k, err := d.str(d.headerLeft)
		if err != nil {
			return nil, err
		}
		d.headerLeft -= len(k)
		v, err := d.str(d.headerLeft)
		if err != nil {
			return nil, err
		}
		d.headerLeft -= len(v)
		h[k] = append(h[k], v)
	}
	return h, nil
}

func (d *frameReader) magic(want string) error {
	var got [4]byte
	if _, err := io.ReadFull(d.r, got[:]); err != nil {
		return frameErr(err)
	}
	if string(got[:]) != want {
		return fmt.Errorf("%w: magic %q, want %q", errFrame, got[:], want)
	}
	return nil
}

// decodeBatch reads a whole batch frame; bodies larger than maxBody are
// refused.
func decodeBatch(r *bufio.Reader, maxBody int) ([]fwdItem, error) {
	d := frameReader{r: r}
	if err := d.magic(batchMagic); err != nil {
		return nil, err
	}
	n, err := d.uvarint()
	if err != nil {
		return nil, err
	}
	if n == 0 || n > maxBatchItems {
		return nil, fmt.Errorf("%w: a batch of %d items (1 to %d)", errFrame, n, maxBatchItems)
	}
	items := make([]fwdItem, 0, min(n, 64))
	for range n {
		var it fwdItem
		if it.Method, err = d.str(16); err != nil {
			return nil, err
		}
		if it.URI, err = d.str(maxHeaderBytes); err != nil {
			return nil, err
		}
		if it.Client, err = d.str(256); err != nil {
			return nil, err
		}
		if it.Deadline, err = binary.ReadVarint(r); err != nil {
			return nil, frameErr(err)
		}
		if it.Header, err = d.header(); err != nil {
			return nil, err
		}
		if it.Body, err = d.bytes(maxBody); err != nil {
			return nil, err
		}
		items = append(items, it)
	}
	if _, err := r.ReadByte(); err != io.EOF {
		if err != nil { // the body's own error (a signed one that does not match, peer.go)
			return nil, frameErr(err)
		}
		return nil, fmt.Errorf("%w: bytes after the last item", errFrame)
	}
	return items, nil
}

// decodeAnswer reads the next answer of a stream; io.EOF when it ended
// cleanly between answers.
func decodeAnswer(r *bufio.Reader, items, maxBody int) (fwdAnswer, error) {
	if _, err := r.Peek(1); err == io.EOF {
		return fwdAnswer{}, io.EOF
	}
	d := frameReader{r: r}
	idx, err := d.uvarint()
	if err != nil {
		return fwdAnswer{}, err
	}
	if idx >= uint64(items) {
		return fwdAnswer{}, fmt.Errorf("%w: answer for item %d of %d", errFrame, idx, items)
	}
	status, err := d.uvarint()
	if err != nil {
		return fwdAnswer{}, err
	}
	if status < 100 || status > 599 {
		return fwdAnswer{}, fmt.Errorf("%w: status %d", errFrame, status)
	}
	a := fwdAnswer{Index: int(idx), Status: int(status)}
	if a.Header, err = d.header(); err != nil {
		return fwdAnswer{}, err
	}
	if a.Body, err = d.bytes(maxBody); err != nil {
		return fwdAnswer{}, err
	}
	return a, nil
}

// frameErr reports a frame cut short as malformed rather than as a clean
// end of stream.
func frameErr(err error) error {
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("%w: %w", errFrame, err)
}
