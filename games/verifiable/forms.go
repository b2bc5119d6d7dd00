package verifiable

import (
	"fmt"
	"math/big"
	"strings"
)

// formsInput states the facts of an extraction as a filled-in form
// instead of a sentence: labelled lines in a drawn order. The answer is the
// extraction's answer for the same facts, so a solver that learned where
// a note keeps a name or an age but not what a name or an age is fails
// here; that is what holding this family out of training measures.
type formsInput struct {
	extractInput
	// Order permutes the form's lines; the keys keep their fixed order.
	Order []int `json:"order"`
}

func genForms(r *rng, level int) instance {
	ex := genExtract(r, level).(extractInput)
	order := make([]int, len(formLines(ex)))
	for i := range order {
		order[i] = i
	}
	shuffle(r, order)
	return formsInput{extractInput: ex, Order: order}
}

// formLines are the form's labelled lines in their canonical order.
func formLines(in extractInput) []string {
	switch in.Mode {
	case "person":
		return []string{"Full name: " + in.Name, "Home town: " + in.City, fmt.Sprintf("Age in years: %d", in.Age)}
	case "order":
		return []string{"Reference: " + in.OrderID, "Ordered by: " + in.Name, "Placed on: " + in.Date,
			fmt.Sprintf("Units: %d %s", in.Quantity, in.Item), "Price per unit: $" + decimal(big.NewRat(int64(in.Cents), 100))}
	case "booking":
		b := "no"
		if in.Extra {
			b = fmt.Sprintf("yes ($%s per night)", decimal(big.NewRat(breakfastCents, 100)))
		}
		return []string{"Guest: " + in.Name, fmt.Sprintf("Room number: %d", in.Room), "Arrival: " + in.Date,
			fmt.Sprintf("Nights: %d", in.Nights), "Breakfast: " + b, "Nightly rate: $" + decimal(big.NewRat(int64(in.Cents), 100)),
			fmt.Sprintf("Colleagues travelling: %d", in.Other)}
	}
	return nil
}

func (in formsInput) prompt() string {
	lines := formLines(in.extractInput)
	shown := make([]string, 0, len(lines))
	for _, i := range in.Order {
		if i >= 0 && i < len(lines) {
			shown = append(shown, lines[i])
		}
	}
	var keys, what string
	switch in.Mode {
	case "person":
		what, keys = "person", `Keys: "name" (string), "city" (string), "age" (integer).`
	case "order":
		what, keys = "order", `Keys: "order_id" (string), "customer" (string), "quantity" (integer), "unit_price" (number, in dollars), "order_date" (string "YYYY-MM-DD").`
	case "booking":
		what, keys = "booking", `Keys: "guest" (string), "room" (integer), "check_in" (string "YYYY-MM-DD"), "nights" (integer), "breakfast" (true or false), `+
			`"total" (number: the whole stay in dollars, room and breakfast).`
	}
	return fmt.Sprintf("Copy this %s form into JSON.\n\nForm:\n%s\n\n%s", what, strings.Join(shown, "\n"), keys)
}
