package model

import "time"

// The shop's data, as the merchant's own systems push it to xiaoer. Every
// record is named by the shop's own id (product_id, order_id, buyer_id...),
// so a re-sent record replaces the stored one instead of adding a copy. The
// JSON tags are the wire format of the ingest API and the files. Money is in
// fen (1/100 yuan), as integers.

// Product is an item the shop sells, with its SKUs.
type Product struct {
	ID         int64         `json:"-"`
	ShopID     int64         `json:"-"`
	ExternalID string        `json:"product_id"`
	Title      string        `json:"title"`
	Category   string        `json:"category,omitempty"`
	PriceFen   int64         `json:"price_fen"` // list price shown when no SKU is chosen
	Status     ProductStatus `json:"status,omitempty"`
	URL        string        `json:"url,omitempty"`
	// Attributes are named facts: 材质 → 棉, 产地 → 杭州.
	Attributes map[string]string `json:"attributes,omitempty"`
	SizeChart  []SizeRange       `json:"size_chart,omitempty"`
	SKUs       []SKU             `json:"skus,omitempty"`
	UpdatedAt  time.Time         `json:"-"`
}

// ProductStatus says whether a product can be bought.
type ProductStatus string

// Product statuses; empty means on sale.
const (
	ProductOnSale   ProductStatus = "on_sale"
	ProductOffShelf ProductStatus = "off_shelf"
)

// SKU is one buyable variant of a product.
type SKU struct {
	ExternalID string `json:"sku_id"`
	Color      string `json:"color,omitempty"`
	Size       string `json:"size,omitempty"`
	PriceFen   int64  `json:"price_fen"`
	Stock      int    `json:"stock"`
}

// SizeRange is one row of a size chart: the body a size fits. Zero bounds
// are "not given". Clothing uses height and weight, shoes the foot length.
type SizeRange struct {
	Size      string `json:"size"`
	HeightMin int    `json:"height_min,omitempty"` // cm
	HeightMax int    `json:"height_max,omitempty"`
	WeightMin int    `json:"weight_min,omitempty"` // kg
	WeightMax int    `json:"weight_max,omitempty"`
	FootMin   int    `json:"foot_min,omitempty"` // mm
	FootMax   int    `json:"foot_max,omitempty"`
}

// Member levels of a buyer (会员等级).
const (
	LevelNormal = "normal" // 普通
	LevelVIP1   = "vip1"
	LevelVIP2   = "vip2"
	LevelVIP3   = "vip3"
)

// BuyerProfile is a buyer with what the shop told about them. It is the
// buyers row: a verified buyer's profile is filled by ingest, an anonymous
// visitor's stays empty.
type BuyerProfile struct {
	ID         int64     `json:"-"`
	ShopID     int64     `json:"-"`
	ExternalID string    `json:"buyer_id"`
	VisitorID  string    `json:"-"`
	Nickname   string    `json:"nickname,omitempty"`
	Phone      string    `json:"phone,omitempty"`
	Level      string    `json:"level,omitempty"` // normal, vip1, vip2, vip3
	Province   string    `json:"province,omitempty"`
	City       string    `json:"city,omitempty"`
	FirstSeen  time.Time `json:"first_seen,omitzero"`  // first visit or purchase, as the shop knows it
	LastActive time.Time `json:"last_active,omitzero"` // last visit, as the shop knows it
	// Tags are computed by xiaoer (commerce), never pushed.
	Tags []string `json:"-"`
	// TagsDue is when the tags may next change with no new data (a
	// refund leaving its window, a buyer turning inactive); zero when
	// nothing about them ages. TagsGen counts changes to what the tags are
	// computed from, so a computation from older data is not stored.
	TagsDue   time.Time `json:"-"`
	TagsGen   int64     `json:"-"`
	CreatedAt time.Time `json:"-"`
}

// Buyer is the profile's plain buyer.
func (p BuyerProfile) Buyer() Buyer {
	return Buyer{ID: p.ID, ShopID: p.ShopID, ExternalID: p.ExternalID, VisitorID: p.VisitorID, Nickname: p.Nickname, CreatedAt: p.CreatedAt}
}

// OrderStatus is where an order is in its life.
type OrderStatus string

// Order statuses. Their Chinese and English names live in the commerce
// message catalogue.
const (
	OrderUnpaid    OrderStatus = "unpaid"    // 待付款
	OrderPaid      OrderStatus = "paid"      // 待发货
	OrderShipped   OrderStatus = "shipped"   // 已发货
	OrderDelivered OrderStatus = "delivered" // 已签收
	OrderCompleted OrderStatus = "completed" // 已完成
	OrderRefunding OrderStatus = "refunding" // 退款中
	OrderRefunded  OrderStatus = "refunded"  // 已退款
	OrderClosed    OrderStatus = "closed"    // 已关闭
)

// OrderStatuses lists every order status in life order.
func OrderStatuses() []OrderStatus {
	return []OrderStatus{OrderUnpaid, OrderPaid, OrderShipped, OrderDelivered, OrderCompleted, OrderRefunding,
		OrderRefunded, OrderClosed}
}

// RefundState is the state of an order's refund request, if any.
type RefundState string

// Refund states; empty means none was asked for.
const (
	RefundNone      RefundState = ""
	RefundRequested RefundState = "requested"
	RefundApproved  RefundState = "approved"
	RefundRejected  RefundState = "rejected"
	RefundDone      RefundState = "refunded"
)

// Order is one order of a buyer with its items and logistics.
type Order struct {
	ID          int64            `json:"-"`
	ShopID      int64            `json:"-"`
	ExternalID  string           `json:"order_id"` // the shop's order number
	BuyerID     string           `json:"buyer_id"` // the shop's buyer id
	Status      OrderStatus      `json:"status"`
	TotalFen    int64            `json:"total_fen"` // amount payable
	PaidFen     int64            `json:"paid_fen,omitempty"`
	ShippingFen int64            `json:"shipping_fen,omitempty"`
	DiscountFen int64            `json:"discount_fen,omitempty"`
	CreatedAt   time.Time        `json:"created_at"`
	PaidAt      time.Time        `json:"paid_at,omitzero"`
	Refund      RefundState      `json:"refund_state,omitempty"`
	RefundFen   int64            `json:"refund_fen,omitempty"`
	Carrier     string           `json:"carrier,omitempty"`
	TrackingNo  string           `json:"tracking_no,omitempty"`
	Logistics   []LogisticsEvent `json:"logistics,omitempty"` // oldest first
	Items       []OrderItem      `json:"items"`
	UpdatedAt   time.Time        `json:"-"`
}

// Paid reports whether the buyer paid for the order (whatever happened
// after).
func (o Order) Paid() bool { return !o.PaidAt.IsZero() }

// LatestLogistics is the newest logistics event, or false when none.
func (o Order) LatestLogistics() (LogisticsEvent, bool) {
	if len(o.Logistics) == 0 {
		return LogisticsEvent{}, false
	}
	latest := o.Logistics[0]
	for _, e := range o.Logistics[1:] {
		if !e.At.Before(latest.At) {
			latest = e
		}
	}
	return latest, true
}

// OrderItem is one line of an order.
type OrderItem struct {
	ProductID string `json:"product_id"`
	SKUID     string `json:"sku_id,omitempty"`
	Title     string `json:"title"`
	Spec      string `json:"spec,omitempty"` // the chosen SKU in words: 黑色 M
	Qty       int    `json:"qty"`
	PriceFen  int64  `json:"price_fen"`
}

// LogisticsEvent is one step of a parcel's journey.
type LogisticsEvent struct {
	At       time.Time `json:"at"`
	Text     string    `json:"text"`
	Location string    `json:"location,omitempty"`
}

// CartItem is a product in a buyer's cart. Deleted (on ingest) removes it.
type CartItem struct {
	ID        int64     `json:"-"`
	BuyerID   string    `json:"buyer_id"`
	ProductID string    `json:"product_id"`
	SKUID     string    `json:"sku_id,omitempty"`
	Qty       int       `json:"qty"`
	AddedAt   time.Time `json:"added_at,omitzero"`
	Deleted   bool      `json:"deleted,omitempty"`
}

// Favourite is a product a buyer saved (收藏). Deleted (on ingest) removes it.
type Favourite struct {
	ID        int64     `json:"-"`
	BuyerID   string    `json:"buyer_id"`
	ProductID string    `json:"product_id"`
	AddedAt   time.Time `json:"added_at,omitzero"`
	Deleted   bool      `json:"deleted,omitempty"`
}

// Coupon is a coupon issued to a buyer, and its use.
type Coupon struct {
	ID          int64     `json:"-"`
	ExternalID  string    `json:"coupon_id"`
	BuyerID     string    `json:"buyer_id"`
	Title       string    `json:"title"`
	AmountFen   int64     `json:"amount_fen"`
	MinSpendFen int64     `json:"min_spend_fen,omitempty"`
	IssuedAt    time.Time `json:"issued_at"`
	ExpiresAt   time.Time `json:"expires_at,omitzero"`
	UsedAt      time.Time `json:"used_at,omitzero"`
	OrderID     string    `json:"order_id,omitempty"` // the order it was used with
}

// CouponState is what a coupon is now.
type CouponState string

// Coupon states.
const (
	CouponIssued  CouponState = "issued"
	CouponUsed    CouponState = "used"
	CouponExpired CouponState = "expired"
)

// State says whether the coupon is used, expired at now, or still usable.
func (c Coupon) State(now time.Time) CouponState {
	switch {
	case !c.UsedAt.IsZero():
		return CouponUsed
	case !c.ExpiresAt.IsZero() && !now.Before(c.ExpiresAt):
		return CouponExpired
	}
	return CouponIssued
}

// Review is a buyer's review of an order or product.
type Review struct {
	ID         int64     `json:"-"`
	ExternalID string    `json:"review_id"`
	BuyerID    string    `json:"buyer_id"`
	OrderID    string    `json:"order_id,omitempty"`
	ProductID  string    `json:"product_id,omitempty"`
	Rating     int       `json:"rating"` // 1-5 stars
	Text       string    `json:"text,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
}

// Outcome says what an upsert did to one record.
type Outcome string

// Upsert outcomes. Unchanged means the record was already stored as sent:
// re-sending a batch is harmless.
const (
	OutcomeCreated   Outcome = "created"
	OutcomeUpdated   Outcome = "updated"
	OutcomeUnchanged Outcome = "unchanged"
	OutcomeDeleted   Outcome = "deleted"
)

// APIKey lets a shop's own systems push data. Only a hash of the key is
// kept; the signing secret of webhooks is kept as is because checking a
// signature needs it.
type APIKey struct {
	ID            int64
	ShopID        int64
	Name          string
	Prefix        string // the first characters of the key, to tell keys apart
	Hash          string
	SigningSecret string
	CreatedBy     int64
	CreatedAt     time.Time
	LastUsedAt    time.Time
	RevokedAt     time.Time // zero while the key works
}

// TagRule is an admin's custom buyer tag: the tag Name is given to every
// buyer the Rule (JSON conditions, see commerce) matches.
type TagRule struct {
	ID        int64
	ShopID    int64
	Name      string
	Rule      string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// TagSettings are a shop's thresholds for the built-in buyer tags.
type TagSettings struct {
	HighValueFen int64 `json:"high_value_fen"` // spend over this is high value
	RefundDays   int   `json:"refund_days"`    // a refund within this many days is recent
	InactiveDays int   `json:"inactive_days"`  // no activity for this many days is inactive
	BadRating    int   `json:"bad_rating"`     // a review at or below this rating is bad
}
