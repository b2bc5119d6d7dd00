package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
)

// Backup streams a consistent copy of the node's state file to w: every
// write acknowledged before the call is in it (the node confirms its
// state with the leader first). It needs the operator token. It returns
// the log index the copy reflects and the bytes written; a copy cut short
// (fewer bytes than the node announced) is an error, so a caller that
// writes w to a file keeps it only when err is nil.
func (c *Client) Backup(ctx context.Context, w io.Writer) (index uint64, n int64, err error) {
	u := *c.base
	u.RawPath = c.base.EscapedPath() + "/v1/cluster/snapshot"
	u.Path = c.base.Path + "/v1/cluster/snapshot"
	u.RawQuery = "consistency=linearizable"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return 0, 0, fmt.Errorf("client: build request: %w", err)
	}
	c.setHeaders(req, "application/octet-stream")
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, 0, &noAnswerError{err}
	}
	defer closeBody(resp.Body)
	if resp.StatusCode != http.StatusOK {
		data, _ := readLimited(resp.Body, c.maxBody)
		return 0, 0, decodeError(resp.StatusCode, data)
	}
	index, err = strconv.ParseUint(resp.Header.Get("X-Arena-Applied-Index"), 10, 64)
	if err != nil {
		return 0, 0, fmt.Errorf("client: GET /v1/cluster/snapshot: the answer names no applied index (X-Arena-Applied-Index %q)", resp.Header.Get("X-Arena-Applied-Index"))
	}
	n, err = io.Copy(w, resp.Body)
	if err != nil {
		return index, n, fmt.Errorf("client: GET /v1/cluster/snapshot: copy cut short after %d bytes: %w", n, err)
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return index, n, fmt.Errorf("client: GET /v1/cluster/snapshot: got %d of the %d bytes announced", n, resp.ContentLength)
	}
	return index, n, nil
}
