package commerce

import (
	"context"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

// OrderView is an order with its names in the shop's language and its
// newest logistics event: what the bot says and the panel shows.
type OrderView struct {
	model.Order
	StatusLabel string                `json:"status_label"`
	RefundLabel string                `json:"refund_label,omitempty"`
	Latest      *model.LogisticsEvent `json:"latest_logistics,omitempty"`
}

// NewOrderView names an order's status and refund in lang.
func NewOrderView(lang string, o model.Order) OrderView {
	v := OrderView{Order: o, StatusLabel: StatusLabel(lang, o.Status), RefundLabel: RefundLabel(lang, o.Refund)}
	if e, ok := o.LatestLogistics(); ok {
		v.Latest = &e
	}
	if v.Items == nil {
		v.Items = []model.OrderItem{}
	}
	return v
}

// BuyerOrders returns a verified buyer's orders, newest first, at most
// limit. An anonymous visitor (empty buyerExt) gets store.ErrEmptyID.
func (s *Service) BuyerOrders(ctx context.Context, shop model.Shop, buyerExt string, limit int) ([]OrderView, error) {
	os, err := s.st.ListBuyerOrders(ctx, shop.ID, buyerExt, limit)
	if err != nil {
		return nil, err
	}
	out := make([]OrderView, 0, len(os))
	for _, o := range os {
		out = append(out, NewOrderView(shop.Language, o))
	}
	return out, nil
}

// OrderByNumber returns the order with the shop's order number. The bot
// must check that it belongs to the buyer asking (BuyerID) before telling.
func (s *Service) OrderByNumber(ctx context.Context, shop model.Shop, number string) (OrderView, error) {
	o, err := s.st.GetOrder(ctx, shop.ID, number)
	if err != nil {
		return OrderView{}, err
	}
	return NewOrderView(shop.Language, o), nil
}

// Product returns a product with its SKUs, stock and size chart.
func (s *Service) Product(ctx context.Context, shopID int64, productID string) (model.Product, error) {
	return s.st.GetProduct(ctx, shopID, productID)
}

// Now is the service's clock, for callers that show coupon states.
func (s *Service) Now() time.Time { return s.now() }
