// Package boot brings a node up to where it can serve: it pins the data
// dir to one node id, keeps the operator token and the cluster's secrets
// key there, and joins the node to a cluster through any member.
package boot

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/api"
)

// Files a data dir holds besides the node's state, each mode 0600.
const (
	nodeIDFile        = "node-id"
	operatorTokenFile = "operator-token"
	secretsKeyFile    = "secrets-key"
)

// DefaultNodeID names the node of a data dir started without --node-id.
const DefaultNodeID = "node1"

// NodeID pins dataDir to one node id, so a dir cannot be started by
// mistake as another member: the id stored there wins, a configured one
// must agree with it, and a fresh dir stores configured (or
// DefaultNodeID).
func NodeID(dataDir, configured string) (string, error) {
	path := filepath.Join(dataDir, nodeIDFile)
	stored, err := os.ReadFile(path)
	switch {
	case err == nil:
		id := strings.TrimSpace(string(stored))
		if configured != "" && configured != id {
			return "", fmt.Errorf("data dir %s belongs to node %q, not %q (a dir keeps the id it was first started with, in %s): "+
				"start it with --node-id %s, or give node %s its own --data-dir", dataDir, id, configured, path, id, configured)
		}
		return id, nil
	case !errors.Is(err, os.ErrNotExist):
		return "", fmt.Errorf("read node id: %w", err)
	}
	if configured == "" {
		configured = DefaultNodeID
	}
	if err := api.ValidNodeID(configured); err != nil {
		return "", err
	}
	if err := os.WriteFile(path, []byte(configured+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("store node id: %w", err)
	}
	return configured, nil
}

// OperatorToken returns the operator token: the configured one, else the
// one kept in dataDir. A node that bootstraps a new cluster (joining
// false, no state yet) and has neither generates one into dataDir and
// shows it once on announce; a joining node, or one whose dir already
// holds a cluster's state, must be given the cluster's, since a token of
// its own would not open the cluster's door.
func OperatorToken(dataDir, configured string, joining bool, announce io.Writer) (string, error) {
	if configured != "" {
		return configured, nil
	}
	path := filepath.Join(dataDir, operatorTokenFile)
	b, err := os.ReadFile(path)
	if err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("read operator token: %w", err)
	}
	if joining {
		return "", errors.New("joining a cluster needs its operator token: pass --operator-token or ARENA_OPERATOR_TOKEN")
	}
	if _, err := os.Stat(filepath.Join(dataDir, "state.db")); err == nil {
		// A restored dir, or a member that joined: the state holds the
		// cluster's token (its hash), and one made up here would only be
		// printed and then refused.
		return "", fmt.Errorf("data dir %s holds a cluster's state but no operator token: start it with the cluster's token (--operator-token or ARENA_OPERATOR_TOKEN); a new one would be refused", dataDir)
	}
	tok, err := agents.NewKey(agents.OperatorPrefix)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(path, []byte(tok+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("store operator token: %w", err)
	}
	fmt.Fprintf(announce, "Generated the operator token (shown once; kept in %s, mode 0600):\n  %s\n", path, tok)
	return tok, nil
}
