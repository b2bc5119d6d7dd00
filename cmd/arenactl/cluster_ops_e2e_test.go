package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/agentarena/arena/client/clienttest"
)

// TestBackupAndTokenRotationAgainstARealNode: an operator saves a backup
// it can restore from, and replaces the operator token, with arenactl
// alone (no curl).
func TestBackupAndTokenRotationAgainstARealNode(t *testing.T) {
	srv := clienttest.NewServer(t)
	env := map[string]string{"ARENA_SERVER": srv.URL, "ARENA_OPERATOR_TOKEN": clienttest.OperatorToken}
	cli := func(args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		code := run(context.Background(), args, func(k string) string { return env[k] }, &out, &errb)
		return out.String(), errb.String(), code
	}
	if _, errOut, code := cli("owner", "create", "--name", "backed-up-owner"); code != 0 {
		t.Fatalf("owner create: %d %s", code, errOut)
	}

	file := filepath.Join(t.TempDir(), "backup.db")
	out, errOut, code := cli("cluster", "backup", file)
	if code != 0 || !strings.Contains(out, "saved "+file) || !strings.Contains(out, "(checked)") {
		t.Fatalf("backup: exit %d\n%s%s", code, out, errOut)
	}
	fi, err := os.Stat(file)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup file: %v, mode %v; want 0600", err, fi.Mode())
	}
	if _, err := os.Stat(file + ".partial"); !os.IsNotExist(err) {
		t.Fatalf("the partial copy was left behind: %v", err)
	}
	db, err := bolt.Open(file, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(_ []byte, b *bolt.Bucket) error {
			return b.ForEach(func(_, v []byte) error {
				found = found || bytes.Contains(v, []byte("backed-up-owner"))
				return nil
			})
		})
	})
	db.Close()
	if !found {
		t.Fatal("the backup does not hold the owner created before it")
	}
	if _, errOut, code := cli("cluster", "backup", file); code != 2 || !strings.Contains(errOut, "--force") {
		t.Fatalf("a second backup onto the file: exit %d, %q; want it refused, naming --force", code, errOut)
	}
	if _, errOut, code := cli("cluster", "backup", file, "--force"); code != 0 {
		t.Fatalf("backup --force: exit %d %s", code, errOut)
	}

	mine := "operator-token-from-the-vault-0123456789"
	if out, errOut, code := cli("cluster", "rotate-token", "--token", mine); code != 0 || !strings.Contains(out, mine) {
		t.Fatalf("rotate-token: exit %d\n%s%s", code, out, errOut)
	}
	if _, errOut, code := cli("cluster", "backup", file, "--force"); code != 1 || !strings.Contains(errOut, "unauthorized") {
		t.Fatalf("the old token after the rotation: exit %d, %q; want unauthorized", code, errOut)
	}
	env["ARENA_OPERATOR_TOKEN"] = mine
	if _, errOut, code := cli("cluster", "backup", file, "--force"); code != 0 {
		t.Fatalf("the new token: exit %d %s", code, errOut)
	}
}
