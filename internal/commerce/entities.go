package commerce

import (
	"context"

	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// Entity names a kind of shop data, as the ingest API, the webhook and the
// files name it.
type Entity string

// The entities.
const (
	Products   Entity = "products"
	Buyers     Entity = "buyers"
	Orders     Entity = "orders"
	Carts      Entity = "carts"
	Favourites Entity = "favourites"
	Coupons    Entity = "coupons"
	Reviews    Entity = "reviews"
)

// Entities lists every entity, in the order a first full import should
// send them (products and buyers before what refers to them, though nothing
// requires it).
func Entities() []Entity {
	return []Entity{Products, Buyers, Orders, Carts, Favourites, Coupons, Reviews}
}

// kind is everything ingest, export and reading need to know of one entity
// of type T. The store methods are method expressions on store.Store.
type kind[T any] struct {
	entity Entity
	check  func(*checker, *T)
	key    func(T) string   // the shop's id of the record, unique in a batch
	buyers func(T) []string // the buyers whose tags the record can change
	id     func(T) int64    // the internal id, for paging exports
	upsert func(store.Store, context.Context, int64, []T) ([]model.Outcome, error)
	list   func(store.Store, context.Context, int64, store.Page) ([]T, error)
	get    func(store.Store, context.Context, int64, string) (T, error) // nil: no single reads
}

func one(id string) []string { return []string{id} }

// kinds maps each entity to its kind.
var kinds = map[Entity]entityOps{
	Products: kind[model.Product]{entity: Products, check: checkProduct,
		key:    func(p model.Product) string { return p.ExternalID },
		buyers: func(model.Product) []string { return nil },
		id:     func(p model.Product) int64 { return p.ID },
		upsert: store.Store.UpsertProducts, list: store.Store.ListProducts, get: store.Store.GetProduct},
	Buyers: kind[model.BuyerProfile]{entity: Buyers, check: checkBuyer,
		key:    func(b model.BuyerProfile) string { return b.ExternalID },
		buyers: func(b model.BuyerProfile) []string { return one(b.ExternalID) },
		id:     func(b model.BuyerProfile) int64 { return b.ID },
		upsert: store.Store.UpsertBuyers, list: store.Store.ListBuyerProfiles, get: store.Store.GetBuyerProfileByExternal},
	Orders: kind[model.Order]{entity: Orders, check: checkOrder,
		key:    func(o model.Order) string { return o.ExternalID },
		buyers: func(o model.Order) []string { return one(o.BuyerID) },
		id:     func(o model.Order) int64 { return o.ID },
		upsert: store.Store.UpsertOrders, list: store.Store.ListOrders, get: store.Store.GetOrder},
	Carts: kind[model.CartItem]{entity: Carts, check: checkCartItem,
		key:    func(c model.CartItem) string { return c.BuyerID + "/" + c.ProductID + "/" + c.SKUID },
		buyers: func(c model.CartItem) []string { return one(c.BuyerID) },
		id:     func(c model.CartItem) int64 { return c.ID },
		upsert: store.Store.UpsertCartItems, list: store.Store.ListCartItems},
	Favourites: kind[model.Favourite]{entity: Favourites, check: checkFavourite,
		key:    func(f model.Favourite) string { return f.BuyerID + "/" + f.ProductID },
		buyers: func(f model.Favourite) []string { return one(f.BuyerID) },
		id:     func(f model.Favourite) int64 { return f.ID },
		upsert: store.Store.UpsertFavourites, list: store.Store.ListFavourites},
	Coupons: kind[model.Coupon]{entity: Coupons, check: checkCoupon,
		key:    func(c model.Coupon) string { return c.ExternalID },
		buyers: func(c model.Coupon) []string { return one(c.BuyerID) },
		id:     func(c model.Coupon) int64 { return c.ID },
		upsert: store.Store.UpsertCoupons, list: store.Store.ListCoupons, get: store.Store.GetCoupon},
	Reviews: kind[model.Review]{entity: Reviews, check: checkReview,
		key:    func(r model.Review) string { return r.ExternalID },
		buyers: func(r model.Review) []string { return one(r.BuyerID) },
		id:     func(r model.Review) int64 { return r.ID },
		upsert: store.Store.UpsertReviews, list: store.Store.ListReviews, get: store.Store.GetReview},
}

// ParseEntity checks an entity name.
func ParseEntity(name string) (Entity, error) {
	if _, ok := kinds[Entity(name)]; !ok {
		return "", ErrUnknownEntity
	}
	return Entity(name), nil
}
