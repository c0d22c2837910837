package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

const messageColumns = `id, shop_id, conversation_id, seq, sender, sender_id, client_id, kind, body, meta, created_at`

func scanMessage(row interface{ Scan(...any) error }) (model.Message, error) {
	var m model.Message
	var sender, kind string
	var created int64
	err := row.Scan(&m.ID, &m.ShopID, &m.ConversationID, &m.Seq, &sender, &m.SenderID, &m.ClientID, &kind,
		&m.Body, &m.Meta, &created)
	m.Sender, m.Kind, m.CreatedAt = model.SenderKind(sender), model.MessageKind(kind), fromMillis(created)
	return m, err
}

const (
	// "client_id <> ''" repeats the condition of the partial unique index
	// messages_client; without it the planner cannot use that index and
	// reads every message of the conversation.
	findByClientSQL = `SELECT ` + messageColumns + ` FROM messages
WHERE conversation_id = $1 AND shop_id = $2 AND sender = $3 AND sender_id = $4 AND client_id = $5 AND client_id <> ''`
	nextSeqSQL = `UPDATE conversations SET last_seq = last_seq + 1, updated_at = $3
WHERE id = $1 AND shop_id = $2 RETURNING last_seq`
	insertMessageSQL = `INSERT INTO messages (shop_id, conversation_id, seq, sender, sender_id, client_id, kind, body, meta, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`
)

// AppendMessage stores a message at the next sequence number of its
// conversation. It is idempotent on the sender's client id: sending the same
// client id again returns the stored message and created = false. A
// conversation that is not in m.ShopID gives ErrNotFound.
func (db *DB) AppendMessage(ctx context.Context, m model.Message) (stored model.Message, created bool, err error) {
	if m.Kind == "" {
		m.Kind = model.KindText
	}
	// On SQLite writers queue and the first try decides; concurrent appends
	// share a transaction (appends.go). On PostgreSQL two transactions with
	// one client id can both miss the other's uncommitted row; the loser
	// hits the unique index, rolls back (so no sequence number is spent) and
	// finds the winner's message on the second try.
	if db.appends != nil {
		stored, created, err = db.appends.append(ctx, m)
	} else {
		for attempt := 0; ; attempt++ {
			stored, created, err = db.appendMessage(ctx, m)
			if err == nil || attempt == 2 || m.ClientID == "" || !db.dialect.isUniqueViolation(err) {
				break
			}
		}
	}
	if err != nil {
		return stored, false, fmt.Errorf("store: append message: %w", err)
	}
	return stored, created, nil
}

func (db *DB) appendMessage(ctx context.Context, m model.Message) (stored model.Message, created bool, err error) {
	err = db.tx(ctx, func(tx *sql.Tx) error {
		stored, created, _, err = db.appendInTx(ctx, tx, m, nil)
		return err
	})
	return stored, created, err
}

// MessageQuery selects a page of one conversation's messages, always in
// sequence order. With BeforeSeq the page holds the messages just before it
// (for scrolling back); with Newest the newest messages; otherwise the
// messages after AfterSeq, oldest first (for catching up after a reconnect;
// 0 starts at the first message).
type MessageQuery struct {
	ShopID         int64
	ConversationID int64
	AfterSeq       int64
	BeforeSeq      int64
	Newest         bool
	Limit          int
}

// ListMessages returns a page of messages in sequence order.
func (db *DB) ListMessages(ctx context.Context, q MessageQuery) ([]model.Message, error) {
	if q.Limit <= 0 || q.Limit > 1000 {
		q.Limit = 100
	}
	var rows *sql.Rows
	var err error
	ascending := q.BeforeSeq <= 0 && !q.Newest
	switch {
	case ascending:
		rows, err = db.readRows(ctx, `SELECT `+messageColumns+` FROM messages
WHERE shop_id = $1 AND conversation_id = $2 AND seq > $3 ORDER BY seq LIMIT $4`, q.ShopID, q.ConversationID, q.AfterSeq, q.Limit)
	default:
		before := q.BeforeSeq
		if before <= 0 {
			before = 1 << 62
		}
		rows, err = db.readRows(ctx, `SELECT `+messageColumns+` FROM messages
WHERE shop_id = $1 AND conversation_id = $2 AND seq < $3 ORDER BY seq DESC LIMIT $4`, q.ShopID, q.ConversationID, before, q.Limit)
	}
	if err != nil {
		return nil, fmt.Errorf("store: list messages: %w", err)
	}
	defer rows.Close()
	var out []model.Message
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list messages: %w", err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list messages: %w", err)
	}
	if !ascending {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return out, nil
}

// SetReadPosition moves an account's read position in a conversation
// forward; it never moves back.
func (db *DB) SetReadPosition(ctx context.Context, conversationID, accountID, seq int64) error {
	const q = `INSERT INTO read_positions (conversation_id, account_id, seq) VALUES ($1, $2, $3)
ON CONFLICT (conversation_id, account_id) DO UPDATE SET seq = excluded.seq WHERE excluded.seq > read_positions.seq`
	_, err := db.w.ExecContext(ctx, q, conversationID, accountID, seq)
	if db.dialect.isForeignKeyViolation(err) {
		return fmt.Errorf("store: set read position: conversation %d: %w", conversationID, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("store: set read position: %w", err)
	}
	return nil
}

// ReadPositions returns each account's read position in a conversation.
func (db *DB) ReadPositions(ctx context.Context, conversationID int64) (map[int64]int64, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT account_id, seq FROM read_positions WHERE conversation_id = $1`, conversationID)
	if err != nil {
		return nil, fmt.Errorf("store: read positions: %w", err)
	}
	defer rows.Close()
	out := map[int64]int64{}
	for rows.Next() {
		var a, s int64
		if err := rows.Scan(&a, &s); err != nil {
			return nil, fmt.Errorf("store: read positions: %w", err)
		}
		out[a] = s
	}
	return out, rows.Err()
}
