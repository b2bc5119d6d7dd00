package web_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agentarena/arena/api"
	"github.com/agentarena/arena/internal/egress"
	"github.com/agentarena/arena/llm/llmtest"
	"github.com/agentarena/arena/web"
)

// Anyone may sign up as an owner, and an agent's webhook_url or model
// endpoint was called whatever it pointed at: 127.0.0.1, 10.x, the cloud
// metadata at 169.254.169.254. The arena POSTed to it every turn and the
// owner read the first 200 bytes of each answer in the deliveries log.
// Under the default policy a URL whose host is such an address, or
// localhost, is refused when the agent is created or changed, naming the
// rule and the operator's flag; with --agent-egress=any it is accepted.
func TestAgentURLsOnTheArenasOwnNetworkAreRefused(t *testing.T) {
	_, nodes := plCluster(t, 1, plOptions{publicEgress: true})
	base := nodes[0].url
	var o struct {
		APIKey string `json:"api_key"`
	}
	if code := plHTTP(t, "POST", base+"/v1/owners", "", map[string]string{"name": "mallory"}, &o); code != 201 {
		t.Fatalf("create owner: %d", code)
	}
	const rule = "; this arena calls only public addresses (its operator allows others with --agent-egress=any)"
	webhookAt := func(u string) map[string]any { return map[string]any{"kind": "webhook", "webhook_url": u} }
	modelAt := func(u string) map[string]any {
		return map[string]any{"kind": "openai", "endpoint": map[string]any{"base_url": u, "model": "m"}}
	}
	tests := []struct {
		name string
		body map[string]any
		want string // "" is created
	}{
		{"a webhook on loopback", webhookAt("http://127.0.0.1:29602/internal"), "webhook_url host 127.0.0.1 is a loopback address" + rule},
		{"a webhook on localhost", webhookAt("http://localhost:8080/"), "webhook_url host localhost is a loopback name" + rule},
		{"a webhook at the cloud metadata address", webhookAt("http://169.254.169.254/latest/meta-data/"),
			"webhook_url host 169.254.169.254 is a link-local address (the range of cloud metadata services such as 169.254.169.254)" + rule},
		{"a webhook on IPv6 loopback", webhookAt("http://[::1]:9000/turn"), "webhook_url host ::1 is a loopback address" + rule},
		{"a webhook on loopback spelt as one number", webhookAt("http://2130706433/"), "webhook_url host 2130706433 resolves to 127.0.0.1, a loopback address" + rule},
		{"a webhook on a private network", webhookAt("https://10.0.0.7/turn"), "webhook_url host 10.0.0.7 is a private address (RFC 1918)" + rule},
		{"a model endpoint on a private network", modelAt("http://192.168.1.20:8000/v1"), "endpoint.base_url host 192.168.1.20 is a private address (RFC 1918)" + rule},
		{"a model endpoint on IPv6's private range", modelAt("http://[fd00::5]:11434/v1"), "endpoint.base_url host fd00::5 is a unique local address"},
		{"a model endpoint on carrier-grade NAT", modelAt("http://100.64.1.1/v1"), "endpoint.base_url host 100.64.1.1 is a shared address (RFC 6598, carrier-grade NAT)" + rule},
		{"a webhook named by DNS", webhookAt("https://bots.example.com/turn"), ""},
		{"a webhook on a public address", webhookAt("http://8.8.8.8/turn"), ""},
		{"a model endpoint named by DNS", modelAt("https://models.example.com/v1"), ""},
	}
	for i, tt := range tests {
		verb := " is refused"
		if tt.want == "" {
			verb = " is created"
		}
		t.Run(tt.name+verb, func(t *testing.T) {
			tt.body["name"] = "a" + strconv.Itoa(i)
			var resp struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			code := plHTTP(t, "POST", base+"/v1/agents", o.APIKey, tt.body, &resp)
			switch {
			case tt.want == "" && code != 201:
				t.Fatalf("status %d: %+v", code, resp.Error)
			case tt.want != "" && (code != 400 || resp.Error.Code != "invalid" || !strings.HasPrefix(resp.Error.Message, tt.want)):
				t.Fatalf("status %d, %+v; want 400 invalid %q", code, resp.Error, tt.want)
			}
		})
	}

	t.Run("a PATCH to such a URL is refused", func(t *testing.T) {
		var a struct {
			Agent struct{ ID string } `json:"agent"`
		}
		if code := plHTTP(t, "POST", base+"/v1/agents", o.APIKey, map[string]any{"name": "hook", "kind": "webhook", "webhook_url": "https://bots.example.com/hook"}, &a); code != 201 {
			t.Fatalf("create: %d", code)
		}
		for _, patch := range []map[string]any{
			{"webhook_url": "http://169.254.169.254/latest/meta-data/"},
			{"kind": "openai", "endpoint": map[string]any{"base_url": "http://127.0.0.1:11434/v1", "model": "m"}},
		} {
			var resp struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			if code := plHTTP(t, "PATCH", base+"/v1/agents/"+a.Agent.ID, o.APIKey, patch, &resp); code != 400 || !strings.HasSuffix(resp.Error.Message, rule) {
				t.Errorf("PATCH %v: status %d, %+v; want 400 naming the rule", patch, code, resp.Error)
			}
		}
		if code := plHTTP(t, "PATCH", base+"/v1/agents/"+a.Agent.ID, o.APIKey, map[string]any{"description": "still public"}, nil); code != 200 {
			t.Errorf("a PATCH of another field: status %d", code)
		}
	})

	t.Run("--agent-egress=any accepts them", func(t *testing.T) {
		_, open := plCluster(t, 1, plOptions{})
		var dev struct {
			APIKey string `json:"api_key"`
		}
		plHTTP(t, "POST", open[0].url+"/v1/owners", "", map[string]string{"name": "dev"}, &dev)
		for i, body := range []map[string]any{webhookAt("http://127.0.0.1:9000/turn"), modelAt("http://10.0.0.9:8000/v1"), webhookAt("http://localhost:9/")} {
			body["name"] = "dev" + strconv.Itoa(i)
			if code := plHTTP(t, "POST", open[0].url+"/v1/agents", dev.APIKey, body, nil); code != 201 {
				t.Errorf("%v: status %d", body, code)
			}
		}
	})
}

// The check when an agent is created sees only addresses written in the
// URL; a name that resolves to one, or an agent created while the arena
// allowed them, is caught when the leader dials: the call is never made,
// the owner's deliveries say why and the internal server's answer shows
// nowhere. A model agent's seat forfeits with the reason.
func TestCallsToTheArenasOwnNetworkAreRefusedWhenDialled(t *testing.T) {
	var reached atomic.Int64
	internal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		io.WriteString(w, `{"internal_admin_token": "s3cr3t-db-password"}`)
	}))
	defer internal.Close()
	llmSrv := llmtest.NewServer(func(llmtest.Request) llmtest.Reply {
		reached.Add(1)
		return llmtest.Reply{Content: "ANSWER: 42"}
	})
	defer llmSrv.Close()
	// The API accepts the URLs (as a node before the upgrade did); the
	// runner holds to the default policy.
	_, nodes := plCluster(t, 1, plOptions{publicEgress: true, web: func(c *web.Config) { c.AgentEgress = egress.Any }})
	base := nodes[0].url
	var o struct {
		APIKey string `json:"api_key"`
	}
	plHTTP(t, "POST", base+"/v1/owners", "", map[string]string{"name": "mallory"}, &o)
	rival := plAgents(t, base, "rival")[0]
	rc := plDial(t, base+"/v1/agents/connect", rival.agentKey)
	create := func(body map[string]any) string {
		t.Helper()
		var a struct {
			Agent struct{ ID string } `json:"agent"`
		}
		if code := plHTTP(t, "POST", base+"/v1/agents", o.APIKey, body, &a); code != 201 {
			t.Fatalf("create %v: %d", body, code)
		}
		return a.Agent.ID
	}

	t.Run("a webhook named localhost is not called and its deliveries say why", func(t *testing.T) {
		if code := plHTTP(t, "PUT", base+"/v1/arenas/hooks", plOperator, map[string]any{"game": "connect4", "seats": 2,
			"move_deadline_ms": 1000, "forfeit": "three_strikes"}, nil); code != 200 {
			t.Fatalf("put arena: %d", code)
		}
		port := strconv.Itoa(internal.Listener.Addr().(*net.TCPAddr).Port)
		id := create(map[string]any{"name": "probe", "kind": "webhook", "webhook_url": "http://localhost:" + port + "/internal"})
		if code := plHTTP(t, "POST", base+"/v1/agents/"+id+"/queue", o.APIKey, map[string]any{"arena": "hooks"}, nil); code != 200 {
			t.Fatalf("queue: %d", code)
		}
		rc.send(map[string]string{"type": "queue", "arena": "hooks"})
		var got struct {
			Deliveries []api.Delivery `json:"deliveries"`
		}
		eventually(t, 30*time.Second, func() error {
			got.Deliveries = nil
			if code := plHTTP(t, "GET", base+"/v1/agents/"+id+"/deliveries", o.APIKey, nil, &got); code != 200 {
				return fmt.Errorf("status %d", code)
			}
			if len(got.Deliveries) == 0 {
				return fmt.Errorf("no deliveries yet")
			}
			return nil
		})
		d := got.Deliveries[len(got.Deliveries)-1]
		if d.Outcome != api.DeliveryFailed || d.Status != 0 || !strings.HasPrefix(d.Error, "webhook_url host localhost resolves to ") ||
			!strings.HasSuffix(d.Error, ", a loopback address; this arena calls only public addresses (its operator allows others with --agent-egress=any)") {
			t.Fatalf("delivery %+v; want a failed call saying localhost resolves to a loopback address", d)
		}
		for _, d := range got.Deliveries {
			if strings.Contains(d.Error, "s3cr3t") {
				t.Fatalf("the owner reads the internal answer: %+v", d)
			}
		}
	})

	t.Run("a model endpoint on loopback is not called and its seat forfeits saying why", func(t *testing.T) {
		if code := plHTTP(t, "PUT", base+"/v1/arenas/vduel", plOperator, map[string]any{"game": "verifiable", "seats": 2, "move_deadline_ms": 20000}, nil); code != 200 {
			t.Fatalf("put arena: %d", code)
		}
		id := create(map[string]any{"name": "model-probe", "kind": "openai", "endpoint": map[string]any{"base_url": llmSrv.BaseURL(), "model": "m"}})
		if code := plHTTP(t, "POST", base+"/v1/agents/"+id+"/queue", o.APIKey, map[string]any{"arena": "vduel"}, nil); code != 200 {
			t.Fatalf("queue: %d", code)
		}
		// A rival of its own: the first may still be seated against the
		// webhook.
		other := plAgents(t, base, "rival2")[0]
		rc := plDial(t, base+"/v1/agents/connect", other.agentKey)
		rc.send(map[string]string{"type": "queue", "arena": "vduel"})
		var start struct {
			Contest string `json:"contest"`
		}
		rc.expect("contest_start", 20*time.Second).decode(t, &start)
		contest := start.Contest
		rc.send(map[string]string{"type": "final", "contest": contest, "text": "ANSWER: 41"})
		var con struct {
			Events []struct {
				Type   string `json:"type"`
				Reason string `json:"reason"`
			} `json:"events"`
		}
		eventually(t, 30*time.Second, func() error {
			con.Events = nil
			plHTTP(t, "GET", base+"/v1/contests/"+contest, "", nil, &con)
			for _, ev := range con.Events {
				if ev.Type == "forfeit" {
					if want := "model endpoint failed: not public: loopback 127.0.0.1"; ev.Reason != want {
						t.Fatalf("forfeit reason %q, want %q", ev.Reason, want)
					}
					return nil
				}
			}
			return fmt.Errorf("no forfeit yet: %+v", con.Events)
		})
	})
	if n := reached.Load(); n != 0 {
		t.Fatalf("the internal servers were reached %d times", n)
	}
}
