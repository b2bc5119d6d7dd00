package boot_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/arena/boot"
)

// write puts name in dir with content, or makes it a directory (so reading
// it fails) when content is nil.
func write(t *testing.T, dir, name string, content []byte) {
	t.Helper()
	path := filepath.Join(dir, name)
	var err error
	if content == nil {
		err = os.Mkdir(path, 0o700)
	} else {
		err = os.WriteFile(path, content, 0o600)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// private checks that dir/name holds want and only its owner may read it.
func private(t *testing.T, dir, name, want string) {
	t.Helper()
	path := filepath.Join(dir, name)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	if got := strings.TrimSpace(string(b)); got != want {
		t.Errorf("%s holds %q, want %q", name, got, want)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("%s mode %v (%v), want 0600", name, st.Mode().Perm(), err)
	}
}

func TestNodeID(t *testing.T) {
	tests := []struct {
		name       string
		stored     []byte // nil: no node-id file
		unreadable bool
		configured string
		want       string
		wantErr    string
	}{
		{name: "a fresh dir without an id becomes node1", want: "node1"},
		{name: "a fresh dir takes the configured id", configured: "n7", want: "n7"},
		{name: "a stored id is kept", stored: []byte("n2\n"), want: "n2"},
		{name: "a configured id that agrees is fine", stored: []byte("n2\n"), configured: "n2", want: "n2"},
		{name: "a configured id that differs is refused", stored: []byte("n2\n"), configured: "n3", wantErr: `belongs to node "n2", not "n3" (a dir keeps the id it was first started with, in `},
		{name: "the refusal says what to do", stored: []byte("n2\n"), configured: "n3", wantErr: "start it with --node-id n2, or give node n3 its own --data-dir"},
		{name: "an unreadable id is an error", unreadable: true, wantErr: "read node id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.stored != nil {
				write(t, dir, "node-id", tt.stored)
			}
			if tt.unreadable {
				write(t, dir, "node-id", nil)
			}
			got, err := boot.NodeID(dir, tt.configured)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("NodeID: %q, %v; want an error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("NodeID: %q, %v; want %q", got, err, tt.want)
			}
			private(t, dir, "node-id", tt.want)
		})
	}
}

func TestOperatorToken(t *testing.T) {
	tests := []struct {
		name       string
		stored     []byte
		state      bool // the dir holds a state.db (restored, or a member that joined)
		unreadable bool
		configured string
		joining    bool
		want       string // "generated": a new operator token
		wantErr    string
	}{
		{name: "the configured token wins", stored: []byte("aop_stored\n"), configured: "aop_flag", want: "aop_flag"},
		{name: "the stored token is read back", stored: []byte("aop_stored\n"), want: "aop_stored"},
		{name: "a stored token serves a joining node too", stored: []byte("aop_stored\n"), joining: true, want: "aop_stored"},
		{name: "a bootstrapping node generates one", want: "generated"},
		{name: "a joining node without one is refused", joining: true, wantErr: "joining a cluster needs its operator token"},
		{name: "an unreadable token is an error", unreadable: true, wantErr: "read operator token"},
		{name: "a dir holding a cluster's state makes up no token", state: true, wantErr: "holds a cluster's state but no operator token"},
		{name: "a dir holding state reads its stored token", state: true, stored: []byte("aop_stored\n"), want: "aop_stored"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.stored != nil {
				write(t, dir, "operator-token", tt.stored)
			}
			if tt.unreadable {
				write(t, dir, "operator-token", nil)
			}
			if tt.state {
				write(t, dir, "state.db", []byte("bolt"))
			}
			var out bytes.Buffer
			got, err := boot.OperatorToken(dir, tt.configured, tt.joining, &out)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("OperatorToken: %q, %v; want an error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.want != "generated" {
				if got != tt.want {
					t.Errorf("token %q, want %q", got, tt.want)
				}
				if out.Len() != 0 {
					t.Errorf("announced %q for a token it did not generate", out.String())
				}
				return
			}
			if !strings.HasPrefix(got, agents.OperatorPrefix) {
				t.Errorf("generated token %q lacks the operator prefix %q", got, agents.OperatorPrefix)
			}
			private(t, dir, "operator-token", got)
			if !strings.Contains(out.String(), got) || !strings.Contains(out.String(), "shown once") {
				t.Errorf("announcement %q does not show the token once", out.String())
			}
		})
	}
}
