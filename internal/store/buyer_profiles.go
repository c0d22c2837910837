package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

// The buyer profile is the buyers row (buyers.go) with the columns that
// migration 0003 added: what the shop tells about a verified buyer, and the
// tags commerce computes.

const profileColumns = `id, shop_id, external_id, visitor_id, nickname, phone, level, province, city, first_seen,
last_active, tags, tags_due, tags_gen, created_at`

func scanProfile(row interface{ Scan(...any) error }) (model.BuyerProfile, error) {
	var b model.BuyerProfile
	var first, last, due, created int64
	var tags string
	err := row.Scan(&b.ID, &b.ShopID, &b.ExternalID, &b.VisitorID, &b.Nickname, &b.Phone, &b.Level, &b.Province,
		&b.City, &first, &last, &tags, &due, &b.TagsGen, &created)
	if err != nil {
		return b, err
	}
	b.FirstSeen, b.LastActive, b.TagsDue, b.CreatedAt = fromMillis(first), fromMillis(last), fromMillis(due), fromMillis(created)
	return b, fromJSONText(tags, &b.Tags)
}

// A buyer looked up by the shop's id is also asked to have a non-empty one
// (and by visitor id, a non-empty visitor id): the unique indexes are
// partial, and without the condition that implies theirs the planner
// cannot use them and reads every buyer of every shop (20,000 buyers:
// 622 µs a lookup, 47 µs with it).
const (
	buyerHashSQL   = `SELECT content_hash FROM buyers WHERE shop_id = $1 AND external_id = $2 AND external_id <> ''`
	buyerUpsertSQL = `INSERT INTO buyers (shop_id, external_id, nickname, phone, level, province, city, first_seen,
last_active, content_hash, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
ON CONFLICT (shop_id, external_id) WHERE external_id <> '' DO UPDATE SET
nickname = CASE WHEN excluded.nickname <> '' THEN excluded.nickname ELSE buyers.nickname END,
phone = excluded.phone, level = excluded.level, province = excluded.province, city = excluded.city,
first_seen = excluded.first_seen, last_active = excluded.last_active, content_hash = excluded.content_hash,
updated_at = excluded.updated_at`
)

// UpsertBuyers creates or updates verified buyers by the shop's buyer id. A
// buyer who already chatted keeps their row (and conversations); an empty
// nickname keeps the one the widget gave.
func (db *DB) UpsertBuyers(ctx context.Context, shopID int64, bs []model.BuyerProfile) ([]model.Outcome, error) {
	now := db.nowMillis()
	buyer := func(b model.BuyerProfile) string { return b.ExternalID }
	return upsertBatch(ctx, db, "buyers", shopID, bs, buyer, func(tx *sql.Tx, b model.BuyerProfile) (model.Outcome, error) {
		if b.ExternalID == "" {
			return "", ErrEmptyID
		}
		h := contentHash(b)
		return upsert(ctx, tx, buyerHashSQL, []any{shopID, b.ExternalID}, buyerUpsertSQL,
			[]any{shopID, b.ExternalID, b.Nickname, b.Phone, b.Level, b.Province, b.City, toMillis(b.FirstSeen),
				toMillis(b.LastActive), h, now}, h)
	})
}

// GetBuyerProfile reads a buyer of the shop with their profile.
func (db *DB) GetBuyerProfile(ctx context.Context, shopID, id int64) (model.BuyerProfile, error) {
	b, err := scanProfile(db.r.QueryRowContext(ctx, `SELECT `+profileColumns+` FROM buyers WHERE shop_id = $1 AND id = $2`, shopID, id))
	if err != nil {
		return b, notFound(err, "get buyer profile", id)
	}
	return b, nil
}

// GetBuyerProfileByExternal reads a verified buyer by the shop's buyer id.
func (db *DB) GetBuyerProfileByExternal(ctx context.Context, shopID int64, externalID string) (model.BuyerProfile, error) {
	if err := needBuyer("get buyer profile", externalID); err != nil {
		return model.BuyerProfile{}, err
	}
	b, err := scanProfile(db.r.QueryRowContext(ctx, `SELECT `+profileColumns+` FROM buyers
WHERE shop_id = $1 AND external_id = $2 AND external_id <> ''`, shopID, externalID))
	if err != nil {
		return b, notFound(err, "get buyer profile", externalID)
	}
	return b, nil
}

// ListBuyerProfiles pages through the shop's verified buyers in id order
// (anonymous visitors have no profile).
func (db *DB) ListBuyerProfiles(ctx context.Context, shopID int64, p Page) ([]model.BuyerProfile, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+profileColumns+` FROM buyers
WHERE shop_id = $1 AND external_id <> '' AND id > $2 ORDER BY id LIMIT $3`, shopID, p.After, p.limit())
	return scanAll(rows, err, "list buyer profiles", func(r *sql.Rows) (model.BuyerProfile, error) { return scanProfile(r) })
}

// SampleBuyerProfiles pages through an even sample of the shop's verified
// buyers in id order: those whose id is a multiple of every (all of them
// when every is 1 or less).
func (db *DB) SampleBuyerProfiles(ctx context.Context, shopID int64, every int, p Page) ([]model.BuyerProfile, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+profileColumns+` FROM buyers
WHERE shop_id = $1 AND external_id <> '' AND id > $2 AND id % $3 = 0 ORDER BY id LIMIT $4`, shopID, p.After, max(every, 1), p.limit())
	return scanAll(rows, err, "sample buyer profiles", func(r *sql.Rows) (model.BuyerProfile, error) { return scanProfile(r) })
}

// CountBuyerProfiles counts the shop's verified buyers.
func (db *DB) CountBuyerProfiles(ctx context.Context, shopID int64) (int, error) {
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM buyers WHERE shop_id = $1 AND external_id <> ''`, shopID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count buyer profiles: %w", err)
	}
	return n, nil
}

// BuyerTags are a buyer's computed tags as commerce stores them.
type BuyerTags struct {
	Tags []string
	// Due is when the tags may next change with no new data; zero when
	// nothing about them ages. It is kept to the millisecond, rounded up.
	Due time.Time
	// Gen is the buyer's TagsGen the tags were computed from.
	Gen int64
}

// SetBuyerTags stores a buyer's computed tags and when they are next due,
// unless what they are computed from changed since generation t.Gen was
// read: then it returns ErrStale and stores nothing (the change marked the
// buyer due, so a later computation stores the right tags). Tags the buyer
// did not have before make a "buyer tagged" fact for the outbox, in the
// same transaction.
func (db *DB) SetBuyerTags(ctx context.Context, shopID, id int64, t BuyerTags) error {
	err := db.tx(ctx, func(tx *sql.Tx) error { return setBuyerTags(ctx, db, tx, shopID, id, t) })
	if errors.Is(err, ErrNotFound) {
		return fmt.Errorf("store: set buyer tags %d: %w", id, ErrNotFound)
	}
	if err == ErrStale {
		return fmt.Errorf("store: set buyer tags %d: computed from generation %d: %w", id, t.Gen, ErrStale)
	}
	if err != nil {
		return fmt.Errorf("store: set buyer tags %d: %w", id, err)
	}
	return nil
}

// setBuyerTags is SetBuyerTags in tx; a stale generation is ErrStale
// itself.
func setBuyerTags(ctx context.Context, db *DB, tx *sql.Tx, shopID, id int64, t BuyerTags) error {
	text := tagsText(t.Tags)
	var old string
	var gen int64
	err := tx.QueryRowContext(ctx, `SELECT tags, tags_gen FROM buyers WHERE shop_id = $1 AND id = $2`, shopID, id).Scan(&old, &gen)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return err
	}
	if gen != t.Gen {
		return ErrStale
	}
	if _, err := tx.ExecContext(ctx, `UPDATE buyers SET tags = $3, tags_due = $4 WHERE shop_id = $1 AND id = $2`,
		shopID, id, text, dueMillis(t.Due)); err != nil {
		return err
	}
	if old == text {
		return nil
	}
	var before []string
	if old != "" {
		_ = json.Unmarshal([]byte(old), &before)
	}
	var added []string
	for _, t := range t.Tags {
		if !slices.Contains(before, t) {
			added = append(added, t)
		}
	}
	if len(added) == 0 {
		return nil
	}
	return db.addFact(ctx, tx, shopID, FactTagged, 0, FactData{BuyerID: id, TagsAdded: added, Tags: t.Tags})
}
