package commerce

import (
	"context"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

// MaskPhone hides the middle of a phone number: 13812345678 → 138****5678.
// Short numbers keep only their first and last digit.
func MaskPhone(phone string) string {
	r := []rune(phone)
	switch {
	case len(r) == 0:
		return ""
	case len(r) >= 7:
		return string(r[:3]) + "****" + string(r[len(r)-4:])
	case len(r) >= 3:
		return string(r[:1]) + "****" + string(r[len(r)-1:])
	}
	return "****"
}

// BuyerView is the buyer as the panel shows them.
type BuyerView struct {
	ID          int64     `json:"id"`
	Verified    bool      `json:"verified"`
	Account     string    `json:"account,omitempty"` // the shop's buyer id
	Nickname    string    `json:"nickname,omitempty"`
	Phone       string    `json:"phone,omitempty"`
	PhoneMasked bool      `json:"phone_masked,omitempty"`
	Level       string    `json:"level,omitempty"`
	LevelLabel  string    `json:"level_label,omitempty"`
	Province    string    `json:"province,omitempty"`
	City        string    `json:"city,omitempty"`
	FirstSeen   time.Time `json:"first_seen,omitzero"`
	LastActive  time.Time `json:"last_active,omitzero"`
	Tags        []TagView `json:"tags"`
}

// ProductRef is a product as the cart and favourites show it.
type ProductRef struct {
	ProductID string `json:"product_id"`
	Title     string `json:"title,omitempty"`
	PriceFen  int64  `json:"price_fen,omitempty"`
	URL       string `json:"url,omitempty"`
}

// CartView is one cart line with its product and SKU in words.
type CartView struct {
	ProductRef
	SKUID   string    `json:"sku_id,omitempty"`
	Spec    string    `json:"spec,omitempty"`
	Stock   *int      `json:"stock,omitempty"`
	Qty     int       `json:"qty"`
	AddedAt time.Time `json:"added_at,omitzero"`
}

// FavouriteView is one favourite with its product.
type FavouriteView struct {
	ProductRef
	AddedAt time.Time `json:"added_at,omitzero"`
}

// CouponView is a coupon with its state now.
type CouponView struct {
	model.Coupon
	State      model.CouponState `json:"state"`
	StateLabel string            `json:"state_label"`
}

// BuyerPanel is everything about a buyer in this shop that the agent
// workbench shows beside a conversation. An anonymous visitor's panel holds
// the buyer only: no profile, no orders.
type BuyerPanel struct {
	Buyer      BuyerView       `json:"buyer"`
	Cart       []CartView      `json:"cart"`
	Favourites []FavouriteView `json:"favourites"`
	Orders     []OrderView     `json:"orders"`
	Coupons    []CouponView    `json:"coupons"`
	Reviews    []model.Review  `json:"reviews"`
}

// Panel assembles a buyer's panel in the shop's language. The phone is
// masked unless revealPhone (the caller checked the permission). Tags are
// computed afresh, so those that age (inactive, recent refund) are right
// today.
func (s *Service) Panel(ctx context.Context, shop model.Shop, buyerID int64, revealPhone bool) (BuyerPanel, error) {
	p, err := s.st.GetBuyerProfile(ctx, shop.ID, buyerID)
	if err != nil {
		return BuyerPanel{}, err
	}
	out := BuyerPanel{Buyer: BuyerView{ID: p.ID, Nickname: p.Nickname, Tags: []TagView{}}, Cart: []CartView{},
		Favourites: []FavouriteView{}, Orders: []OrderView{}, Coupons: []CouponView{}, Reviews: []model.Review{}}
	if p.ExternalID == "" {
		return out, nil // an anonymous visitor: nothing more, ever
	}
	f, err := s.Facts(ctx, shop.ID, p)
	if err != nil {
		return out, err
	}
	sc, err := s.tagContext(ctx, shop.ID)
	if err != nil {
		return out, err
	}
	now, lang := s.now(), shop.Language
	out.Buyer = BuyerView{ID: p.ID, Verified: true, Account: p.ExternalID, Nickname: p.Nickname, Phone: p.Phone,
		Level: p.Level, LevelLabel: LevelLabel(lang, p.Level), Province: p.Province, City: p.City,
		FirstSeen: p.FirstSeen, LastActive: p.LastActive, Tags: TagViews(lang, ComputeTags(f, sc.set, sc.rules, now))}
	if !revealPhone && p.Phone != "" {
		out.Buyer.Phone, out.Buyer.PhoneMasked = MaskPhone(p.Phone), true
	}
	for _, o := range f.Orders {
		out.Orders = append(out.Orders, NewOrderView(lang, o))
	}
	for _, c := range f.Coupons {
		st := c.State(now)
		out.Coupons = append(out.Coupons, CouponView{Coupon: c, State: st, StateLabel: Label(lang, "coupon."+string(st))})
	}
	out.Reviews = append(out.Reviews, f.Reviews...)
	if err := s.panelProducts(ctx, shop.ID, p.ExternalID, &out); err != nil {
		return out, err
	}
	return out, nil
}

// panelProducts fills the cart and favourites with their products' titles,
// prices and SKU words.
func (s *Service) panelProducts(ctx context.Context, shopID int64, buyerExt string, out *BuyerPanel) error {
	cart, err := s.st.ListBuyerCart(ctx, shopID, buyerExt)
	if err != nil {
		return err
	}
	favs, err := s.st.ListBuyerFavourites(ctx, shopID, buyerExt)
	if err != nil {
		return err
	}
	var ids []string
	for _, c := range cart {
		ids = append(ids, c.ProductID)
	}
	for _, f := range favs {
		ids = append(ids, f.ProductID)
	}
	ps, err := s.st.GetProducts(ctx, shopID, ids)
	if err != nil {
		return err
	}
	byID := map[string]model.Product{}
	for _, p := range ps {
		byID[p.ExternalID] = p
	}
	ref := func(id string) ProductRef {
		p := byID[id]
		return ProductRef{ProductID: id, Title: p.Title, PriceFen: p.PriceFen, URL: p.URL}
	}
	for _, c := range cart {
		v := CartView{ProductRef: ref(c.ProductID), SKUID: c.SKUID, Qty: c.Qty, AddedAt: c.AddedAt}
		for _, sku := range byID[c.ProductID].SKUs {
			if sku.ExternalID == c.SKUID {
				stock := sku.Stock
				v.Spec, v.PriceFen, v.Stock = skuSpec(sku), sku.PriceFen, &stock
			}
		}
		out.Cart = append(out.Cart, v)
	}
	for _, f := range favs {
		out.Favourites = append(out.Favourites, FavouriteView{ProductRef: ref(f.ProductID), AddedAt: f.AddedAt})
	}
	return nil
}

func skuSpec(s model.SKU) string {
	switch {
	case s.Color != "" && s.Size != "":
		return s.Color + " " + s.Size
	case s.Color != "":
		return s.Color
	}
	return s.Size
}

// RevealPhone returns a buyer's full phone number. The caller checks the
// permission and writes the audit entry.
func (s *Service) RevealPhone(ctx context.Context, shopID, buyerID int64) (string, error) {
	p, err := s.st.GetBuyerProfile(ctx, shopID, buyerID)
	if err != nil {
		return "", err
	}
	return p.Phone, nil
}
