package stats

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// questions counts the buyer messages the bot handled, small talk aside.
func questions(s sums) int64 { return s.n(mTurn) - s.item(mTurn, turnChatter) }

func satisfied(s sums) int64 { return s.item(mRating, "4") + s.item(mRating, "5") }

// The measures of each time-series report; docs/metrics.md defines them.
var (
	conversationMeasures = []measure{
		count("conversations", mConv),
		count("closed", mClosed),
		count("decided", mDecided),
		count("bot_resolved", mBotResolved),
		{"bot_resolution_rate", KindRate, func(s sums) any { return rate(s.n(mBotResolved), s.n(mDecided)) }},
		count("handed_off", mHanded),
		{"handoff_rate", KindRate, func(s sums) any { return rate(s.n(mHanded), s.n(mConv)) }},
	}
	botMeasures = []measure{
		{"questions", KindCount, func(s sums) any { return questions(s) }},
		turnCount(turnAnswered), turnCount(turnSuggested), turnCount(turnFallback), turnCount(turnHandoff), turnCount(turnChatter),
		{"answer_rate", KindRate, func(s sums) any { return rate(s.item(mTurn, turnAnswered), questions(s)) }},
		{"suggestion_rate", KindRate, func(s sums) any { return rate(s.item(mTurn, turnSuggested), questions(s)) }},
		{"fallback_rate", KindRate, func(s sums) any { return rate(s.item(mTurn, turnFallback), questions(s)) }},
		{"handoff_trigger_rate", KindRate, func(s sums) any { return rate(s.item(mTurn, turnHandoff), questions(s)) }},
		count("choices", mChoices),
		count("choices_taken", mChoicesTaken),
		{"click_through", KindRate, func(s sums) any { return rate(s.n(mChoicesTaken), s.n(mChoices)) }},
	}
	satisfactionMeasures = []measure{
		count("ratings", mRating),
		{"rating_avg", KindAvg, func(s sums) any { return avg(s.total(mRating), s.n(mRating)) }},
		{"satisfied", KindCount, func(s sums) any { return satisfied(s) }},
		{"satisfaction", KindRate, func(s sums) any { return rate(satisfied(s), s.n(mRating)) }},
		count("invited", mInvited),
		count("invited_rated", mInvitedRated),
		{"response_rate", KindRate, func(s sums) any { return rate(s.n(mInvitedRated), s.n(mInvited)) }},
		stars(1), stars(2), stars(3), stars(4), stars(5),
	}
	timeMeasures = []measure{
		timed("first_response_bot", mFirstBot), count("first_response_bot_n", mFirstBot),
		timed("first_response_human", mFirstHuman), count("first_response_human_n", mFirstHuman),
		timed("queue_wait", mQueueWait), count("queue_waits", mQueueWait),
		timed("queue_abandoned_wait", mQueueAbandon), count("queue_abandoned", mQueueAbandon),
		timed("handle_time", mHandle), count("handled", mHandle),
		timed("time_to_close", mClosed), count("closed", mClosed),
	}
)

func turnCount(class string) measure {
	return measure{class, KindCount, func(s sums) any { return s.item(mTurn, class) }}
}

func stars(n int) measure {
	item := strconv.Itoa(n)
	return measure{"stars_" + item, KindCount, func(s sums) any { return s.item(mRating, item) }}
}

func timed(key, metric string) measure {
	return measure{key + "_ms", KindMS, func(s sums) any { return avgMS(s.total(metric), s.n(metric)) }}
}

// seriesReports names the time-series reports with their measures.
var seriesReports = map[string][]measure{
	"conversations": conversationMeasures,
	"bot":           botMeasures,
	"satisfaction":  satisfactionMeasures,
	"times":         timeMeasures,
}

// reportMetrics lists the metrics each time-series report reads.
var reportMetrics = map[string][]string{
	"conversations": {mConv, mClosed, mDecided, mBotResolved, mHanded},
	"bot":           {mTurn, mChoices, mChoicesTaken},
	"satisfaction":  {mRating, mInvited, mInvitedRated},
	"times":         {mFirstBot, mFirstHuman, mQueueWait, mQueueAbandon, mHandle, mClosed},
}

// Series returns a time-series report (conversations, bot, satisfaction or
// times): one row a day or hour of the period, empty ones included, and the
// period's totals.
func (s *Service) Series(ctx context.Context, shopID int64, name string, f Filter) (Report, error) {
	ms, ok := seriesReports[name]
	if !ok {
		return Report{}, fmt.Errorf("stats: no report %q", name)
	}
	_, tz, err := s.zone(ctx, shopID)
	if err != nil {
		return Report{}, err
	}
	rows, err := s.sums(ctx, shopID, f, reportMetrics[name], "bucket", "item")
	if err != nil {
		return Report{}, err
	}
	byBucket := map[int64]sums{}
	total := sums{}
	for _, r := range rows {
		if byBucket[r.Bucket] == nil {
			byBucket[r.Bucket] = sums{}
		}
		byBucket[r.Bucket].addRow(r)
		total.addRow(r)
	}
	rep := newReport(name, tz, f, append([]Column{{"bucket", KindLabel}}, columns(ms)...))
	from, to := f.buckets()
	for b := from; b < to; b++ {
		s := byBucket[b]
		if s == nil {
			s = sums{}
		}
		rep.Rows = append(rep.Rows, append([]any{bucketLabel(b, f.Hourly)}, values(ms, s)...))
	}
	rep.Totals = append([]any{"total"}, values(ms, total)...)
	return rep, nil
}

// Overview returns the period's totals of every time-series measure as one
// row.
func (s *Service) Overview(ctx context.Context, shopID int64, f Filter) (Report, error) {
	_, tz, err := s.zone(ctx, shopID)
	if err != nil {
		return Report{}, err
	}
	var metrics []string
	var ms []measure
	seen := map[string]bool{}
	for _, name := range []string{"conversations", "bot", "satisfaction", "times"} {
		metrics = append(metrics, reportMetrics[name]...)
		for _, m := range seriesReports[name] {
			if !seen[m.key] {
				seen[m.key] = true
				ms = append(ms, m)
			}
		}
	}
	rows, err := s.sums(ctx, shopID, f, metrics, "item")
	if err != nil {
		return Report{}, err
	}
	total := sums{}
	for _, r := range rows {
		total.addRow(r)
	}
	rep := newReport("overview", tz, f, columns(ms))
	rep.Rows = [][]any{values(ms, total)}
	return rep, nil
}

func newReport(name, tz string, f Filter, cols []Column) Report {
	g := "day"
	if f.Hourly {
		g = "hour"
	}
	return Report{Name: name, Timezone: tz, From: bucketLabel(f.From, false), To: bucketLabel(f.To, false),
		Granularity: g, Columns: cols, Rows: [][]any{}}
}

func columns(ms []measure) []Column {
	out := make([]Column, len(ms))
	for i, m := range ms {
		out[i] = Column{m.key, m.kind}
	}
	return out
}

func values(ms []measure, s sums) []any {
	out := make([]any, len(ms))
	for i, m := range ms {
		out[i] = m.value(s)
	}
	return out
}

// zone is a shop's time zone.
func (s *Service) zone(ctx context.Context, shopID int64) (*time.Location, string, error) {
	sh, err := s.st.GetShop(ctx, shopID)
	if err != nil {
		return nil, "", err
	}
	loc := location(sh.Timezone)
	return loc, loc.String(), nil
}

// Location is a shop's time zone, in which its reports count days.
func (s *Service) Location(ctx context.Context, shopID int64) (*time.Location, error) {
	loc, _, err := s.zone(ctx, shopID)
	return loc, err
}
