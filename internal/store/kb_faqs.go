package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

// KBTx writes a shop's knowledge base inside one transaction: everything
// done through it is committed together or not at all (a whole import, a
// pack upgrade). Every change of a FAQ adds a revision to its history.
type KBTx interface {
	GetFAQ(ctx context.Context, id int64) (model.FAQ, error)
	GetFAQByKey(ctx context.Context, key string) (model.FAQ, error)
	// CreateFAQ inserts a FAQ at revision 1; a taken key gives ErrConflict.
	CreateFAQ(ctx context.Context, f model.FAQ, action string) (model.FAQ, error)
	// SaveFAQ writes f when the stored revision is still expectRevision
	// (else ErrStale) and moves it to the next revision.
	SaveFAQ(ctx context.Context, f model.FAQ, expectRevision int, action string) (model.FAQ, error)
	// DeleteFAQ removes a FAQ, keeping its history.
	DeleteFAQ(ctx context.Context, id int64, action string) error
	SetPack(ctx context.Context, p ShopPack) error
	RemovePack(ctx context.Context, packID string) error
	RecordPackUpgrade(ctx context.Context, u PackUpgrade) (int64, error)
	MarkPackUpgradeRolledBack(ctx context.Context, id int64) error
}

// KB runs fn in a transaction on the shop's knowledge base, as actor.
func (db *DB) KB(ctx context.Context, shopID, actorID int64, fn func(KBTx) error) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		return fn(&kbTx{db: db, tx: tx, shopID: shopID, actor: actorID})
	})
}

type kbTx struct {
	db     *DB
	tx     *sql.Tx
	shopID int64
	actor  int64
}

const faqColumns = `id, shop_id, faq_key, content, live, status, pack_id, pack_version, pack_base, conflicts,
revision, created_at, updated_at, updated_by`

func scanFAQ(row interface{ Scan(...any) error }) (model.FAQ, error) {
	var f model.FAQ
	var content, live, base, conflicts, status string
	var created, updated int64
	err := row.Scan(&f.ID, &f.ShopID, &f.Key, &content, &live, &status, &f.PackID, &f.PackVersion, &base, &conflicts,
		&f.Revision, &created, &updated, &f.UpdatedBy)
	if err != nil {
		return f, err
	}
	f.Status, f.CreatedAt, f.UpdatedAt = model.FAQStatus(status), fromMillis(created), fromMillis(updated)
	if err := json.Unmarshal([]byte(content), &f.Content); err != nil {
		return f, fmt.Errorf("faq %d content: %w", f.ID, err)
	}
	if f.Live, err = optionalContent(live); err != nil {
		return f, fmt.Errorf("faq %d live: %w", f.ID, err)
	}
	if f.PackBase, err = optionalContent(base); err != nil {
		return f, fmt.Errorf("faq %d pack base: %w", f.ID, err)
	}
	if conflicts != "" {
		if err := json.Unmarshal([]byte(conflicts), &f.Conflicts); err != nil {
			return f, fmt.Errorf("faq %d conflicts: %w", f.ID, err)
		}
	}
	return f, nil
}

func optionalContent(s string) (*model.FAQContent, error) {
	if s == "" {
		return nil, nil
	}
	var c model.FAQContent
	if err := json.Unmarshal([]byte(s), &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// faqRow is a FAQ encoded for its columns.
type faqRow struct {
	content, live, base, conflicts, search string
	liveFrom, liveUntil                    int64
}

func encodeFAQ(f model.FAQ) (faqRow, error) {
	var r faqRow
	b, err := json.Marshal(f.Content)
	if err != nil {
		return r, err
	}
	r.content = string(b)
	if f.Live != nil {
		b, err := json.Marshal(f.Live)
		if err != nil {
			return r, err
		}
		r.live, r.liveFrom, r.liveUntil = string(b), toMillis(f.Live.ValidFrom), toMillis(f.Live.ValidUntil)
	}
	if f.PackBase != nil {
		b, err := json.Marshal(f.PackBase)
		if err != nil {
			return r, err
		}
		r.base = string(b)
	}
	if len(f.Conflicts) > 0 {
		b, err := json.Marshal(f.Conflicts)
		if err != nil {
			return r, err
		}
		r.conflicts = string(b)
	}
	r.search = searchText(f.Content)
	return r, nil
}

// searchText is what FAQ search looks in: questions, answers and tags
// (as " #tag "), lower-cased so that LIKE behaves the same on both engines.
func searchText(c model.FAQContent) string {
	var b strings.Builder
	b.WriteString(" " + c.Question + " ")
	for _, s := range c.Similar {
		b.WriteString(s + " ")
	}
	for _, a := range c.Answers {
		b.WriteString(a.Text + " " + a.Title + " ")
	}
	for _, t := range c.Tags {
		b.WriteString("#" + t + " ")
	}
	return strings.ToLower(b.String())
}

func (k *kbTx) GetFAQ(ctx context.Context, id int64) (model.FAQ, error) {
	f, err := scanFAQ(k.tx.QueryRowContext(ctx, `SELECT `+faqColumns+` FROM kb_faqs WHERE shop_id = $1 AND id = $2`, k.shopID, id))
	if err != nil {
		return f, notFound(err, "get faq", id)
	}
	return f, nil
}

func (k *kbTx) GetFAQByKey(ctx context.Context, key string) (model.FAQ, error) {
	f, err := scanFAQ(k.tx.QueryRowContext(ctx, `SELECT `+faqColumns+` FROM kb_faqs WHERE shop_id = $1 AND faq_key = $2`, k.shopID, key))
	if err != nil {
		return f, notFound(err, "get faq by key", key)
	}
	return f, nil
}

const insertFAQSQL = `INSERT INTO kb_faqs (shop_id, faq_key, category_id, question, search_text, content, live, status,
live_from, live_until, pack_id, pack_version, pack_base, conflicts, revision, created_at, updated_at, updated_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 1, $15, $15, $16) RETURNING id`

func (k *kbTx) CreateFAQ(ctx context.Context, f model.FAQ, action string) (model.FAQ, error) {
	r, err := encodeFAQ(f)
	if err != nil {
		return f, fmt.Errorf("store: create faq: %w", err)
	}
	now := k.db.nowTime()
	f.ShopID, f.Revision, f.CreatedAt, f.UpdatedAt, f.UpdatedBy = k.shopID, 1, now, now, k.actor
	err = k.tx.QueryRowContext(ctx, insertFAQSQL, k.shopID, f.Key, f.Content.CategoryID, f.Content.Question, r.search,
		r.content, r.live, string(f.Status), r.liveFrom, r.liveUntil, f.PackID, f.PackVersion, r.base, r.conflicts,
		toMillis(now), k.actor).Scan(&f.ID)
	if k.db.dialect.isUniqueViolation(err) {
		return f, fmt.Errorf("store: create faq %q: %w", f.Key, ErrConflict)
	}
	if err != nil {
		return f, fmt.Errorf("store: create faq %q: %w", f.Key, err)
	}
	return f, k.addRevision(ctx, f, action, r.content)
}

const saveFAQSQL = `UPDATE kb_faqs SET faq_key = $4, category_id = $5, question = $6, search_text = $7, content = $8,
live = $9, status = $10, live_from = $11, live_until = $12, pack_id = $13, pack_version = $14, pack_base = $15,
conflicts = $16, revision = revision + 1, updated_at = $17, updated_by = $18
WHERE shop_id = $1 AND id = $2 AND revision = $3`

func (k *kbTx) SaveFAQ(ctx context.Context, f model.FAQ, expectRevision int, action string) (model.FAQ, error) {
	r, err := encodeFAQ(f)
	if err != nil {
		return f, fmt.Errorf("store: save faq: %w", err)
	}
	now := k.db.nowTime()
	res, err := k.tx.ExecContext(ctx, saveFAQSQL, k.shopID, f.ID, expectRevision, f.Key, f.Content.CategoryID,
		f.Content.Question, r.search, r.content, r.live, string(f.Status), r.liveFrom, r.liveUntil, f.PackID,
		f.PackVersion, r.base, r.conflicts, toMillis(now), k.actor)
	if k.db.dialect.isUniqueViolation(err) {
		return f, fmt.Errorf("store: save faq %q: %w", f.Key, ErrConflict)
	}
	if err != nil {
		return f, fmt.Errorf("store: save faq %d: %w", f.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := k.GetFAQ(ctx, f.ID); err != nil {
			return f, err
		}
		return f, fmt.Errorf("store: save faq %d at revision %d: %w", f.ID, expectRevision, ErrStale)
	}
	f.ShopID, f.Revision, f.UpdatedAt, f.UpdatedBy = k.shopID, expectRevision+1, now, k.actor
	return f, k.addRevision(ctx, f, action, r.content)
}

func (k *kbTx) DeleteFAQ(ctx context.Context, id int64, action string) error {
	f, err := k.GetFAQ(ctx, id)
	if err != nil {
		return err
	}
	if _, err := k.tx.ExecContext(ctx, `DELETE FROM kb_faqs WHERE shop_id = $1 AND id = $2`, k.shopID, id); err != nil {
		return fmt.Errorf("store: delete faq %d: %w", id, err)
	}
	f.Revision++
	b, _ := json.Marshal(f.Content)
	return k.addRevision(ctx, f, action, string(b))
}

func (k *kbTx) addRevision(ctx context.Context, f model.FAQ, action, content string) error {
	_, err := k.tx.ExecContext(ctx, `INSERT INTO kb_revisions (shop_id, faq_id, revision, action, actor_id, status, content, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, k.shopID, f.ID, f.Revision, action, k.actor, string(f.Status), content, k.db.nowMillis())
	if err != nil {
		return fmt.Errorf("store: faq %d revision %d: %w", f.ID, f.Revision, err)
	}
	return nil
}

// GetFAQ reads a FAQ of the shop.
func (db *DB) GetFAQ(ctx context.Context, shopID, id int64) (model.FAQ, error) {
	f, err := scanFAQ(db.r.QueryRowContext(ctx, `SELECT `+faqColumns+` FROM kb_faqs WHERE shop_id = $1 AND id = $2`, shopID, id))
	if err != nil {
		return f, notFound(err, "get faq", id)
	}
	return f, nil
}

// FAQFilter selects FAQs for a list. Zero fields do not filter.
type FAQFilter struct {
	ShopID     int64
	Text       string // in questions, answers and tags
	CategoryID int64
	Status     model.FAQStatus
	Tag        string
	PackID     string
	Before     int64 // cursor: only smaller ids
	Limit      int   // default 50, at most 1000; -1 for all
}

// ListFAQs returns FAQs newest first.
func (db *DB) ListFAQs(ctx context.Context, f FAQFilter) ([]model.FAQ, error) {
	where := []string{"shop_id = $1"}
	args := []any{f.ShopID}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if f.Text != "" {
		where = append(where, `search_text LIKE `+arg("%"+escapeLike(strings.ToLower(f.Text))+"%")+` ESCAPE '\'`)
	}
	if f.Tag != "" {
		where = append(where, `search_text LIKE `+arg("% #"+escapeLike(strings.ToLower(f.Tag))+" %")+` ESCAPE '\'`)
	}
	if f.CategoryID != 0 {
		where = append(where, "category_id = "+arg(f.CategoryID))
	}
	if f.Status != "" {
		where = append(where, "status = "+arg(string(f.Status)))
	}
	if f.PackID != "" {
		where = append(where, "pack_id = "+arg(f.PackID))
	}
	if f.Before > 0 {
		where = append(where, "id < "+arg(f.Before))
	}
	q := `SELECT ` + faqColumns + ` FROM kb_faqs WHERE ` + strings.Join(where, " AND ") + ` ORDER BY id DESC`
	if f.Limit >= 0 {
		if f.Limit == 0 || f.Limit > 1000 {
			f.Limit = 50
		}
		q += ` LIMIT ` + arg(f.Limit)
	}
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list faqs: %w", err)
	}
	defer rows.Close()
	var out []model.FAQ
	for rows.Next() {
		faq, err := scanFAQ(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list faqs: %w", err)
		}
		out = append(out, faq)
	}
	return out, rows.Err()
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// LiveFAQ is a published FAQ as the engine needs it.
type LiveFAQ struct {
	ID   int64
	Key  string
	Live model.FAQContent
}

// LiveFAQs returns the shop's published FAQs (with their validity; the
// caller decides what is valid now).
func (db *DB) LiveFAQs(ctx context.Context, shopID int64) ([]LiveFAQ, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id, faq_key, live FROM kb_faqs WHERE shop_id = $1 AND live <> '' ORDER BY id`, shopID)
	if err != nil {
		return nil, fmt.Errorf("store: live faqs: %w", err)
	}
	defer rows.Close()
	var out []LiveFAQ
	for rows.Next() {
		var l LiveFAQ
		var live string
		if err := rows.Scan(&l.ID, &l.Key, &live); err != nil {
			return nil, fmt.Errorf("store: live faqs: %w", err)
		}
		if err := json.Unmarshal([]byte(live), &l.Live); err != nil {
			return nil, fmt.Errorf("store: live faq %d: %w", l.ID, err)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// FAQRevisions returns a FAQ's history, newest first; it survives deletion.
func (db *DB) FAQRevisions(ctx context.Context, shopID, faqID int64) ([]model.FAQRevision, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT revision, action, actor_id, status, content, created_at FROM kb_revisions
WHERE shop_id = $1 AND faq_id = $2 ORDER BY revision DESC`, shopID, faqID)
	if err != nil {
		return nil, fmt.Errorf("store: faq revisions: %w", err)
	}
	defer rows.Close()
	var out []model.FAQRevision
	for rows.Next() {
		r := model.FAQRevision{FAQID: faqID}
		var status, content string
		var created int64
		if err := rows.Scan(&r.Revision, &r.Action, &r.ActorID, &status, &content, &created); err != nil {
			return nil, fmt.Errorf("store: faq revisions: %w", err)
		}
		r.Status, r.CreatedAt = model.FAQStatus(status), fromMillis(created)
		if err := json.Unmarshal([]byte(content), &r.Content); err != nil {
			return nil, fmt.Errorf("store: faq revision: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("store: faq revisions %d: %w", faqID, ErrNotFound)
	}
	return out, nil
}

// CountFAQs returns how many FAQs the shop has, by status.
func (db *DB) CountFAQs(ctx context.Context, shopID int64) (map[model.FAQStatus]int, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT status, COUNT(*) FROM kb_faqs WHERE shop_id = $1 GROUP BY status`, shopID)
	if err != nil {
		return nil, fmt.Errorf("store: count faqs: %w", err)
	}
	defer rows.Close()
	out := map[model.FAQStatus]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, fmt.Errorf("store: count faqs: %w", err)
		}
		out[model.FAQStatus(s)] = n
	}
	return out, rows.Err()
}
