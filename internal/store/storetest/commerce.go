package storetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// testCommerce checks the shop's data: every entity's upsert (created,
// unchanged on a re-send, updated on a change), its reads and its tenant
// isolation, API keys, the webhook replay guard and tag rules.
func testCommerce(t *testing.T, e *env) {
	tests := []struct {
		name string
		fn   func(*testing.T, *env)
	}{
		{"Products", testCommerceProducts},
		{"Buyers", testCommerceBuyers},
		{"Orders", testCommerceOrders},
		{"CartsAndFavourites", testCommerceCarts},
		{"CouponsAndReviews", testCommerceCouponsReviews},
		{"AnonymousHasNoData", testCommerceAnonymous},
		{"APIKeys", testCommerceAPIKeys},
		{"Nonces", testCommerceNonces},
		{"TagRules", testCommerceTagRules},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, e.in(t)) })
	}
}

// ms is a fixed instant plus minutes, at the millisecond the store keeps.
func ms(min int) time.Time {
	return time.UnixMilli(epoch.Add(time.Duration(min) * time.Minute).UnixMilli())
}

// outcomes fails unless got is want.
func outcomes(t *testing.T, what string, got []model.Outcome, err error, want ...model.Outcome) {
	t.Helper()
	checkErr(t, what, err, nil)
	diff(t, what, want, got)
}

var ignoreIDs = cmpopts.IgnoreFields(model.Product{}, "ID", "ShopID", "UpdatedAt")

func testCommerceProducts(t *testing.T, e *env) {
	a, b := e.shop("prod-a"), e.shop("prod-b")
	p := model.Product{ExternalID: "P1", Title: "纯棉T恤", Category: "女装", PriceFen: 9900, Status: model.ProductOnSale,
		Attributes: map[string]string{"材质": "棉"}, SizeChart: []model.SizeRange{{Size: "M", HeightMin: 160, HeightMax: 170}},
		SKUs: []model.SKU{{ExternalID: "P1-BK-M", Color: "黑色", Size: "M", PriceFen: 9900, Stock: 5}}}
	got, err := e.s.UpsertProducts(e.ctx, a.ID, []model.Product{p, {ExternalID: "P2", Title: "帆布鞋"}})
	outcomes(t, "first upsert", got, err, model.OutcomeCreated, model.OutcomeCreated)
	got, err = e.s.UpsertProducts(e.ctx, a.ID, []model.Product{p})
	outcomes(t, "re-send", got, err, model.OutcomeUnchanged)
	p.SKUs[0].Stock = 4
	got, err = e.s.UpsertProducts(e.ctx, a.ID, []model.Product{p})
	outcomes(t, "stock change", got, err, model.OutcomeUpdated)

	read, err := e.s.GetProduct(e.ctx, a.ID, "P1")
	checkErr(t, "GetProduct", err, nil)
	diff(t, "product", p, read, ignoreIDs)
	_, err = e.s.GetProduct(e.ctx, b.ID, "P1")
	checkErr(t, "GetProduct in another shop", err, store.ErrNotFound)
	many, err := e.s.GetProducts(e.ctx, a.ID, []string{"P2", "P1", "nope"})
	checkErr(t, "GetProducts", err, nil)
	diff(t, "GetProducts ids", []string{"P1", "P2"}, []string{many[0].ExternalID, many[1].ExternalID})
	page, err := e.s.ListProducts(e.ctx, a.ID, store.Page{Limit: 1})
	checkErr(t, "ListProducts", err, nil)
	next, err := e.s.ListProducts(e.ctx, a.ID, store.Page{After: page[0].ID, Limit: 1})
	checkErr(t, "ListProducts page 2", err, nil)
	diff(t, "pages", []string{"P1", "P2"}, []string{page[0].ExternalID, next[0].ExternalID})
	_, err = e.s.UpsertProducts(e.ctx, 999999, []model.Product{p})
	checkErr(t, "upsert into a missing shop", err, store.ErrNotFound)
}

func testCommerceBuyers(t *testing.T, e *env) {
	a := e.shop("buyers-a")
	chatted, err := e.s.EnsureVerifiedBuyer(e.ctx, a.ID, "u1", "小王")
	checkErr(t, "EnsureVerifiedBuyer", err, nil)
	in := model.BuyerProfile{ExternalID: "u1", Phone: "13812345678", Level: model.LevelVIP2, Province: "上海", City: "上海",
		FirstSeen: ms(-60 * 24 * 30)}
	got, err := e.s.UpsertBuyers(e.ctx, a.ID, []model.BuyerProfile{in, {ExternalID: "u2", Nickname: "小李"}})
	outcomes(t, "upsert", got, err, model.OutcomeUpdated, model.OutcomeCreated)
	got, err = e.s.UpsertBuyers(e.ctx, a.ID, []model.BuyerProfile{in})
	outcomes(t, "re-send", got, err, model.OutcomeUnchanged)

	p, err := e.s.GetBuyerProfile(e.ctx, a.ID, chatted.ID)
	checkErr(t, "GetBuyerProfile", err, nil)
	if p.Nickname != "小王" || p.Phone != in.Phone || p.Level != in.Level || p.City != "上海" || !p.FirstSeen.Equal(in.FirstSeen) {
		t.Errorf("profile %+v: the chat buyer's row should hold the pushed profile and keep its nickname", p)
	}
	checkErr(t, "SetBuyerTags", e.s.SetBuyerTags(e.ctx, a.ID, p.ID, store.BuyerTags{Tags: []string{"new", "region:上海"}, Gen: p.TagsGen}), nil)
	p, err = e.s.GetBuyerProfileByExternal(e.ctx, a.ID, "u1")
	checkErr(t, "GetBuyerProfileByExternal", err, nil)
	diff(t, "tags", []string{"new", "region:上海"}, p.Tags)
	e.buyer(a.ID, "visitor-1")
	list, err := e.s.ListBuyerProfiles(e.ctx, a.ID, store.Page{})
	checkErr(t, "ListBuyerProfiles", err, nil)
	diff(t, "verified buyers only", []string{"u1", "u2"}, []string{list[0].ExternalID, list[1].ExternalID})
	if len(list) != 2 {
		t.Errorf("ListBuyerProfiles: %d buyers, want the 2 verified ones", len(list))
	}
	_, err = e.s.UpsertBuyers(e.ctx, a.ID, []model.BuyerProfile{{ExternalID: "u3"}, {}})
	checkErr(t, "a buyer without id", err, store.ErrEmptyID)
	_, err = e.s.GetBuyerProfileByExternal(e.ctx, a.ID, "u3")
	checkErr(t, "the batch with a bad buyer applied nothing", err, store.ErrNotFound)
	checkErr(t, "SetBuyerTags of a missing buyer", e.s.SetBuyerTags(e.ctx, a.ID, 999999, store.BuyerTags{}), store.ErrNotFound)
}

func testCommerceOrders(t *testing.T, e *env) {
	a, b := e.shop("orders-a"), e.shop("orders-b")
	o1 := model.Order{ExternalID: "O1", BuyerID: "u9", Status: model.OrderShipped, TotalFen: 19900, PaidFen: 19900,
		CreatedAt: ms(0), PaidAt: ms(5), Carrier: "顺丰", TrackingNo: "SF1",
		Logistics: []model.LogisticsEvent{{At: ms(60), Text: "已揽收", Location: "杭州"}, {At: ms(600), Text: "运输中"}},
		Items:     []model.OrderItem{{ProductID: "P1", SKUID: "P1-BK-M", Title: "T恤", Spec: "黑色 M", Qty: 1, PriceFen: 19900}}}
	o2 := model.Order{ExternalID: "O2", BuyerID: "u9", Status: model.OrderUnpaid, TotalFen: 500, CreatedAt: ms(100),
		Items: []model.OrderItem{{ProductID: "P2", Title: "袜子", Qty: 1, PriceFen: 500}}}
	got, err := e.s.UpsertOrders(e.ctx, a.ID, []model.Order{o1, o2})
	outcomes(t, "upsert", got, err, model.OutcomeCreated, model.OutcomeCreated)
	o1.Status = model.OrderDelivered
	got, err = e.s.UpsertOrders(e.ctx, a.ID, []model.Order{o1, o2})
	outcomes(t, "status change", got, err, model.OutcomeUpdated, model.OutcomeUnchanged)

	read, err := e.s.GetOrder(e.ctx, a.ID, "O1")
	checkErr(t, "GetOrder", err, nil)
	diff(t, "order", o1, read, cmpopts.IgnoreFields(model.Order{}, "ID", "ShopID", "UpdatedAt"))
	mine, err := e.s.ListBuyerOrders(e.ctx, a.ID, "u9", 10)
	checkErr(t, "ListBuyerOrders", err, nil)
	diff(t, "newest first", []string{"O2", "O1"}, []string{mine[0].ExternalID, mine[1].ExternalID})
	if _, err := e.s.GetBuyerProfileByExternal(e.ctx, a.ID, "u9"); err != nil {
		t.Errorf("an order's buyer gets a buyers row: %v", err)
	}
	_, err = e.s.GetOrder(e.ctx, b.ID, "O1")
	checkErr(t, "GetOrder in another shop", err, store.ErrNotFound)
	other, err := e.s.ListBuyerOrders(e.ctx, b.ID, "u9", 10)
	checkErr(t, "ListBuyerOrders in another shop", err, nil)
	if len(other) != 0 {
		t.Errorf("another shop sees %d orders of u9", len(other))
	}
	all, err := e.s.ListOrders(e.ctx, a.ID, store.Page{})
	checkErr(t, "ListOrders", err, nil)
	if len(all) != 2 {
		t.Errorf("ListOrders: %d, want 2", len(all))
	}
}

func testCommerceCarts(t *testing.T, e *env) {
	a := e.shop("carts-a")
	c := model.CartItem{BuyerID: "u1", ProductID: "P1", SKUID: "S1", Qty: 2, AddedAt: ms(1)}
	got, err := e.s.UpsertCartItems(e.ctx, a.ID, []model.CartItem{c, {BuyerID: "u1", ProductID: "P2", Qty: 1, AddedAt: ms(2)}})
	outcomes(t, "cart upsert", got, err, model.OutcomeCreated, model.OutcomeCreated)
	c.Qty = 3
	got, err = e.s.UpsertCartItems(e.ctx, a.ID, []model.CartItem{c, {BuyerID: "u1", ProductID: "P2", Deleted: true},
		{BuyerID: "u1", ProductID: "P9", Deleted: true}})
	outcomes(t, "cart change", got, err, model.OutcomeUpdated, model.OutcomeDeleted, model.OutcomeUnchanged)
	cart, err := e.s.ListBuyerCart(e.ctx, a.ID, "u1")
	checkErr(t, "ListBuyerCart", err, nil)
	diff(t, "cart", []model.CartItem{c}, cart, cmpopts.IgnoreFields(model.CartItem{}, "ID"))
	all, err := e.s.ListCartItems(e.ctx, a.ID, store.Page{})
	checkErr(t, "ListCartItems", err, nil)
	diff(t, "all carts", 1, len(all))

	f := model.Favourite{BuyerID: "u1", ProductID: "P1", AddedAt: ms(3)}
	got, err = e.s.UpsertFavourites(e.ctx, a.ID, []model.Favourite{f, f})
	outcomes(t, "favourite twice in a batch", got, err, model.OutcomeCreated, model.OutcomeUnchanged)
	favs, err := e.s.ListBuyerFavourites(e.ctx, a.ID, "u1")
	checkErr(t, "ListBuyerFavourites", err, nil)
	diff(t, "favourites", []model.Favourite{f}, favs, cmpopts.IgnoreFields(model.Favourite{}, "ID"))
	got, err = e.s.UpsertFavourites(e.ctx, a.ID, []model.Favourite{{BuyerID: "u1", ProductID: "P1", Deleted: true}})
	outcomes(t, "unfavourite", got, err, model.OutcomeDeleted)
	all2, err := e.s.ListFavourites(e.ctx, a.ID, store.Page{})
	checkErr(t, "ListFavourites", err, nil)
	diff(t, "no favourites left", 0, len(all2))
}

func testCommerceCouponsReviews(t *testing.T, e *env) {
	a := e.shop("coupons-a")
	cp := model.Coupon{ExternalID: "C1", BuyerID: "u1", Title: "满200减20", AmountFen: 2000, MinSpendFen: 20000,
		IssuedAt: ms(0), ExpiresAt: ms(60 * 24 * 7)}
	got, err := e.s.UpsertCoupons(e.ctx, a.ID, []model.Coupon{cp})
	outcomes(t, "coupon", got, err, model.OutcomeCreated)
	cp.UsedAt, cp.OrderID = ms(30), "O1"
	got, err = e.s.UpsertCoupons(e.ctx, a.ID, []model.Coupon{cp})
	outcomes(t, "coupon used", got, err, model.OutcomeUpdated)
	read, err := e.s.GetCoupon(e.ctx, a.ID, "C1")
	checkErr(t, "GetCoupon", err, nil)
	diff(t, "coupon", cp, read, cmpopts.IgnoreFields(model.Coupon{}, "ID"))
	if read.State(ms(40)) != model.CouponUsed {
		t.Errorf("state %s, want used", read.State(ms(40)))
	}
	list, err := e.s.ListBuyerCoupons(e.ctx, a.ID, "u1")
	checkErr(t, "ListBuyerCoupons", err, nil)
	diff(t, "buyer coupons", 1, len(list))
	all, err := e.s.ListCoupons(e.ctx, a.ID, store.Page{})
	checkErr(t, "ListCoupons", err, nil)
	diff(t, "coupons", 1, len(all))

	r := model.Review{ExternalID: "R1", BuyerID: "u1", OrderID: "O1", ProductID: "P1", Rating: 1, Text: "质量差", CreatedAt: ms(90)}
	got, err = e.s.UpsertReviews(e.ctx, a.ID, []model.Review{r, r})
	outcomes(t, "review", got, err, model.OutcomeCreated, model.OutcomeUnchanged)
	rr, err := e.s.GetReview(e.ctx, a.ID, "R1")
	checkErr(t, "GetReview", err, nil)
	diff(t, "review", r, rr, cmpopts.IgnoreFields(model.Review{}, "ID"))
	rs, err := e.s.ListBuyerReviews(e.ctx, a.ID, "u1")
	checkErr(t, "ListBuyerReviews", err, nil)
	diff(t, "buyer reviews", 1, len(rs))
	all2, err := e.s.ListReviews(e.ctx, a.ID, store.Page{})
	checkErr(t, "ListReviews", err, nil)
	diff(t, "reviews", 1, len(all2))
	_, err = e.s.GetReview(e.ctx, a.ID, "R2")
	checkErr(t, "missing review", err, store.ErrNotFound)
}

// testCommerceAnonymous: an anonymous visitor has no shop buyer id, and
// every per-buyer read refuses the empty id, so no visitor reaches data
// pushed for buyers.
func testCommerceAnonymous(t *testing.T, e *env) {
	a := e.shop("anon-a")
	_, err := e.s.UpsertOrders(e.ctx, a.ID, []model.Order{{ExternalID: "O1", BuyerID: "u1", Status: model.OrderUnpaid,
		CreatedAt: ms(0), Items: []model.OrderItem{{ProductID: "P", Title: "x", Qty: 1}}}})
	checkErr(t, "order", err, nil)
	reads := map[string]func() error{
		"orders":     func() error { _, err := e.s.ListBuyerOrders(e.ctx, a.ID, "", 10); return err },
		"cart":       func() error { _, err := e.s.ListBuyerCart(e.ctx, a.ID, ""); return err },
		"favourites": func() error { _, err := e.s.ListBuyerFavourites(e.ctx, a.ID, ""); return err },
		"coupons":    func() error { _, err := e.s.ListBuyerCoupons(e.ctx, a.ID, ""); return err },
		"reviews":    func() error { _, err := e.s.ListBuyerReviews(e.ctx, a.ID, ""); return err },
		"profile":    func() error { _, err := e.s.GetBuyerProfileByExternal(e.ctx, a.ID, ""); return err },
	}
	for name, read := range reads {
		checkErr(t, name+" of the empty buyer id", read(), store.ErrEmptyID)
	}
}

func testCommerceAPIKeys(t *testing.T, e *env) {
	a, b := e.shop("keys-a"), e.shop("keys-b")
	k, err := e.s.CreateAPIKey(e.ctx, model.APIKey{ShopID: a.ID, Name: "ERP", Prefix: "xk_abc", Hash: "h1", SigningSecret: "s1", CreatedBy: 7})
	checkErr(t, "CreateAPIKey", err, nil)
	_, err = e.s.CreateAPIKey(e.ctx, model.APIKey{ShopID: b.ID, Name: "copy", Hash: "h1"})
	checkErr(t, "the same hash twice", err, store.ErrConflict)
	got, err := e.s.APIKeyByHash(e.ctx, "h1")
	checkErr(t, "APIKeyByHash", err, nil)
	diff(t, "key", k, got)
	e.clk.Advance(time.Hour)
	checkErr(t, "TouchAPIKey", e.s.TouchAPIKey(e.ctx, k.ID, time.Minute), nil)
	got, err = e.s.GetAPIKey(e.ctx, k.ID)
	checkErr(t, "GetAPIKey", err, nil)
	if !got.LastUsedAt.Equal(e.now()) {
		t.Errorf("last used %v, want %v", got.LastUsedAt, e.now())
	}
	checkErr(t, "revoke in another shop", e.s.RevokeAPIKey(e.ctx, b.ID, k.ID), store.ErrNotFound)
	checkErr(t, "revoke", e.s.RevokeAPIKey(e.ctx, a.ID, k.ID), nil)
	checkErr(t, "revoke twice", e.s.RevokeAPIKey(e.ctx, a.ID, k.ID), store.ErrNotFound)
	_, err = e.s.APIKeyByHash(e.ctx, "h1")
	checkErr(t, "a revoked key by hash", err, store.ErrNotFound)
	_, err = e.s.GetAPIKey(e.ctx, k.ID)
	checkErr(t, "a revoked key by id", err, store.ErrNotFound)
	list, err := e.s.ListAPIKeys(e.ctx, a.ID)
	checkErr(t, "ListAPIKeys", err, nil)
	if len(list) != 1 || list[0].RevokedAt.IsZero() {
		t.Errorf("ListAPIKeys %+v: want the one key, revoked", list)
	}
}

func testCommerceNonces(t *testing.T, e *env) {
	a, b := e.shop("nonce-a"), e.shop("nonce-b")
	w := 10 * time.Minute
	checkErr(t, "first delivery", e.s.RememberNonces(e.ctx, a.ID, []string{"id:1", "sig:x"}, w), nil)
	checkErr(t, "same id", e.s.RememberNonces(e.ctx, a.ID, []string{"id:1", "sig:y"}, w), store.ErrConflict)
	checkErr(t, "sig:y was not kept by the refused delivery", e.s.RememberNonces(e.ctx, a.ID, []string{"sig:y"}, w), nil)
	checkErr(t, "another shop's ids are its own", e.s.RememberNonces(e.ctx, b.ID, []string{"id:1"}, w), nil)
	e.clk.Advance(w + time.Second)
	checkErr(t, "after the window", e.s.RememberNonces(e.ctx, a.ID, []string{"id:1"}, w), nil)
}

func testCommerceTagRules(t *testing.T, e *env) {
	a := e.shop("rules-a")
	_, err := e.s.GetTagSettings(e.ctx, a.ID)
	checkErr(t, "no settings yet", err, store.ErrNotFound)
	set := model.TagSettings{HighValueFen: 5000, RefundDays: 7, InactiveDays: 30, BadRating: 1}
	checkErr(t, "PutTagSettings", e.s.PutTagSettings(e.ctx, a.ID, set), nil)
	got, err := e.s.GetTagSettings(e.ctx, a.ID)
	checkErr(t, "GetTagSettings", err, nil)
	diff(t, "settings", set, got)
	r, err := e.s.PutTagRule(e.ctx, model.TagRule{ShopID: a.ID, Name: "上海常客", Rule: `{"field":"city","op":"=","value":"上海"}`})
	checkErr(t, "PutTagRule", err, nil)
	e.clk.Advance(time.Minute)
	r2, err := e.s.PutTagRule(e.ctx, model.TagRule{ShopID: a.ID, Name: "上海常客", Rule: `{"field":"city","op":"=","value":"北京"}`})
	checkErr(t, "replace rule", err, nil)
	if r2.ID != r.ID || !r2.CreatedAt.Equal(r.CreatedAt) || !r2.UpdatedAt.After(r.UpdatedAt) {
		t.Errorf("replaced rule %+v, first %+v: same id and creation, later update", r2, r)
	}
	rs, err := e.s.ListTagRules(e.ctx, a.ID)
	checkErr(t, "ListTagRules", err, nil)
	diff(t, "rules", []model.TagRule{r2}, rs)
	checkErr(t, "DeleteTagRule", e.s.DeleteTagRule(e.ctx, a.ID, "上海常客"), nil)
	checkErr(t, "delete twice", e.s.DeleteTagRule(e.ctx, a.ID, "上海常客"), store.ErrNotFound)
}
