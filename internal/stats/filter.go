package stats

import (
	"fmt"
	"net/url"
	"strconv"
	"time"
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

// query is the store query of the filter for some metrics.
func (f Filter) query(shopID int64, metrics []string, by ...string) storeQuery {
	from, to := f.buckets()
	return storeQuery{ShopID: shopID, Daily: !f.Hourly, From: from, To: to, Metrics: metrics, Channel: f.Channel,
		GroupID: f.GroupID, AgentID: f.AgentID, By: by}
}
