package web_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/agentarena/arena/web"
)

// BenchmarkGrantHTTP is the front door's write path on one node: an
// operator's ledger grant (256-byte memo, a fresh transfer id) over real
// HTTP on loopback, through the handler chain, Raft and the state
// machine, from 32 concurrent clients so that commits batch. ns/op is the
// wall time per grant on this machine; run with -cpuprofile to see where
// a grant's CPU goes.
// Run: go test -run '^$' -bench GrantHTTP -benchtime 20000x ./web/
func BenchmarkGrantHTTP(b *testing.B) {
	_, nodes := plClusterTB(b, 1, plOptions{web: func(c *web.Config) {
		c.Limits.RequestsPerSecondPerIP, c.Limits.RequestBurstPerIP = -1, -1
	}})
	base := nodes[0].url
	owner := plOwnerTB(b, base)
	memo := strings.Repeat("m", 256)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var seq atomic.Int64
	b.SetParallelism(16) // 32 clients on two cores
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			body := fmt.Sprintf(`{"id":"tx_bench_%d","owner_id":%q,"amount":1,"memo":%q}`, seq.Add(1), owner, memo)
			req, _ := http.NewRequest("POST", base+"/v1/ledger/grants", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+plOperator)
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
				b.Errorf("grant: %d", resp.StatusCode)
				return
			}
		}
	})
}

// plOwnerTB signs up an owner and returns its id.
func plOwnerTB(tb testing.TB, base string) string {
	tb.Helper()
	resp, err := http.Post(base+"/v1/owners", "application/json", strings.NewReader(`{"name":"bench"}`))
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	var o struct {
		Owner struct {
			ID string `json:"id"`
		} `json:"owner"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&o); err != nil || resp.StatusCode != http.StatusCreated {
		tb.Fatalf("create owner: %d %v", resp.StatusCode, err)
	}
	return o.Owner.ID
}

// BenchmarkAgentUpdateHTTP is the owner-key write of make bench-vs-etcd
// on one node: PATCH /v1/agents/{id} with a new 256-byte description each
// time, 32 clients over 32 agents of one owner, per-key limits off.
// Run: go test -run '^$' -bench AgentUpdateHTTP -benchtime 20000x ./web/
func BenchmarkAgentUpdateHTTP(b *testing.B) {
	_, nodes := plClusterTB(b, 1, plOptions{web: func(c *web.Config) {
		c.Limits.RequestsPerSecondPerIP, c.Limits.RequestBurstPerIP = -1, -1
		c.Limits.RequestsPerSecondPerKey, c.Limits.RequestBurstPerKey = -1, -1
	}})
	base := nodes[0].url
	names := make([]string, 32)
	for i := range names {
		names[i] = fmt.Sprintf("a%d", i)
	}
	ids := plAgents(b, base, names...)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var seq atomic.Int64
	b.SetParallelism(16)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := seq.Add(1)
			id := ids[n%int64(len(ids))]
			body := fmt.Sprintf(`{"description":"%0256d"}`, n)
			req, _ := http.NewRequest("PATCH", base+"/v1/agents/"+id.agentID, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+id.ownerKey)
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("patch: %d", resp.StatusCode)
				return
			}
		}
	})
}
