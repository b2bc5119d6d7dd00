// Package task defines what an answer is judged against: the measurable
// criteria a prompt carries and a judge checks. It sits between the prompt
// game, which hands tasks out, and the judges, which score answers to
// them, so neither has to import the other.
package task

// Criteria are measurable properties of a good answer. Zero values mean
// "not checked".
type Criteria struct {
	MinWords int `json:"min_words,omitempty"`
	MaxWords int `json:"max_words,omitempty"`
	// Required terms must each appear (case-insensitive, whole words or
	// phrases); Forbidden terms must not.
	Required  []string `json:"required,omitempty"`
	Forbidden []string `json:"forbidden,omitempty"`
	// Format is one of "", "plain", "bullets" (lines starting "- " or "* "),
	// "numbered" ("1." …), "json" (a valid JSON value), "one_line".
	Format string `json:"format,omitempty"`
	// MinItems/MaxItems bound list items for bullets/numbered formats.
	MinItems int `json:"min_items,omitempty"`
	MaxItems int `json:"max_items,omitempty"`
	// JSONKeys are keys a "json" answer's top-level object must have.
	JSONKeys []string `json:"json_keys,omitempty"`
	// MaxSentenceWords caps the average sentence length (readability).
	MaxSentenceWords int `json:"max_sentence_words,omitempty"`
	// EndsWith, if set, is text the answer must end with (after trimming).
	EndsWith string `json:"ends_with,omitempty"`
}
