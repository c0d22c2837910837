package commerce

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

// Problem is one thing wrong with one record of a batch: which record (its
// index in the batch and, for files, its row as a spreadsheet numbers it),
// which field, a stable code and a message for people.
type Problem struct {
	Item    int    `json:"item"`
	Row     int    `json:"row,omitempty"`
	Field   string `json:"field,omitempty"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Problem codes.
const (
	CodeRequired  = "required"  // a field that must be given is empty
	CodeInvalid   = "invalid"   // a value of the wrong form or out of range
	CodeTooLong   = "too_long"  // text over its limit
	CodeDuplicate = "duplicate" // the same record twice in one batch
	CodeBadJSON   = "bad_json"  // the record is not a JSON object of the entity
)

// Limits on the text of one field.
const (
	maxID    = 64
	maxShort = 100
	maxText  = 2000
	maxList  = 200 // SKUs, items, logistics events, size chart rows, attributes
)

// checker collects the problems of one record.
type checker struct {
	item     int
	problems []Problem
}

func (c *checker) add(field, code, format string, args ...any) {
	c.problems = append(c.problems, Problem{Item: c.item, Field: field, Code: code, Message: fmt.Sprintf(format, args...)})
}

// id checks a required identifier.
func (c *checker) id(field, v string) {
	switch {
	case strings.TrimSpace(v) == "":
		c.add(field, CodeRequired, "%s is required", field)
	case len(v) > maxID:
		c.add(field, CodeTooLong, "%s is longer than %d bytes", field, maxID)
	case strings.TrimSpace(v) != v:
		c.add(field, CodeInvalid, "%s has leading or trailing spaces", field)
	}
}

// text checks optional (or, with required, required) text against max characters.
func (c *checker) text(field, v string, max int, required bool) {
	switch {
	case required && strings.TrimSpace(v) == "":
		c.add(field, CodeRequired, "%s is required", field)
	case utf8.RuneCountInString(v) > max:
		c.add(field, CodeTooLong, "%s is longer than %d characters", field, max)
	}
}

func (c *checker) nonNegative(field string, v int64) {
	if v < 0 {
		c.add(field, CodeInvalid, "%s must not be negative", field)
	}
}

func (c *checker) count(field string, n int) bool {
	if n > maxList {
		c.add(field, CodeTooLong, "%s has more than %d entries", field, maxList)
		return false
	}
	return true
}

func checkProduct(c *checker, p *model.Product) {
	c.id("product_id", p.ExternalID)
	c.text("title", p.Title, maxShort*2, true)
	c.text("category", p.Category, maxShort, false)
	c.text("url", p.URL, maxText, false)
	c.nonNegative("price_fen", p.PriceFen)
	if p.Status != "" && p.Status != model.ProductOnSale && p.Status != model.ProductOffShelf {
		c.add("status", CodeInvalid, "status must be on_sale or off_shelf")
	}
	if c.count("attributes", len(p.Attributes)) {
		for k, v := range p.Attributes {
			c.text("attributes."+k, k, maxShort, true)
			c.text("attributes."+k, v, maxShort*5, false)
		}
	}
	if c.count("skus", len(p.SKUs)) {
		seen := map[string]bool{}
		for i, s := range p.SKUs {
			f := fmt.Sprintf("skus[%d].", i)
			c.id(f+"sku_id", s.ExternalID)
			if seen[s.ExternalID] {
				c.add(f+"sku_id", CodeDuplicate, "sku_id %q appears twice", s.ExternalID)
			}
			seen[s.ExternalID] = true
			c.text(f+"color", s.Color, maxShort, false)
			c.text(f+"size", s.Size, maxShort, false)
			c.nonNegative(f+"price_fen", s.PriceFen)
			c.nonNegative(f+"stock", int64(s.Stock))
		}
	}
	if c.count("size_chart", len(p.SizeChart)) {
		for i, r := range p.SizeChart {
			checkSizeRange(c, fmt.Sprintf("size_chart[%d].", i), r)
		}
	}
}

func checkSizeRange(c *checker, f string, r model.SizeRange) {
	c.text(f+"size", r.Size, maxShort, true)
	given := false
	for _, b := range []struct {
		name     string
		min, max int
	}{{"height", r.HeightMin, r.HeightMax}, {"weight", r.WeightMin, r.WeightMax}, {"foot", r.FootMin, r.FootMax}} {
		switch {
		case b.min < 0 || b.max < 0:
			c.add(f+b.name+"_min", CodeInvalid, "%s bounds must not be negative", b.name)
		case b.min > 0 && b.max > 0 && b.min > b.max:
			c.add(f+b.name+"_min", CodeInvalid, "%s_min %d is above %s_max %d", b.name, b.min, b.name, b.max)
		}
		given = given || b.min > 0 || b.max > 0
	}
	if !given {
		c.add(f+"size", CodeRequired, "size %q needs a height, weight or foot range", r.Size)
	}
}

func checkBuyer(c *checker, b *model.BuyerProfile) {
	c.id("buyer_id", b.ExternalID)
	c.text("nickname", b.Nickname, 50, false)
	c.text("province", b.Province, 50, false)
	c.text("city", b.City, 50, false)
	if lv, ok := levelAliases[strings.ToLower(strings.TrimSpace(b.Level))]; ok {
		b.Level = lv
	} else {
		c.add("level", CodeInvalid, "level must be 普通 (normal), VIP1, VIP2 or VIP3")
	}
	if b.Phone != "" && !validPhone(b.Phone) {
		c.add("phone", CodeInvalid, "phone must be 5-20 digits, with an optional leading + and spaces or dashes")
	}
}

func validPhone(s string) bool {
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0, r == ' ', r == '-':
		default:
			return false
		}
	}
	return digits >= 5 && digits <= 20
}

// paidStatuses are the statuses an order only reaches after payment.
var paidStatuses = map[model.OrderStatus]bool{model.OrderPaid: true, model.OrderShipped: true,
	model.OrderDelivered: true, model.OrderCompleted: true}

func checkOrder(c *checker, o *model.Order) {
	c.id("order_id", o.ExternalID)
	c.id("buyer_id", o.BuyerID)
	if s, ok := statusAliases[strings.TrimSpace(string(o.Status))]; ok {
		o.Status = s
	} else {
		c.add("status", CodeInvalid, "status must be one of unpaid, paid, shipped, delivered, completed, refunding, refunded, closed (or 待付款, 待发货...)")
	}
	for _, m := range []struct {
		f string
		v int64
	}{{"total_fen", o.TotalFen}, {"paid_fen", o.PaidFen}, {"shipping_fen", o.ShippingFen}, {"discount_fen", o.DiscountFen}, {"refund_fen", o.RefundFen}} {
		c.nonNegative(m.f, m.v)
	}
	if o.CreatedAt.IsZero() {
		c.add("created_at", CodeRequired, "created_at (when the order was placed) is required")
	}
	if paidStatuses[o.Status] && o.PaidAt.IsZero() {
		c.add("paid_at", CodeRequired, "paid_at is required for a %s order", o.Status)
	}
	switch o.Refund {
	case model.RefundNone, model.RefundRequested, model.RefundApproved, model.RefundRejected, model.RefundDone:
	default:
		c.add("refund_state", CodeInvalid, "refund_state must be requested, approved, rejected or refunded")
	}
	c.text("carrier", o.Carrier, maxShort, false)
	c.text("tracking_no", o.TrackingNo, maxID, false)
	if len(o.Items) == 0 {
		c.add("items", CodeRequired, "an order needs at least one item")
	}
	if c.count("items", len(o.Items)) {
		for i, it := range o.Items {
			f := fmt.Sprintf("items[%d].", i)
			c.id(f+"product_id", it.ProductID)
			c.text(f+"title", it.Title, maxShort*2, true)
			c.text(f+"spec", it.Spec, maxShort, false)
			if it.Qty < 1 {
				c.add(f+"qty", CodeInvalid, "qty must be at least 1")
			}
			c.nonNegative(f+"price_fen", it.PriceFen)
		}
	}
	if c.count("logistics", len(o.Logistics)) {
		for i, e := range o.Logistics {
			f := fmt.Sprintf("logistics[%d].", i)
			if e.At.IsZero() {
				c.add(f+"at", CodeRequired, "a logistics event needs its time")
			}
			c.text(f+"text", e.Text, maxShort*5, true)
			c.text(f+"location", e.Location, maxShort, false)
		}
	}
}

func checkCartItem(c *checker, it *model.CartItem) {
	c.id("buyer_id", it.BuyerID)
	c.id("product_id", it.ProductID)
	if it.SKUID != "" {
		c.id("sku_id", it.SKUID)
	}
	if !it.Deleted && it.Qty < 1 {
		c.add("qty", CodeInvalid, "qty must be at least 1 (send deleted: true to remove the item)")
	}
}

func checkFavourite(c *checker, f *model.Favourite) {
	c.id("buyer_id", f.BuyerID)
	c.id("product_id", f.ProductID)
}

func checkCoupon(c *checker, cp *model.Coupon) {
	c.id("coupon_id", cp.ExternalID)
	c.id("buyer_id", cp.BuyerID)
	c.text("title", cp.Title, maxShort, true)
	if cp.AmountFen <= 0 {
		c.add("amount_fen", CodeInvalid, "amount_fen must be above 0")
	}
	c.nonNegative("min_spend_fen", cp.MinSpendFen)
	if cp.IssuedAt.IsZero() {
		c.add("issued_at", CodeRequired, "issued_at is required")
	}
	if !cp.ExpiresAt.IsZero() && cp.ExpiresAt.Before(cp.IssuedAt) {
		c.add("expires_at", CodeInvalid, "expires_at is before issued_at")
	}
	if cp.OrderID != "" {
		c.id("order_id", cp.OrderID)
		if cp.UsedAt.IsZero() {
			c.add("used_at", CodeRequired, "used_at is required when order_id is given")
		}
	}
}

func checkReview(c *checker, r *model.Review) {
	c.id("review_id", r.ExternalID)
	c.id("buyer_id", r.BuyerID)
	if r.Rating < 1 || r.Rating > 5 {
		c.add("rating", CodeInvalid, "rating must be 1 to 5")
	}
	c.text("text", r.Text, maxText, false)
	if r.CreatedAt.IsZero() {
		c.add("created_at", CodeRequired, "created_at is required")
	}
	if r.OrderID == "" && r.ProductID == "" {
		c.add("order_id", CodeRequired, "a review names its order_id or product_id")
	}
}
