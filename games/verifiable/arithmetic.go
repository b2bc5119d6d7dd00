package verifiable

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// arithInput is a word problem: a template and its numbers. Every answer
// is an exact integer or a finite decimal (divisors are products of 2 and
// 5), so there is no rounding to argue about.
type arithInput struct {
	Template string `json:"template"`
	Item     string `json:"item,omitempty"`
	Name     string `json:"name,omitempty"`
	A        int64  `json:"a"`
	B        int64  `json:"b"`
	C        int64  `json:"c,omitempty"`
}

var arithTemplates = [MaxLevel][]string{
	{"boxes", "stock"},
	{"metres", "flour", "minutes"},
	{"fuel", "train", "discount"},
}

func genArithmetic(r *rng, level int) instance {
	in := arithInput{Template: pick(r, arithTemplates[level-1]), Item: pick(r, items), Name: pick(r, people)}
	switch in.Template {
	case "boxes":
		in.A, in.B, in.C = int64(r.between(6, 24)), int64(r.between(3, 19)), int64(r.between(1, 5))
	case "stock":
		in.A, in.B, in.C = int64(r.between(40, 120)), int64(r.between(5, 39)), int64(r.between(2, 60))
	case "metres":
		in.A, in.B = int64(r.between(1, 40)), int64(r.between(1, 99))
	case "flour":
		in.A, in.B = int64(r.between(120, 780)), int64(r.between(2, 24))
	case "minutes":
		in.A, in.B, in.C = int64(r.between(1, 9)), int64(r.between(1, 59)), int64(r.between(1, 50))
	case "fuel":
		in.A, in.B = int64(r.between(41, 129)), int64(r.between(35, 960))
	case "train":
		in.A, in.B, in.C = int64(r.between(12, 240)), pick(r, []int64{10, 16, 20, 25, 40, 50, 80}), int64(r.between(7, 150))
	case "discount":
		in.A, in.B, in.C = int64(r.between(105, 4999)), int64(r.between(2, 12)), pick(r, []int64{5, 10, 15, 20, 25, 30, 40})
	}
	return in
}

func (in arithInput) prompt() string {
	switch in.Template {
	case "boxes":
		return fmt.Sprintf("A shop packs %s in boxes of %d. It has %d full boxes and %d loose %s. How many %s does the shop have in all?",
			in.Item, in.A, in.B, in.C, in.Item, in.Item)
	case "stock":
		return fmt.Sprintf("%s had %d %s, gave %d of them away, then bought %d more. How many %s does %s have now?",
			in.Name, in.A, in.Item, in.B, in.C, in.Item, in.Name)
	case "metres":
		return fmt.Sprintf("A rope is %d metres and %d centimetres long. How long is it in metres?", in.A, in.B)
	case "flour":
		return fmt.Sprintf("A bakery uses %d grams of flour per loaf. How many kilograms of flour does it need for %d loaves?", in.A, in.B)
	case "minutes":
		return fmt.Sprintf("A film lasts %d hours and %d minutes, and the adverts before it last %d minutes. How many minutes is that in total?", in.A, in.B, in.C)
	case "fuel":
		return fmt.Sprintf("A car uses %s litres of fuel per 100 km. How many litres does it use on a trip of %d km? Give the exact value.",
			decimal(big.NewRat(in.A, 10)), in.B)
	case "train":
		return fmt.Sprintf("A train at constant speed covers %d km in %d minutes. How many kilometres does it cover in %d minutes? Give the exact value.", in.A, in.B, in.C)
	case "discount":
		return fmt.Sprintf("One notebook costs %s dollars. %s buys %d of them with a %d%% discount on the total. How many dollars does %s pay? Give the exact value.",
			decimal(big.NewRat(in.A, 100)), in.Name, in.B, in.C, in.Name)
	}
	return ""
}

func (in arithInput) want() Want {
	var v *big.Rat
	switch in.Template {
	case "boxes":
		v = big.NewRat(in.A*in.B+in.C, 1)
	case "stock":
		v = big.NewRat(in.A-in.B+in.C, 1)
	case "minutes":
		v = big.NewRat(in.A*60+in.B+in.C, 1)
	case "metres":
		v = big.NewRat(in.A*100+in.B, 100)
	case "flour":
		v = big.NewRat(in.A*in.B, 1000)
	case "fuel":
		v = big.NewRat(in.A*in.B, 1000)
	case "train":
		v = big.NewRat(in.A*in.C, nonzero(in.B))
	case "discount":
		v = big.NewRat(in.A*in.B*(100-in.C), 10000)
	default:
		v = new(big.Rat)
	}
	if v.IsInt() {
		return Want{Kind: KindInteger, Value: v.Num().String()}
	}
	return Want{Kind: KindNumber, Value: decimal(v)}
}

func nonzero(n int64) int64 {
	if n == 0 {
		return 1
	}
	return n
}

// decimal writes r as a finite decimal with no trailing zeros. Callers
// pass rationals whose denominators divide 10^6.
func decimal(r *big.Rat) string {
	s := r.FloatString(6)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		return "0"
	}
	return s
}

// itoa is strconv.Itoa for the generators' ints.
func itoa(n int) string { return strconv.Itoa(n) }
