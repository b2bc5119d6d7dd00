//go:build ignore

// gen builds the fluency model's English corpus from two permissively
// licensed sources (see README.md): the example sentences of WordNet 3.0
// (everyday English; Debian package wordnet-base) and the doc comments of
// the Go standard library (technical English). Run from the repository
// root, with wordnet-base unpacked somewhere (apt-get download
// wordnet-base && dpkg -x wordnet-base_*.deb /tmp/wn):
//
//	go run judges/corpus/gen.go /tmp/wn/usr/share/wordnet > judges/corpus/english.txt
//
// Output is deterministic for a given Go release: files are walked in
// lexical order and paragraphs are deduplicated in first-seen order.
package main

import (
	"bufio"
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"unicode"
)

// Budgets keep the shipped corpus small (the model trains on it at load):
// about 600 KiB of WordNet examples, 400 KiB of Go doc comments.
const (
	wordnetBytes = 600 << 10
	goDocBytes   = 400 << 10
	maxBytes     = goDocBytes
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go run gen.go WORDNET_DICT_DIR")
		os.Exit(2)
	}
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	if err := wordnet(out, os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	root := filepath.Join(runtime.GOROOT(), "src")
	seen := map[string]bool{}
	total := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if name == "testdata" || name == "vendor" || name == "internal" || name == "cmd" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") || total >= maxBytes {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ParseComments)
		if err != nil {
			return nil // generated or build-tagged oddities: skip
		}
		for _, g := range f.Comments {
			for _, p := range paragraphs(g.Text()) {
				if total >= maxBytes || seen[p] {
					continue
				}
				seen[p] = true
				fmt.Fprintln(out, p)
				total += len(p) + 1
			}
		}
		return nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// paragraphs splits a comment into prose paragraphs, dropping indented
// code, directives, licence headers and lines that are mostly symbols.
func paragraphs(text string) []string {
	var out, cur []string
	flush := func() {
		p := strings.Join(cur, " ")
		cur = nil
		if prose(p) {
			out = append(out, p)
		}
	}
	for _, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "\t") || strings.HasPrefix(line, "  ") {
			flush()
			continue
		}
		cur = append(cur, strings.TrimSpace(line))
	}
	flush()
	return out
}

// prose accepts paragraphs of at least 8 words that end like a sentence
// and are at least 85% letters and spaces, with no licence boilerplate.
func prose(p string) bool {
	if len(strings.Fields(p)) < 8 || !strings.HasSuffix(p, ".") {
		return false
	}
	for _, bad := range []string{"Copyright", "license", "LICENSE", "http", "TODO", "Deprecated", "go:", "+build", "->", "==", "{", "}", "[]", "0x"} {
		if strings.Contains(p, bad) {
			return false
		}
	}
	letters := 0
	for _, r := range p {
		if unicode.IsLetter(r) || r == ' ' {
			letters++
		}
	}
	return float64(letters) >= 0.85*float64(len([]rune(p)))
}

// wordnet writes WordNet's quoted example sentences of five or more words,
// capitalised and ended with a full stop, taking every k-th one so the
// sample spans all four parts of speech within the budget.
func wordnet(out *bufio.Writer, dir string) error {
	var all []string
	for _, pos := range []string{"noun", "verb", "adj", "adv"} {
		b, err := os.ReadFile(filepath.Join(dir, "data."+pos))
		if err != nil {
			return fmt.Errorf("read wordnet %s: %w", pos, err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "  ") { // licence header
				continue
			}
			_, gloss, ok := strings.Cut(line, "| ")
			if !ok {
				continue
			}
			for _, part := range strings.Split(gloss, "\"")[1:] {
				part = strings.TrimSpace(part)
				if len(strings.Fields(part)) < 5 || strings.HasPrefix(part, ";") {
					continue
				}
				if !strings.ContainsAny(part[len(part)-1:], ".!?") {
					part += "."
				}
				all = append(all, strings.ToUpper(part[:1])+part[1:])
			}
		}
	}
	size := 0
	for _, s := range all {
		size += len(s) + 1
	}
	k := max(1, (size+wordnetBytes-1)/wordnetBytes)
	for i := 0; i < len(all); i += k {
		fmt.Fprintln(out, all[i])
	}
	return nil
}
