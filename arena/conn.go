package arena

// AgentConn is a live connection to an agent on this node (a websocket
// session). Send must not block: a full buffer drops the frame and the
// session is expected to close itself.
type AgentConn interface {
	Send(frame any) bool
	Close(reason string)
}
