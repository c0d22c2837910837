package stats

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// Column kinds: how a value reads and is charted.
const (
	KindLabel = "label" // a bucket, reason, intent or name
	KindID    = "id"
	KindCount = "count"
	KindRate  = "rate" // 0..1; null when its denominator is 0
	KindMS    = "ms"   // an average duration in milliseconds; null when nothing was timed
	KindAvg   = "avg"  // an average (stars); null when there is nothing to average
)

// Column is one column of a report.
type Column struct {
	Key  string `json:"key"`
	Kind string `json:"kind"`
}

// Report is a table of measures: one row a bucket (or a reason, intent,
// FAQ, agent) and the totals of the whole period. Values line up with the
// columns; a rate is a fraction.
type Report struct {
	Name        string   `json:"name"`
	Timezone    string   `json:"timezone"`
	From        string   `json:"from"`
	To          string   `json:"to"`
	Granularity string   `json:"granularity"`
	Columns     []Column `json:"columns"`
	Rows        [][]any  `json:"rows"`
	Totals      []any    `json:"totals,omitempty"`
}

// WriteCSV writes the report as CSV: a header of column keys, the rows,
// and the totals as a last row labelled "total".
func (r Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	head := make([]string, len(r.Columns))
	for i, c := range r.Columns {
		head[i] = c.Key
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	rows := r.Rows
	if r.Totals != nil {
		rows = append(rows[:len(rows):len(rows)], r.Totals)
	}
	for _, row := range rows {
		rec := make([]string, len(row))
		for i, v := range row {
			rec[i] = csvValue(v)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func csvValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int64:
		return strconv.FormatInt(x, 10)
	case string:
		return x
	}
	return fmt.Sprint(v)
}

// agg is a count and a sum.
type agg struct{ n, total int64 }

// sums holds rollup sums by metric and item.
type sums map[string]map[string]agg

func (s sums) addRow(r store.StatsRow) {
	m := s[r.Metric]
	if m == nil {
		m = map[string]agg{}
		s[r.Metric] = m
	}
	a := m[r.Item]
	m[r.Item] = agg{a.n + r.N, a.total + r.Total}
}

func (s sums) merge(o sums) {
	for metric, items := range o {
		for item, a := range items {
			s.addRow(store.StatsRow{Metric: metric, Item: item, N: a.n, Total: a.total})
		}
	}
}

// n is a metric's count over all items.
func (s sums) n(metric string) int64 {
	var n int64
	for _, a := range s[metric] {
		n += a.n
	}
	return n
}

func (s sums) total(metric string) int64 {
	var t int64
	for _, a := range s[metric] {
		t += a.total
	}
	return t
}

func (s sums) item(metric, item string) int64 { return s[metric][item].n }

// rate is num/den, rounded to four places; nil when den is 0.
func rate(num, den int64) any {
	if den == 0 {
		return nil
	}
	return math.Round(float64(num)/float64(den)*1e4) / 1e4
}

// avgMS is total/n in whole milliseconds; nil when n is 0.
func avgMS(total, n int64) any {
	if n == 0 {
		return nil
	}
	return int64(math.Round(float64(total) / float64(n)))
}

// avg is total/n to two places; nil when n is 0.
func avg(total, n int64) any {
	if n == 0 {
		return nil
	}
	return math.Round(float64(total)/float64(n)*100) / 100
}

// measure is one column computed from the sums of a row.
type measure struct {
	key   string
	kind  string
	value func(s sums) any
}

func count(key, metric string) measure {
	return measure{key, KindCount, func(s sums) any { return s.n(metric) }}
}
