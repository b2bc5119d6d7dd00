package web

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/agentarena/arena/apperr"
)

// A follower used to forward each client write to the leader as its own
// HTTP exchange (httputil.ReverseProxy): a second request to write and
// parse on both sides of every write, which made a write sent to a
// follower cost the cluster far more CPU than one sent to the leader
// (docs/BENCHMARKS.md). etcd instead carries a follower's proposals to
// the leader inside its peer messages. Here the writes waiting on one
// follower travel together: one POST per batch, up to maxFwdInFlight
// batches at a time, and while they are out the next writes queue up and
// leave as the following batch. The leader runs each item through its own
// handler chain (auth, limits, validation, Raft) in process and streams
// the answers back as they finish, so a client sees exactly the answer it
// would have had from the leader.
const (
	forwardBatchPath = "/v1/cluster/forward"
	// maxFwdInFlight is how many batches one follower keeps out at once.
	// Few: Raft replicates one message at a time to each follower anyway,
	// so a write that waits for a batch to come back rarely commits later
	// than it would have, and every batch costs both nodes a round trip.
	maxFwdInFlight = 2
	maxFwdBatch    = 256
	// maxFwdBatchBytes closes a batch early; a single larger write still
	// travels alone.
	maxFwdBatchBytes = 4 << 20
	// maxBatchBytes bounds what the leader reads for one batch.
	maxBatchBytes = 64 << 20
)

// fwdCall is one write waiting on the forwarder.
type fwdCall struct {
	item fwdItem
	done chan struct{}

	mu        sync.Mutex
	state     int // callPending, callSent, callDone, callGone
	ans       fwdAnswer
	err       error
	onAbandon func() // set when sent: the batch's count of live calls
}

const (
	callPending = iota
	callSent
	callDone
	callGone
)

// resolve hands the call its answer or error; the first resolution wins.
func (c *fwdCall) resolve(a fwdAnswer, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state == callDone || c.state == callGone {
		return
	}
	c.state, c.ans, c.err = callDone, a, err
	close(c.done)
}

// abandon marks a call nobody waits for any more: unsent, it never
// leaves; sent, its batch is cancelled once none of its calls is waited on.
func (c *fwdCall) abandon() {
	c.mu.Lock()
	was := c.state
	if was == callPending || was == callSent {
		c.state = callGone
	}
	f := c.onAbandon
	c.mu.Unlock()
	if was == callSent && f != nil {
		f()
	}
}

// forwarder queues a follower's writes per leader address and sends them
// in batches. The zero value is ready to use; it starts no goroutine of
// its own: each batch is sent from a goroutine that lives while batches
// are due.
type forwarder struct {
	mu     sync.Mutex
	queues map[string]*fwdQueue
}

type fwdQueue struct {
	pending  []*fwdCall
	inFlight int
	// maxBytes closes a batch early (Server.batchBytes); a single larger
	// write still travels alone.
	maxBytes int
}

// take removes the next batch from q (caller holds f.mu), skipping calls
// already abandoned.
func (q *fwdQueue) take() []*fwdCall {
	var batch []*fwdCall
	size := 0
	i := 0
	for ; i < len(q.pending) && len(batch) < maxFwdBatch; i++ {
		c := q.pending[i]
		c.mu.Lock()
		gone := c.state != callPending
		c.mu.Unlock()
		if gone {
			continue
		}
		n := c.item.size()
		if len(batch) > 0 && size+n > q.maxBytes {
			break
		}
		batch = append(batch, c)
		size += n
	}
	q.pending = q.pending[i:]
	if len(q.pending) == 0 {
		q.pending = nil
	}
	return batch
}

// unsignedBatchBytes bounds a batch no member signed: one request body
// and one request header (what the client could have sent directly),
// plus room for the batch's framing. A follower without the cluster's key
// (a test server) keeps its batches within it (fwdQueue.maxBytes).
func (s *Server) unsignedBatchBytes() int64 {
	h := s.lim.cfg.MaxHeaderBytes
	if h <= 0 {
		h = http.DefaultMaxHeaderBytes // what net/http takes when it is off
	}
	return s.cfg.MaxBodyBytes + int64(h) + 64<<10
}

// batchBytes is what this follower puts in one batch: maxFwdBatchBytes of
// items when it signs its batches, else what the leader takes unsigned.
func (s *Server) batchBytes() int {
	if s.peerKey("v2") != nil {
		return maxFwdBatchBytes
	}
	return int(s.cfg.MaxBodyBytes)
}

// forward sends one write to the leader at target and waits for its
// answer, for ctx's cancellation (whose cause tells why), or both.
func (s *Server) forwardOne(ctx context.Context, target *url.URL, leaderID string, it fwdItem) (fwdAnswer, error) {
	call := &fwdCall{item: it, done: make(chan struct{})}
	f := &s.fwd
	// One queue per leader, which its batches' signatures name: a node
	// that took over the address is another leader.
	key := leaderID + " " + target.String()
	f.mu.Lock()
	if f.queues == nil {
		f.queues = map[string]*fwdQueue{}
	}
	q := f.queues[key]
	if q == nil {
		q = &fwdQueue{maxBytes: s.batchBytes()}
		f.queues[key] = q
	}
	q.pending = append(q.pending, call)
	var batch []*fwdCall
	if q.inFlight < maxFwdInFlight {
		if batch = q.take(); len(batch) > 0 {
			q.inFlight++
		}
	}
	f.mu.Unlock()
	if len(batch) > 0 {
		go s.sendBatches(key, target, leaderID, q, batch)
	}
	select {
	case <-call.done:
	case <-ctx.Done():
		call.abandon()
	}
	call.mu.Lock()
	defer call.mu.Unlock()
	if call.state == callDone { // an answer in hand stands
		return call.ans, call.err
	}
	return fwdAnswer{}, context.Cause(ctx)
}

// sendBatches posts batch, then whatever queued up meanwhile, until the
// queue is empty.
func (s *Server) sendBatches(key string, target *url.URL, leaderID string, q *fwdQueue, batch []*fwdCall) {
	for len(batch) > 0 {
		s.postBatch(target, leaderID, batch)
		s.fwd.mu.Lock()
		batch = q.take()
		if len(batch) == 0 {
			q.inFlight--
			if q.inFlight == 0 && len(q.pending) == 0 {
				delete(s.fwd.queues, key)
			}
		}
		s.fwd.mu.Unlock()
	}
}

func (s *Server) postBatch(target *url.URL, leaderID string, batch []*fwdCall) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	live := 0
	items := make([]fwdItem, 0, len(batch))
	var deadline int64
	var mu sync.Mutex
	for _, c := range batch {
		c.mu.Lock()
		if c.state == callPending {
			c.state = callSent
			c.onAbandon = func() {
				mu.Lock()
				defer mu.Unlock()
				if live--; live == 0 {
					cancel() // nobody waits for this batch any more
				}
			}
			mu.Lock()
			live++
			mu.Unlock()
		}
		c.mu.Unlock()
		items = append(items, c.item)
		deadline = max(deadline, c.item.Deadline)
	}
	ctx, cancelDL := context.WithDeadline(ctx, time.UnixMilli(deadline).Add(time.Second))
	defer cancelDL()
	failAll := func(err error) {
		for _, c := range batch {
			c.resolve(fwdAnswer{}, err)
		}
	}
	u := target.JoinPath(forwardBatchPath)
	frame := encodeBatch(nil, items)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(frame))
	if err != nil {
		failAll(apperr.Wrap(apperr.Internal, err, "build the forward to the leader"))
		return
	}
	req.Header.Set("Content-Type", "application/x-arena-forward")
	// The signature covers the frame, items and their clients included.
	s.signPeerTo(req.Header, req.Method, req.URL.RequestURI(), "", leaderID, frame)
	rt := s.cfg.ForwardClient.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			// Nothing reached the leader, so nothing was applied.
			failAll(apperr.New(apperr.NotLeader, "the leader at %s could not be reached; retry", target.Host))
			return
		}
		failAll(errForwardBroken)
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/x-arena-forward-answers" {
		// The whole batch was refused (the node no longer leads, or runs
		// a build without batched forwards): every write gets that answer.
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxForwardedAnswer))
		if resp.StatusCode == http.StatusNotFound {
			failAll(apperr.New(apperr.Unavailable, "the leader at %s does not take batched forwards (an older build?); nothing was applied: retry on the leader", target.Host))
			return
		}
		for i, c := range batch {
			c.resolve(fwdAnswer{Index: i, Status: resp.StatusCode, Header: answerHeader(resp.Header), Body: body}, nil)
		}
		return
	}
	br := bufio.NewReader(resp.Body)
	d := frameReader{r: br}
	err = d.magic(answerMagic)
	for err == nil {
		var a fwdAnswer
		if a, err = decodeAnswer(br, len(batch), maxForwardedAnswer); err == nil {
			batch[a.Index].resolve(a, nil)
		}
	}
	if !errors.Is(err, io.EOF) {
		s.log.Warn("batched forward to the leader broke off", "leader", target.Host, "items", len(batch), "err", err)
	}
	failAll(errForwardBroken) // reaches only the calls left unanswered
}

// errForwardBroken: the leader may have applied the write before the
// exchange failed.
var errForwardBroken = errors.New("the connection to the leader failed mid-request")

// hopHeaders are connection-level headers a forward never carries.
var hopHeaders = []string{"Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade", "Content-Length", "Expect"}

// answerHeader copies a response's end-to-end headers.
func answerHeader(h http.Header) http.Header {
	out := h.Clone()
	for _, k := range hopHeaders {
		out.Del(k)
	}
	return out
}

// itemHeader is what of a client's request the leader sees: its
// end-to-end headers, without the peer headers a client could forge or
// the browser origin this node already checked (crossOrigin).
func itemHeader(h http.Header) http.Header {
	out := answerHeader(h)
	for _, k := range []string{"Origin", "Sec-Fetch-Site", forwardedHeader, clientAddrHeader, peerSigHeader, peerAuthHeader, forwardDeadlineHeader} {
		out.Del(k)
	}
	return out
}

// forwardBatch serves the leader's half: it runs every item of a batch
// through this node's handlers at once and streams each answer as soon as
// its handler returns.
func (s *Server) forwardBatch(c *gin.Context) {
	if !s.cfg.Cluster.IsLeader() {
		s.writeError(c, apperr.New(apperr.NotLeader, "a batch of writes forwarded by %s reached %s, which is not the leader either; retry",
			truncate(c.GetHeader(forwardedHeader), 64), s.cfg.Cluster.ID()))
		return
	}
	client, signed := s.peerClient(c)
	trusted := signed && client == ""
	sender := clientKey(c.Request.RemoteAddr)
	from := c.GetHeader(forwardedHeader)
	if from == "" {
		from = sender
	}
	// Only members can sign. Anyone else's batch may make this node hold
	// no more than one request of theirs could: with the members' 64 MiB,
	// one anonymous client sending eight batches at once took the leader
	// from 70 MiB to 900 MiB, and it may hold 512 connections.
	limit := int64(maxBatchBytes)
	if !trusted {
		limit = s.unsignedBatchBytes()
	}
	body := http.MaxBytesReader(c.Writer, c.Request.Body, limit)
	items, err := decodeBatch(bufio.NewReader(body), int(s.cfg.MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.limitHit(limitBodyBytes)
			s.writeError(c, apperr.New(apperr.TooLarge, "a batch of forwarded writes not signed by a member may be at most %d bytes", limit))
			return
		}
		if errors.Is(err, errPeerBody) {
			s.writeError(c, apperr.New(apperr.Invalid, "the batch of forwarded writes is not the one its signature covers (its body was changed on the way); none of its writes was applied"))
			return
		}
		s.writeError(c, apperr.Wrap(apperr.Invalid, err, "unreadable batch of forwarded writes: %v", err))
		return
	}
	ctx := c.Request.Context()
	answers := make(chan fwdAnswer, len(items))
	for i, it := range items {
		// The leader charges the client the follower names when a member
		// signed the batch, else the sender's own address (peer.go).
		charge := sender
		if trusted {
			charge = it.Client
		}
		go func() { answers <- s.serveItem(ctx, i, it, from, charge) }()
	}
	c.Header("Content-Type", "application/x-arena-forward-answers")
	c.Status(http.StatusOK)
	buf := append(make([]byte, 0, 4<<10), answerMagic...)
	for range items {
		a := <-answers
		buf = encodeAnswer(buf, a)
		// Flush what is ready now; answers that finish together share
		// one write.
		if len(answers) == 0 || len(buf) > 64<<10 {
			if _, err := c.Writer.Write(buf); err != nil {
				return // the follower went away; the handlers finish on their own
			}
			c.Writer.Flush()
			buf = buf[:0]
		}
	}
}

// serveItem runs one forwarded write through the handler chain, as if
// the client at charge had sent it here.
func (s *Server) serveItem(ctx context.Context, i int, it fwdItem, from, charge string) fwdAnswer {
	rec := newRecorder()
	req, err := http.NewRequestWithContext(ctx, it.Method, it.URI, bytes.NewReader(it.Body))
	if err != nil || req.URL.Host != "" || req.URL.Path == forwardBatchPath || !isWrite(it.Method) {
		b, _ := json.Marshal(ErrorBody{Error: ErrorDetail{Code: apperr.Invalid, Message: "a forwarded item must be a write to a path of this API"}})
		rec.header.Set("Content-Type", "application/json; charset=utf-8")
		rec.WriteHeader(http.StatusBadRequest)
		_, _ = rec.Write(b)
		return rec.answer(i)
	}
	req.Header = it.Header
	// Limits charge RemoteAddr (rateAddr): no signature on the item can
	// say otherwise.
	req.Header.Del(peerSigHeader)
	req.Header.Del(peerAuthHeader)
	req.Header.Del(clientAddrHeader)
	req.Header.Del("X-Forwarded-For") // the follower charged its client already
	req.Header.Set(forwardedHeader, from)
	req.Header.Set(forwardDeadlineHeader, strconv.FormatInt(it.Deadline, 10))
	req.ContentLength = int64(len(it.Body))
	req.RemoteAddr = charge
	s.engine.ServeHTTP(rec, req)
	return rec.answer(i)
}

// recorder is the http.ResponseWriter a forwarded item's handler writes to.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newRecorder() *recorder { return &recorder{header: http.Header{}} }

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	if r.body.Len()+len(b) > maxForwardedAnswer {
		return 0, fmt.Errorf("a forwarded write's answer exceeds %d bytes", maxForwardedAnswer)
	}
	return r.body.Write(b)
}

func (r *recorder) Flush() {}

func (r *recorder) answer(i int) fwdAnswer {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return fwdAnswer{Index: i, Status: r.status, Header: answerHeader(r.header), Body: r.body.Bytes()}
}
