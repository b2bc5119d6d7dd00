// Package api defines the JSON resources of the HTTP API that the node
// stores and serves and that the Go client decodes (contests, arenas,
// queue tickets, cluster status), once, so the two sides cannot drift; it
// imports no network, Raft or storage code.
package api
