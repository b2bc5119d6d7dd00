package term

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// What is not a terminal, including /dev/null: a character device, which
// IsTerminal once took for one, so that output sent there by cron or a
// service manager got carriage returns and redrawn lines.
func TestLogsAreNotTerminals(t *testing.T) {
	file, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	for name, out := range map[string]io.Writer{"a buffer": &bytes.Buffer{}, "a file": file, "a pipe": w, os.DevNull: null} {
		if IsTerminal(out) {
			t.Errorf("%s reads as a terminal", name)
		}
		if _, ok := Width(out); ok {
			t.Errorf("%s has a width", name)
		}
	}
}
