package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

// Commerce is the part of Store that keeps the shop's own data: products,
// buyer profiles, orders, carts, favourites, coupons, reviews, the API keys
// that push them and the buyer tag rules. Records are named by the shop's
// own ids; every Upsert method applies its whole batch in one transaction
// and reports per record what it did, so a re-sent batch changes nothing.
//
// Every method that lists a buyer's data takes the shop's buyer id and
// refuses an empty one with ErrEmptyID: an anonymous visitor has none, so it
// can never reach orders or profile data.
type Commerce interface {
	UpsertProducts(ctx context.Context, shopID int64, ps []model.Product) ([]model.Outcome, error)
	GetProduct(ctx context.Context, shopID int64, externalID string) (model.Product, error)
	GetProducts(ctx context.Context, shopID int64, externalIDs []string) ([]model.Product, error)
	ListProducts(ctx context.Context, shopID int64, p Page) ([]model.Product, error)

	UpsertBuyers(ctx context.Context, shopID int64, bs []model.BuyerProfile) ([]model.Outcome, error)
	GetBuyerProfile(ctx context.Context, shopID, id int64) (model.BuyerProfile, error)
	GetBuyerProfileByExternal(ctx context.Context, shopID int64, externalID string) (model.BuyerProfile, error)
	ListBuyerProfiles(ctx context.Context, shopID int64, p Page) ([]model.BuyerProfile, error)
	SampleBuyerProfiles(ctx context.Context, shopID int64, every int, p Page) ([]model.BuyerProfile, error)
	CountBuyerProfiles(ctx context.Context, shopID int64) (int, error)
	SetBuyerTags(ctx context.Context, shopID, id int64, t BuyerTags) error
	SetBuyersTags(ctx context.Context, shopID int64, ws []BuyerTagsWrite) (stale []int64, err error)
	ListBuyersData(ctx context.Context, shopID int64, buyerExts []string) (map[string]*BuyerData, error)
	ListDueBuyers(ctx context.Context, asof time.Time, after DueCursor, limit int) ([]model.BuyerProfile, error)
	CountDueBuyers(ctx context.Context, asof time.Time) (int, error)
	LeaseTagRefresh(ctx context.Context, node string, d time.Duration) (bool, error)
	ReleaseTagRefresh(ctx context.Context, node string) error

	UpsertOrders(ctx context.Context, shopID int64, os []model.Order) ([]model.Outcome, error)
	GetOrder(ctx context.Context, shopID int64, externalID string) (model.Order, error)
	ListOrders(ctx context.Context, shopID int64, p Page) ([]model.Order, error)
	ListBuyerOrders(ctx context.Context, shopID int64, buyerExt string, limit int) ([]model.Order, error)

	UpsertCartItems(ctx context.Context, shopID int64, cs []model.CartItem) ([]model.Outcome, error)
	ListCartItems(ctx context.Context, shopID int64, p Page) ([]model.CartItem, error)
	ListBuyerCart(ctx context.Context, shopID int64, buyerExt string) ([]model.CartItem, error)

	UpsertFavourites(ctx context.Context, shopID int64, fs []model.Favourite) ([]model.Outcome, error)
	ListFavourites(ctx context.Context, shopID int64, p Page) ([]model.Favourite, error)
	ListBuyerFavourites(ctx context.Context, shopID int64, buyerExt string) ([]model.Favourite, error)

	UpsertCoupons(ctx context.Context, shopID int64, cs []model.Coupon) ([]model.Outcome, error)
	GetCoupon(ctx context.Context, shopID int64, externalID string) (model.Coupon, error)
	ListCoupons(ctx context.Context, shopID int64, p Page) ([]model.Coupon, error)
	ListBuyerCoupons(ctx context.Context, shopID int64, buyerExt string) ([]model.Coupon, error)

	UpsertReviews(ctx context.Context, shopID int64, rs []model.Review) ([]model.Outcome, error)
	GetReview(ctx context.Context, shopID int64, externalID string) (model.Review, error)
	ListReviews(ctx context.Context, shopID int64, p Page) ([]model.Review, error)
	ListBuyerReviews(ctx context.Context, shopID int64, buyerExt string) ([]model.Review, error)

	CreateAPIKey(ctx context.Context, k model.APIKey) (model.APIKey, error)
	ListAPIKeys(ctx context.Context, shopID int64) ([]model.APIKey, error)
	APIKeyByHash(ctx context.Context, hash string) (model.APIKey, error)
	GetAPIKey(ctx context.Context, id int64) (model.APIKey, error)
	RevokeAPIKey(ctx context.Context, shopID, id int64) error
	TouchAPIKey(ctx context.Context, id int64, every time.Duration) error
	RememberNonces(ctx context.Context, shopID int64, nonces []string, window time.Duration) error

	PutTagRule(ctx context.Context, r model.TagRule) (model.TagRule, error)
	ListTagRules(ctx context.Context, shopID int64) ([]model.TagRule, error)
	DeleteTagRule(ctx context.Context, shopID int64, name string) error
	GetTagSettings(ctx context.Context, shopID int64) (model.TagSettings, error)
	PutTagSettings(ctx context.Context, shopID int64, s model.TagSettings) error
}

// Page selects a slice of a shop's records for export: those with an
// internal id above After, in id order, at most Limit (1-1000, default 500).
type Page struct {
	After int64
	Limit int
}

func (p Page) limit() int {
	if p.Limit <= 0 || p.Limit > 1000 {
		return 500
	}
	return p.Limit
}

// contentHash fingerprints a record as the shop sent it (its JSON form), so
// an upsert can tell an unchanged re-send from an update.
func contentHash(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("store: hash %T: %v", v, err)) // model types always marshal
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// upsert writes one record in tx: selectHash (with keyArgs) reads the stored
// hash, write (with args) inserts or replaces the row; nothing is written
// when the hash is unchanged.
func upsert(ctx context.Context, tx *sql.Tx, selectHash string, keyArgs []any, write string, args []any, hash string) (model.Outcome, error) {
	var old string
	out := model.OutcomeUpdated
	err := tx.QueryRowContext(ctx, selectHash, keyArgs...).Scan(&old)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		out = model.OutcomeCreated
	case err != nil:
		return "", err
	case old == hash:
		return model.OutcomeUnchanged, nil
	}
	if _, err := tx.ExecContext(ctx, write, args...); err != nil {
		return "", err
	}
	return out, nil
}

// upsertBatch runs one upsert per record in one transaction and maps a
// missing shop to ErrNotFound. buyerOf, when not nil, names the buyer a
// record belongs to: the buyers of records created, updated or deleted are
// marked for new tags (markTagsChanged) in the same transaction.
func upsertBatch[T any](ctx context.Context, db *DB, what string, shopID int64, items []T, buyerOf func(T) string,
	one func(tx *sql.Tx, item T) (model.Outcome, error)) ([]model.Outcome, error) {
	out := make([]model.Outcome, 0, len(items))
	err := db.tx(ctx, func(tx *sql.Tx) error {
		changed := map[string]bool{}
		for i, it := range items {
			o, err := one(tx, it)
			if err != nil {
				return fmt.Errorf("record %d: %w", i, err)
			}
			out = append(out, o)
			if buyerOf != nil && o != model.OutcomeUnchanged && buyerOf(it) != "" {
				changed[buyerOf(it)] = true
			}
		}
		for _, b := range slices.Sorted(maps.Keys(changed)) {
			if err := markTagsChanged(ctx, tx, shopID, b); err != nil {
				return fmt.Errorf("buyer %s: %w", b, err)
			}
		}
		return nil
	})
	if db.dialect.isForeignKeyViolation(err) {
		return nil, fmt.Errorf("store: upsert %s: shop %d: %w", what, shopID, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: upsert %s: %w", what, err)
	}
	return out, nil
}

// ensureBuyerRow makes the buyers row of a buyer the shop names in an order,
// cart, coupon..., so tags can be kept on it before the buyer ever chats.
func ensureBuyerRow(ctx context.Context, tx *sql.Tx, shopID int64, buyerExt string, now int64) error {
	const q = `INSERT INTO buyers (shop_id, external_id, created_at) VALUES ($1, $2, $3)
ON CONFLICT (shop_id, external_id) WHERE external_id <> '' DO NOTHING`
	_, err := tx.ExecContext(ctx, q, shopID, buyerExt, now)
	return err
}

// jsonText stores a nested part as JSON, or an empty string when empty.
func jsonText[T any](v []T) string {
	if len(v) == 0 {
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func mapText(m map[string]string) string {
	if len(m) == 0 {
		return ""
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// fromJSONText reads what jsonText or mapText stored.
func fromJSONText(s string, dst any) error {
	if s == "" {
		return nil
	}
	return json.Unmarshal([]byte(s), dst)
}

// needBuyer refuses the empty buyer id of an anonymous visitor.
func needBuyer(what, buyerExt string) error {
	if buyerExt == "" {
		return fmt.Errorf("store: %s: %w", what, ErrEmptyID)
	}
	return nil
}

// scanAll reads every row with scan.
func scanAll[T any](rows *sql.Rows, err error, what string, scan func(*sql.Rows) (T, error)) ([]T, error) {
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("store: %s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	return out, nil
}
