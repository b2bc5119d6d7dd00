// Package runner drives contests from the leader: it matches queued agents
// into contests, delivers each turn to whoever must move, enforces move
// deadlines and disconnect grace, has judges rank judged contests, and
// keeps agents' websocket sessions attached to this node.
//
// # Where it runs
//
// Every node runs a Runner, but only the leader's acts. Each tick the
// runner asks the node whether it leads and has committed a command of its
// current term (Node.LeaderReady); until then the node's state may lack
// what the previous leader committed, so acting on it could repeat or miss
// work. On a follower the runner only keeps sessions attached; when its
// node stops leading it closes them, and agents reconnect to the new
// leader.
//
// # Why it only proposes
//
// The runner decides, the log records. Matching a group, a timeout, a
// forfeit, a relayed move, a judge's verdict: each is a command proposed
// through the node (Config.Node, a small interface arena.Node satisfies)
// and applied by the deterministic state machine in package arena, which
// reads no clock, calls no network and runs no judge. Everything with side
// effects or randomness outside the log happens here, on one node, and
// reaches the replicas only as the command's bytes: a judge's answer, a
// model's text, a webhook's move, a contest id and its seed. That is what
// keeps arena's state machine a pure function of its log and its imports
// free of network clients.
//
// The runner keeps no state that outlives a term. A new leader's runner
// rebuilds everything from the replicated state: it re-arms the deadlines
// of every running contest (which also delivers each pending turn again),
// judges anything still judging, and requeues idle bots. Duplicate
// proposals across a leader change are harmless because commands check the
// state they apply to (a move for an old turn, a second verdict, a timeout
// of a deadline that moved are all refused).
//
// # Reaching agents
//
// A turn reaches an agent through one of four connectors: a websocket
// session attached here (AgentConn, implemented by package web), a webhook
// (agents/webhook), an OpenAI-compatible model endpoint (agents/openai), or
// a bot built into the node (Bot, implemented by agents/bots). The runner
// calls them from goroutines it owns, one per turn and seat, all cancelled
// when its term ends.
package runner
