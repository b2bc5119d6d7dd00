// Package openai reaches agents whose policy is a model behind an
// OpenAI-compatible chat-completions endpoint (OpenAI, vLLM, Ollama,
// llama.cpp): it turns a turn frame into a chat request and the model's
// reply into moves, a connect4 column or a streamed prompt answer.
package openai

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/agents/protocol"
	"github.com/agentarena/arena/internal/egress"
	"github.com/agentarena/arena/internal/textcut"
	"github.com/agentarena/arena/llm"
)

// baseURLField names the endpoint's URL in what a refused call says.
const baseURLField = "endpoint.base_url"

// defaultSystem is the system prompt of an endpoint that names none.
const defaultSystem = "You are an agent competing in an arena. Do exactly what the task asks; your answer is judged."

// Config says which endpoint an Agent calls.
type Config struct {
	Endpoint agents.ModelEndpoint
	// APIKey is the endpoint's key, already opened by the caller (keys
	// rest sealed in the state); "" sends none.
	APIKey string
	// Logger receives what goes wrong while an answer streams in; the
	// caller adds which contest and agent it is about.
	Logger *slog.Logger
	// Egress says which addresses the endpoint may be at; the zero value,
	// egress.Public, calls only public ones.
	Egress egress.Policy
	// HTTPClient makes the calls (nil: a new one). Agents are built per
	// turn, so give one client, built once with Egress.Client, to share
	// its connections; a client that is not so built gets a transport of
	// its own here, held to Egress.
	HTTPClient *http.Client
	// Retries is how many times a call that failed before the model
	// wrote anything is sent again within the turn, when the error may
	// pass (llm.IsRetryable: a 429 rate limit, 5xx, a dropped
	// connection); 0: 2, as OpenAI's SDKs; negative: none.
	Retries int
	// Backoff is the first wait before a retry (0: 500 ms), doubled per
	// retry up to 8 s and jittered, as the SDKs do; a longer Retry-After
	// from the server wins (retry.go).
	Backoff time.Duration
}

// Agent plays the turns of one model-endpoint agent. It is cheap to build,
// so the caller makes one per turn with the agent's current endpoint.
type Agent struct {
	client  *llm.Client
	base    string // the endpoint's base URL, for what a refused call says
	system  string
	log     *slog.Logger
	retries int
	backoff time.Duration
}

// New builds an Agent; it fails only on an unusable endpoint.
func New(cfg Config) (*Agent, error) {
	ep := cfg.Endpoint
	client, err := llm.New(llm.Config{BaseURL: ep.BaseURL, Model: ep.Model, APIKey: cfg.APIKey,
		Temperature: ep.Temperature, TopP: ep.TopP, MaxTokens: ep.MaxTokens, HTTPClient: cfg.Egress.Client(cfg.HTTPClient)})
	if err != nil {
		return nil, err
	}
	system := ep.System
	if system == "" {
		system = defaultSystem
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	retries, backoff := cfg.Retries, cfg.Backoff
	if retries == 0 {
		retries = defaultRetries
	}
	if backoff <= 0 {
		backoff = defaultBackoff
	}
	return &Agent{client: client, base: ep.BaseURL, system: system, log: log, retries: max(retries, 0), backoff: backoff}, nil
}

var firstInt = regexp.MustCompile(`-?\d+`)

// Column asks the model for a connect4 move: it shows the board as text
// and takes the first integer of the reply, which must be a legal column.
func (a *Agent) Column(ctx context.Context, t protocol.Turn) (json.RawMessage, error) {
	var v struct {
		Board [][]int `json:"board"`
		You   int     `json:"you"`
		Legal []int   `json:"legal"`
	}
	if err := json.Unmarshal(t.View, &v); err != nil {
		return nil, err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "You play Connect Four as %d. Board, top row first (. empty):\n", v.You)
	for _, row := range v.Board {
		for _, cell := range row {
			if cell < 0 {
				b.WriteString(". ")
			} else {
				fmt.Fprintf(&b, "%d ", cell)
			}
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "Legal columns: %v. Reply with one column number only.", v.Legal)
	msgs := []llm.Message{{Role: llm.RoleSystem, Content: a.system}, {Role: llm.RoleUser, Content: b.String()}}
	var resp llm.Response
	err := a.withRetries(ctx, t.Deadline, func() (bool, error) {
		var err error
		resp, err = a.client.Complete(ctx, msgs)
		return true, err
	})
	if err != nil {
		return nil, egress.Explain(err, baseURLField, a.base)
	}
	m := firstInt.FindString(resp.Content)
	col, err := strconv.Atoi(m)
	if err != nil || !slices.Contains(v.Legal, col) {
		return nil, fmt.Errorf("model answered %q, not a legal column", textcut.Cut(resp.Content, 64))
	}
	return json.RawMessage(strconv.Itoa(col)), nil
}
