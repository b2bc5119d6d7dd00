// Package httpjson is the small JSON-over-HTTP client the load tools
// (arena-bench, arena-load) set up a cluster with: they talk to servers
// from outside, as anyone would, and want no more than a POST.
package httpjson

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// Header is a JSON request's header, with a bearer token when one is
// given.
func Header(bearer string) http.Header {
	h := http.Header{"Content-Type": {"application/json"}}
	if bearer != "" {
		h.Set("Authorization", "Bearer "+bearer)
	}
	return h
}

// Post sends in as JSON to url and decodes a 2xx answer into out (nil
// discards it). Any other status is an error carrying the start of the
// answer, so a refused setup step says why.
func Post(ctx context.Context, hc *http.Client, url, bearer string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header = Header(bearer)
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("POST %s: %d %.300s", url, resp.StatusCode, b)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(b, out)
}
