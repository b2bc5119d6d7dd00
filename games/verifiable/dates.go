package verifiable

import (
	"fmt"
	"time"
)

// datesInput is calendar arithmetic in the proleptic Gregorian calendar,
// without time zones or leap seconds.
type datesInput struct {
	Mode  string `json:"mode"`            // "after", "before_weekday", "land", "between"
	Start string `json:"start"`           // YYYY-MM-DD or YYYY-MM-DD HH:MM
	End   string `json:"end,omitempty"`   // between: the later date and time
	Days  int    `json:"days,omitempty"`  // after, before_weekday
	Hours int    `json:"hours,omitempty"` // land
	Mins  int    `json:"mins,omitempty"`  // land
}

const (
	dateLayout     = "2006-01-02"
	dateTimeLayout = "2006-01-02 15:04"
)

func genDates(r *rng, level int) instance {
	start := time.Date(r.between(1990, 2040), time.January, 1, r.between(0, 23), r.between(0, 59), 0, 0, time.UTC).
		AddDate(0, 0, r.intn(366))
	switch level {
	case 1:
		return datesInput{Mode: "after", Start: start.Format(dateLayout), Days: r.between(2, 400)}
	case 2:
		return datesInput{Mode: "before_weekday", Start: start.Format(dateLayout), Days: r.between(2, 900)}
	}
	if r.intn(2) == 0 {
		return datesInput{Mode: "land", Start: start.Format(dateTimeLayout), Hours: r.between(1, 40), Mins: r.between(0, 59)}
	}
	end := start.Add(time.Duration(r.between(30, 4*24*60)) * time.Minute)
	return datesInput{Mode: "between", Start: start.Format(dateTimeLayout), End: end.Format(dateTimeLayout)}
}

func (in datesInput) prompt() string {
	switch in.Mode {
	case "after":
		return fmt.Sprintf("What date is %d days after %s?", in.Days, in.Start)
	case "before_weekday":
		return fmt.Sprintf("What date is %d days before %s, and which day of the week is it? "+
			`Give the weekday as its English name with a capital first letter, e.g. "Monday".`, in.Days, in.Start)
	case "land":
		return fmt.Sprintf("A flight departs at %s and takes %d hours and %d minutes. Departure and arrival are in the same time zone. When does it land?",
			in.Start, in.Hours, in.Mins)
	case "between":
		return fmt.Sprintf("How many minutes pass from %s to %s (same time zone)?", in.Start, in.End)
	}
	return ""
}

func (in datesInput) want() Want {
	switch in.Mode {
	case "after":
		t, _ := time.Parse(dateLayout, in.Start)
		return Want{Kind: KindDate, Value: t.AddDate(0, 0, in.Days).Format(dateLayout)}
	case "before_weekday":
		t, _ := time.Parse(dateLayout, in.Start)
		d := t.AddDate(0, 0, -in.Days)
		return Want{Kind: KindObject, Fields: []Field{
			{Name: "date", Kind: FieldDate, Value: d.Format(dateLayout)},
			{Name: "weekday", Kind: FieldString, Value: weekdays[d.Weekday()]},
		}}
	case "land":
		t, _ := time.Parse(dateTimeLayout, in.Start)
		return Want{Kind: KindDateTime, Value: t.Add(time.Duration(in.Hours)*time.Hour + time.Duration(in.Mins)*time.Minute).Format(dateTimeLayout)}
	}
	a, _ := time.Parse(dateTimeLayout, in.Start)
	b, _ := time.Parse(dateTimeLayout, in.End)
	return Want{Kind: KindInteger, Value: itoa(int(b.Sub(a) / time.Minute))}
}
