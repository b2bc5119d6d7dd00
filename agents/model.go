package agents

import (
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/agentarena/arena/apperr"
	"github.com/agentarena/arena/internal/textcut"
)

// Kinds of connector through which the arena reaches an agent.
const (
	KindWebsocket = "websocket"
	KindWebhook   = "webhook"
	// KindBuiltin agents are the arena's own bots, run inside every node;
	// only the system creates them.
	KindBuiltin = "builtin"
	// KindOpenAI agents are model endpoints speaking the OpenAI
	// chat-completions API; the arena calls them for each turn.
	KindOpenAI = "openai"
)

// ModelEndpoint says how to call an OpenAI-compatible agent. Its API key is
// not here: it rests sealed in a bucket of its own and is never returned.
type ModelEndpoint struct {
	BaseURL     string   `json:"base_url"`
	Model       string   `json:"model"`
	Temperature *float64 `json:"temperature,omitempty"`
	TopP        *float64 `json:"top_p,omitempty"`
	MaxTokens   int      `json:"max_tokens,omitempty"`
	// System is an optional system prompt put before every turn.
	System string `json:"system,omitempty"`
}

// Validate checks an endpoint's fields.
func (m *ModelEndpoint) Validate() error {
	if err := validateHTTPURL("endpoint.base_url", m.BaseURL); err != nil {
		return err
	}
	if m.Model == "" || len(m.Model) > 200 || !utf8.ValidString(m.Model) {
		return apperr.New(apperr.Invalid, "endpoint.model must be 1-200 bytes of UTF-8")
	}
	if m.Temperature != nil && (*m.Temperature < 0 || *m.Temperature > 2) {
		return apperr.New(apperr.Invalid, "endpoint.temperature must be from 0 to 2")
	}
	if m.TopP != nil && (*m.TopP <= 0 || *m.TopP > 1) {
		return apperr.New(apperr.Invalid, "endpoint.top_p must be in (0, 1]")
	}
	if m.MaxTokens < 0 || m.MaxTokens > 32768 {
		return apperr.New(apperr.Invalid, "endpoint.max_tokens must be from 0 to 32768")
	}
	if len(m.System) > 8192 || !utf8.ValidString(m.System) {
		return apperr.New(apperr.Invalid, "endpoint.system must be valid UTF-8 of at most 8192 bytes")
	}
	return nil
}

// Owner is a person or team that enters agents and holds a wallet.
type Owner struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Email     string    `json:"email,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Agent is a competitor. Version grows on every change so results can be
// attributed to the exact policy that produced them.
type Agent struct {
	ID          string         `json:"id"`
	OwnerID     string         `json:"owner_id"`
	Name        string         `json:"name"`
	Description string         `json:"description,omitempty"`
	Kind        string         `json:"kind"`
	WebhookURL  string         `json:"webhook_url,omitempty"`
	Endpoint    *ModelEndpoint `json:"endpoint,omitempty"`
	Version     int            `json:"version"`
	CreatedAt   time.Time      `json:"created_at"`
	UpdatedAt   time.Time      `json:"updated_at"`
	DeletedAt   time.Time      `json:"deleted_at,omitzero"`
}

// Deleted reports whether the agent was retired. Retired agents keep their
// record so past contests still name them.
func (a Agent) Deleted() bool { return !a.DeletedAt.IsZero() }

// AgentPatch lists the fields a PATCH may change; nil means unchanged.
type AgentPatch struct {
	Name        *string        `json:"name,omitempty"`
	Description *string        `json:"description,omitempty"`
	Kind        *string        `json:"kind,omitempty"`
	WebhookURL  *string        `json:"webhook_url,omitempty"`
	Endpoint    *ModelEndpoint `json:"endpoint,omitempty"`
}

// Limits on user-supplied text, so one record cannot bloat every replica.
const (
	MaxNameLen        = 64
	MaxDescriptionLen = 1000
	MaxEmailLen       = 254
	MaxURLLen         = 2048
)

// ValidateOwner checks the caller-supplied fields of an owner.
func ValidateOwner(name, email string) error {
	if err := validateName("name", name); err != nil {
		return err
	}
	if email != "" {
		if len(email) > MaxEmailLen || !utf8.ValidString(email) || !strings.Contains(email, "@") ||
			strings.IndexFunc(email, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
			return apperr.New(apperr.Invalid, "email is not a valid address")
		}
	}
	return nil
}

// Validate checks an agent's caller-supplied fields as a whole.
func (a Agent) Validate() error {
	if err := validateName("name", a.Name); err != nil {
		return err
	}
	if !utf8.ValidString(a.Description) || len(a.Description) > MaxDescriptionLen {
		return apperr.New(apperr.Invalid, "description must be valid UTF-8 of at most %d bytes", MaxDescriptionLen)
	}
	switch a.Kind {
	case KindWebsocket, KindBuiltin:
		if a.WebhookURL != "" {
			return apperr.New(apperr.Invalid, "webhook_url is only allowed for kind %q", KindWebhook)
		}
	case KindWebhook:
		if err := validateURL(a.WebhookURL); err != nil {
			return err
		}
	case KindOpenAI:
		if a.WebhookURL != "" {
			return apperr.New(apperr.Invalid, "webhook_url is only allowed for kind %q", KindWebhook)
		}
		if a.Endpoint == nil {
			return apperr.New(apperr.Invalid, "kind %q needs an endpoint {base_url, model}", KindOpenAI)
		}
		if err := a.Endpoint.Validate(); err != nil {
			return err
		}
	default:
		return apperr.New(apperr.Invalid, "kind must be %q, %q or %q, got %q", KindWebsocket, KindWebhook, KindOpenAI, textcut.Ellipsis(a.Kind, 40))
	}
	if a.Kind != KindOpenAI && a.Endpoint != nil {
		return apperr.New(apperr.Invalid, "endpoint is only allowed for kind %q", KindOpenAI)
	}
	return nil
}

// Apply returns a copy of a with the patch applied; the caller validates it.
func (p AgentPatch) Apply(a Agent) Agent {
	if p.Name != nil {
		a.Name = *p.Name
	}
	if p.Description != nil {
		a.Description = *p.Description
	}
	if p.Kind != nil {
		a.Kind = *p.Kind
		if a.Kind == KindWebsocket && p.WebhookURL == nil {
			a.WebhookURL = ""
		}
	}
	if p.WebhookURL != nil {
		a.WebhookURL = *p.WebhookURL
	}
	if p.Kind != nil && *p.Kind != KindOpenAI && p.Endpoint == nil {
		a.Endpoint = nil
	}
	if p.Endpoint != nil {
		e := *p.Endpoint
		a.Endpoint = &e
	}
	return a
}

// Empty reports whether the patch changes nothing.
func (p AgentPatch) Empty() bool {
	return p.Name == nil && p.Description == nil && p.Kind == nil && p.WebhookURL == nil && p.Endpoint == nil
}

func validateName(field, s string) error {
	if s == "" {
		return apperr.New(apperr.Invalid, "%s is required", field)
	}
	if !utf8.ValidString(s) || len(s) > MaxNameLen {
		return apperr.New(apperr.Invalid, "%s must be valid UTF-8 of at most %d bytes", field, MaxNameLen)
	}
	if strings.TrimSpace(s) != s {
		return apperr.New(apperr.Invalid, "%s must not start or end with spaces", field)
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return apperr.New(apperr.Invalid, "%s must not contain control characters", field)
		}
	}
	return nil
}

func validateURL(s string) error {
	if s == "" {
		return apperr.New(apperr.Invalid, "webhook_url is required for kind %q", KindWebhook)
	}
	return validateHTTPURL("webhook_url", s)
}

func validateHTTPURL(field, s string) error {
	if s == "" {
		return apperr.New(apperr.Invalid, "%s is required", field)
	}
	if len(s) > MaxURLLen {
		return apperr.New(apperr.Invalid, "%s must be at most %d bytes", field, MaxURLLen)
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return apperr.New(apperr.Invalid, "%s must be an absolute http or https URL", field)
	}
	if u.User != nil {
		return apperr.New(apperr.Invalid, "%s must not embed credentials", field)
	}
	return nil
}
