package boot_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentarena/arena/agents/secrets"
	"github.com/agentarena/arena/arena/boot"
)

func newKey(t *testing.T) string {
	t.Helper()
	k, err := secrets.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// opens checks that k's sealer works with want: what it seals, a sealer
// built from want opens.
func opens(t *testing.T, k *boot.SecretsKey, want string) {
	t.Helper()
	sealed, err := k.Sealer().Seal("sk-model-key", "agent-1")
	if err != nil {
		t.Fatalf("seal: %v", err)
	}
	other, err := secrets.New(want)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := other.Open(sealed, "agent-1"); err != nil || got != "sk-model-key" {
		t.Errorf("open with the expected key: %q, %v", got, err)
	}
}

func TestLoadSecretsKey(t *testing.T) {
	flagKey, storedKey := newKey(t), newKey(t)
	tests := []struct {
		name       string
		stored     string
		unreadable bool
		state      bool // the dir holds a cluster's state (state.db)
		configured string
		joining    bool
		want       string // "generated": a new key, stored in the data dir
		wantErr    string
	}{
		{name: "the configured key wins", stored: storedKey, configured: flagKey, want: flagKey},
		{name: "the stored key is read back", stored: storedKey, want: storedKey},
		{name: "a joining node keeps its stored key", stored: storedKey, joining: true, want: storedKey},
		{name: "a bootstrapping node generates one", want: "generated"},
		{name: "a joining node without one waits for the cluster's", joining: true, want: ""},
		{name: "a malformed configured key is refused", configured: "not-hex", wantErr: "secrets-key:"},
		{name: "an unreadable key is an error", unreadable: true, wantErr: "read secrets key"},
		{name: "a dir holding a cluster's state does not make up a key", state: true, wantErr: "holds a cluster's state but no secrets key"},
		{name: "a dir holding a cluster's state keeps its stored key", state: true, stored: storedKey, want: storedKey},
		{name: "a dir holding a cluster's state takes the configured key", state: true, configured: flagKey, want: flagKey},
		{name: "a joining member without a key waits for the cluster's", state: true, joining: true, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.stored != "" {
				write(t, dir, "secrets-key", []byte(tt.stored+"\n"))
			}
			if tt.unreadable {
				write(t, dir, "secrets-key", nil)
			}
			if tt.state {
				write(t, dir, "state.db", []byte("state"))
			}
			k, err := boot.LoadSecretsKey(dir, tt.configured, tt.joining)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("LoadSecretsKey: %v; want an error containing %q", err, tt.wantErr)
				}
				if _, serr := os.Stat(filepath.Join(dir, "secrets-key")); tt.state && !os.IsNotExist(serr) {
					t.Errorf("a refused start left a secrets-key file (%v)", serr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			switch tt.want {
			case "":
				if k.Key() != "" || k.Fingerprint() != "" {
					t.Errorf("key %q, fingerprint %q; want none yet", k.Key(), k.Fingerprint())
				}
				if _, err := k.Sealer().Seal("x", "y"); !errors.Is(err, secrets.ErrNoKey) {
					t.Errorf("seal without a key: %v, want ErrNoKey", err)
				}
			case "generated":
				private(t, dir, "secrets-key", k.Key())
				opens(t, k, k.Key())
			default:
				if k.Key() != tt.want {
					t.Errorf("key %q, want %q", k.Key(), tt.want)
				}
				if k.Fingerprint() != secrets.Fingerprint(tt.want) {
					t.Errorf("fingerprint %q, want %q", k.Fingerprint(), secrets.Fingerprint(tt.want))
				}
				opens(t, k, tt.want)
			}
		})
	}
}

func TestAdoptTheClustersKey(t *testing.T) {
	own, clusters := newKey(t), newKey(t)
	tests := []struct {
		name    string
		own     string // the node's key before joining ("" none)
		cluster string // the key in the join answer
		want    string // the node's key after (and in its data dir when it had none)
		wantErr string
	}{
		{name: "a node without a key takes the cluster's", cluster: clusters, want: clusters},
		{name: "a cluster without a key leaves the node without one", want: ""},
		{name: "a node with the same key keeps it", own: clusters, cluster: strings.ToUpper(clusters), want: clusters},
		{name: "a node with another key is refused", own: own, cluster: clusters, wantErr: "differs from the cluster's"},
		{name: "a malformed key from the cluster is refused", cluster: "zz", wantErr: "secrets key from the cluster"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			k, err := boot.LoadSecretsKey(dir, tt.own, true)
			if err != nil {
				t.Fatal(err)
			}
			err = k.Adopt(tt.cluster)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Adopt: %v; want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if k.Key() != tt.want {
				t.Errorf("key %q, want %q", k.Key(), tt.want)
			}
			_, statErr := os.Stat(filepath.Join(dir, "secrets-key"))
			switch {
			case tt.own == "" && tt.want != "":
				private(t, dir, "secrets-key", tt.want)
				opens(t, k, tt.want)
			case statErr == nil:
				t.Errorf("a secrets-key file was written although the node adopted nothing")
			}
		})
	}
}
