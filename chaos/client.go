package chaos

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/agentarena/arena/client"
)

// nodeClients holds an operator client.Client for each node, all sharing
// one http.Client. The SDK's own not_leader retrying is off: the checker
// retries itself, so that it counts every attempt and decides what an
// unanswered write means.
type nodeClients struct {
	hc *http.Client
	by map[string]*client.Client // by node URL; fixed for the run
}

func newNodeClients(token string, nodes []*Proc, attempt time.Duration) (*nodeClients, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	// A request's own context bounds it (attempt); the client's timeout
	// is a backstop for the driver's long reads (contest pages, audits).
	n := &nodeClients{hc: &http.Client{Timeout: max(20*time.Second, 4*attempt), Transport: tr}, by: map[string]*client.Client{}}
	for _, p := range nodes {
		c, err := client.New(p.URL(), client.WithHTTPClient(n.hc), client.WithKey(token),
			client.WithNotLeaderRetry(0, 0), client.WithMaxResponseBytes(32<<20))
		if err != nil {
			return nil, fmt.Errorf("client of %s: %w", p.ID, err)
		}
		n.by[p.URL()] = c
	}
	return n, nil
}

// at returns the client of the node whose URL is base.
func (n *nodeClients) at(base string) *client.Client { return n.by[base] }

// retryable reports whether a write may be sent again under the same id:
// no answer, not the leader, unavailable, rate limited, or a server error.
func retryable(err error) bool {
	switch s := statusOf(err); {
	case s == 0, s == http.StatusMisdirectedRequest, s == http.StatusServiceUnavailable,
		s == http.StatusTooManyRequests, s == http.StatusGatewayTimeout, s >= 500:
		return true
	}
	return false
}

// statusOf is the HTTP status of a refused request, 0 for no answer at all
// (refused, reset, timed out: the outcome of a write is then unknown), and
// -1 for any other failure (a request that could not be built or an answer
// that could not be decoded).
func statusOf(err error) int {
	if errors.Is(err, client.ErrNoAnswer) {
		return 0
	}
	var e *client.APIError
	if errors.As(err, &e) {
		return e.Status
	}
	return -1
}
