package verifiable

import (
	"fmt"
	"math/big"
	"strconv"
)

// extractInput is a short message with fields to pull out into JSON. The
// hardest level adds a distracting number and a computed field.
type extractInput struct {
	Mode     string `json:"mode"` // "person", "order", "booking"
	Name     string `json:"name"`
	City     string `json:"city,omitempty"`
	Age      int    `json:"age,omitempty"`
	OrderID  string `json:"order_id,omitempty"`
	Item     string `json:"item,omitempty"`
	Quantity int    `json:"quantity,omitempty"`
	Cents    int    `json:"cents,omitempty"` // unit price or nightly rate, in cents
	Date     string `json:"date,omitempty"`
	Room     int    `json:"room,omitempty"`
	Nights   int    `json:"nights,omitempty"`
	Extra    bool   `json:"extra,omitempty"` // booking: breakfast included
	Other    int    `json:"other,omitempty"` // a distracting number
}

// breakfastCents is the booking's breakfast price per night.
const breakfastCents = 1250

func genExtract(r *rng, level int) instance {
	in := extractInput{Name: pick(r, people), City: pick(r, cities)}
	date := fmt.Sprintf("%04d-%02d-%02d", r.between(2020, 2030), r.between(1, 12), r.between(1, 28))
	switch level {
	case 1:
		in.Mode, in.Age = "person", r.between(18, 90)
	case 2:
		in.Mode, in.OrderID, in.Item = "order", fmt.Sprintf("A-%04d", r.between(1, 9999)), pick(r, items)
		in.Quantity, in.Cents, in.Date = r.between(2, 40), r.between(99, 4999), date
	default:
		in.Mode, in.Room, in.Nights, in.Date = "booking", r.between(101, 950), r.between(1, 14), date
		in.Cents, in.Extra, in.Other = r.between(45, 260)*100, r.intn(2) == 0, r.between(2, 9)
	}
	return in
}

func (in extractInput) prompt() string {
	switch in.Mode {
	case "person":
		return fmt.Sprintf("Read this note and extract the person's details.\n\nNote: \"Met %s yesterday at the conference. %s is %d years old and lives in %s.\"\n\n"+
			`Keys: "name" (string), "city" (string), "age" (integer).`, in.Name, in.Name, in.Age, in.City)
	case "order":
		return fmt.Sprintf("Extract the order from this email.\n\nEmail: \"Hello, this is %s. On %s I placed order %s for %d %s at %s dollars each. Please confirm.\"\n\n"+
			`Keys: "order_id" (string), "customer" (string), "quantity" (integer), "unit_price" (number, in dollars), "order_date" (string "YYYY-MM-DD").`,
			in.Name, in.Date, in.OrderID, in.Quantity, in.Item, decimal(big.NewRat(int64(in.Cents), 100)))
	case "booking":
		b := "without breakfast"
		if in.Extra {
			b = fmt.Sprintf("with breakfast at %s dollars per night", decimal(big.NewRat(breakfastCents, 100)))
		}
		return fmt.Sprintf("Extract the booking from this message.\n\nMessage: \"%s here, travelling with %d colleagues. Please book room %d for me from %s for %d nights, %s. "+
			"The room rate is %s dollars per night.\"\n\n"+
			`Keys: "guest" (string), "room" (integer), "check_in" (string "YYYY-MM-DD"), "nights" (integer), "breakfast" (true or false), `+
			`"total" (number: the whole stay in dollars, room and breakfast).`,
			in.Name, in.Other, in.Room, in.Date, in.Nights, b, decimal(big.NewRat(int64(in.Cents), 100)))
	}
	return ""
}

func (in extractInput) want() Want {
	switch in.Mode {
	case "person":
		return Want{Kind: KindObject, Fields: []Field{
			{"name", FieldString, in.Name}, {"city", FieldString, in.City}, {"age", FieldInteger, itoa(in.Age)}}}
	case "order":
		return Want{Kind: KindObject, Fields: []Field{
			{"order_id", FieldString, in.OrderID}, {"customer", FieldString, in.Name}, {"quantity", FieldInteger, itoa(in.Quantity)},
			{"unit_price", FieldNumber, decimal(big.NewRat(int64(in.Cents), 100))}, {"order_date", FieldDate, in.Date}}}
	}
	total := in.Cents * in.Nights
	if in.Extra {
		total += breakfastCents * in.Nights
	}
	return Want{Kind: KindObject, Fields: []Field{
		{"guest", FieldString, in.Name}, {"room", FieldInteger, itoa(in.Room)}, {"check_in", FieldDate, in.Date},
		{"nights", FieldInteger, itoa(in.Nights)}, {"breakfast", FieldBool, strconv.FormatBool(in.Extra)},
		{"total", FieldNumber, decimal(big.NewRat(int64(total), 100))}}}
}
