package verifiable

import (
	"testing"
)

var (
	wantInt  = Want{Kind: KindInteger, Value: "42"}
	wantNum  = Want{Kind: KindNumber, Value: "12.5"}
	wantDate = Want{Kind: KindDate, Value: "2026-03-14"}
	wantWord = Want{Kind: KindWord, Value: "B", Options: []string{"A", "B", "equal"}}
	wantStr  = Want{Kind: KindString, Value: "olleh"}
	wantList = Want{Kind: KindList, Elem: FieldInteger, Items: []string{"1", "2", "3", "4"}}
	wantObj  = Want{Kind: KindObject, Fields: []Field{
		{"order_id", FieldString, "A-0001"}, {"customer", FieldString, "Ada"}, {"quantity", FieldInteger, "3"},
		{"unit_price", FieldNumber, "9.5"}, {"order_date", FieldDate, "2026-01-02"}}}
	wantOrder = Want{Kind: KindOrder, Names: []string{"Ada", "Ben", "Cy"}, Clues: []Clue{
		{Kind: CluePosition, A: "Ada", Pos: 1}, {Kind: ClueBefore, A: "Ben", B: "Cy"}, {Kind: ClueAdjacent, A: "Ada", B: "Ben"}}}
)

func TestCheckGradesAnswers(t *testing.T) {
	for _, tc := range []struct {
		name   string
		want   Want
		answer string
		score  float64
		format bool // a format error is expected
	}{
		{"an exact integer after working passes", wantInt, "6 times 7.\nANSWER: 42", 1, false},
		{"an integer with a unit is a format error", wantInt, "ANSWER: 42 apples", 0, true},
		{"an integer with a thousands separator is a format error", Want{Kind: KindInteger, Value: "1200"}, "ANSWER: 1,200", 0, true},
		{"a leading zero is a format error", wantInt, "ANSWER: 042", 0, true},
		{"a wrong integer fails", wantInt, "ANSWER: 41", 0, false},
		{"no ANSWER: line is a format error", wantInt, "The answer is 42.", 0, true},
		{"a lower-case marker is a format error", wantInt, "answer: 42", 0, true},
		{"a marker inside a line does not count", wantInt, "so ANSWER: 42", 0, true},
		{"two ANSWER: lines are a format error", wantInt, "ANSWER: 41\nANSWER: 42", 0, true},
		{"text after a scalar is a format error", wantInt, "ANSWER: 42\nI hope that helps", 0, true},
		{"trailing zeros of a decimal are the same number", wantNum, "ANSWER: 12.50", 1, false},
		{"an exponent is a format error", wantNum, "ANSWER: 1.25e1", 0, true},
		{"a fraction is a format error", wantNum, "ANSWER: 25/2", 0, true},
		{"CRLF line ends are read like LF", wantNum, "work\r\nANSWER: 12.5\r\n", 1, false},
		{"an impossible date is a format error", wantDate, "ANSWER: 2026-02-30", 0, true},
		{"a date in another layout is a format error", wantDate, "ANSWER: 14/03/2026", 0, true},
		{"a word is matched in any case", wantWord, "ANSWER: b", 1, false},
		{"a word outside the options is a format error", wantWord, "ANSWER: neither", 0, true},
		{"a string must be quoted JSON", wantStr, "ANSWER: olleh", 0, true},
		{"a quoted string passes", wantStr, `ANSWER: "olleh"`, 1, false},
		{"a string is compared exactly", wantStr, `ANSWER: "Olleh"`, 0, false},
		{"a sorted list passes", wantList, "ANSWER: [1, 2, 3, 4]", 1, false},
		{"a list with two items swapped gets partial credit", wantList, "ANSWER: [2, 1, 3, 4]", 0.6, false},
		{"a list missing its last item gets partial credit", wantList, "ANSWER: [1, 2, 3]", 0.6, false},
		{"a list of strings where integers are due is a format error", wantList, `ANSWER: ["1", "2", "3", "4"]`, 0, true},
		{"a list with text after it is a format error", wantList, "ANSWER: [1, 2, 3, 4] done", 0, true},
		{"a JSON object with every field right passes", wantObj,
			`ANSWER: {"order_id": "A-0001", "customer": "Ada", "quantity": 3, "unit_price": 9.50, "order_date": "2026-01-02"}`, 1, false},
		{"4 of 5 fields right scores 0.8", wantObj,
			`ANSWER: {"order_id": "A-0001", "customer": "Ada", "quantity": 4, "unit_price": 9.5, "order_date": "2026-01-02"}`, 0.8, false},
		{"a field of the wrong type is wrong", wantObj,
			`ANSWER: {"order_id": "A-0001", "customer": "Ada", "quantity": "3", "unit_price": 9.5, "order_date": "2026-01-02"}`, 0.8, false},
		{"a missing field is wrong", wantObj,
			`ANSWER: {"order_id": "A-0001", "customer": "Ada", "unit_price": 9.5, "order_date": "2026-01-02"}`, 0.8, false},
		{"an extra key costs a check", wantObj,
			`ANSWER: {"order_id": "A-0001", "customer": "Ada", "quantity": 3, "unit_price": 9.5, "order_date": "2026-01-02", "note": "x"}`, 0.833333, false},
		{"a duplicate key is a format error", wantObj,
			`ANSWER: {"order_id": "A-0001", "order_id": "A-0001", "customer": "Ada", "quantity": 3, "unit_price": 9.5, "order_date": "2026-01-02"}`, 0, true},
		{"an object split over lines after the marker is read whole", wantObj,
			"ANSWER: {\"order_id\": \"A-0001\",\n \"customer\": \"Ada\", \"quantity\": 3,\n \"unit_price\": 9.5, \"order_date\": \"2026-01-02\"}", 1, false},
		{"a single-quoted object is a format error", wantObj, `ANSWER: {'order_id': 'A-0001'}`, 0, true},
		{"the one order that fits every clue passes", wantOrder, `ANSWER: ["Ada", "Ben", "Cy"]`, 1, false},
		{"an order breaking a clue scores nothing (its clues are still listed)", wantOrder, `ANSWER: ["Ada", "Cy", "Ben"]`, 0, false},
		{"an order naming someone twice is a format error", wantOrder, `ANSWER: ["Ada", "Ada", "Cy"]`, 0, true},
		{"an order missing someone is a format error", wantOrder, `ANSWER: ["Ada", "Ben"]`, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := Check(tc.want, tc.answer)
			if r.Score != tc.score || (r.FormatError != "") != tc.format || r.Passed != (tc.score == 1) {
				t.Fatalf("Check(%q) = %+v, want score %v, format error %v", tc.answer, r, tc.score, tc.format)
			}
		})
	}
}

// TestNoFailingAnswerOutscoresAPassingOne is the checker's contract on
// generated tasks: the right answer scores 1 and passes; every variant of
// it (a slip, a truncation, a format change) that fails scores below 1.
func TestNoFailingAnswerOutscoresAPassingOne(t *testing.T) {
	variants := []func(string) string{
		func(s string) string { return s[:len(s)-1] },
		func(s string) string { return s + "0" },
		func(s string) string { return "[" + s + "]" },
		func(s string) string { return `"` + s + `"` },
		func(s string) string { return s + " units" },
		func(s string) string { return swapFirstDigits(s) },
	}
	for seed := uint64(0); seed < 500; seed++ {
		task, err := Generate(seed, Options{})
		if err != nil {
			t.Fatal(err)
		}
		right := task.Want.Render()
		pass := Check(task.Want, "ANSWER: "+right)
		if !pass.Passed || pass.Score != 1 {
			t.Fatalf("%s: the right answer scored %+v", task.ID, pass)
		}
		for i, v := range variants {
			r := Check(task.Want, "ANSWER: "+v(right))
			if r.Score < 0 || r.Score > 1 || r.Passed != (r.Score == 1) {
				t.Fatalf("%s variant %d: inconsistent result %+v", task.ID, i, r)
			}
			if !r.Passed && r.Score >= pass.Score {
				t.Fatalf("%s variant %d: a failing answer scored %v", task.ID, i, r.Score)
			}
		}
	}
}

func swapFirstDigits(s string) string {
	b := []byte(s)
	for i := 0; i+1 < len(b); i++ {
		if b[i] >= '0' && b[i] <= '9' && b[i+1] >= '0' && b[i+1] <= '9' && b[i] != b[i+1] {
			b[i], b[i+1] = b[i+1], b[i]
			break
		}
	}
	return string(b)
}
