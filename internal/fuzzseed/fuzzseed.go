// Package fuzzseed keeps the seed corpora of the project's fuzz targets.
//
// Go runs every file under a package's testdata/fuzz/<FuzzName>/ as a
// seed of that target in a plain `go test`, so the corpora in the tree are
// part of `make test`. Targets list their hand-written seeds in code with
// Add, which is f.Add plus, when FUZZ_WRITE_SEEDS=1 is set, writing the
// seed into the target's corpus directory in Go's own file format (`make
// fuzz-seeds`). Crashers that `go test -fuzz` finds land in the same
// directory by themselves; commit them with the fix, so each finding stays
// a regression test.
//
// The package imports testing and is meant for _test.go files only.
package fuzzseed

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// EnvWrite names the variable that makes Add write corpus files.
const EnvWrite = "FUZZ_WRITE_SEEDS"

// Dir is a target's corpus directory, relative to its package.
func Dir(name string) string { return filepath.Join("testdata", "fuzz", name) }

// Add registers a seed with f and, when EnvWrite is set, writes it to
// testdata/fuzz/<f.Name()>/seed-<hash> (the hash of its contents, so
// writing twice gives the same file).
func Add(f *testing.F, args ...any) {
	f.Helper()
	f.Add(args...)
	if os.Getenv(EnvWrite) == "" {
		return
	}
	data, err := Marshal(args...)
	if err != nil {
		f.Fatalf("seed of %s: %v", f.Name(), err)
	}
	sum := sha256.Sum256(data)
	dir := Dir(f.Name())
	if err := os.MkdirAll(dir, 0o755); err != nil {
		f.Fatal(err)
	}
	path := filepath.Join(dir, "seed-"+hex.EncodeToString(sum[:8]))
	if err := os.WriteFile(path, data, 0o644); err != nil {
		f.Fatal(err)
	}
}

// Marshal encodes values in the "go test fuzz v1" corpus file format, the
// one the go command reads back (and writes for its own findings).
func Marshal(args ...any) ([]byte, error) {
	var b strings.Builder
	b.WriteString("go test fuzz v1\n")
	for _, a := range args {
		switch v := a.(type) {
		case string:
			fmt.Fprintf(&b, "string(%q)\n", v)
		case []byte:
			fmt.Fprintf(&b, "[]byte(%q)\n", v)
		case int:
			fmt.Fprintf(&b, "int(%d)\n", v)
		case int64:
			fmt.Fprintf(&b, "int64(%d)\n", v)
		case uint64:
			fmt.Fprintf(&b, "uint64(%d)\n", v)
		case bool:
			fmt.Fprintf(&b, "bool(%t)\n", v)
		case float64:
			if math.IsNaN(v) || math.IsInf(v, 0) {
				fmt.Fprintf(&b, "math.Float64frombits(0x%x)\n", math.Float64bits(v))
			} else {
				fmt.Fprintf(&b, "float64(%v)\n", v)
			}
		default:
			return nil, fmt.Errorf("fuzzseed: unsupported seed type %T", a)
		}
	}
	return []byte(b.String()), nil
}
