package stats

import (
	"errors"
	"net/url"
	"testing"
	"time"
)

func TestParseFilter(t *testing.T) {
	loc := location("Asia/Shanghai")
	// 2025-03-01 01:00 in Shanghai is still 2025-02-28 in UTC: "today" is
	// the shop's.
	now := time.Date(2025, 2, 28, 17, 0, 0, 0, time.UTC)
	day := func(s string) int64 {
		d, _ := time.Parse(time.DateOnly, s)
		return dayNumber(d.Date())
	}
	id := func(v int64) *int64 { return &v }
	tests := []struct {
		name  string
		query string
		want  Filter
		field string // the field at fault; "" for success
	}{
		{"default: the last 7 days in the shop's zone", "", Filter{From: day("2025-02-23"), To: day("2025-03-01")}, ""},
		{"a range", "from=2025-01-01&to=2025-01-31", Filter{From: day("2025-01-01"), To: day("2025-01-31")}, ""},
		{"only to", "to=2025-01-31", Filter{From: day("2025-01-25"), To: day("2025-01-31")}, ""},
		{"hourly with filters", "from=2025-01-01&to=2025-01-02&granularity=hour&channel=mobile&group=3&agent=0",
			Filter{From: day("2025-01-01"), To: day("2025-01-02"), Hourly: true, Channel: "mobile", GroupID: id(3), AgentID: id(0)}, ""},
		{"bad date", "from=2025-13-01", Filter{}, "from"},
		{"to before from", "from=2025-02-01&to=2025-01-01", Filter{}, "to"},
		{"too long", "from=2023-01-01&to=2025-01-01", Filter{}, "to"},
		{"hourly too long", "from=2025-01-01&to=2025-03-01&granularity=hour", Filter{}, "granularity"},
		{"bad granularity", "granularity=week", Filter{}, "granularity"},
		{"bad channel", "channel=fax", Filter{}, "channel"},
		{"bad group", "group=x", Filter{}, "group"},
		{"negative agent", "agent=-1", Filter{}, "agent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, _ := url.ParseQuery(tt.query)
			f, err := ParseFilter(v, now, loc)
			var fe *FieldError
			switch {
			case tt.field == "" && err != nil:
				t.Fatalf("error %v", err)
			case tt.field != "" && (!errors.As(err, &fe) || fe.Field != tt.field):
				t.Fatalf("error %v, want one naming %s", err, tt.field)
			case tt.field == "":
				if f.From != tt.want.From || f.To != tt.want.To || f.Hourly != tt.want.Hourly || f.Channel != tt.want.Channel ||
					!sameID(f.GroupID, tt.want.GroupID) || !sameID(f.AgentID, tt.want.AgentID) {
					t.Fatalf("filter %+v, want %+v", f, tt.want)
				}
			}
		})
	}
}

func sameID(a, b *int64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

// TestLocalHour pins the bucket arithmetic at the edges: midnight, a
// half-hour zone, and the nights summer time begins and ends.
func TestLocalHour(t *testing.T) {
	ny := location("America/New_York")
	tests := []struct {
		name string
		at   time.Time
		loc  *time.Location
		want string
	}{
		{"midnight is the new day", time.Date(2025, 3, 1, 0, 0, 0, 0, location("Asia/Shanghai")), location("Asia/Shanghai"), "2025-03-01 00:00"},
		{"a millisecond before", time.Date(2025, 2, 28, 23, 59, 59, 999e6, location("Asia/Shanghai")), location("Asia/Shanghai"), "2025-02-28 23:00"},
		{"half-hour zone", time.Date(2025, 6, 1, 18, 45, 0, 0, time.UTC), location("Asia/Kolkata"), "2025-06-02 00:00"},
		{"summer time begins: 01:59 EST", time.Date(2025, 3, 9, 6, 59, 0, 0, time.UTC), ny, "2025-03-09 01:00"},
		{"summer time begins: 03:00 EDT", time.Date(2025, 3, 9, 7, 0, 0, 0, time.UTC), ny, "2025-03-09 03:00"},
		{"summer time ends: first 01:30", time.Date(2025, 11, 2, 5, 30, 0, 0, time.UTC), ny, "2025-11-02 01:00"},
		{"summer time ends: second 01:30", time.Date(2025, 11, 2, 6, 30, 0, 0, time.UTC), ny, "2025-11-02 01:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := bucketLabel(localHour(tt.at, tt.loc), true); got != tt.want {
				t.Fatalf("bucket %s, want %s", got, tt.want)
			}
		})
	}
}
