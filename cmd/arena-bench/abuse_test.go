package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"
)

// TestAbuseShort is the abuse scenario at small scale: while the node is
// flooded, bots and honest agents finish contests, limits refuse the
// excess (and count it), and the ledger holds only contest transfers.
func TestAbuseShort(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a node and floods it for a few seconds")
	}
	// A wave of 1,200 requests is 600 with the attacker's key, three times
	// the per-key burst (200): even arriving over several seconds on a
	// starved machine, it outruns the refill (50/s).
	o := AbuseOptions{Duration: 4 * time.Second, Conns: 300, Bodies: 8, BodyBytes: 2 << 20, Waves: 3, WaveSize: 1200,
		Slow: 4, AttackIPs: 4, Dir: t.TempDir(), MaxHeapMiB: 512}
	var progress bytes.Buffer
	rep, err := runAbuse(context.Background(), o, &progress)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	_ = writeAbuse(&out, rep, false)
	t.Logf("\n%s", out.String())
	if !rep.OK() {
		t.Fatalf("abuse checks failed: %v", rep.Problems)
	}
	for _, limit := range []string{"body_bytes", "requests_per_key", "frames_per_second"} {
		if rep.LimitHits[limit] == 0 {
			t.Errorf("the flood never hit the %s limit", limit)
		}
	}
	// Refused for its size, or first by the address's request rate when
	// the bursts have spent it: never taken.
	if rep.Attack["body: 413"]+rep.Attack["body: 429"]+rep.Attack["body: cut off mid-upload"] != int64(o.Bodies) {
		t.Errorf("oversized bodies: %v, want every one refused", rep.Attack)
	}
	if rep.Attack["requests: 429"] == 0 {
		t.Error("no burst request was answered 429")
	}
}

func TestAbuseFlagsSelectTheScenario(t *testing.T) {
	opts, err := parseFlags([]string{"-op", "abuse", "-abuse-conns", "7", "-duration", "2s"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if opts.Op != "abuse" || opts.Abuse.Conns != 7 || opts.Duration != 2*time.Second || opts.Abuse.MaxHeapMiB != 512 {
		t.Fatalf("parsed %+v", opts)
	}
}
