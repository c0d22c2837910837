package stats

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// Limits of a report's period.
const (
	defaultDays   = 7
	maxDays       = 366
	maxHourlyDays = 31
)

// Channels a conversation can come from.
var Channels = []string{"web", "mobile", channelOther}

// Filter selects what a report covers: shop-local days From to To
// (inclusive), by day or by hour, optionally one channel, agent group or
// agent.
type Filter struct {
	From, To int64 // day numbers
	Hourly   bool
	Channel  string
	GroupID  *int64
	AgentID  *int64
}

// FieldError is bad input to a report or a draft, naming the field at
// fault.
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// ParseFilter reads a report's query: from and to (YYYY-MM-DD in the
// shop's zone, inclusive; the last 7 days by default), granularity (day or
// hour), channel, group and agent (ids).
func ParseFilter(v url.Values, now time.Time, loc *time.Location) (Filter, error) {
	y, m, d := now.In(loc).Date()
	today := dayNumber(y, m, d)
	f := Filter{From: today - defaultDays + 1, To: today}
	var err error
	if f.From, err = parseDay(v, "from", f.From); err != nil {
		return f, err
	}
	if f.To, err = parseDay(v, "to", f.To); err != nil {
		return f, err
	}
	switch {
	case v.Get("from") == "" && v.Get("to") != "":
		f.From = f.To - defaultDays + 1
	case f.To < f.From:
		return f, &FieldError{"to", "to must not be before from"}
	case f.To-f.From+1 > maxDays:
		return f, &FieldError{"to", fmt.Sprintf("a report covers at most %d days", maxDays)}
	}
	switch v.Get("granularity") {
	case "", "day":
	case "hour":
		f.Hourly = true
		if f.To-f.From+1 > maxHourlyDays {
			return f, &FieldError{"granularity", fmt.Sprintf("an hourly report covers at most %d days", maxHourlyDays)}
		}
	default:
		return f, &FieldError{"granularity", "granularity must be day or hour"}
	}
	if c := v.Get("channel"); c != "" {
		if !contains(Channels, c) {
			return f, &FieldError{"channel", "channel must be web, mobile or other"}
		}
		f.Channel = c
	}
	if f.GroupID, err = parseID(v, "group"); err != nil {
		return f, err
	}
	if f.AgentID, err = parseID(v, "agent"); err != nil {
		return f, err
	}
	return f, nil
}

func parseDay(v url.Values, field string, def int64) (int64, error) {
	s := v.Get(field)
	if s == "" {
		return def, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, &FieldError{field, field + " must be a date like 2025-03-01"}
	}
	return dayNumber(t.Date()), nil
}

// parseID reads an id filter; 0 selects "none" (no group, the bot).
func parseID(v url.Values, field string) (*int64, error) {
	s := v.Get(field)
	if s == "" {
		return nil, nil
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id < 0 {
		return nil, &FieldError{field, field + " must be an id"}
	}
	return &id, nil
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// buckets is the filter's range of buckets [from, to).
func (f Filter) buckets() (int64, int64) {
	if f.Hourly {
		return f.From * 24, (f.To + 1) * 24
	}
	return f.From, f.To + 1
}

// spans are the rollup buckets the filter covers. By hour, the hours of its
// days; by day, its days, or with wholeMonths the whole calendar months in
// it from the monthly rollup and only the days before and after them from
// the daily one (a year is 12 months instead of 365 days).
func (f Filter) spans(wholeMonths bool) []store.StatsSpan {
	from, to := f.buckets()
	if f.Hourly {
		return []store.StatsSpan{{Unit: store.StatsHour, From: from, To: to}}
	}
	days := []store.StatsSpan{{Unit: store.StatsDay, From: from, To: to}}
	if !wholeMonths {
		return days
	}
	first := store.MonthOfDay(from)
	if store.MonthFirstDay(first) < from {
		first++
	}
	// The month of the day after the period: those before it end by then.
	end := store.MonthOfDay(to)
	if end <= first {
		return days
	}
	out := []store.StatsSpan{
		{Unit: store.StatsDay, From: from, To: store.MonthFirstDay(first)},
		{Unit: store.StatsMonth, From: first, To: end},
		{Unit: store.StatsDay, From: store.MonthFirstDay(end), To: to},
	}
	// Leave out empty ends.
	kept := out[:0]
	for _, sp := range out {
		if sp.To > sp.From {
			kept = append(kept, sp)
		}
	}
	return kept
}

// sums reads the rollup sums of some metrics over the filter, broken down
// by the columns in by. A breakdown by bucket reads the filter's own
// buckets (days or hours); any other reads whole months from the monthly
// rollup.
func (s *Service) sums(ctx context.Context, shopID int64, f Filter, metrics []string, by ...string) ([]store.StatsRow, error) {
	q := store.StatsQuery{ShopID: shopID, Spans: f.spans(s.months && !slices.Contains(by, "bucket")), Metrics: metrics,
		Channel: f.Channel, GroupID: f.GroupID, AgentID: f.AgentID, By: by}
	return s.st.StatsSums(ctx, q)
}
