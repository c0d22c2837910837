package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// statsCell is a rollup cell of one shop.
type statsCell struct {
	shopID int64
	key    StatsKey
}

type statsSum struct{ n, total int64 }

// ApplyStats stores a batch of the job in one transaction: for each
// conversation, the difference between its new contribution and the stored
// one goes into the hourly, daily and monthly rollups, and the new one is
// stored. Applying the same batch twice changes nothing the second time, so
// a job that stops anywhere simply runs again. A batch with a Holder is
// stored only while that node holds the job's lease (ErrStale otherwise),
// and renews it.
func (db *DB) ApplyStats(ctx context.Context, b StatsBatch) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if b.Holder != "" {
			if err := fenceStats(ctx, tx, b.Holder, db.nowMillis()+b.LeaseFor.Milliseconds()); err != nil {
				return err
			}
		}
		if err := lockStats(ctx, tx); err != nil {
			return err
		}
		ids := make([]int64, len(b.Contribs))
		for i, c := range b.Contribs {
			ids[i] = c.ConversationID
		}
		old, err := readContribs(ctx, tx, ids)
		if err != nil {
			return err
		}
		hourly, daily, monthly := map[statsCell]statsSum{}, map[statsCell]statsSum{}, map[statsCell]statsSum{}
		put := func(m map[statsCell]statsSum, cell statsCell, e StatsEntry, sign int64) {
			s := m[cell]
			m[cell] = statsSum{s.n + sign*e.N, s.total + sign*e.Total}
		}
		add := func(shopID int64, e StatsEntry, sign int64) {
			cell := statsCell{shopID, e.Key}
			if !e.DailyOnly {
				put(hourly, cell, e, sign)
			}
			cell.key.Bucket = floorDiv(e.Key.Bucket, 24)
			put(daily, cell, e, sign)
			cell.key.Bucket = MonthOfDay(cell.key.Bucket)
			put(monthly, cell, e, sign)
		}
		var changed []StatsContrib
		var blobs [][]byte
		for _, c := range b.Contribs {
			blob := encodeContrib(c.Entries)
			prev := old[c.ConversationID]
			if bytes.Equal(prev, blob) {
				continue
			}
			if prev != nil {
				es, err := decodeContrib(prev)
				if err != nil {
					return fmt.Errorf("conversation %d: %w", c.ConversationID, err)
				}
				for _, e := range es {
					add(c.ShopID, e, -1)
				}
			}
			for _, e := range c.Entries {
				add(c.ShopID, e, 1)
			}
			changed = append(changed, c)
			blobs = append(blobs, blob)
		}
		if err := addCells(ctx, tx, "stats_hourly", hourly); err != nil {
			return err
		}
		if err := addCells(ctx, tx, "stats_daily", daily); err != nil {
			return err
		}
		if err := addCells(ctx, tx, "stats_monthly", monthly); err != nil {
			return err
		}
		if err := saveContribs(ctx, tx, changed, blobs); err != nil {
			return err
		}
		for _, c := range b.Contribs {
			if err := replaceUnanswered(ctx, tx, c); err != nil {
				return err
			}
		}
		return saveStatsProgress(ctx, tx, b)
	})
	if err != nil {
		return fmt.Errorf("store: apply stats: %w", err)
	}
	return nil
}

// MonthOfDay is the month of a day number (days since 1970-01-01): months
// since 1970-01, January 1970 being 0. The monthly rollup's buckets.
func MonthOfDay(day int64) int64 {
	y, m, _ := time.Unix(day*86400, 0).UTC().Date()
	return int64(y-1970)*12 + int64(m) - 1
}

// MonthFirstDay is the day number of the first day of a month of
// MonthOfDay.
func MonthFirstDay(month int64) int64 {
	t := time.Date(1970+int(floorDiv(month, 12)), time.Month(month-floorDiv(month, 12)*12+1), 1, 0, 0, 0, 0, time.UTC)
	return floorDiv(t.Unix(), 86400)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// readContribs reads the stored contributions of the conversations.
func readContribs(ctx context.Context, tx *sql.Tx, ids []int64) (map[int64][]byte, error) {
	out := map[int64][]byte{}
	if len(ids) == 0 {
		return out, nil
	}
	var args []any
	in := inList(&args, ids)
	rows, err := tx.QueryContext(ctx, `SELECT conversation_id, data FROM stats_contrib WHERE conversation_id IN (`+in+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var data []byte
		if err := rows.Scan(&id, &data); err != nil {
			return nil, err
		}
		out[id] = data
	}
	return out, rows.Err()
}

// addCells adds the sums to a rollup table, cell by cell.
func addCells(ctx context.Context, tx *sql.Tx, table string, cells map[statsCell]statsSum) error {
	if len(cells) == 0 {
		return nil
	}
	st, err := tx.PrepareContext(ctx, `INSERT INTO `+table+` (shop_id, bucket, metric, item, channel, group_id, agent_id, n, total)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (shop_id, metric, bucket, item, channel, group_id, agent_id)
DO UPDATE SET n = `+table+`.n + excluded.n, total = `+table+`.total + excluded.total`)
	if err != nil {
		return err
	}
	defer st.Close()
	for c, s := range cells {
		if s.n == 0 && s.total == 0 {
			continue
		}
		k := c.key
		if _, err := st.ExecContext(ctx, c.shopID, k.Bucket, k.Metric, k.Item, k.Channel, k.GroupID, k.AgentID, s.n, s.total); err != nil {
			return fmt.Errorf("add to %s: %w", table, err)
		}
	}
	return nil
}

func saveContribs(ctx context.Context, tx *sql.Tx, cs []StatsContrib, blobs [][]byte) error {
	if len(cs) == 0 {
		return nil
	}
	st, err := tx.PrepareContext(ctx, `INSERT INTO stats_contrib (conversation_id, shop_id, data) VALUES ($1, $2, $3)
ON CONFLICT (conversation_id) DO UPDATE SET data = excluded.data`)
	if err != nil {
		return err
	}
	defer st.Close()
	for i, c := range cs {
		if _, err := st.ExecContext(ctx, c.ConversationID, c.ShopID, blobs[i]); err != nil {
			return fmt.Errorf("save contribution of conversation %d: %w", c.ConversationID, err)
		}
	}
	return nil
}

// replaceUnanswered makes a conversation's open unanswered questions
// those of c, keeping what an admin decided and which draft each is in.
func replaceUnanswered(ctx context.Context, tx *sql.Tx, c StatsContrib) error {
	keep := []any{c.ConversationID}
	var ps []string
	for _, u := range c.Unanswered {
		replies, err := json.Marshal(u.Replies)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO stats_unanswered
(message_id, shop_id, conversation_id, buyer_id, kind, text, intent, faq_id, replies, at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (message_id) DO UPDATE SET kind = excluded.kind, text = excluded.text, intent = excluded.intent,
faq_id = excluded.faq_id, replies = excluded.replies, at = excluded.at`,
			u.MessageID, c.ShopID, c.ConversationID, u.BuyerID, u.Kind, u.Text, u.Intent, u.FAQID, string(replies), toMillis(u.At))
		if err != nil {
			return fmt.Errorf("save unanswered message %d: %w", u.MessageID, err)
		}
		keep = append(keep, u.MessageID)
		ps = append(ps, fmt.Sprintf("$%d", len(keep)))
	}
	q := `DELETE FROM stats_unanswered WHERE conversation_id = $1 AND status = ''`
	if len(ps) > 0 {
		q += ` AND message_id NOT IN (` + strings.Join(ps, ", ") + `)`
	}
	_, err := tx.ExecContext(ctx, q, keep...)
	return err
}

// saveStatsProgress stores the cursors and a rebuild's progress.
func saveStatsProgress(ctx context.Context, tx *sql.Tx, b StatsBatch) error {
	for name, c := range b.Cursors {
		_, err := tx.ExecContext(ctx, `INSERT INTO stats_cursors (name, position, tiebreak) VALUES ($1, $2, $3)
ON CONFLICT (name) DO UPDATE SET position = excluded.position, tiebreak = excluded.tiebreak`, name, c.Position, c.Tiebreak)
		if err != nil {
			return fmt.Errorf("save cursor %s: %w", name, err)
		}
	}
	if b.RebuildShop == 0 {
		return nil
	}
	rebuilding := 1
	if b.RebuildDone {
		rebuilding = 0
	}
	_, err := tx.ExecContext(ctx, `UPDATE stats_shops SET rebuild_id = $2, rebuilding = $3 WHERE shop_id = $1`,
		b.RebuildShop, b.RebuildID, rebuilding)
	return err
}
