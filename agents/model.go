package agents

import (
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/agentarena/arena/apperr"
)

// Kinds of connector through which the arena reaches an agent.
const (
	KindWebsocket = "websocket"
	KindWebhook   = "webhook"
	// KindBuiltin agents are the arena's own bots, run inside every node;
	// only the system creates them.
	KindBuiltin = "builtin"
)

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
	ID          string    `json:"id"`
	OwnerID     string    `json:"owner_id"`
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	Kind        string    `json:"kind"`
	WebhookURL  string    `json:"webhook_url,omitempty"`
	Version     int       `json:"version"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	DeletedAt   time.Time `json:"deleted_at,omitzero"`
}

// Deleted reports whether the agent was retired. Retired agents keep their
// record so past contests still name them.
func (a Agent) Deleted() bool { return !a.DeletedAt.IsZero() }

// AgentPatch lists the fields a PATCH may change; nil means unchanged.
type AgentPatch struct {
	Name        *string `json:"name,omitempty"`
	Description *string `json:"description,omitempty"`
	Kind        *string `json:"kind,omitempty"`
	WebhookURL  *string `json:"webhook_url,omitempty"`
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
	default:
		return apperr.New(apperr.Invalid, "kind must be %q or %q, got %q", KindWebsocket, KindWebhook, truncate(a.Kind))
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
	return a
}

// Empty reports whether the patch changes nothing.
func (p AgentPatch) Empty() bool {
	return p.Name == nil && p.Description == nil && p.Kind == nil && p.WebhookURL == nil
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
	if len(s) > MaxURLLen {
		return apperr.New(apperr.Invalid, "webhook_url must be at most %d bytes", MaxURLLen)
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return apperr.New(apperr.Invalid, "webhook_url must be an absolute http or https URL")
	}
	if u.User != nil {
		return apperr.New(apperr.Invalid, "webhook_url must not embed credentials")
	}
	return nil
}

// truncate shortens s for an error message without splitting a rune.
func truncate(s string) string {
	s = strings.ToValidUTF8(s, "")
	if len(s) <= 40 {
		return s
	}
	cut := 40
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
