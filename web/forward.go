package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/agentarena/arena/apperr"
	"github.com/agentarena/arena/internal/textcut"
)

// forwardedHeader marks a request that a follower already forwarded, so a
// stale view of who leads can never bounce a request around the cluster.
const forwardedHeader = "X-Arena-Forwarded-By"

// appliedHeader carries the leader's applied index on forwarded answers.
const appliedHeader = "X-Arena-Applied-Index"

// appliedWriter stamps the applied index into the headers just before
// they are sent, i.e. after the write has been applied.
type appliedWriter struct {
	gin.ResponseWriter
	node    Cluster
	stamped bool
}

func (w *appliedWriter) stamp() {
	if !w.stamped {
		w.stamped = true
		w.Header().Set(appliedHeader, strconv.FormatUint(w.node.AppliedIndex(), 10))
	}
}

func (w *appliedWriter) WriteHeader(code int) {
	w.stamp()
	w.ResponseWriter.WriteHeader(code)
}

func (w *appliedWriter) WriteHeaderNow() {
	w.stamp()
	w.ResponseWriter.WriteHeaderNow()
}

func (w *appliedWriter) Write(b []byte) (int, error) {
	w.stamp()
	return w.ResponseWriter.Write(b)
}

func (w *appliedWriter) WriteString(s string) (int, error) {
	w.stamp()
	return w.ResponseWriter.WriteString(s)
}

func isWrite(method string) bool {
	switch method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

// forwardWrites sends every write that reaches a follower to the leader
// and relays the leader's answer unchanged, so the caller cannot tell the
// difference. The leader authenticates and validates it.
func (s *Server) forwardWrites(c *gin.Context) {
	if !isWrite(c.Request.Method) {
		c.Next()
		return
	}
	if s.cfg.Cluster.IsLeader() {
		if c.GetHeader(forwardedHeader) != "" && forwardExpired(c.GetHeader(forwardDeadlineHeader), time.Now()) {
			// The forwarding node has answered its client already (a
			// frozen leader resuming finds such requests queued): applying
			// the write now would surprise a client that was told to retry.
			s.writeError(c, apperr.New(apperr.Unavailable, "the node that forwarded this write stopped waiting for it before it arrived; it was not applied"))
			return
		}
		if c.GetHeader(forwardedHeader) != "" {
			// Tell the forwarding follower how far to apply before it
			// answers, once the handler has written its status.
			c.Writer = &appliedWriter{ResponseWriter: c.Writer, node: s.cfg.Cluster}
		}
		c.Next()
		return
	}
	if by := c.GetHeader(forwardedHeader); by != "" {
		s.writeError(c, apperr.New(apperr.NotLeader, "request forwarded by %s reached %s, which is not the leader either; retry", textcut.Ellipsis(by, 64), s.cfg.Cluster.ID()))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, s.cfg.MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.limitHit(limitBodyBytes)
			s.writeError(c, apperr.New(apperr.TooLarge, "request body exceeds the limit of %d bytes", s.cfg.MaxBodyBytes))
			return
		}
		s.writeError(c, apperr.New(apperr.Invalid, "the request body could not be read: %v", err))
		return
	}
	clientCtx := c.Request.Context()
	start := time.Now()
	deadline := start.Add(s.cfg.ForwardTimeout)
	item := fwdItem{Method: c.Request.Method, URI: c.Request.URL.RequestURI(), Client: s.clientAddr(c.Request),
		Deadline: deadline.UnixMilli(), Header: itemHeader(c.Request.Header), Body: body}
	// While no leader can take the write (none elected, one that left or
	// was removed, one that cannot be dialled or says it no longer leads),
	// nothing has been applied: the write waits here for the next leader,
	// within LeaderWait, instead of handing the client a 421 for every
	// election (etcd likewise holds a proposal until a leader is known).
	waitUntil := start.Add(s.leaderWait())
	for {
		// Taken before the leader is looked up, so that a change between
		// the two still ends the forward, or the wait below.
		leaderChanged := s.cfg.Cluster.LeaderChanged()
		ans, target, err := s.forwardAttempt(clientCtx, leaderChanged, deadline, item)
		if !notTaken(ans, err) || !s.leaderExpected() || !awaitLeader(clientCtx, leaderChanged, waitUntil) {
			if err != nil {
				s.forwardFailed(c, target, err)
				return
			}
			s.relayForwarded(c, clientCtx, ans)
			return
		}
		s.log.Debug("no leader took the forwarded write yet; waiting for the next one", "uri", item.URI, "err", err, "status", ans.Status)
	}
}

// forwardAttempt sends the write to the leader this node knows now. It
// gives up at deadline, when the client goes away, or when this node
// sees the leader change (leaderChanged): waiting on a frozen leader held
// writes for the whole forward timeout although a new one was elected in
// a second. An answer already in hand stands, whoever leads now
// (forwardOne). target is nil when no leader could be named.
func (s *Server) forwardAttempt(clientCtx context.Context, leaderChanged <-chan struct{}, deadline time.Time, it fwdItem) (fwdAnswer, *url.URL, error) {
	target, leaderID, err := s.leaderTarget()
	if err != nil {
		return fwdAnswer{}, nil, err
	}
	fctx, fcancel := context.WithCancelCause(clientCtx)
	defer fcancel(nil)
	ctx, cancel := context.WithDeadlineCause(fctx, deadline, errForwardTimeout)
	defer cancel()
	go func() {
		select {
		case <-leaderChanged:
			fcancel(errLeaderChanged)
		case <-ctx.Done():
		}
	}()
	ans, err := s.forwardOne(ctx, target, leaderID, it)
	return ans, target, err
}

// notTaken reports a forward that certainly applied nothing because no
// leader took it: no leader was known or dialled (a not_leader error), or
// the node it reached answered 421 because it no longer leads. Such a
// write may be sent again to the next leader. A broken connection, a
// timeout or a change of leader mid-request may have applied it, and is
// never sent again.
func notTaken(ans fwdAnswer, err error) bool {
	if err != nil {
		var ae *apperr.Error
		return errors.As(err, &ae) && ae.Code == apperr.NotLeader
	}
	return ans.Status == http.StatusMisdirectedRequest
}

// awaitLeader waits for the change of leader that changed announces, or
// for leaderRecheck (a new leader publishes its HTTP address a moment
// after it takes office, which no change announces), and reports whether
// to try again: false once until has passed or the client has left.
func awaitLeader(ctx context.Context, changed <-chan struct{}, until time.Time) bool {
	d := time.Until(until)
	if d <= 0 {
		return false
	}
	t := time.NewTimer(min(d, leaderRecheck))
	defer t.Stop()
	select {
	case <-changed:
		return true
	case <-ctx.Done():
		return false
	case <-t.C:
		return time.Now().Before(until)
	}
}

// leaderRecheck is how often a held write looks for a leader again.
const leaderRecheck = 100 * time.Millisecond

// leaderWait is how long a follower holds a write while no leader can
// take it: Config.LeaderWait (default 3 s), never past the forward
// deadline.
func (s *Server) leaderWait() time.Duration {
	d := s.cfg.LeaderWait
	if d <= 0 {
		d = defaultLeaderWait
	}
	return min(d, s.cfg.ForwardTimeout)
}

// defaultLeaderWait covers an election after a leader is lost (followers
// notice after 1-2x the Raft timeout, 750 ms by default, then vote).
const defaultLeaderWait = 3 * time.Second

// forwardFailed answers a forward that got no answer from the leader.
func (s *Server) forwardFailed(c *gin.Context, target *url.URL, err error) {
	if target == nil { // no leader to send it to: nothing was applied
		c.Header("Retry-After", "1")
		s.writeError(c, err)
		return
	}
	s.log.Warn("forward to leader failed", "leader", target.Host, "err", err)
	var ae *apperr.Error
	switch {
	case errors.As(err, &ae):
		if ae.Code == apperr.NotLeader {
			c.Header("Retry-After", "1")
		}
		s.writeError(c, err)
	case errors.Is(err, errLeaderChanged):
		c.Header("Retry-After", "1")
		s.writeError(c, apperr.New(apperr.LeaderChanged, "the leader changed while this write was forwarded to %s; it may or may not have been applied there: retry (a write with an idempotency id is safe to retry)", target.Host))
	case errors.Is(err, errForwardTimeout):
		c.Header("Retry-After", "1")
		s.writeError(c, apperr.New(apperr.Unavailable, "the leader at %s did not answer within %v; the write may or may not have been applied", target.Host, s.cfg.ForwardTimeout))
	default:
		s.writeError(c, apperr.New(apperr.Unavailable, "the connection to the leader at %s failed mid-request; the write may or may not have been applied", target.Host))
	}
}

// relayForwarded answers the client with the leader's answer.
func (s *Server) relayForwarded(c *gin.Context, clientCtx context.Context, ans fwdAnswer) {
	// Read your writes: answer only once this follower has applied what
	// the leader applied for the request. The client's own context, not
	// the forward's: the write is done, and a leader change now must not
	// cut this wait short. A member removed through itself is the
	// exception: the leader stops replicating to it, so it would never
	// learn that its removal committed and would wait out RequestTimeout.
	selfRemoval := c.Request.Method == http.MethodDelete && c.Request.URL.Path == "/v1/cluster/nodes/"+s.cfg.Cluster.ID()
	if idx, err := strconv.ParseUint(ans.Header.Get(appliedHeader), 10, 64); err == nil && idx > 0 && !selfRemoval {
		wctx, wcancel := context.WithTimeout(clientCtx, s.cfg.RequestTimeout)
		defer wcancel()
		if err := s.cfg.Cluster.WaitApplied(wctx, idx); err != nil {
			s.log.Warn("forwarded write not yet applied here", "index", idx, "applied", s.cfg.Cluster.AppliedIndex(), "err", err)
			notAppliedHere(&ans, idx)
		}
	}
	h := c.Writer.Header()
	for k, vs := range ans.Header {
		h[k] = vs
	}
	c.Writer.WriteHeader(ans.Status)
	_, _ = c.Writer.Write(ans.Body)
	c.Abort()
}

// forwardDeadlineHeader carries, in Unix milliseconds, when the
// forwarding node stops waiting for the leader's answer.
const forwardDeadlineHeader = "X-Arena-Forward-Deadline"

// forwardExpired reports a forward deadline that has passed. A missing or
// unreadable one never expires: the header only lets the leader skip work
// nobody waits for, so an old node that sends none loses nothing.
func forwardExpired(v string, now time.Time) bool {
	ms, err := strconv.ParseInt(v, 10, 64)
	return err == nil && now.UnixMilli() > ms
}

// maxForwardedAnswer bounds a write's answer a follower relays.
const maxForwardedAnswer = 8 << 20

var (
	errForwardTimeout = errors.New("forward timeout")
	errLeaderChanged  = errors.New("leader changed")
)

// notAppliedHereHeader, on a forwarded write's answer, is the leader's
// applied index that this follower had not reached when it gave up
// waiting (RequestTimeout).
const notAppliedHereHeader = "X-Arena-Not-Applied-Here"

// notAppliedHere turns a successful forwarded answer into 202 Accepted:
// the write WAS applied on the leader (its body is kept: it may carry a
// key shown only once), but this follower has not applied it yet, so its
// reads may not show it. Not a silent 200, which promises read-your-
// writes; not a 5xx, which would invite a client to apply it twice.
func notAppliedHere(a *fwdAnswer, idx uint64) {
	if a.Status < 200 || a.Status > 299 {
		return
	}
	if a.Header == nil {
		a.Header = http.Header{}
	}
	a.Status = http.StatusAccepted
	a.Header.Set(notAppliedHereHeader, strconv.FormatUint(idx, 10))
	a.Header.Set("Retry-After", "1")
}

func (s *Server) leaderURL() (*url.URL, error) {
	u, _, err := s.leaderTarget()
	return u, err
}

// leaderTarget is the leader's URL and node id, which a signed request
// names so that it is good at the leader only (peer.go).
func (s *Server) leaderTarget() (*url.URL, string, error) {
	leader, ok := s.cfg.Cluster.Leader()
	if !ok {
		return nil, "", s.noLeader()
	}
	if leader.HTTPAddr == "" {
		// A new leader publishes its address with its first command; a
		// leader that removes itself drops its entry first.
		return nil, "", apperr.New(apperr.NotLeader, "leader %s has no HTTP address in the membership this node has applied (it is taking office, or leaving the cluster); retry shortly", leader.ID)
	}
	u, err := url.Parse(leader.HTTPAddr)
	if err != nil || u.Host == "" {
		return nil, "", apperr.New(apperr.Internal, "leader %s has an unusable HTTP address %q", leader.ID, leader.HTTPAddr)
	}
	return u, leader.ID, nil
}

// consistency handles ?consistency=linearizable on reads: the read waits
// until this node has applied everything committed when it arrived.
func (s *Server) consistency(c *gin.Context) {
	mode := c.Query("consistency")
	switch mode {
	case "", "local":
		// The cluster's own views answer from this node even while it
		// replays: they report where it is (applied, lag), and an
		// operator needs them most when there is no quorum to read
		// through (the member list, to write peers.json).
		if !s.cfg.Cluster.Replaying() || isWrite(c.Request.Method) || (mode == "" && isClusterView(c.Request.URL.Path)) {
			c.Next()
			return
		}
	case "linearizable":
	default:
		s.writeError(c, apperr.New(apperr.Invalid, "consistency must be \"local\" or \"linearizable\", got %q", textcut.Ellipsis(mode, 32)))
		return
	}
	if isWrite(c.Request.Method) {
		c.Next() // writes are linearizable by construction
		return
	}
	if !s.chargeEarly(c) {
		return // a read index costs the leader a round: limit before it
	}
	ctx, cancel := s.writeCtx(c)
	defer cancel()
	if err := s.linearize(ctx); err != nil {
		s.writeError(c, err)
		return
	}
	c.Next()
}

// linearize implements read-index: take the leader's commit index (asking
// the leader over HTTP when this node follows), then wait to apply it.
func (s *Server) linearize(ctx context.Context) error {
	var idx uint64
	var err error
	if s.cfg.Cluster.IsLeader() {
		idx, err = s.cfg.Cluster.ReadIndex(ctx)
	} else {
		idx, err = s.remoteReadIndex(ctx)
	}
	if err != nil {
		return err
	}
	return s.cfg.Cluster.WaitApplied(ctx, idx)
}

type readIndexBody struct {
	Index uint64 `json:"index"`
}

func (s *Server) remoteReadIndex(ctx context.Context) (uint64, error) {
	target, leaderID, err := s.leaderTarget()
	if err != nil {
		return 0, err
	}
	u := target.JoinPath("/v1/cluster/read-index")
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return 0, fmt.Errorf("build read-index request: %w", err)
	}
	s.signPeerTo(req.Header, req.Method, req.URL.RequestURI(), "", leaderID, nil) // this node's own request
	resp, err := s.cfg.ForwardClient.Do(req)
	if err != nil {
		return 0, apperr.Wrap(apperr.NotLeader, err, "the leader at %s could not be reached for a read index", target.Host)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		var eb ErrorBody
		if json.Unmarshal(body, &eb) == nil && eb.Error.Code != "" {
			return 0, apperr.New(eb.Error.Code, "leader: %s", eb.Error.Message)
		}
		return 0, apperr.New(apperr.Unavailable, "leader answered %d to a read-index request", resp.StatusCode)
	}
	var rb readIndexBody
	if err := json.Unmarshal(body, &rb); err != nil {
		return 0, apperr.Wrap(apperr.Unavailable, err, "leader sent an unreadable read index")
	}
	return rb.Index, nil
}

// readIndex serves the leader half of linearizable reads for followers.
func (s *Server) readIndex(c *gin.Context) {
	if !s.cfg.Cluster.IsLeader() {
		s.writeError(c, apperr.New(apperr.NotLeader, "node %s is not the leader", s.cfg.Cluster.ID()))
		return
	}
	ctx, cancel := s.writeCtx(c)
	defer cancel()
	idx, err := s.cfg.Cluster.ReadIndex(ctx)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, readIndexBody{Index: idx})
}

// isClusterView reports the routes that describe the cluster and this
// node's place in it.
func isClusterView(p string) bool {
	return p == "/v1/cluster" || p == "/v1/cluster/progress"
}

// truncate shortens s to at most n bytes for a message, on a character
// boundary, with "…" where it cut.
func truncate(s string, n int) string { return textcut.Ellipsis(s, n) }
