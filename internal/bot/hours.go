package bot

import (
	"fmt"
	"slices"
	"time"
	_ "time/tzdata" // shops name IANA zones; a minimal host may have no zoneinfo
)

// Hours are a shop's working hours, in the shop's time zone. Outside them
// the buyer is told once that people are away, and a handoff takes a
// message instead of queueing for a person who is not there.
type Hours struct {
	Enabled bool     `json:"enabled"`
	Periods []Period `json:"periods"`
	// ClosedDates are whole days off (2025-10-01), whatever the periods say.
	ClosedDates []string `json:"closed_dates"`
}

// Period is a daily span on some weekdays (1 Monday .. 7 Sunday). A span
// whose end is before its start runs past midnight into the next day; the
// end may be 24:00.
type Period struct {
	Days []int  `json:"days"`
	From string `json:"from"` // HH:MM
	To   string `json:"to"`
}

// clockMinutes parses HH:MM (00:00-24:00) into minutes after midnight.
func clockMinutes(s string) (int, error) {
	var h, m int
	if len(s) != 5 || s[2] != ':' {
		return 0, fmt.Errorf("%q is not HH:MM", s)
	}
	if _, err := fmt.Sscanf(s, "%d:%d", &h, &m); err != nil || h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("%q is not a time of day", s)
	}
	return h*60 + m, nil
}

// isoDay is the weekday 1 (Monday) to 7 (Sunday).
func isoDay(t time.Time) int {
	if d := int(t.Weekday()); d != 0 {
		return d
	}
	return 7
}

// Open reports whether the shop works at t. With hours off it always does.
func (h Hours) Open(t time.Time, zone string) bool {
	if !h.Enabled {
		return true
	}
	if loc, err := time.LoadLocation(zone); err == nil {
		t = t.In(loc)
	}
	if slices.Contains(h.ClosedDates, t.Format(time.DateOnly)) {
		return false
	}
	day, minute := isoDay(t), t.Hour()*60+t.Minute()
	yesterday := day - 1
	if yesterday == 0 {
		yesterday = 7
	}
	for _, p := range h.Periods {
		from, err1 := clockMinutes(p.From)
		to, err2 := clockMinutes(p.To)
		if err1 != nil || err2 != nil {
			continue
		}
		switch {
		case from < to && slices.Contains(p.Days, day) && minute >= from && minute < to:
			return true
		case from > to && slices.Contains(p.Days, day) && minute >= from:
			return true
		case from > to && slices.Contains(p.Days, yesterday) && minute < to:
			return true
		}
	}
	return false
}
