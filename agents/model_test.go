package agents

import (
	"strings"
	"testing"

	"github.com/agentarena/arena/apperr"
)

func TestAgentValidate(t *testing.T) {
	ok := Agent{Name: "bot", Kind: KindWebsocket}
	tests := []struct {
		name    string
		mutate  func(a *Agent)
		wantErr string // substring of the message; "" means valid
	}{
		{"a websocket agent with a name is valid", func(a *Agent) {}, ""},
		{"a webhook agent with an https url is valid", func(a *Agent) { a.Kind, a.WebhookURL = KindWebhook, "https://x.example/turn" }, ""},
		{"an empty name is refused", func(a *Agent) { a.Name = "" }, "name is required"},
		{"a name over the limit is refused", func(a *Agent) { a.Name = strings.Repeat("n", MaxNameLen+1) }, "at most 64 bytes"},
		{"a name with control characters is refused", func(a *Agent) { a.Name = "a\x1b[31m" }, "control characters"},
		{"a name with outer spaces is refused", func(a *Agent) { a.Name = " bot" }, "spaces"},
		{"invalid UTF-8 is refused", func(a *Agent) { a.Name = "\xff" }, "UTF-8"},
		{"an unknown kind is refused", func(a *Agent) { a.Kind = "carrier-pigeon" }, "kind must be"},
		{"a webhook agent needs a url", func(a *Agent) { a.Kind = KindWebhook }, "webhook_url is required"},
		{"a webhook url must be http or https", func(a *Agent) { a.Kind, a.WebhookURL = KindWebhook, "ftp://x/y" }, "absolute http or https"},
		{"a webhook url may not carry credentials", func(a *Agent) { a.Kind, a.WebhookURL = KindWebhook, "https://u:p@x/y" }, "credentials"},
		{"a websocket agent may not have a webhook url", func(a *Agent) { a.WebhookURL = "https://x/y" }, "only allowed"},
		{"a description over the limit is refused", func(a *Agent) { a.Description = strings.Repeat("d", MaxDescriptionLen+1) }, "description"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := ok
			tt.mutate(&a)
			err := a.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if !apperr.Is(err, apperr.Invalid) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got %v, want invalid error containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestPatchSwitchingToWebsocketDropsTheWebhookURL(t *testing.T) {
	kind := KindWebsocket
	a := AgentPatch{Kind: &kind}.Apply(Agent{Name: "b", Kind: KindWebhook, WebhookURL: "https://x/y"})
	if a.WebhookURL != "" || a.Validate() != nil {
		t.Fatalf("got %+v, want a valid websocket agent without url", a)
	}
}

func TestValidateOwner(t *testing.T) {
	tests := []struct {
		name, owner, email string
		valid              bool
	}{
		{"a plain name without email is valid", "ann", "", true},
		{"a name with an email is valid", "ann", "ann@example.org", true},
		{"an email without @ is refused", "ann", "ann.example.org", false},
		{"an email with spaces is refused", "ann", "a nn@x.org", false},
		{"an empty name is refused", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := ValidateOwner(tt.owner, tt.email); (err == nil) != tt.valid {
				t.Fatalf("ValidateOwner(%q, %q) = %v, valid=%v", tt.owner, tt.email, err, tt.valid)
			}
		})
	}
}

func TestKeys(t *testing.T) {
	t.Run("keys carry their prefix and at least 128 random bits", func(t *testing.T) {
		k, err := NewKey(OwnerKeyPrefix)
		if err != nil {
			t.Fatal(err)
		}
		body := strings.TrimPrefix(k, OwnerKeyPrefix)
		if body == k || len(body)*5 < 128 {
			t.Fatalf("key %q is too short or lacks its prefix", k)
		}
	})
	t.Run("two keys differ", func(t *testing.T) {
		a, _ := NewKey(AgentKeyPrefix)
		b, _ := NewKey(AgentKeyPrefix)
		if a == b {
			t.Fatal("two fresh keys are equal")
		}
	})
	t.Run("the hash is SHA-256 hex and compares equal only to itself", func(t *testing.T) {
		// SHA-256("abc"), the FIPS 180-2 test vector.
		const want = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
		if got := HashKey("abc"); got != want {
			t.Fatalf("HashKey(abc) = %s", got)
		}
		if !HashesEqual(want, HashKey("abc")) || HashesEqual(want, HashKey("abd")) {
			t.Fatal("HashesEqual is wrong")
		}
	})
}
