package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestMetricLabelsAreBounded: arena_http_requests_total was labelled with
// the request's method as the client sent it, and a method is any token
// ("FOO1", 500 characters of anything): every new one became a series for
// good, so one address made 2,583 series in 22 s and took /metrics from
// 31 KB to 1.8 MB. Methods HTTP does not define are counted as "other".
func TestMetricLabelsAreBounded(t *testing.T) {
	ln := limCluster(t, limOptions{})
	for _, m := range []string{"FOO1", "FOO2", strings.Repeat("X", 500), http.MethodGet} {
		req, err := http.NewRequest(m, ln.url+"/v1/arenas", nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	mfs, err := ln.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	other := 0.0
	for _, mf := range mfs {
		if mf.GetName() != "arena_http_requests_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() != "method" {
					continue
				}
				switch v := l.GetValue(); v {
				case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE":
				case "other":
					other += m.GetCounter().GetValue()
				default:
					t.Errorf("a series has method=%.40q", v)
				}
			}
		}
	}
	if other != 3 {
		t.Errorf("method=\"other\" counted %v requests, want 3", other)
	}
}
