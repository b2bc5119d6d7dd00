package web

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/agentarena/arena/internal/fuzzseed"
)

func sampleItems() []fwdItem {
	return []fwdItem{
		{Method: "POST", URI: "/v1/ledger/grants", Client: "127.0.0.2", Deadline: 1_800_000_000_000,
			Header: http.Header{"Authorization": {"Bearer arop_x"}, "Content-Type": {"application/json"}},
			Body:   []byte(`{"owner_id":"o1","amount":1}`)},
		{Method: "PATCH", URI: "/v1/agents/a1?x=1", Client: "2001:db8::/64", Deadline: -1,
			Header: http.Header{"X-Multi": {"a", "b"}}, Body: nil},
		{Method: "DELETE", URI: "/v1/agents/a2", Header: http.Header{}},
	}
}

func TestBatchFrameRoundTrip(t *testing.T) {
	items := sampleItems()
	got, err := decodeBatch(bufio.NewReader(bytes.NewReader(encodeBatch(nil, items))), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	for i := range items {
		if items[i].Body == nil {
			items[i].Body = []byte{}
		}
	}
	if !reflect.DeepEqual(got, items) {
		t.Fatalf("decoded\n%+v\nwant\n%+v", got, items)
	}
}

func TestAnswerStreamRoundTrip(t *testing.T) {
	answers := []fwdAnswer{
		{Index: 2, Status: 201, Header: http.Header{"Content-Type": {"application/json"}, "X-Arena-Applied-Index": {"42"}}, Body: []byte(`{"ok":true}`)},
		{Index: 0, Status: 429, Header: http.Header{"Retry-After": {"1"}}, Body: []byte{}},
		{Index: 1, Status: 204, Header: http.Header{}, Body: []byte{}},
	}
	var stream []byte
	for _, a := range answers {
		stream = encodeAnswer(stream, a)
	}
	r := bufio.NewReader(bytes.NewReader(stream))
	for i, want := range answers {
		got, err := decodeAnswer(r, 3, 1<<20)
		if err != nil {
			t.Fatalf("answer %d: %v", i, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("answer %d: %+v, want %+v", i, got, want)
		}
	}
	if _, err := decodeAnswer(r, 3, 1<<20); err != io.EOF {
		t.Fatalf("after the last answer: %v, want io.EOF", err)
	}
}

func TestMalformedFrames(t *testing.T) {
	good := encodeBatch(nil, sampleItems())
	tests := []struct {
		name    string
		frame   []byte
		maxBody int
	}{
		{"empty", nil, 1 << 20},
		{"wrong magic", append([]byte("AFB2"), good[4:]...), 1 << 20},
		{"no items", encodeBatch(nil, nil), 1 << 20},
		{"cut in the middle", good[:len(good)/2], 1 << 20},
		{"cut before the last byte", good[:len(good)-1], 1 << 20},
		{"trailing bytes", append(append([]byte{}, good...), 0), 1 << 20},
		{"body over the limit", good, 8},
		{"too many items", append([]byte(batchMagic), 0xff, 0xff, 0x03), 1 << 20},
		{"a length that lies", append([]byte(batchMagic), 1, 0xff, 0xff, 0xff, 0xff, 0x0f), 1 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeBatch(bufio.NewReader(bytes.NewReader(tt.frame)), tt.maxBody)
			if !errors.Is(err, errFrame) {
				t.Fatalf("decodeBatch: %v, want a malformed-frame error", err)
			}
		})
	}
	answer := encodeAnswer(nil, fwdAnswer{Index: 1, Status: 200, Header: http.Header{"A": {"b"}}, Body: []byte("xy")})
	for _, tt := range []struct {
		name  string
		frame []byte
		items int
	}{
		{"index beyond the batch", answer, 1},
		{"cut short", answer[:len(answer)-1], 2},
		{"bad status", encodeAnswer(nil, fwdAnswer{Index: 0, Status: 42, Header: http.Header{}}), 1},
	} {
		t.Run("answer "+tt.name, func(t *testing.T) {
			_, err := decodeAnswer(bufio.NewReader(bytes.NewReader(tt.frame)), tt.items, 1<<20)
			if !errors.Is(err, errFrame) {
				t.Fatalf("decodeAnswer: %v, want a malformed-frame error", err)
			}
		})
	}
}

// FuzzForwardBatch: whatever a peer sends as a batch is refused with an
// error or decoded into items that encode back to the same bytes (no
// panic, no second spelling of one batch).
func FuzzForwardBatch(f *testing.F) {
	fuzzseed.Add(f, encodeBatch(nil, sampleItems()))
	fuzzseed.Add(f, encodeBatch(nil, sampleItems()[:1]))
	fuzzseed.Add(f, []byte(batchMagic))
	fuzzseed.Add(f, []byte("AFB1\x01\x04POST\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		items, err := decodeBatch(bufio.NewReader(bytes.NewReader(b)), 1<<16)
		if err != nil {
			if !errors.Is(err, errFrame) {
				t.Fatalf("error %v is not a malformed-frame error", err)
			}
			return
		}
		if len(items) == 0 || len(items) > maxBatchItems {
			t.Fatalf("decoded %d items", len(items))
		}
		again, err := decodeBatch(bufio.NewReader(bytes.NewReader(encodeBatch(nil, items))), 1<<16)
		if err != nil || !reflect.DeepEqual(again, items) {
			t.Fatalf("re-encoded batch decodes to %+v, %v; want %+v", again, err, items)
		}
	})
}

// FuzzForwardAnswers: a leader's answer stream never panics the follower
// and never names an item outside the batch.
func FuzzForwardAnswers(f *testing.F) {
	var stream []byte
	stream = encodeAnswer(stream, fwdAnswer{Index: 0, Status: 200, Header: http.Header{"X-Arena-Applied-Index": {"7"}}, Body: []byte(`{}`)})
	stream = encodeAnswer(stream, fwdAnswer{Index: 1, Status: 503, Header: http.Header{}, Body: []byte(strings.Repeat("x", 40))})
	fuzzseed.Add(f, stream, 2)
	fuzzseed.Add(f, []byte{0, 0xc8, 0x01, 0, 0}, 1)
	f.Fuzz(func(t *testing.T, b []byte, items int) {
		n := int(uint(items)%8) + 1
		r := bufio.NewReader(bytes.NewReader(b))
		for {
			a, err := decodeAnswer(r, n, 1<<16)
			if err != nil {
				if err != io.EOF && !errors.Is(err, errFrame) {
					t.Fatalf("error %v is neither io.EOF nor a malformed-frame error", err)
				}
				return
			}
			if a.Index < 0 || a.Index >= n || a.Status < 100 || a.Status > 599 {
				t.Fatalf("decoded %+v for a batch of %d", a, n)
			}
		}
	})
}
