package llm

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/agentarena/arena/internal/fuzzseed"
)

// FuzzReadStream feeds arbitrary bytes to the stream parser, which reads
// what a remote server sends: it must never panic, and on success the
// content it reports is exactly what it handed to the consumer.
func FuzzReadStream(f *testing.F) {
	fuzzseed.Add(f, []byte("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"},\"finish_reason\":null}]}\n\ndata: [DONE]\n\n"))
	fuzzseed.Add(f, []byte("data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}"))
	fuzzseed.Add(f, []byte(": ping\n\nevent: x\ndata: {\"error\":{\"message\":\"m\"}}\n\n"))
	fuzzseed.Add(f, []byte("data: {\"choices\":[]}\ndata: more\n\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		c := &Client{cfg: Config{APIKey: "k", Now: time.Now}, max: 1 << 20}
		var got strings.Builder
		resp, err := c.readStream(bytes.NewReader(body), func(d string) error {
			got.WriteString(d)
			return nil
		})
		if err == nil && resp.Content != got.String() {
			t.Fatalf("content %q, deltas %q", resp.Content, got.String())
		}
	})
}
