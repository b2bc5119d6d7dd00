package verifiable

import (
	"fmt"
	"math/big"
	"strings"
)

// countingInput counts letters or long words, or compares two fractions.
type countingInput struct {
	Mode    string   `json:"mode"` // "letter", "long_words", "compare", "letters"
	Text    string   `json:"text,omitempty"`
	Letters []string `json:"letters,omitempty"`
	MinLen  int      `json:"min_len,omitempty"`
	A       [2]int   `json:"a,omitempty"` // compare: numerator, denominator
	B       [2]int   `json:"b,omitempty"`
}

func genCounting(r *rng, level int) instance {
	phrase := pick(r, phrases)
	switch level {
	case 1:
		return countingInput{Mode: "letter", Text: phrase, Letters: []string{string(pick(r, []byte("aeinorst")))}}
	case 2:
		if r.intn(2) == 0 {
			return countingInput{Mode: "long_words", Text: phrase, MinLen: r.between(4, 6)}
		}
		a := [2]int{r.between(1, 19), r.between(2, 20)}
		b := [2]int{r.between(1, 19), r.between(2, 20)}
		if r.intn(5) == 0 { // sometimes equal, so "equal" is a live option
			k := r.between(2, 4)
			b = [2]int{a[0] * k, a[1] * k}
		}
		return countingInput{Mode: "compare", A: a, B: b}
	}
	letters := sample(r, []string{"a", "e", "i", "o", "r", "s", "t", "n", "l"}, 3)
	return countingInput{Mode: "letters", Text: phrase, Letters: letters}
}

func (in countingInput) prompt() string {
	switch in.Mode {
	case "letter":
		return fmt.Sprintf("How many times does the letter %q appear in the text %q?", in.Letters[0], in.Text)
	case "long_words":
		return fmt.Sprintf("How many words in the text %q have at least %d letters?", in.Text, in.MinLen)
	case "compare":
		return fmt.Sprintf("Which is larger: A = %d/%d or B = %d/%d? If they are equal, say equal.", in.A[0], in.A[1], in.B[0], in.B[1])
	case "letters":
		return fmt.Sprintf("Count how many times each of the letters %s appears in the text %q. Use each letter as a key.",
			strings.Join(in.Letters, ", "), in.Text)
	}
	return ""
}

func (in countingInput) want() Want {
	switch in.Mode {
	case "letter":
		return Want{Kind: KindInteger, Value: itoa(strings.Count(in.Text, first(in.Letters)))}
	case "long_words":
		n := 0
		for _, w := range strings.Fields(in.Text) {
			if len(w) >= in.MinLen {
				n++
			}
		}
		return Want{Kind: KindInteger, Value: itoa(n)}
	case "compare":
		a := big.NewRat(int64(in.A[0]), int64(nonzero(int64(in.A[1]))))
		b := big.NewRat(int64(in.B[0]), int64(nonzero(int64(in.B[1]))))
		v := map[int]string{1: "A", -1: "B", 0: "equal"}[a.Cmp(b)]
		return Want{Kind: KindWord, Value: v, Options: []string{"A", "B", "equal"}}
	}
	w := Want{Kind: KindObject}
	for _, l := range in.Letters {
		w.Fields = append(w.Fields, Field{Name: l, Kind: FieldInteger, Value: itoa(strings.Count(in.Text, l))})
	}
	return w
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}
