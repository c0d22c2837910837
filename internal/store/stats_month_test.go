package store

import (
	"testing"
	"time"
)

// TestMonths walks every day from 1960 to 2100: each day's month counts
// from January 1970, and a month's first day is the day whose month it
// first is.
func TestMonths(t *testing.T) {
	start := time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC)
	prev := int64(-121) // December 1959
	for d := start; d.Year() < 2100; d = d.AddDate(0, 0, 1) {
		day := floorDiv(d.Unix(), 86400)
		want := int64(d.Year()-1970)*12 + int64(d.Month()) - 1
		if got := MonthOfDay(day); got != want {
			t.Fatalf("MonthOfDay(%s) = %d, want %d", d.Format(time.DateOnly), got, want)
		}
		if d.Day() == 1 {
			if want != prev+1 {
				t.Fatalf("%s: month %d follows %d", d.Format(time.DateOnly), want, prev)
			}
			if got := MonthFirstDay(want); got != day {
				t.Fatalf("MonthFirstDay(%d) = %d, want %d (%s)", want, got, day, d.Format(time.DateOnly))
			}
			prev = want
		}
	}
}
