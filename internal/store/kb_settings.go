package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

// Synonyms returns the shop's own synonym groups.
func (db *DB) Synonyms(ctx context.Context, shopID int64) ([][]string, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT words FROM kb_synonyms WHERE shop_id = $1 ORDER BY id`, shopID)
	if err != nil {
		return nil, fmt.Errorf("store: synonyms: %w", err)
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		var raw string
		var words []string
		if err := rows.Scan(&raw); err != nil {
			return nil, fmt.Errorf("store: synonyms: %w", err)
		}
		if err := json.Unmarshal([]byte(raw), &words); err != nil {
			return nil, fmt.Errorf("store: synonyms: %w", err)
		}
		out = append(out, words)
	}
	return out, rows.Err()
}

// PutSynonyms replaces the shop's synonym groups.
func (db *DB) PutSynonyms(ctx context.Context, shopID int64, groups [][]string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM kb_synonyms WHERE shop_id = $1`, shopID); err != nil {
			return fmt.Errorf("store: put synonyms: %w", err)
		}
		for _, g := range groups {
			b, _ := json.Marshal(g)
			if _, err := tx.ExecContext(ctx, `INSERT INTO kb_synonyms (shop_id, words, created_at) VALUES ($1, $2, $3)`,
				shopID, string(b), db.nowMillis()); err != nil {
				return fmt.Errorf("store: put synonyms: %w", err)
			}
		}
		return nil
	})
}

// IntentExamples are a shop's own examples for an intent (built-in or its
// own).
type IntentExamples struct {
	Intent   string   `json:"intent"`
	Category string   `json:"category,omitempty"`
	Priority int      `json:"priority,omitempty"`
	Examples []string `json:"examples"`
}

// ShopIntents returns the shop's intent examples.
func (db *DB) ShopIntents(ctx context.Context, shopID int64) ([]IntentExamples, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT intent, category, priority, examples FROM kb_intent_examples
WHERE shop_id = $1 ORDER BY intent`, shopID)
	if err != nil {
		return nil, fmt.Errorf("store: shop intents: %w", err)
	}
	defer rows.Close()
	var out []IntentExamples
	for rows.Next() {
		var ie IntentExamples
		var raw string
		if err := rows.Scan(&ie.Intent, &ie.Category, &ie.Priority, &raw); err != nil {
			return nil, fmt.Errorf("store: shop intents: %w", err)
		}
		if err := json.Unmarshal([]byte(raw), &ie.Examples); err != nil {
			return nil, fmt.Errorf("store: shop intents: %w", err)
		}
		out = append(out, ie)
	}
	return out, rows.Err()
}

// PutShopIntents replaces the shop's intent examples.
func (db *DB) PutShopIntents(ctx context.Context, shopID int64, intents []IntentExamples) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM kb_intent_examples WHERE shop_id = $1`, shopID); err != nil {
			return fmt.Errorf("store: put shop intents: %w", err)
		}
		for _, ie := range intents {
			b, _ := json.Marshal(ie.Examples)
			_, err := tx.ExecContext(ctx, `INSERT INTO kb_intent_examples (shop_id, intent, category, priority, examples)
VALUES ($1, $2, $3, $4, $5)`, shopID, ie.Intent, ie.Category, ie.Priority, string(b))
			if db.dialect.isUniqueViolation(err) {
				return fmt.Errorf("store: intent %q twice: %w", ie.Intent, ErrConflict)
			}
			if err != nil {
				return fmt.Errorf("store: put shop intents: %w", err)
			}
		}
		return nil
	})
}

// BotSettings returns the shop's bot settings as stored (JSON), or
// ErrNotFound when the shop never saved any.
func (db *DB) BotSettings(ctx context.Context, shopID int64) (string, error) {
	var s string
	err := db.r.QueryRowContext(ctx, `SELECT settings FROM bot_settings WHERE shop_id = $1`, shopID).Scan(&s)
	if err != nil {
		return "", notFound(err, "bot settings", shopID)
	}
	return s, nil
}

// PutBotSettings saves the shop's bot settings (JSON).
func (db *DB) PutBotSettings(ctx context.Context, shopID int64, settings string) error {
	_, err := db.w.ExecContext(ctx, `INSERT INTO bot_settings (shop_id, settings, updated_at) VALUES ($1, $2, $3)
ON CONFLICT (shop_id) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at`, shopID, settings, db.nowMillis())
	if err != nil {
		return fmt.Errorf("store: put bot settings: %w", err)
	}
	return nil
}

// ShopPack is an answer pack a shop enabled, at the version it runs.
type ShopPack struct {
	PackID    string
	Version   int
	EnabledAt time.Time
	UpdatedAt time.Time
}

// ShopPacks returns the shop's enabled packs.
func (db *DB) ShopPacks(ctx context.Context, shopID int64) ([]ShopPack, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT pack_id, version, enabled_at, updated_at FROM kb_packs WHERE shop_id = $1 ORDER BY pack_id`, shopID)
	if err != nil {
		return nil, fmt.Errorf("store: shop packs: %w", err)
	}
	defer rows.Close()
	var out []ShopPack
	for rows.Next() {
		var p ShopPack
		var en, up int64
		if err := rows.Scan(&p.PackID, &p.Version, &en, &up); err != nil {
			return nil, fmt.Errorf("store: shop packs: %w", err)
		}
		p.EnabledAt, p.UpdatedAt = fromMillis(en), fromMillis(up)
		out = append(out, p)
	}
	return out, rows.Err()
}

func (k *kbTx) SetPack(ctx context.Context, p ShopPack) error {
	now := k.db.nowMillis()
	_, err := k.tx.ExecContext(ctx, `INSERT INTO kb_packs (shop_id, pack_id, version, enabled_at, updated_at) VALUES ($1, $2, $3, $4, $4)
ON CONFLICT (shop_id, pack_id) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at`, k.shopID, p.PackID, p.Version, now)
	if err != nil {
		return fmt.Errorf("store: set pack %s: %w", p.PackID, err)
	}
	return nil
}

func (k *kbTx) RemovePack(ctx context.Context, packID string) error {
	res, err := k.tx.ExecContext(ctx, `DELETE FROM kb_packs WHERE shop_id = $1 AND pack_id = $2`, k.shopID, packID)
	return affectedOne(res, err, "remove pack", packID)
}

// PackUpgrade records what a pack upgrade changed, so it can be rolled back.
type PackUpgrade struct {
	ID           int64
	PackID       string
	FromVersion  int
	ToVersion    int
	Snapshot     string // JSON, owned by the kb package
	CreatedAt    time.Time
	RolledBackAt time.Time
}

func (k *kbTx) RecordPackUpgrade(ctx context.Context, u PackUpgrade) (int64, error) {
	var id int64
	err := k.tx.QueryRowContext(ctx, `INSERT INTO kb_pack_upgrades (shop_id, pack_id, from_version, to_version, snapshot, created_at)
VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, k.shopID, u.PackID, u.FromVersion, u.ToVersion, u.Snapshot, k.db.nowMillis()).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: record pack upgrade: %w", err)
	}
	return id, nil
}

func (k *kbTx) MarkPackUpgradeRolledBack(ctx context.Context, id int64) error {
	res, err := k.tx.ExecContext(ctx, `UPDATE kb_pack_upgrades SET rolled_back_at = $3 WHERE shop_id = $1 AND id = $2 AND rolled_back_at = 0`,
		k.shopID, id, k.db.nowMillis())
	return affectedOne(res, err, "roll back pack upgrade", id)
}

// LastPackUpgrade returns the newest upgrade of a pack that was not rolled
// back.
func (db *DB) LastPackUpgrade(ctx context.Context, shopID int64, packID string) (PackUpgrade, error) {
	u := PackUpgrade{PackID: packID}
	var created int64
	err := db.r.QueryRowContext(ctx, `SELECT id, from_version, to_version, snapshot, created_at FROM kb_pack_upgrades
WHERE shop_id = $1 AND pack_id = $2 AND rolled_back_at = 0 ORDER BY id DESC LIMIT 1`, shopID, packID).Scan(
		&u.ID, &u.FromVersion, &u.ToVersion, &u.Snapshot, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return u, fmt.Errorf("store: last upgrade of pack %s: %w", packID, ErrNotFound)
	}
	if err != nil {
		return u, fmt.Errorf("store: last upgrade of pack %s: %w", packID, err)
	}
	u.CreatedAt = fromMillis(created)
	return u, nil
}

// KBStore is the knowledge-base part of Store.
type KBStore interface {
	KB(ctx context.Context, shopID, actorID int64, fn func(KBTx) error) error
	GetFAQ(ctx context.Context, shopID, id int64) (model.FAQ, error)
	ListFAQs(ctx context.Context, f FAQFilter) ([]model.FAQ, error)
	LiveFAQs(ctx context.Context, shopID int64) ([]LiveFAQ, error)
	FAQRevisions(ctx context.Context, shopID, faqID int64) ([]model.FAQRevision, error)
	CountFAQs(ctx context.Context, shopID int64) (map[model.FAQStatus]int, error)

	CreateCategory(ctx context.Context, c model.Category) (model.Category, error)
	ListCategories(ctx context.Context, shopID int64) ([]model.Category, error)
	UpdateCategory(ctx context.Context, c model.Category) error
	DeleteCategory(ctx context.Context, shopID, id int64) error

	Synonyms(ctx context.Context, shopID int64) ([][]string, error)
	PutSynonyms(ctx context.Context, shopID int64, groups [][]string) error
	ShopIntents(ctx context.Context, shopID int64) ([]IntentExamples, error)
	PutShopIntents(ctx context.Context, shopID int64, intents []IntentExamples) error
	BotSettings(ctx context.Context, shopID int64) (string, error)
	PutBotSettings(ctx context.Context, shopID int64, settings string) error
	ShopPacks(ctx context.Context, shopID int64) ([]ShopPack, error)
	LastPackUpgrade(ctx context.Context, shopID int64, packID string) (PackUpgrade, error)
}
