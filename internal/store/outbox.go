package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

// Fact kinds: what the outbox records. The store writes the first five in
// the transaction of the change itself, and only for shops that subscribe
// to them (SetOutboxSubscriptions), so a shop without notifications pays one
// index probe per change. The notify worker writes the last two itself.
const (
	FactOpened  = "conversation.opened" // a conversation was opened (Conversation, Event)
	FactOwner   = "conversation.owner"  // a conversation changed owner or agent (Conversation, Event, Prev*)
	FactRated   = "conversation.rated"  // a buyer rated a conversation (Conversation, Rating, Comment)
	FactTagged  = "buyer.tagged"        // a buyer got new tags (BuyerID, TagsAdded, Tags)
	FactMessage = "message."            // + the sender: message.buyer, message.agent, message.bot, message.system (Message)
	FactOffline = "notify.offline"      // a buyer left a message when nobody was on duty (written by notify)
	FactWaiting = "notify.waiting"      // a conversation waited longer than an agent's limit (written by notify)
)

// Fact is one row of the outbox: something that happened, stored in the
// same transaction as the change, for the notify worker to turn into
// deliveries. Nothing is lost between a change and its pushes: both commit
// or neither does.
type Fact struct {
	ID             int64
	ShopID         int64
	EventID        string // random, unique: the receivers' de-duplication key
	Kind           string
	ConversationID int64
	Data           FactData
	CreatedAt      time.Time
}

// FactData is what a fact carries: the state at the moment of the change,
// so that a delivery made later still tells what happened then. It is
// internal (stored as JSON); notify turns it into the public payloads.
type FactData struct {
	Conversation *model.Conversation `json:",omitempty"`
	Event        *model.Event        `json:",omitempty"`
	Message      *model.Message      `json:",omitempty"`
	PrevOwner    model.Owner         `json:",omitempty"`
	PrevAgentID  int64               `json:",omitempty"`
	Rating       int                 `json:",omitempty"`
	Comment      string              `json:",omitempty"`
	BuyerID      int64               `json:",omitempty"`
	TagsAdded    []string            `json:",omitempty"`
	Tags         []string            `json:",omitempty"`
	// Extra is what the notify worker adds to its own facts.
	Extra json.RawMessage `json:",omitempty"`
}

// NewEventID returns a fresh random event id: "evt_" and 32 hex digits.
func NewEventID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return "evt_" + hex.EncodeToString(b[:])
}

// insertFactSQL writes a fact only when its shop subscribes to its kind:
// one statement, so the change's transaction pays no extra round trip.
const insertFactSQL = `INSERT INTO notify_facts (shop_id, event_id, kind, conversation_id, payload, created_at)
SELECT CAST($1 AS BIGINT), CAST($2 AS TEXT), CAST($3 AS TEXT), CAST($4 AS BIGINT), CAST($5 AS TEXT), CAST($6 AS BIGINT)
WHERE EXISTS (SELECT 1 FROM notify_subscriptions WHERE shop_id = $1 AND fact = $3)`

// addFact records a fact in the caller's transaction when the shop
// subscribes to its kind.
func (db *DB) addFact(ctx context.Context, ex execer, shopID int64, kind string, conversationID int64, data FactData) error {
	payload, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("store: encode fact %s: %w", kind, err)
	}
	if _, err := ex.ExecContext(ctx, insertFactSQL, shopID, NewEventID(), kind, conversationID, string(payload), db.nowMillis()); err != nil {
		return fmt.Errorf("store: record fact %s: %w", kind, err)
	}
	return nil
}

// ownerFact is the fact of an owner change from cur to c.
func ownerFact(cur, c model.Conversation, e model.Event) FactData {
	return FactData{Conversation: &c, Event: &e, PrevOwner: cur.Owner, PrevAgentID: cur.AgentID}
}

// AddFact records a fact the notify worker makes itself. A non-empty once
// key writes it at most once per shop (created = false the next time),
// even after the fact has left the outbox.
func (db *DB) AddFact(ctx context.Context, f Fact, once string) (created bool, err error) {
	payload, err := json.Marshal(f.Data)
	if err != nil {
		return false, fmt.Errorf("store: encode fact %s: %w", f.Kind, err)
	}
	if f.EventID == "" {
		f.EventID = NewEventID()
	}
	now := db.nowMillis()
	err = db.tx(ctx, func(tx *sql.Tx) error {
		if once != "" {
			res, err := tx.ExecContext(ctx, `INSERT INTO notify_once (shop_id, dedup, created_at) VALUES ($1, $2, $3)
ON CONFLICT (shop_id, dedup) DO NOTHING`, f.ShopID, once, now)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				return err
			}
		}
		created = true
		_, err := tx.ExecContext(ctx, `INSERT INTO notify_facts (shop_id, event_id, kind, conversation_id, payload, created_at)
VALUES ($1, $2, $3, $4, $5, $6)`, f.ShopID, f.EventID, f.Kind, f.ConversationID, string(payload), now)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("store: add fact %s: %w", f.Kind, err)
	}
	return created, nil
}

// ListFacts returns the oldest facts waiting in the outbox, of every shop.
// A fact whose payload cannot be read has an empty Data.
func (db *DB) ListFacts(ctx context.Context, limit int) ([]Fact, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, err := db.r.QueryContext(ctx, `SELECT id, shop_id, event_id, kind, conversation_id, payload, created_at
FROM notify_facts ORDER BY id LIMIT $1`, limit)
	return scanAll(rows, err, "list facts", func(r *sql.Rows) (Fact, error) {
		var f Fact
		var payload string
		var created int64
		if err := r.Scan(&f.ID, &f.ShopID, &f.EventID, &f.Kind, &f.ConversationID, &payload, &created); err != nil {
			return f, err
		}
		f.CreatedAt = fromMillis(created)
		// A payload that cannot be read (none is written so) comes back
		// empty rather than failing the whole outbox: the worker then
		// delivers nothing for it and removes it, instead of stalling.
		if json.Unmarshal([]byte(payload), &f.Data) != nil {
			f.Data = FactData{}
		}
		return f, nil
	})
}

// FanOut is what became of one fact: the deliveries it makes (none is
// fine: nobody wanted it).
type FanOut struct {
	FactID     int64
	Deliveries []Delivery
}

// CommitFanOut removes each fact from the outbox and inserts its
// deliveries, in one transaction. A fact another node took meanwhile is
// skipped with its deliveries, and a delivery already made for the same
// target and event is not made twice, so two workers racing over one fact
// deliver it once. It returns how many facts this call took.
func (db *DB) CommitFanOut(ctx context.Context, outs []FanOut) (int, error) {
	taken := 0
	now := db.nowMillis()
	err := db.tx(ctx, func(tx *sql.Tx) error {
		taken = 0
		for _, o := range outs {
			res, err := tx.ExecContext(ctx, `DELETE FROM notify_facts WHERE id = $1`, o.FactID)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				continue
			}
			taken++
			for _, d := range o.Deliveries {
				next := toMillis(d.NextAt)
				if next == 0 {
					next = now
				}
				_, err := tx.ExecContext(ctx, `INSERT INTO notify_deliveries
(shop_id, target_id, event_id, kind, conversation_id, payload, status, next_at, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8, $8) ON CONFLICT (target_id, event_id) DO NOTHING`,
					d.ShopID, d.TargetID, d.EventID, d.Kind, d.ConversationID, d.Payload, next, now)
				if db.dialect.isForeignKeyViolation(err) {
					continue // the target was deleted meanwhile
				}
				if err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: commit fan-out: %w", err)
	}
	return taken, nil
}

// SetOutboxSubscriptions replaces the fact kinds a shop's notifications and
// webhooks need; the store records only those.
func (db *DB) SetOutboxSubscriptions(ctx context.Context, shopID int64, kinds []string) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM notify_subscriptions WHERE shop_id = $1`, shopID); err != nil {
			return err
		}
		for _, k := range kinds {
			if _, err := tx.ExecContext(ctx, `INSERT INTO notify_subscriptions (shop_id, fact) VALUES ($1, $2)
ON CONFLICT (shop_id, fact) DO NOTHING`, shopID, k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: set outbox subscriptions: %w", err)
	}
	return nil
}

// OutboxSubscriptions lists the fact kinds a shop subscribes to, sorted.
func (db *DB) OutboxSubscriptions(ctx context.Context, shopID int64) ([]string, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT fact FROM notify_subscriptions WHERE shop_id = $1 ORDER BY fact`, shopID)
	return scanAll(rows, err, "outbox subscriptions", func(r *sql.Rows) (string, error) {
		var s string
		return s, r.Scan(&s)
	})
}

// PruneOnce forgets once-only keys older than before.
func (db *DB) PruneOnce(ctx context.Context, before time.Time) (int64, error) {
	res, err := db.w.ExecContext(ctx, `DELETE FROM notify_once WHERE created_at < $1`, toMillis(before))
	if err != nil {
		return 0, fmt.Errorf("store: prune once keys: %w", err)
	}
	return res.RowsAffected()
}
