package fuzzseed

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var fuzzFunc = regexp.MustCompile(`^func (Fuzz\w*)\(f \*testing\.F\)`)

// TestEveryFuzzTargetHasASeedCorpus walks the module for fuzz targets and
// checks each has a committed corpus under its package's testdata/fuzz,
// so `make test` runs its seeds and a new target cannot be forgotten
// (`make fuzz` finds targets the same way, by their declarations).
func TestEveryFuzzTargetHasASeedCorpus(t *testing.T) {
	root := filepath.Join("..", "..")
	found := 0
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); path != root && (strings.HasPrefix(n, ".") || n == "testdata" || n == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		fh, err := os.Open(path)
		if err != nil {
			return err
		}
		defer fh.Close()
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			m := fuzzFunc.FindStringSubmatch(sc.Text())
			if m == nil {
				continue
			}
			found++
			dir := filepath.Join(filepath.Dir(path), Dir(m[1]))
			entries, err := os.ReadDir(dir)
			if err != nil || len(entries) == 0 {
				t.Errorf("%s in %s has no seed corpus in %s (run make fuzz-seeds)", m[1], filepath.Dir(path), dir)
			}
		}
		return sc.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	if found == 0 {
		t.Fatal("found no fuzz targets at all: is the walk rooted at the module?")
	}
}

func TestMarshalWritesTheGoCorpusFormat(t *testing.T) {
	got, err := Marshal([]byte("a\xff"), "é\n", 3, int64(-4), uint64(5), true, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	want := "go test fuzz v1\n[]byte(\"a\\xff\")\nstring(\"é\\n\")\nint(3)\nint64(-4)\nuint64(5)\nbool(true)\nfloat64(0.5)\n"
	if string(got) != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if _, err := Marshal(struct{}{}); err == nil {
		t.Fatal("an unsupported type was accepted")
	}
}
