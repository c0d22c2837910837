package commerce

import (
	"math"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

// Tags age. With no new data, a buyer's tags still change when a refund
// leaves the shop's refund window, when the buyer has been quiet for the
// inactive days, when an order leaves a rule's window, a coupon expires or
// a day count passes a rule's value. NextTagChange says when that next
// happens, so the refresh job (refresh.go) recomputes a buyer then, and
// only then.

// next collects the earliest instant after now it is given.
type next struct {
	now, at time.Time
}

// add considers t: kept when it is after now and before what was kept.
func (n *next) add(t time.Time) {
	if t.After(n.now) && (n.at.IsZero() || t.Before(n.at)) {
		n.at = t
	}
}

// leaves adds when something at t leaves a window of length w ending at
// the evaluation time: windows hold what is at or after their start, so
// it leaves just after t+w.
func (n *next) leaves(t time.Time, w time.Duration) {
	if !t.IsZero() {
		n.add(t.Add(w + time.Nanosecond))
	}
}

// NextTagChange is the earliest instant after now at which ComputeTags may
// give other tags for the same facts, settings and rules; the zero time
// when nothing about them ages. It may be early (the tags then stay as
// they are and a later instant follows), never late: between now and it,
// ComputeTags gives the tags it gives at now.
func NextTagChange(f Facts, set model.TagSettings, rules []NamedRule, now time.Time) time.Time {
	if f.Profile.ExternalID == "" {
		return time.Time{}
	}
	n := &next{now: now}
	if set.RefundDays > 0 {
		refundTimes(&evalCtx{f: &f}, n, time.Duration(set.RefundDays)*day)
	}
	if set.InactiveDays > 0 {
		n.leaves(f.lastActive(), time.Duration(set.InactiveDays)*day)
	}
	c := &evalCtx{f: &f, now: now, set: TagSettingsView{BadRating: set.BadRating}}
	for _, r := range rules {
		if r.Rule.ages != nil {
			r.Rule.ages(c, n)
		}
	}
	return n.at
}

// paidTimes adds when each paid order leaves a window of w.
func paidTimes(c *evalCtx, n *next, w time.Duration) {
	for _, o := range c.f.Orders {
		if o.Paid() {
			n.leaves(o.PaidAt, w)
		}
	}
}

// refundTimes adds when each refund leaves a window of w (Facts.refunds).
func refundTimes(c *evalCtx, n *next, w time.Duration) {
	for _, o := range c.f.Orders {
		if isRefund(o) {
			n.leaves(orderLatest(o), w)
		}
	}
}

// reviewTimes adds when each review rated maxRating or less leaves a
// window of w.
func reviewTimes(f *Facts, n *next, w time.Duration, maxRating int) {
	for _, r := range f.Reviews {
		if r.Rating <= maxRating {
			n.leaves(r.CreatedAt, w)
		}
	}
}

// couponExpiries adds when each unused coupon expires.
func couponExpiries(c *evalCtx, n *next, _ float64) {
	for _, cp := range c.f.Coupons {
		if cp.UsedAt.IsZero() && !cp.ExpiresAt.IsZero() {
			n.add(cp.ExpiresAt)
		}
	}
}

// dayTurns adds when a count of whole days since t0 may change a
// comparison with want. The count steps up by one every day, and a
// comparison of a whole number with want (=, !=, <, <=, >, >=) can only
// turn when the count becomes floor(want) or floor(want)+1.
func dayTurns(n *next, t0 time.Time, want float64) {
	if t0.IsZero() || math.IsNaN(want) || math.Abs(want) > 1e5 {
		return // never turns, or only centuries away
	}
	k := math.Floor(want)
	for _, d := range []float64{k, k + 1} {
		n.add(t0.Add(time.Duration(d) * day))
	}
}
