package stats

import (
	"context"
	"sort"
	"strconv"

	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// byItem sums metrics by item over the filter's period.
func (s *Service) byItem(ctx context.Context, shopID int64, f Filter, metrics []string) (map[string]sums, sums, error) {
	rows, err := s.sums(ctx, shopID, f, metrics, "item")
	if err != nil {
		return nil, nil, err
	}
	out, total := map[string]sums{}, sums{}
	for _, r := range rows {
		if out[r.Item] == nil {
			out[r.Item] = sums{}
		}
		out[r.Item].addRow(store.StatsRow{Metric: r.Metric, N: r.N, Total: r.Total})
		total.addRow(store.StatsRow{Metric: r.Metric, N: r.N, Total: r.Total})
	}
	return out, total, nil
}

// sortedItems orders items by a count, largest first, then by name.
func sortedItems(m map[string]sums, by string) []string {
	items := make([]string, 0, len(m))
	for k := range m {
		items = append(items, k)
	}
	sort.Slice(items, func(i, j int) bool {
		a, b := m[items[i]].n(by), m[items[j]].n(by)
		if a != b {
			return a > b
		}
		return items[i] < items[j]
	})
	return items
}

// Handoffs breaks the period's handovers down by reason.
func (s *Service) Handoffs(ctx context.Context, shopID int64, f Filter) (Report, error) {
	_, tz, err := s.zone(ctx, shopID)
	if err != nil {
		return Report{}, err
	}
	by, total, err := s.byItem(ctx, shopID, f, []string{mHandoff})
	if err != nil {
		return Report{}, err
	}
	rep := newReport("handoffs", tz, f, []Column{{"reason", KindLabel}, {"handoffs", KindCount}, {"share", KindRate}})
	all := total.n(mHandoff)
	for _, reason := range sortedItems(by, mHandoff) {
		n := by[reason].n(mHandoff)
		rep.Rows = append(rep.Rows, []any{reason, n, rate(n, all)})
	}
	rep.Totals = []any{"total", all, rate(all, all)}
	return rep, nil
}

// Intents reports, for each intent the bot recognised in buyer questions,
// how many there were, how many it answered, and what followed.
func (s *Service) Intents(ctx context.Context, shopID int64, f Filter) (Report, error) {
	return s.items(ctx, shopID, f, "intents", "intent",
		[]string{mIntentVolume, mIntentAnswered, mIntentHandoff, mIntentResolved}, nil)
}

// FAQs reports, for each FAQ, the questions it was the best candidate
// for, how often it answered, was offered and tapped as a choice, and what
// followed its answers. questions names the FAQs (id → question).
func (s *Service) FAQs(ctx context.Context, shopID int64, f Filter, questions map[int64]string) (Report, error) {
	return s.items(ctx, shopID, f, "faqs", "faq_id",
		[]string{mFAQVolume, mFAQAnswered, mFAQOffered, mFAQTaken, mFAQHandoff, mFAQResolved}, questions)
}

// items is the report of intents or FAQs: metrics[0] is the volume,
// metrics[1] the answers, then (FAQs) offered and taken, then handed off
// and resolved after an answer. They are the bot's, kept by channel only
// (facts.go): the group and agent filters do not apply, and they are read
// by day whatever the granularity.
func (s *Service) items(ctx context.Context, shopID int64, f Filter, name, key string, metrics []string, names map[int64]string) (Report, error) {
	_, tz, err := s.zone(ctx, shopID)
	if err != nil {
		return Report{}, err
	}
	f.GroupID, f.AgentID, f.Hourly = nil, nil, false
	by, total, err := s.byItem(ctx, shopID, f, metrics)
	if err != nil {
		return Report{}, err
	}
	cols := []Column{{key, KindLabel}}
	if names != nil {
		cols = append(cols, Column{"question", KindLabel})
	}
	ms := []measure{count("volume", metrics[0]), count("answered", metrics[1]),
		{"answer_rate", KindRate, func(s sums) any { return rate(s.n(metrics[1]), s.n(metrics[0])) }}}
	if len(metrics) == 6 {
		ms = append(ms, count("offered", metrics[2]), count("taken", metrics[3]),
			measure{"take_rate", KindRate, func(s sums) any { return rate(s.n(metrics[3]), s.n(metrics[2])) }})
	}
	last := metrics[len(metrics)-2:]
	ms = append(ms, count("handed_off_after", last[0]), count("resolved", last[1]),
		measure{"resolution_rate", KindRate, func(s sums) any { return rate(s.n(last[1]), s.n(metrics[1])) }})
	rep := newReport(name, tz, f, append(cols, columns(ms)...))
	for _, item := range sortedItems(by, metrics[0]) {
		row := []any{item}
		if names != nil {
			id, _ := strconv.ParseInt(item, 10, 64)
			row = append(row, names[id])
		}
		rep.Rows = append(rep.Rows, append(row, values(ms, by[item])...))
	}
	tot := []any{"total"}
	if names != nil {
		tot = append(tot, "")
	}
	rep.Totals = append(tot, values(ms, total)...)
	return rep, nil
}
