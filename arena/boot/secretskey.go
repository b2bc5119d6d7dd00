package boot

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/agentarena/arena/agents/secrets"
)

// SecretsKey is one node's copy of the cluster's secrets key, which seals
// model-endpoint API keys at rest, and the Sealer that uses it. Every
// member needs the same key: a bootstrapping node generates it into its
// data dir, a joining node receives it with the join answer (Adopt).
//
// Key may be read by HTTP handlers while the join that sets it is under
// way, hence the lock.
type SecretsKey struct {
	path   string
	sealer *secrets.Sealer

	mu  sync.Mutex
	key string // as configured or stored; "" until known
}

// LoadSecretsKey takes the key from configured or the data dir, or
// generates one into the data dir for a node that bootstraps a cluster
// (joining false, no state yet). A joining node with neither starts
// without a key and receives the cluster's when it joins; a node whose
// dir already holds a cluster's state must be given the cluster's.
func LoadSecretsKey(dataDir, configured string, joining bool) (*SecretsKey, error) {
	k := &SecretsKey{path: filepath.Join(dataDir, secretsKeyFile), sealer: &secrets.Sealer{}, key: configured}
	if k.key == "" {
		if b, err := os.ReadFile(k.path); err == nil {
			k.key = strings.TrimSpace(string(b))
		} else if !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("read secrets key: %w", err)
		}
	}
	if k.key == "" && !joining {
		if _, err := os.Stat(filepath.Join(dataDir, "state.db")); err == nil {
			// A restored backup, or a member that was started with
			// --secrets-key: the state's sealed API keys and webhook
			// secrets need the cluster's key, and a new one would be
			// kept here and handed to every node that joins.
			return nil, fmt.Errorf("data dir %s holds a cluster's state but no secrets key: start it with the cluster's key (--secrets-key or ARENA_SECRETS_KEY, "+
				"or its secrets-key file copied into the data dir); if that key is lost for good, give a new one (64 random hex characters) "+
				"and owners must set their agents' API keys and webhook secrets again", dataDir)
		}
		key, err := secrets.NewKey()
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(k.path, []byte(key+"\n"), 0o600); err != nil {
			return nil, fmt.Errorf("store secrets key: %w", err)
		}
		k.key = key
	}
	if k.key == "" {
		return k, nil // a joining node receives it
	}
	if err := k.sealer.SetKey(k.key); err != nil {
		return nil, fmt.Errorf("secrets-key: %w", err)
	}
	return k, nil
}

// Key returns the key (hex), "" while a joining node waits for it.
func (k *SecretsKey) Key() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.key
}

// Sealer seals and opens with the key; it fails with secrets.ErrNoKey
// until the key is known.
func (k *SecretsKey) Sealer() *secrets.Sealer { return k.sealer }

// Fingerprint names the key without revealing it ("" while unknown), for
// the join request: a member holding another key refuses the join.
func (k *SecretsKey) Fingerprint() string { return secrets.Fingerprint(k.Key()) }

// Adopt takes the key a joined cluster sent ("" when it has none) and
// stores it in the data dir. A node configured with a different key is
// refused: elected leader, it could not open the model-endpoint keys the
// cluster sealed, and its own seals would be unreadable to every other
// member.
func (k *SecretsKey) Adopt(clusterKey string) error {
	if clusterKey == "" {
		return nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.key != "" {
		if !strings.EqualFold(strings.TrimSpace(k.key), clusterKey) {
			return errors.New("this node's secrets key (--secrets-key or secrets-key in its data dir) differs from the cluster's: " +
				"start it without one to receive the cluster's, and remove it from the cluster meanwhile (arenactl cluster remove)")
		}
		return nil
	}
	if err := k.sealer.SetKey(clusterKey); err != nil {
		return fmt.Errorf("secrets key from the cluster: %w", err)
	}
	k.key = clusterKey
	if err := os.WriteFile(k.path, []byte(clusterKey+"\n"), 0o600); err != nil {
		return fmt.Errorf("store secrets key: %w", err)
	}
	return nil
}
