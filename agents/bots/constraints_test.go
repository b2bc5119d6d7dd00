package bots

import (
	"reflect"
	"testing"
)

func TestParseConstraintsReadsWhatThePromptStates(t *testing.T) {
	cases := []struct {
		name   string
		prompt string
		want   constraints
	}{
		{"a word range and terms", samplePrompt,
			constraints{minWords: 40, maxWords: 80, required: []string{"term", "vote"}, forbidden: []string{"simply"}}},
		{"between N and M words", `Answer in between 30 and 50 words.`,
			constraints{minWords: 30, maxWords: 50}},
		{"no more than is a maximum, not a minimum", `Use no more than 50 words.`,
			constraints{maxWords: 50}},
		{"fewer than is strict", `Reply in fewer than 50 words.`,
			constraints{maxWords: 49}},
		{"more than is strict", `Write more than 100 words.`,
			constraints{minWords: 101}},
		{"separate bounds", `Write at least 40 and at most 90 words.`,
			constraints{minWords: 40, maxWords: 90}},
		{"about N is a band", `Write about 100 words.`,
			constraints{minWords: 80, maxWords: 120}},
		{"a hyphenated count", `Write a 50-word summary.`,
			constraints{minWords: 50, maxWords: 50}},
		{"counted words are not a length", `Use the two words "alpha" and "beta".`,
			constraints{required: []string{"alpha", "beta"}}},
		{"bullets with a count in words", `Give three tips as a bulleted list.`,
			constraints{format: "bullets", minItems: 3, maxItems: 3}},
		{"numbered with a range", `Give a numbered list of 3 to 5 steps.`,
			constraints{format: "numbered", minItems: 3, maxItems: 5}},
		{"no bullets means prose", `Answer in prose, no bullet points.`,
			constraints{format: "plain"}},
		{"json with quoted keys", `Reply as JSON with keys "name" and "age".`,
			constraints{format: "json", jsonKeys: []string{"name", "age"}}},
		{"json with bare keys", `Return a JSON object with keys name, age and role.`,
			constraints{format: "json", jsonKeys: []string{"name", "age", "role"}}},
		{"mentioning JSON is not a format", `Explain what JSON is in 30 words.`,
			constraints{minWords: 30, maxWords: 30}},
		{"one line and an ending", `Summarise it in one line. End with "QED".`,
			constraints{format: "one_line", endsWith: "QED"}},
		{"one sentence", `Answer in a single sentence.`,
			constraints{format: "one_line", oneSentence: true}},
		{"a sentence cap is not a word count", `Write 60 to 90 words. Keep sentences under 15 words.`,
			constraints{minWords: 60, maxWords: 90, maxSentenceWords: 15}},
		{"curly and single quotes, apostrophes ignored", `Don't use ‘basically’; mention 'leader'.`,
			constraints{required: []string{"leader"}, forbidden: []string{"basically"}}},
		{"avoid and without", `Avoid "very" and write it without using "really". Include "latency".`,
			constraints{required: []string{"latency"}, forbidden: []string{"very", "really"}}},
		{"unquoted banned word", `Do not use the word obviously.`,
			constraints{forbidden: []string{"obviously"}}},
		{"modifiers before the counted noun", `List exactly 7 household uses for soda as a numbered list ('1.', '2.', and so on).`,
			constraints{format: "numbered", minItems: 7, maxItems: 7}},
		{"a sentence cap stated per sentence", `In 50 to 90 words, explain it. Use at most 18 words per sentence on average.`,
			constraints{minWords: 50, maxWords: 90, maxSentenceWords: 18}},
		{"quoted format markers are not terms", `Give a bulleted list (lines starting with '- ') of 3 to 5 items.`,
			constraints{format: "bullets", minItems: 3, maxItems: 5}},
		{"an ending that is punctuation", `Write one line, ending with an exclamation mark ('!').`,
			constraints{format: "one_line", endsWith: "!"}},
		{"a quoted topic counts as required", `Explain "backpressure" to a new engineer.`,
			constraints{required: []string{"backpressure"}}},
		{"an ending phrase with its own period", `Finish with "That is all."`,
			constraints{endsWith: "That is all."}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := parseConstraints(tc.prompt); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("parseConstraints(%q)\n got %+v\nwant %+v", tc.prompt, got, tc.want)
			}
		})
	}
}
