package stats

import (
	"time"
	_ "time/tzdata" // shops name IANA zones; a minimal host may have no zoneinfo
)

// A bucket is a shop-local hour: the hours since 1970-01-01 00:00 on the
// shop's wall clock. Counting wall-clock hours (not UTC hours) keeps zones
// with half-hour offsets whole, and a day is simply bucket/24. On the night
// summer time ends, one wall-clock hour holds two real hours; on the night
// it begins, one bucket stays empty.

// localHour is the bucket of t in loc.
func localHour(t time.Time, loc *time.Location) int64 {
	lt := t.In(loc)
	y, m, d := lt.Date()
	return dayNumber(y, m, d)*24 + int64(lt.Hour())
}

// dayNumber counts days from 1970-01-01 to the date.
func dayNumber(y int, m time.Month, d int) int64 {
	return floorDiv(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix(), 86400)
}

// dayDate is the date of a day number, as a UTC midnight.
func dayDate(day int64) time.Time { return time.Unix(day*86400, 0).UTC() }

// bucketLabel names a bucket for people and files: 2025-03-01 for a day,
// 2025-03-01 09:00 for an hour.
func bucketLabel(b int64, hourly bool) string {
	if !hourly {
		return dayDate(b).Format(time.DateOnly)
	}
	return dayDate(floorDiv(b, 24)).Add(time.Duration(b-floorDiv(b, 24)*24) * time.Hour).Format("2006-01-02 15:04")
}

// dayStart is the instant a shop-local day begins.
func dayStart(day int64, loc *time.Location) time.Time {
	y, m, d := dayDate(day).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// location loads a shop's zone; an unknown or empty name is China's, the
// default of new shops.
func location(name string) *time.Location {
	if name != "" {
		if loc, err := time.LoadLocation(name); err == nil {
			return loc
		}
	}
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.UTC
	}
	return loc
}
