package api

// Currency says how to show amounts of money, which the API always gives
// as integer minor units. Exponent is the number of decimal places, as in
// ISO 4217: with Exponent 2, 100 minor units are "1.00 ARC".
type Currency struct {
	Code     string `json:"code"`
	Exponent int    `json:"exponent"`
}
