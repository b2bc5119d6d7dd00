package bots

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sync"
)

// answers.json holds a hand-written answer to every prompt of the built-in
// prompt set (games/prompt/prompts.json): real answers that say something
// true and useful about each subject and meet each prompt's stated
// criteria. txt-careful answers with them; txt-terse and txt-verbose
// degrade them in their own ways. They are separate from the rubric's key
// facts (judges/keyfacts.json), which were written as a checklist of what
// any good answer covers, not copied from these answers.
//
// Each answer is pinned to the SHA-256 of its prompt's text, so a
// reworded prompt, or another prompt set that reuses an id, never gets an
// answer written for different words.
//
//go:embed answers.json
var answersJSON []byte

type referenceAnswer struct {
	ID           string `json:"id"`
	PromptSHA256 string `json:"prompt_sha256"`
	Answer       string `json:"answer"`
}

// referenceAnswers indexes answers.json by prompt id; parsed once, never
// written afterwards.
var referenceAnswers = sync.OnceValue(func() map[string]referenceAnswer {
	var list []referenceAnswer
	if err := json.Unmarshal(answersJSON, &list); err != nil {
		panic(fmt.Sprintf("bots: embedded answers.json: %v", err)) // caught by every test run
	}
	out := make(map[string]referenceAnswer, len(list))
	for _, a := range list {
		out[a.ID] = a
	}
	return out
})

// ReferenceAnswer is the house's written answer to a prompt of the
// built-in set (with the same text), if it has one. The answers are
// public, in this repository, so the copy check counts them as published
// by the house before any contest.
func ReferenceAnswer(id, prompt string) (string, bool) { return lookupAnswer(id, prompt) }

// lookupAnswer returns the written answer for a prompt, if the prompt
// is one of the built-in set with the same text.
func lookupAnswer(id, prompt string) (string, bool) {
	a, ok := referenceAnswers()[id]
	if !ok {
		return "", false
	}
	sum := sha256.Sum256([]byte(prompt))
	if a.PromptSHA256 != hex.EncodeToString(sum[:]) {
		return "", false
	}
	return a.Answer, true
}

// isJSON reports whether an answer is a JSON value.
func isJSON(s string) bool { return json.Valid([]byte(s)) }

// firstJSONField returns a JSON object holding only the first field of
// obj, in its written order (encoding/json maps would reorder keys).
func firstJSONField(obj string) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader([]byte(obj)))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return "", false
	}
	key, err := dec.Token()
	if err != nil {
		return "", false
	}
	var val json.RawMessage
	if err := dec.Decode(&val); err != nil {
		return "", false
	}
	k, _ := json.Marshal(key)
	return "{" + string(k) + ": " + string(val) + "}", true
}
