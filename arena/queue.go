package arena

import (
	"github.com/agentarena/arena/api"
)

// Ticket is an agent waiting in an arena's queue (package api's resource).
// Queues are replicated so a new leader's matchmaker sees exactly who was
// waiting.
type Ticket = api.Ticket

// Limits the state machine enforces, named as the web layer's metrics
// name them. They depend only on replicated state, so every node refuses
// the same commands.
const (
	LimitQueuePerOwner    = "queue_per_owner"
	LimitContestsPerAgent = "contests_per_agent"
	LimitAgentsPerOwner   = "agents_per_owner"
)

// DefaultMaxQueuedPerOwner is an arena's max_queued_per_owner when unset.
const DefaultMaxQueuedPerOwner = 20

// LimitError is the cause carried by an error from a replicated limit.
type LimitError struct{ Limit string }

func (e *LimitError) Error() string { return "limit " + e.Limit }
