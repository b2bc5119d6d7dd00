package textcut

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCutKeepsWholeCharacters(t *testing.T) {
	tests := []struct {
		in        string
		max       int
		cut, ells string
	}{
		{"short", 64, "short", "short"},
		{"abcdef", 3, "abc", "abc…"},
		{"сбой", 3, "с", "с…"}, // 2-byte letters: the third byte starts a character half kept
		{"сбой", 4, "сб", "сб…"},
		{"a😀b", 4, "a", "a…"},
		{"bad\xffbyte", 64, "badbyte", "badbyte"},
		{"", 0, "", ""},
	}
	for _, tt := range tests {
		if got := Cut(tt.in, tt.max); got != tt.cut || !utf8.ValidString(got) || len(got) > tt.max {
			t.Errorf("Cut(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.cut)
		}
		if got := Ellipsis(tt.in, tt.max); got != tt.ells {
			t.Errorf("Ellipsis(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.ells)
		}
	}
}

// TestTextIsCutHereOnly: cutting text to a byte budget on a character
// boundary was written over and over (the bots' answers, the model
// endpoint's deltas and reasons, the learner's answers), each copy a
// loop on utf8.RuneStart or a strings.ToValidUTF8 over a byte slice. A
// new copy is a place where the next fix is forgotten; it belongs here.
func TestTextIsCutHereOnly(t *testing.T) {
	// Copies that stay, and why.
	kept := map[string]string{
		"client/errors.go":              "client/ is another helper's; reported to be folded",
		"examples/go-agent/strategy.go": "an example agent is copied out of the module, where internal/ cannot be imported",
	}
	cut := regexp.MustCompile(`utf8\.RuneStart\(|strings\.ToValidUTF8\([\w.]+\[[^\]]*:`)
	root := filepath.Join("..", "..")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") && rel != "." || rel == "internal/textcut" || rel == "tools" {
				return filepath.SkipDir // hidden dirs (caches), this package, other modules
			}
			return nil
		}
		if !strings.HasSuffix(rel, ".go") || strings.HasSuffix(rel, "_test.go") || kept[rel] != "" {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(b), "\n") {
			if cut.MatchString(line) {
				t.Errorf("%s:%d cuts text on a character boundary itself; use textcut.Cut or textcut.Ellipsis:\n\t%s", rel, i+1, strings.TrimSpace(line))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
