package runner

import (
	"context"
	"encoding/json"

	"github.com/agentarena/arena/agents/openai"
	"github.com/agentarena/arena/agents/protocol"
	"github.com/agentarena/arena/agents/webhook"
)

// The runner reaches an agent in one of four ways: a websocket session
// attached to this node (AgentConn), a webhook, a model endpoint, or a bot
// built into the node. The connectors live in agents/; these are the few
// methods the runner calls on them.

// Bot is a built-in agent played inside the node. It sees the same turn
// view an external agent sees.
type Bot interface {
	Name() string
	Game() string
	Description() string
	Move(ctx context.Context, view json.RawMessage) (json.RawMessage, error)
}

// webhookCaller posts a turn to a webhook agent and returns its move, and
// tells it how a contest ended; both calls are signed with secret.
type webhookCaller interface {
	Move(ctx context.Context, url, secret string, turn protocol.Turn) (json.RawMessage, webhook.Call, error)
	Notify(ctx context.Context, url, secret string, end protocol.ContestEnd) (webhook.Call, error)
}

// modelPlayer plays turns through a model endpoint: a connect4 column, or
// a prompt answer streamed to send in chunks.
type modelPlayer interface {
	Column(ctx context.Context, turn protocol.Turn) (json.RawMessage, error)
	Answer(ctx context.Context, turn protocol.Turn, send func(text string, final bool) error) error
}

var (
	_ webhookCaller = (*webhook.Client)(nil)
	_ modelPlayer   = (*openai.Agent)(nil)
)
