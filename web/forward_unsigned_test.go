package web_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentarena/arena/web"
)

// batchFrame encodes n sign-ups of bodyBytes each as a batch of
// forwarded writes, as a follower sends them (forward_codec.go).
func batchFrame(n, bodyBytes int) []byte {
	b := []byte("AFB1")
	str := func(s string) { b = binary.AppendUvarint(b, uint64(len(s))); b = append(b, s...) }
	b = binary.AppendUvarint(b, uint64(n))
	body := `{"name":"batched"` + strings.Repeat(" ", max(bodyBytes-19, 0)) + `}`
	for range n {
		str("POST")
		str("/v1/owners")
		str("")
		b = binary.AppendVarint(b, time.Now().Add(time.Minute).UnixMilli())
		b = binary.AppendUvarint(b, 1)
		str("Content-Type")
		str("application/json")
		str(body)
	}
	return b
}

// memberSig signs a request in the v1 form, as a member of an older
// release holding secretsHex would (peer.go): HMAC-SHA256 under a key
// derived from the secrets key.
func memberSig(secretsHex, from, method, uri string) string {
	raw, _ := hex.DecodeString(secretsHex)
	d := hmac.New(sha256.New, raw)
	d.Write([]byte("agent-arena peer requests v1"))
	ts := time.Now().Unix()
	m := hmac.New(sha256.New, d.Sum(nil))
	m.Write([]byte(strconv.FormatInt(ts, 10) + "\n" + from + "\n" + "" + "\n" + method + "\n" + uri))
	return strconv.FormatInt(ts, 10) + "." + hex.EncodeToString(m.Sum(nil))
}

// TestUnsignedForwardBatchesAreBoundedLikeARequest: POST
// /v1/cluster/forward is open to anyone (each write in it is authorized
// on its own), but the leader read up to 64 MiB of a batch before looking
// at any item, so one anonymous client sending eight 60 MiB batches at
// once took a node from 70 MiB to 900 MiB of memory. A batch no member
// signed may now be no larger than one request (body and header); a
// member's signed batch keeps the larger limit.
func TestUnsignedForwardBatchesAreBoundedLikeARequest(t *testing.T) {
	const maxBody = 8 << 10
	secrets := strings.Repeat("6b", 32)
	_, nodes := plCluster(t, 1, plOptions{web: func(cfg *web.Config) {
		cfg.MaxBodyBytes = maxBody
		cfg.SecretsKey = func() string { return secrets }
	}})
	base := nodes[0].url
	frame := batchFrame(40, 6<<10) // 240 KiB: more than a body and a header
	post := func(sig string, body []byte) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, base+"/v1/cluster/forward", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/x-arena-forward")
		if sig != "" {
			req.Header.Set("X-Arena-Forwarded-By", "n-member")
			if strings.HasPrefix(sig, "v2;") {
				req.Header.Set("X-Arena-Peer-Auth", sig)
			} else {
				req.Header.Set("X-Arena-Peer-Sig", sig)
			}
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	signed := memberSigV2(secrets, "n-member", "", "", http.MethodPost, "/v1/cluster/forward", frame)
	// The same frame with one name changed: as long, and another batch.
	changed := bytes.Replace(frame, []byte(`"batched"`), []byte(`"batcheD"`), 1)
	for _, tc := range []struct {
		name string
		sig  string
		body []byte
		want int
		msg  string
	}{
		{"an unsigned batch larger than a request is refused", "", frame, http.StatusRequestEntityTooLarge, `"too_large"`},
		{"a forged signature is no signature", strconv.FormatInt(time.Now().Unix(), 10) + "." + strings.Repeat("00", 32), frame, http.StatusRequestEntityTooLarge, `"too_large"`},
		{"a member's signed batch of the same size is read", signed, frame, http.StatusOK, ""},
		{"the same signed batch sent again is no longer signed", signed, frame, http.StatusRequestEntityTooLarge, `"too_large"`},
		{"a signed batch whose body was changed is refused whole", memberSigV2(secrets, "n-member", "", "", http.MethodPost, "/v1/cluster/forward", frame), changed, http.StatusBadRequest, "not the one its signature covers"},
		{"a v1 signature once every member signs v2 is no signature", memberSig(secrets, "n-member", http.MethodPost, "/v1/cluster/forward"), frame, http.StatusRequestEntityTooLarge, `"too_large"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := post(tc.sig, tc.body)
			if code != tc.want {
				t.Fatalf("status %d, want %d: %.300s", code, tc.want, body)
			}
			if !strings.Contains(body, tc.msg) {
				t.Errorf("body %.300s: want %s", body, tc.msg)
			}
		})
	}
}

// TestFollowerWithoutKeyBatchesWithinTheUnsignedLimit: a follower that
// cannot sign (no secrets key) must keep its batches within what the
// leader reads unsigned, or every write in a large batch would be
// refused together.
func TestFollowerWithoutKeyBatchesWithinTheUnsignedLimit(t *testing.T) {
	const maxBody = 8 << 10
	c, nodes := plCluster(t, 2, plOptions{web: func(cfg *web.Config) {
		cfg.MaxBodyBytes = maxBody
		cfg.Limits.SignupsPerHourPerIP = -1 // 48 sign-ups from one address
	}})
	follower := nodes[1-c.Index(c.Leader())].url
	body := `{"name":"padded"` + strings.Repeat(" ", 6<<10) + `}`
	const n = 48 // 300 KiB of writes at once: several batches' worth
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := http.Post(follower+"/v1/owners", "application/json", strings.NewReader(body))
			if err != nil {
				t.Error(err)
				return
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			codes[i] = res.StatusCode
			if res.StatusCode != http.StatusCreated {
				t.Errorf("sign-up %d through the follower: %d %.200s", i, res.StatusCode, b)
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.Log(fmt.Sprint(codes))
	}
}
