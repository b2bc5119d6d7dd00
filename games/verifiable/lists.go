package verifiable

import (
	"fmt"
	"slices"
	"strings"
)

// listsInput is a list operation: sort numbers, deduplicate or sort
// words, or filter numbers by a rule.
type listsInput struct {
	Mode    string   `json:"mode"` // "sort", "dedupe", "sort_words", "filter"
	Numbers []int    `json:"numbers,omitempty"`
	Words   []string `json:"words,omitempty"`
	Parity  string   `json:"parity,omitempty"` // filter: "even" or "odd"
	Above   int      `json:"above,omitempty"`  // filter: keep numbers > Above
}

func genLists(r *rng, level int) instance {
	switch level {
	case 1:
		nums := make([]int, r.between(5, 8))
		for i := range nums {
			nums[i] = r.between(-50, 99)
		}
		return listsInput{Mode: "sort", Numbers: nums}
	case 2:
		base := sample(r, nouns, r.between(4, 6))
		words := append([]string{}, base...)
		for range r.between(2, 4) {
			words = append(words, pick(r, base))
		}
		shuffle(r, words)
		return listsInput{Mode: pick(r, []string{"dedupe", "sort_words"}), Words: words}
	}
	nums := make([]int, r.between(9, 12))
	for i := range nums {
		nums[i] = r.between(1, 60)
	}
	nums = append(nums, nums[r.intn(len(nums))], nums[r.intn(len(nums))]) // some duplicates
	shuffle(r, nums)
	return listsInput{Mode: "filter", Numbers: nums, Parity: pick(r, []string{"even", "odd"}), Above: r.between(5, 30)}
}

func (in listsInput) prompt() string {
	switch in.Mode {
	case "sort":
		return "Sort these integers in ascending order, keeping duplicates: " + joinInts(in.Numbers) + "."
	case "dedupe":
		return "Remove the repeated words from this list, keeping the first occurrence of each word and the original order: " +
			strings.Join(in.Words, ", ") + "."
	case "sort_words":
		return "List the distinct words of this list in reverse alphabetical order (z first), each once: " +
			strings.Join(in.Words, ", ") + "."
	case "filter":
		return fmt.Sprintf("From these integers, keep only the %s ones greater than %d, drop repeats, and sort what is left in descending order: %s.",
			in.Parity, in.Above, joinInts(in.Numbers))
	}
	return ""
}

func (in listsInput) want() Want {
	switch in.Mode {
	case "sort":
		nums := slices.Clone(in.Numbers)
		slices.Sort(nums)
		return intList(nums)
	case "dedupe":
		var out []string
		for _, w := range in.Words {
			if !slices.Contains(out, w) {
				out = append(out, w)
			}
		}
		return Want{Kind: KindList, Elem: FieldString, Items: out}
	case "sort_words":
		out := slices.Compact(slices.Sorted(slices.Values(in.Words)))
		slices.Reverse(out)
		return Want{Kind: KindList, Elem: FieldString, Items: out}
	}
	var keep []int
	for _, n := range in.Numbers {
		if n > in.Above && (n%2 == 0) == (in.Parity == "even") && !slices.Contains(keep, n) {
			keep = append(keep, n)
		}
	}
	slices.Sort(keep)
	slices.Reverse(keep)
	return intList(keep)
}

func intList(nums []int) Want {
	items := make([]string, len(nums))
	for i, n := range nums {
		items[i] = itoa(n)
	}
	return Want{Kind: KindList, Elem: FieldInteger, Items: items}
}

func joinInts(nums []int) string {
	parts := make([]string, len(nums))
	for i, n := range nums {
		parts[i] = itoa(n)
	}
	return strings.Join(parts, ", ")
}
