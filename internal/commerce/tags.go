package commerce

import (
	"strings"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

// Built-in tag codes. Region and level tags carry their value after a
// colon (region:上海, level:vip2); custom rules' tags are rule:<name>.
const (
	TagNew          = "new"           // no paid order yet
	TagReturning    = "returning"     // at least one paid order
	TagHighValue    = "high_value"    // spend over the shop's threshold
	TagRecentRefund = "recent_refund" // a refund within the shop's window
	TagInactive     = "inactive"      // nothing heard for the shop's number of days
	TagBadReview    = "bad_review"    // a review at or below the shop's bad rating
	tagRegion       = "region:"
	tagLevel        = "level:"
	tagRule         = "rule:"
)

// DefaultTagSettings are the thresholds of a shop that set none: ¥1000 of
// spend, refunds within 30 days, 90 days without activity, 2 stars or less.
func DefaultTagSettings() model.TagSettings {
	return model.TagSettings{HighValueFen: 100000, RefundDays: 30, InactiveDays: 90, BadRating: 2}
}

// Facts are what tags are computed from: one buyer and their data.
type Facts struct {
	Profile    model.BuyerProfile
	Orders     []model.Order
	Reviews    []model.Review
	Coupons    []model.Coupon
	Cart       int
	Favourites int
}

// NamedRule is a compiled custom rule and the tag it gives.
type NamedRule struct {
	Name string
	Rule *CompiledRule
}

// ComputeTags derives a buyer's tags at now. It is pure: the same facts give
// the same tags. Anonymous visitors get none.
func ComputeTags(f Facts, set model.TagSettings, rules []NamedRule, now time.Time) []string {
	if f.Profile.ExternalID == "" {
		return nil
	}
	tags := []string{TagNew}
	if f.paidOrders(time.Time{}) > 0 {
		tags[0] = TagReturning
	}
	if set.HighValueFen > 0 && f.spend(time.Time{}) > set.HighValueFen {
		tags = append(tags, TagHighValue)
	}
	if f.refunds(windowStart(now, set.RefundDays)) > 0 {
		tags = append(tags, TagRecentRefund)
	}
	if last := f.lastActive(); set.InactiveDays > 0 && !last.IsZero() && now.Sub(last) > time.Duration(set.InactiveDays)*day {
		tags = append(tags, TagInactive)
	}
	if f.reviews(time.Time{}, set.BadRating) > 0 {
		tags = append(tags, TagBadReview)
	}
	if r := f.region(); r != "" {
		tags = append(tags, tagRegion+r)
	}
	if f.Profile.Level != "" {
		tags = append(tags, tagLevel+f.Profile.Level)
	}
	c := &evalCtx{f: &f, now: now, set: TagSettingsView{BadRating: set.BadRating}}
	for _, r := range rules {
		if r.Rule.match(c) {
			tags = append(tags, tagRule+r.Name)
		}
	}
	return tags
}

// region is the buyer's province, or their city when the province is not
// known.
func (f *Facts) region() string {
	if f.Profile.Province != "" {
		return f.Profile.Province
	}
	return f.Profile.City
}

// paidOrders counts orders paid at or after since.
func (f *Facts) paidOrders(since time.Time) int {
	n := 0
	for _, o := range f.Orders {
		if o.Paid() && !o.PaidAt.Before(since) {
			n++
		}
	}
	return n
}

// spend is what the buyer paid at or after since, less refunds.
func (f *Facts) spend(since time.Time) int64 {
	var sum int64
	for _, o := range f.Orders {
		if o.Paid() && !o.PaidAt.Before(since) {
			sum += orderSpend(o)
		}
	}
	return sum
}

func orderSpend(o model.Order) int64 {
	amt := o.PaidFen
	if amt == 0 {
		amt = o.TotalFen
	}
	if o.Status == model.OrderRefunded && o.RefundFen == 0 {
		return 0 // refunded in full
	}
	return max(amt-o.RefundFen, 0)
}

// refunds counts orders with a refund whose latest news is at or after
// since. The shop sends no refund time, so the order's newest time (placed,
// paid, last parcel event) stands for it.
func (f *Facts) refunds(since time.Time) int {
	n := 0
	for _, o := range f.Orders {
		if isRefund(o) && !orderLatest(o).Before(since) {
			n++
		}
	}
	return n
}

// isRefund reports whether an order is being or was refunded.
func isRefund(o model.Order) bool {
	return o.Status == model.OrderRefunding || o.Status == model.OrderRefunded ||
		o.Refund == model.RefundRequested || o.Refund == model.RefundApproved || o.Refund == model.RefundDone
}

func orderLatest(o model.Order) time.Time {
	t := o.CreatedAt
	if o.PaidAt.After(t) {
		t = o.PaidAt
	}
	if e, ok := o.LatestLogistics(); ok && e.At.After(t) {
		t = e.At
	}
	return t
}

// reviews counts reviews at or after since rated maxRating or less.
func (f *Facts) reviews(since time.Time, maxRating int) int {
	n := 0
	for _, r := range f.Reviews {
		if r.Rating <= maxRating && !r.CreatedAt.Before(since) {
			n++
		}
	}
	return n
}

func (f *Facts) unusedCoupons(now time.Time) int {
	n := 0
	for _, c := range f.Coupons {
		if c.State(now) == model.CouponIssued {
			n++
		}
	}
	return n
}

func (f *Facts) lastOrder() time.Time {
	var t time.Time
	for _, o := range f.Orders {
		if o.CreatedAt.After(t) {
			t = o.CreatedAt
		}
	}
	return t
}

// lastActive is the newest sign of the buyer: a visit the shop reported,
// an order or a review (or, failing all, when they were first seen).
func (f *Facts) lastActive() time.Time {
	t := f.Profile.LastActive
	for _, c := range []time.Time{f.Profile.FirstSeen, f.lastOrder()} {
		if c.After(t) {
			t = c
		}
	}
	for _, r := range f.Reviews {
		if r.CreatedAt.After(t) {
			t = r.CreatedAt
		}
	}
	return t
}

// TagView is a tag as the panel shows it.
type TagView struct {
	Code   string `json:"code"`
	Label  string `json:"label"`
	Custom bool   `json:"custom,omitempty"`
}

// TagViews names tags in lang.
func TagViews(lang string, tags []string) []TagView {
	out := make([]TagView, 0, len(tags))
	for _, t := range tags {
		v := TagView{Code: t}
		switch {
		case strings.HasPrefix(t, tagRegion):
			v.Label = strings.TrimPrefix(t, tagRegion)
		case strings.HasPrefix(t, tagLevel):
			v.Label = LevelLabel(lang, strings.TrimPrefix(t, tagLevel))
		case strings.HasPrefix(t, tagRule):
			v.Label, v.Custom = strings.TrimPrefix(t, tagRule), true
		default:
			v.Label = Label(lang, "tag."+t)
		}
		out = append(out, v)
	}
	return out
}
