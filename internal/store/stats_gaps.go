package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// Unanswered is a buyer question the bot did not answer.
type Unanswered struct {
	MessageID      int64
	ShopID         int64
	ConversationID int64
	BuyerID        int64
	// Kind says why it counts: fallback, choices (a "did you mean" the
	// buyer did not take) or handoff.
	Kind    string
	Text    string
	Intent  string
	FAQID   int64    // the engine's best candidate then; 0 when none
	Replies []string // what agents replied to it
	At      time.Time
	GapID   int64  // the draft it is in; 0 when none
	Status  string // "" open, approved, dismissed
}

// Gap statuses and kinds.
const (
	GapOpen      = "open"
	GapApproved  = "approved"
	GapDismissed = "dismissed"
	GapNew       = "new"     // a new FAQ
	GapSimilar   = "similar" // new similar questions of an existing FAQ
)

// Gap is a FAQ draft made from a group of unanswered questions.
type Gap struct {
	ID        int64
	ShopID    int64
	Status    string
	Kind      string
	FAQID     int64  // the existing FAQ (similar)
	Draft     string // JSON, made and read by internal/stats
	Buyers    int    // distinct buyers who asked
	Asks      int    // questions in the group
	CreatedAt time.Time
	UpdatedAt time.Time
	DecidedBy int64
	DecidedAt time.Time
	// Members are the message ids of the group's questions (SaveGaps).
	Members []int64
}

const gapColumns = `id, shop_id, status, kind, faq_id, draft, buyers, asks, created_at, updated_at, decided_by, decided_at`

func scanGap(row interface{ Scan(...any) error }) (Gap, error) {
	var g Gap
	var created, updated, decided int64
	err := row.Scan(&g.ID, &g.ShopID, &g.Status, &g.Kind, &g.FAQID, &g.Draft, &g.Buyers, &g.Asks, &created, &updated, &g.DecidedBy, &decided)
	g.CreatedAt, g.UpdatedAt, g.DecidedAt = fromMillis(created), fromMillis(updated), fromMillis(decided)
	return g, err
}

// ListUnanswered returns a shop's open unanswered questions asked since
// since, newest first.
func (db *DB) ListUnanswered(ctx context.Context, shopID int64, since time.Time, limit int) ([]Unanswered, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT message_id, conversation_id, buyer_id, kind, text, intent, faq_id, replies, at, gap_id, status
FROM stats_unanswered WHERE shop_id = $1 AND at >= $2 AND status = '' ORDER BY at DESC, message_id DESC LIMIT $3`,
		shopID, toMillis(since), limit)
	if err != nil {
		return nil, fmt.Errorf("store: list unanswered: %w", err)
	}
	defer rows.Close()
	var out []Unanswered
	for rows.Next() {
		u := Unanswered{ShopID: shopID}
		var replies string
		var at int64
		if err := rows.Scan(&u.MessageID, &u.ConversationID, &u.BuyerID, &u.Kind, &u.Text, &u.Intent, &u.FAQID, &replies, &at,
			&u.GapID, &u.Status); err != nil {
			return nil, fmt.Errorf("store: list unanswered: %w", err)
		}
		if replies != "" {
			_ = json.Unmarshal([]byte(replies), &u.Replies) // written by replaceUnanswered
		}
		u.At = fromMillis(at)
		out = append(out, u)
	}
	return out, rows.Err()
}

// PruneUnanswered deletes up to limit of a shop's unanswered questions
// asked before before, oldest first, whatever their status, and returns
// how many it deleted. The drafts (stats_gaps) stay: an approved or
// dismissed draft keeps its record with its phrasings and counts.
func (db *DB) PruneUnanswered(ctx context.Context, shopID int64, before time.Time, limit int) (int, error) {
	res, err := db.w.ExecContext(ctx, `DELETE FROM stats_unanswered WHERE message_id IN
(SELECT message_id FROM stats_unanswered WHERE shop_id = $1 AND at < $2 ORDER BY at LIMIT $3)`, shopID, toMillis(before), limit)
	if err != nil {
		return 0, fmt.Errorf("store: prune unanswered of shop %d: %w", shopID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: prune unanswered of shop %d: %w", shopID, err)
	}
	return int(n), nil
}

// SaveGaps makes gaps the shop's open drafts: a gap with an ID updates that
// open draft, one without is added, and open drafts not in gaps go. Each
// gap's members are marked as in it. It returns the gaps with their ids.
func (db *DB) SaveGaps(ctx context.Context, shopID int64, gaps []Gap) ([]Gap, error) {
	now := db.nowMillis()
	err := db.tx(ctx, func(tx *sql.Tx) error {
		keep := map[int64]bool{}
		for i := range gaps {
			g := &gaps[i]
			g.ShopID, g.Status = shopID, GapOpen
			if g.ID != 0 {
				res, err := tx.ExecContext(ctx, `UPDATE stats_gaps SET kind = $3, faq_id = $4, draft = $5, buyers = $6, asks = $7, updated_at = $8
WHERE id = $1 AND shop_id = $2 AND status = 'open'`, g.ID, shopID, g.Kind, g.FAQID, g.Draft, g.Buyers, g.Asks, now)
				if err != nil {
					return err
				}
				if n, _ := res.RowsAffected(); n == 0 {
					g.ID = 0 // decided meanwhile: a new draft
				}
			}
			if g.ID == 0 {
				err := tx.QueryRowContext(ctx, `INSERT INTO stats_gaps (shop_id, status, kind, faq_id, draft, buyers, asks, created_at, updated_at)
VALUES ($1, 'open', $2, $3, $4, $5, $6, $7, $7) RETURNING id`, shopID, g.Kind, g.FAQID, g.Draft, g.Buyers, g.Asks, now).Scan(&g.ID)
				if err != nil {
					return err
				}
				g.CreatedAt = fromMillis(now)
			}
			g.UpdatedAt = fromMillis(now)
			keep[g.ID] = true
			if err := setGapMembers(ctx, tx, shopID, g.ID, g.Members); err != nil {
				return err
			}
		}
		return dropOpenGaps(ctx, tx, shopID, keep)
	})
	if err != nil {
		return nil, fmt.Errorf("store: save gaps: %w", err)
	}
	return gaps, nil
}

func setGapMembers(ctx context.Context, tx *sql.Tx, shopID, gapID int64, members []int64) error {
	for start := 0; start < len(members); start += 500 {
		part := members[start:min(start+500, len(members))]
		args := []any{shopID, gapID}
		in := inList(&args, part)
		if _, err := tx.ExecContext(ctx, `UPDATE stats_unanswered SET gap_id = $2 WHERE shop_id = $1 AND status = '' AND message_id IN (`+in+`)`,
			args...); err != nil {
			return err
		}
	}
	return nil
}

// dropOpenGaps deletes the shop's open drafts not kept, freeing their
// questions.
func dropOpenGaps(ctx context.Context, tx *sql.Tx, shopID int64, keep map[int64]bool) error {
	ids, err := scanIDsTx(ctx, tx, `SELECT id FROM stats_gaps WHERE shop_id = $1 AND status = 'open'`, shopID)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if keep[id] {
			continue
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM stats_gaps WHERE id = $1`, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE stats_unanswered SET gap_id = 0 WHERE shop_id = $1 AND gap_id = $2 AND status = ''`, shopID, id); err != nil {
			return err
		}
	}
	return nil
}

func scanIDsTx(ctx context.Context, tx *sql.Tx, q string, args ...any) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return scanIDs(rows)
}

// ListGaps returns a shop's drafts in a status, most asked first.
func (db *DB) ListGaps(ctx context.Context, shopID int64, status string, limit int) ([]Gap, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+gapColumns+` FROM stats_gaps WHERE shop_id = $1 AND status = $2
ORDER BY buyers DESC, asks DESC, id LIMIT $3`, shopID, status, limit)
	if err != nil {
		return nil, fmt.Errorf("store: list gaps: %w", err)
	}
	defer rows.Close()
	var out []Gap
	for rows.Next() {
		g, err := scanGap(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list gaps: %w", err)
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// GetGap reads one draft of the shop.
func (db *DB) GetGap(ctx context.Context, shopID, id int64) (Gap, error) {
	g, err := scanGap(db.r.QueryRowContext(ctx, `SELECT `+gapColumns+` FROM stats_gaps WHERE shop_id = $1 AND id = $2`, shopID, id))
	if err != nil {
		return g, notFound(err, "get gap", id)
	}
	return g, nil
}

// GapDecision is an admin's verdict on an open draft.
type GapDecision struct {
	ShopID  int64
	ID      int64
	Status  string // approved or dismissed
	ActorID int64
	Draft   string // the draft as approved (edits included); "" keeps it
	FAQID   int64  // the FAQ it became or extended; 0 keeps it
}

// DecideGap closes an open draft and its questions, which then leave the
// miner's input. A draft no longer open gives ErrStale.
func (db *DB) DecideGap(ctx context.Context, d GapDecision) (Gap, error) {
	var g Gap
	err := db.tx(ctx, func(tx *sql.Tx) error {
		now := db.nowMillis()
		res, err := tx.ExecContext(ctx, `UPDATE stats_gaps SET status = $3, decided_by = $4, decided_at = $5, updated_at = $5,
draft = CASE WHEN CAST($6 AS TEXT) = '' THEN draft ELSE CAST($6 AS TEXT) END,
faq_id = CASE WHEN CAST($7 AS BIGINT) = 0 THEN faq_id ELSE CAST($7 AS BIGINT) END
WHERE shop_id = $1 AND id = $2 AND status = 'open'`, d.ShopID, d.ID, d.Status, d.ActorID, now, d.Draft, d.FAQID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := scanGap(tx.QueryRowContext(ctx, `SELECT `+gapColumns+` FROM stats_gaps WHERE shop_id = $1 AND id = $2`, d.ShopID, d.ID)); err != nil {
				return notFound(err, "decide gap", d.ID)
			}
			return fmt.Errorf("store: decide gap %d: not open: %w", d.ID, ErrStale)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE stats_unanswered SET status = $3 WHERE shop_id = $1 AND gap_id = $2 AND status = ''`,
			d.ShopID, d.ID, d.Status); err != nil {
			return err
		}
		g, err = scanGap(tx.QueryRowContext(ctx, `SELECT `+gapColumns+` FROM stats_gaps WHERE id = $1`, d.ID))
		return err
	})
	if err != nil {
		return g, fmt.Errorf("store: decide gap: %w", err)
	}
	return g, nil
}
