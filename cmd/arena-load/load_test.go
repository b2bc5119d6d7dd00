package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agentarena/arena/internal/httpjson"
	"github.com/agentarena/arena/internal/proccpu"
)

func TestParseFlagsRefusesBadInput(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"etcd target without urls", []string{"-targets", "etcd"}, "needs -etcd"},
		{"grant without a token", []string{"-arena", "http://x", "-targets", "grant", "-token", ""}, "needs -token"},
		{"unknown target", []string{"-arena", "http://x", "-targets", "nope"}, "unknown target"},
		{"bad client count", []string{"-etcd", "http://x", "-targets", "etcd", "-clients", "0"}, "not a positive integer"},
		{"no rounds", []string{"-etcd", "http://x", "-targets", "etcd", "-rounds", "0"}, "-rounds >= 1"},
		{"bad pid", []string{"-etcd", "http://x", "-targets", "etcd", "-etcd-pids", "1,x"}, "not a process id"},
		{"stray argument", []string{"-etcd", "http://x", "-targets", "etcd", "extra"}, "unexpected arguments"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseFlags(tc.args, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// A real HTTP server on loopback: every answered request within the
// window is counted, failures are counted as errors, never as latencies.
func TestRunCellCountsAnswersAndErrors(t *testing.T) {
	var served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.URL.Path == "/fail" {
			http.Error(w, "no", http.StatusServiceUnavailable)
			return
		}
		if !bytes.Contains(b, []byte(`"key"`)) {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		served.Add(1)
		w.Write([]byte("{}"))
	}))
	defer srv.Close()
	hc := newClient(4)
	res := runCell(t.Context(), hc, newEtcdPut([]string{srv.URL}), 4, 50*time.Millisecond, 200*time.Millisecond, func() float64 { return proccpu.Seconds([]int{os.Getpid()}) })
	if res.OK == 0 || res.Errors != 0 || int64(res.OK) > served.Load() {
		t.Fatalf("ok %d errors %d served %d (%s)", res.OK, res.Errors, served.Load(), res.FirstErr)
	}
	if res.CPUms <= 0 {
		t.Fatalf("this process's CPU per request = %v, want > 0", res.CPUms)
	}
	if !(res.P50ms <= res.P90ms && res.P90ms <= res.P99ms && res.P99ms <= res.MaxMs) {
		t.Fatalf("percentiles out of order: %+v", res)
	}
	bad := runCell(t.Context(), hc, failing{srv.URL}, 2, 0, 100*time.Millisecond, func() float64 { return 0 })
	if bad.OK != 0 || bad.Errors == 0 || !strings.Contains(bad.FirstErr, "503") {
		t.Fatalf("failing target: %+v", bad)
	}
}

type failing struct{ url string }

func (failing) name() string { return "failing" }
func (f failing) next(c, n int) request {
	return request{method: http.MethodPost, url: f.url + "/fail", header: httpjson.Header("")}
}

func TestReportRatiosAndMedians(t *testing.T) {
	rs := []cellResult{
		{Target: "etcd put", Clients: 32, PerSec: 1000, P99ms: 10},
		{Target: "etcd put", Clients: 32, PerSec: 2000, P99ms: 20},
		{Target: "arena grant", Clients: 32, PerSec: 3000, P99ms: 15},
		{Target: "arena grant", Clients: 32, PerSec: 3000, P99ms: 15},
	}
	var out strings.Builder
	writeReport(&out, options{clients: []int{32}, targets: []string{"etcd", "grant"}, rounds: 2}, rs)
	for _, want := range []string{"| 32 | etcd put | 1500 (1000–2000) |", "| 2.00× | 1.00× |"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("report lacks %q:\n%s", want, out.String())
		}
	}
}
