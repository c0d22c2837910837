package demo

import (
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

// historyDays is how many days of past the demo shop has, today included.
const historyDays = 30

// The demo shop's traffic: conversations a day on an ordinary weekday at
// the start of the month, by weekday (Monday first) and by hour of the
// shop's day, people chatting most in the late morning, after lunch and in
// the evening.
var (
	dailyConversations = 205.0
	weekdayFactor      = [7]float64{0.95, 0.92, 0.96, 1.0, 1.06, 1.28, 1.34}
	hourFactor         = [24]float64{0.55, 0.3, 0.15, 0.08, 0.06, 0.08, 0.2, 0.45, 0.8, 1.1, 1.4, 1.35,
		1.05, 1.15, 1.3, 1.3, 1.2, 1.05, 1.0, 1.25, 1.65, 1.85, 1.55, 1.05}
)

// saleDay is how many days before today the shop held its members' day:
// that day, and a little the day after, buyers came in greater numbers.
const saleDay = 11

// dayFactor is how busy a day of the history is: a shop slowly growing
// over the month, its weekly rhythm, and the members' day.
func dayFactor(daysAgo int, day time.Weekday) float64 {
	f := 1.08 - 0.18*float64(min(daysAgo, historyDays-1))/float64(historyDays-1)
	f *= weekdayFactor[(int(day)+6)%7]
	switch daysAgo {
	case saleDay:
		f *= 1.7
	case saleDay - 1:
		f *= 1.2
	}
	return f
}

// arrivals are the moments buyers start conversations over the days up
// to end, in order: each hour's number drawn around its expected traffic.
func arrivals(rng *rand.Rand, end time.Time, loc *time.Location, days int) []time.Time {
	var hourSum float64
	for _, f := range hourFactor {
		hourSum += f
	}
	y, m, d := end.In(loc).Date()
	first := time.Date(y, m, d-(days-1), 0, 0, 0, 0, loc)
	var out []time.Time
	for day := range days {
		start := time.Date(y, m, d-(days-1)+day, 0, 0, 0, 0, loc)
		perDay := dailyConversations * dayFactor(days-1-day, start.Weekday())
		for h := range 24 {
			hour := start.Add(time.Duration(h) * time.Hour)
			n := poisson(rng, perDay*hourFactor[h]/hourSum)
			for range n {
				at := hour.Add(time.Duration(rng.Int64N(int64(time.Hour))))
				if !at.Before(first) && at.Before(end) {
					out = append(out, at.Truncate(time.Millisecond))
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out
}

// poisson draws how many of something happen when mean are expected
// (Knuth's method; the means here are small).
func poisson(rng *rand.Rand, mean float64) int {
	limit, k, p := math.Exp(-mean), 0, 1.0
	for {
		p *= rng.Float64()
		if p <= limit {
			return k
		}
		k++
	}
}

// shift is when a demo agent works on a day of the week: online from..to
// (minutes of the shop's day), with a break in a status other than
// online.
type shift struct {
	from, to           int
	breakFrom, breakTo int
	breakStatus        model.AgentStatus
}

// roster is the demo agents' week: 小美 (pre-sales) and 小李
// (after-sales) work days with lunch together, the supervisor (both
// groups) afternoons and evenings with a meeting on weekdays. Both groups
// are served from 09:00 to 23:00 but for lunch, when buyers who ask for a
// person leave a message, as they do at night.
func roster(username string, day time.Weekday) (shift, bool) {
	switch username {
	case "xiaomei", "xiaoli":
		return shift{from: 9 * 60, to: 18 * 60, breakFrom: 12 * 60, breakTo: 12*60 + 45, breakStatus: model.StatusAway}, true
	case "super":
		s := shift{from: 13 * 60, to: 23 * 60}
		if day != time.Saturday && day != time.Sunday {
			s.breakFrom, s.breakTo, s.breakStatus = 16*60, 16*60+20, model.StatusBusy
		}
		return s, true
	}
	return shift{}, false
}

// statusAt is an agent's status at t by the roster.
func statusAt(username string, t time.Time, loc *time.Location) model.AgentStatus {
	lt := t.In(loc)
	s, ok := roster(username, lt.Weekday())
	minute := lt.Hour()*60 + lt.Minute()
	switch {
	case !ok || minute < s.from || minute >= s.to:
		return model.StatusOffline
	case minute >= s.breakFrom && minute < s.breakTo:
		return s.breakStatus
	}
	return model.StatusOnline
}

// statusChange is one change of an agent's status by the roster.
type statusChange struct {
	at       time.Time
	username string
	status   model.AgentStatus
}

// statusChanges are the roster's changes between from and to, in order.
func statusChanges(usernames []string, from, to time.Time, loc *time.Location) []statusChange {
	var out []statusChange
	last := map[string]model.AgentStatus{}
	for t := from.Truncate(time.Minute); t.Before(to); t = t.Add(time.Minute) {
		for _, u := range usernames {
			if s := statusAt(u, t, loc); s != last[u] && (s != model.StatusOffline || last[u] != "") {
				out = append(out, statusChange{at: t, username: u, status: s})
			}
			last[u] = statusAt(u, t, loc)
		}
	}
	return out
}
