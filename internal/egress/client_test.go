package egress

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// counted serves 200 "internal" and counts the requests that reached it
// and the connections it accepted.
func counted(t *testing.T, addr string) (*httptest.Server, *atomic.Int32) {
	srv, hits, _ := countedConns(t, addr)
	return srv, hits
}

func countedConns(t *testing.T, addr string) (*httptest.Server, *atomic.Int32, *atomic.Int32) {
	t.Helper()
	var hits, conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = w.Write([]byte("internal"))
	}))
	// The server loop reports a new connection before it serves it, so
	// once a later connection's request was answered, every connection
	// made before it has been counted.
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	if addr != "" {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			t.Skipf("cannot listen on %s: %v", addr, err)
		}
		srv.Listener.Close()
		srv.Listener = l
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &hits, &conns
}

func post(ctx context.Context, hc *http.Client, url string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader("{}"))
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err == nil {
		resp.Body.Close()
	}
	return resp, err
}

func TestClientRefusesAtDialTime(t *testing.T) {
	srv, hits, conns := countedConns(t, "")
	port := srv.Listener.Addr().(*net.TCPAddr).AddrPort().Port()
	tests := []struct {
		name, url string
		want      Class
	}{
		{"a loopback address", srv.URL, ClassLoopback},
		{"a name that resolves to loopback", "http://localhost:" + itoa(port) + "/", ClassLoopback},
		{"the cloud metadata address", "http://169.254.169.254/latest/meta-data/", ClassLinkLocal},
		{"a private address", "http://10.255.255.1:9/", ClassPrivate},
		{"the unspecified address, which reaches this machine", "http://0.0.0.0:" + itoa(port) + "/", ClassUnspecified},
		{"an IPv4-mapped loopback address", "http://[::ffff:127.0.0.1]:" + itoa(port) + "/", ClassLoopback},
	}
	hc := Public.Client(nil)
	for _, tt := range tests {
		t.Run(tt.name+" is refused without connecting", func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, err := post(ctx, hc, tt.url)
			var re *RefusedError
			if !errors.As(err, &re) {
				t.Fatalf("err = %v, want a *RefusedError", err)
			}
			if re.Class != tt.want {
				t.Fatalf("refused as %v, want %v: %v", re.Class, tt.want, err)
			}
			explained := Explain(err, "webhook_url", tt.url).Error()
			if !strings.HasPrefix(explained, "webhook_url host ") || !strings.Contains(explained, "--agent-egress=any") {
				t.Fatalf("Explain = %q", explained)
			}
		})
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the server was reached %d times", n)
	}
	t.Run("a name's error says what it resolved to", func(t *testing.T) {
		u := "http://localhost:" + itoa(port) + "/turn"
		_, err := post(context.Background(), hc, u)
		got := Explain(err, "webhook_url", u).Error()
		if !strings.Contains(got, "webhook_url host localhost resolves to ") || !strings.Contains(got, ", a loopback address; this arena calls only public addresses") {
			t.Fatalf("Explain = %q", got)
		}
	})
	t.Run("Any reaches it", func(t *testing.T) {
		resp, err := post(context.Background(), Any.Client(nil), srv.URL)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("resp %v, err %v", resp, err)
		}
		if hits.Load() != 1 {
			t.Fatalf("hits = %d, want 1", hits.Load())
		}
		// Refused before connecting: the only connection is this one.
		if n := conns.Load(); n != 1 {
			t.Fatalf("the server accepted %d connections, want 1 (Any's)", n)
		}
	})
}

// allowOnly allows one address, refusing every other as the policy would
// a loopback one: the tests' stand-in for a public server.
func allowOnly(ok netip.Addr) func(netip.Addr) error {
	return func(a netip.Addr) error {
		if a == ok {
			return nil
		}
		return Public.Allows(a)
	}
}

func TestClientChecksRedirects(t *testing.T) {
	inner, innerHits := counted(t, "127.0.0.2:0")
	outer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, inner.URL+"/secret", http.StatusTemporaryRedirect)
	}))
	defer outer.Close()
	hc := guardClient(&http.Client{}, allowOnly(netip.MustParseAddr("127.0.0.1")))
	_, err := post(context.Background(), hc, outer.URL+"/v1")
	var re *RefusedError
	if !errors.As(err, &re) || re.Addr != netip.MustParseAddr("127.0.0.2") {
		t.Fatalf("err = %v, want the redirect to 127.0.0.2 refused", err)
	}
	if n := innerHits.Load(); n != 0 {
		t.Fatalf("the redirect's target was reached %d times", n)
	}
	got := Explain(err, "endpoint.base_url", outer.URL+"/v1").Error()
	want := "endpoint.base_url redirected to 127.0.0.2, which is a loopback address; this arena calls only public addresses"
	if !strings.HasPrefix(got, want) {
		t.Fatalf("Explain = %q, want it to start %q", got, want)
	}
}

func TestClientWrapsTransports(t *testing.T) {
	srv, hits := counted(t, "")
	t.Run("a transport with its own dialer is checked after it connects", func(t *testing.T) {
		// httptest's client dials with a function of its own.
		tr := srv.Client().Transport.(*http.Transport).Clone()
		tr.DialContext = (&net.Dialer{}).DialContext
		_, err := post(context.Background(), Public.Client(&http.Client{Transport: tr}), srv.URL)
		var re *RefusedError
		if !errors.As(err, &re) || re.Class != ClassLoopback {
			t.Fatalf("err = %v, want a loopback refusal", err)
		}
		if hits.Load() != 0 {
			t.Fatal("the request reached the server")
		}
	})
	t.Run("a transport the guard cannot see into fails closed", func(t *testing.T) {
		rt := roundTripFunc(func(*http.Request) (*http.Response, error) { t.Fatal("called"); return nil, nil })
		_, err := post(context.Background(), Public.Client(&http.Client{Transport: rt}), srv.URL)
		if err == nil || !strings.Contains(err.Error(), "cannot check the connections") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("a guarded client is returned as it is", func(t *testing.T) {
		hc := Public.Client(nil)
		if Public.Client(hc) != hc {
			t.Fatal("guarded twice")
		}
	})
	t.Run("the caller's client is not changed", func(t *testing.T) {
		hc := &http.Client{Timeout: time.Minute}
		g := Public.Client(hc)
		if hc.Transport != nil || g.Timeout != time.Minute {
			t.Fatalf("caller's transport %v, guarded timeout %v", hc.Transport, g.Timeout)
		}
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func itoa(p uint16) string { return strconv.Itoa(int(p)) }
