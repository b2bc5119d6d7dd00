// Package agents keeps owners, their agents and the API keys that act for
// them. Records live in the state machine's bbolt file; every function that
// changes them takes the apply transaction, so they change only through
// replicated commands. Keys are stored only as SHA-256 hashes.
package agents
