package egress

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"
)

// Client returns an HTTP client like hc (nil: a plain http.Client) whose
// every connection the policy allows. Under Any that is hc itself. Under
// Public the client's transport is a copy of hc's (nil:
// http.DefaultTransport's) whose dialer checks each address in its Control
// hook, after DNS and before the connection is made, so a name, a
// redirect or a DNS answer that changes between checks cannot reach a
// refused address. The copy uses no proxy: a proxy would dial for it, out
// of the check's sight (an operator whose calls must go through a proxy
// runs with Any and lets the proxy enforce its own rules).
//
// Each call under Public builds a transport with its own connection
// pool, so build the client once and reuse it; a client this returned is
// returned as it is.
func (p Policy) Client(hc *http.Client) *http.Client {
	if hc == nil {
		hc = &http.Client{}
	}
	if p == Any {
		return hc
	}
	return guardClient(hc, p.Allows)
}

// guardClient is Client with the check as a function, so tests can allow
// one loopback address and refuse the rest.
func guardClient(hc *http.Client, allow func(netip.Addr) error) *http.Client {
	if _, ok := hc.Transport.(*guard); ok {
		return hc
	}
	c := *hc
	c.Transport = newGuard(hc.Transport, allow)
	return &c
}

// guard is a transport whose connections the policy checked. It wraps the
// *http.Transport so that Client can recognise one it made.
type guard struct {
	t *http.Transport
	// err is set when the transport could not be guarded: every request
	// fails with it, rather than go out unchecked.
	err error
}

func (g *guard) RoundTrip(req *http.Request) (*http.Response, error) {
	if g.err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, g.err
	}
	return g.t.RoundTrip(req)
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the
// wrapped transport.
func (g *guard) CloseIdleConnections() {
	if g.t != nil {
		g.t.CloseIdleConnections()
	}
}

type dialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

func newGuard(rt http.RoundTripper, allow func(netip.Addr) error) *guard {
	var t *http.Transport
	own := false // whether the transport dials with a dialer of the caller's
	switch v := rt.(type) {
	case nil:
		t = http.DefaultTransport.(*http.Transport).Clone()
	case *http.Transport:
		t = v.Clone()
		own = v != http.DefaultTransport && (v.DialContext != nil || v.Dial != nil)
	default:
		return &guard{err: fmt.Errorf("egress: cannot check the connections of a %T transport; give an *http.Transport", rt)}
	}
	t.Proxy = nil
	if !own {
		// The usual case: check before connecting, in the dialer's
		// Control hook, so a refused address never sees a packet.
		d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second,
			ControlContext: func(_ context.Context, network, address string, _ syscall.RawConn) error {
				return checkDialed(network, address, allow)
			}}
		t.DialContext = d.DialContext
	} else {
		// A dialer of the caller's own (a test server's client): check
		// the address it connected to before anything is sent.
		next := t.DialContext
		if next == nil {
			dial := t.Dial
			next = func(_ context.Context, network, addr string) (net.Conn, error) { return dial(network, addr) }
		}
		t.DialContext = checkAfter(next, allow) // takes priority over Dial
	}
	if t.DialTLSContext != nil || t.DialTLS != nil {
		next := t.DialTLSContext
		if next == nil {
			dial := t.DialTLS
			next = func(_ context.Context, network, addr string) (net.Conn, error) { return dial(network, addr) }
		}
		t.DialTLSContext = checkAfter(next, allow) // over DialTLS
	}
	return &guard{t: t}
}

// checkDialed checks the address a socket is about to connect to
// ("ip:port", as the dialer's Control hook gets it).
func checkDialed(network, address string, allow func(netip.Addr) error) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("egress: refusing to dial %s %q, which is not an IP address and port", network, address)
	}
	return allow(ap.Addr())
}

// checkAfter wraps a dial function the guard cannot hook into: the
// connection's remote address is checked before the transport writes to
// it, and a refused one is closed unused.
func checkAfter(next dialFunc, allow func(netip.Addr) error) dialFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := next(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		if err := checkDialed(network, conn.RemoteAddr().String(), allow); err != nil {
			conn.Close()
			return nil, &net.OpError{Op: "dial", Net: network, Addr: conn.RemoteAddr(), Err: err}
		}
		return conn, nil
	}
}

// Explain turns a call the policy refused into the error its agent's
// owner reads: which of the agent's fields (field, whose URL is raw) led
// where, and why that is not called. Any other error comes back as it is.
func Explain(err error, field, raw string) error {
	var re *RefusedError
	if err == nil || !errors.As(err, &re) {
		return err
	}
	out := *re
	out.Field = field
	if u, perr := url.Parse(raw); perr == nil {
		out.Host = u.Hostname()
	}
	// The URL dialled is the one in the client's error: another host
	// than the field's when a redirect was followed.
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil && u.Hostname() != out.Host {
			out.Host, out.Redirected = u.Hostname(), true
		}
	}
	return &out
}
