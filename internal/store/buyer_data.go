package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

// BuyerData is what a buyer's tags are computed from, as the ListBuyer*
// methods give it one buyer at a time: their newest 500 orders and 200
// reviews and coupons, newest first, and how many cart items and
// favourites they have (at most 200 each).
type BuyerData struct {
	Orders     []model.Order
	Reviews    []model.Review
	Coupons    []model.Coupon
	Cart       int
	Favourites int
}

// maxDataBuyers bounds one ListBuyersData call.
const maxDataBuyers = 1000

// ListBuyersData loads the BuyerData of many buyers of a shop (up to 1,000)
// in five queries, by the shop's buyer id. Every id given has an entry.
func (db *DB) ListBuyersData(ctx context.Context, shopID int64, buyerExts []string) (map[string]*BuyerData, error) {
	if len(buyerExts) > maxDataBuyers {
		return nil, fmt.Errorf("store: list buyers data: %d buyers, at most %d", len(buyerExts), maxDataBuyers)
	}
	out := make(map[string]*BuyerData, len(buyerExts))
	for _, ext := range buyerExts {
		if err := needBuyer("list buyers data", ext); err != nil {
			return nil, err
		}
		out[ext] = &BuyerData{}
	}
	if len(out) == 0 {
		return out, nil
	}
	exts := slices.Sorted(func(yield func(string) bool) {
		for ext := range out {
			if !yield(ext) {
				return
			}
		}
	})
	in, args := extList(shopID, exts)
	newest := func(table, cols, order string, limit int) string {
		return `SELECT ` + cols + ` FROM (SELECT ` + cols + `, ROW_NUMBER() OVER (PARTITION BY buyer_ext ORDER BY ` + order +
			`) AS rn FROM ` + table + ` WHERE shop_id = $1 AND buyer_ext IN (` + in + `)) newest WHERE rn <= ` +
			strconv.Itoa(limit) + ` ORDER BY buyer_ext, ` + order
	}
	err := eachRow(ctx, db.r, newest("orders", orderColumns, "created_at DESC, id DESC", 500), args, func(r *sql.Rows) error {
		o, err := scanOrder(r)
		if err == nil {
			out[o.BuyerID].Orders = append(out[o.BuyerID].Orders, o)
		}
		return err
	})
	if err == nil {
		err = eachRow(ctx, db.r, newest("reviews", reviewColumns, "created_at DESC, id DESC", 200), args, func(r *sql.Rows) error {
			v, err := scanReview(r)
			if err == nil {
				out[v.BuyerID].Reviews = append(out[v.BuyerID].Reviews, v)
			}
			return err
		})
	}
	if err == nil {
		err = eachRow(ctx, db.r, newest("coupons", couponColumns, "issued_at DESC, id DESC", 200), args, func(r *sql.Rows) error {
			c, err := scanCoupon(r)
			if err == nil {
				out[c.BuyerID].Coupons = append(out[c.BuyerID].Coupons, c)
			}
			return err
		})
	}
	for _, count := range []struct {
		table string
		set   func(d *BuyerData, n int)
	}{
		{"cart_items", func(d *BuyerData, n int) { d.Cart = n }},
		{"favourites", func(d *BuyerData, n int) { d.Favourites = n }},
	} {
		if err != nil {
			break
		}
		q := `SELECT buyer_ext, COUNT(*) FROM ` + count.table + ` WHERE shop_id = $1 AND buyer_ext IN (` + in + `) GROUP BY buyer_ext`
		err = eachRow(ctx, db.r, q, args, func(r *sql.Rows) error {
			var ext string
			var n int
			if err := r.Scan(&ext, &n); err != nil {
				return err
			}
			count.set(out[ext], min(n, 200))
			return nil
		})
	}
	if err != nil {
		return nil, fmt.Errorf("store: list buyers data: %w", err)
	}
	return out, nil
}

// extList is the placeholders $2... for exts and the arguments of a query
// whose $1 is the shop.
func extList(shopID int64, exts []string) (string, []any) {
	var b strings.Builder
	args := make([]any, 0, len(exts)+1)
	args = append(args, shopID)
	for i, ext := range exts {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("$" + strconv.Itoa(i+2))
		args = append(args, ext)
	}
	return b.String(), args
}

// eachRow runs a query and calls fn with each row.
func eachRow(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, query string, args []any, fn func(*sql.Rows) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// BuyerTagsWrite is one buyer's computed tags for SetBuyersTags.
type BuyerTagsWrite struct {
	ID int64
	BuyerTags
}

// SetBuyersTags does SetBuyerTags for many buyers of a shop in one
// transaction. A buyer computed from an older generation is left as it is
// and listed in stale; the others are stored.
func (db *DB) SetBuyersTags(ctx context.Context, shopID int64, ws []BuyerTagsWrite) (stale []int64, err error) {
	err = db.tx(ctx, func(tx *sql.Tx) error {
		stale = stale[:0]
		for _, w := range ws {
			err := setBuyerTags(ctx, db, tx, shopID, w.ID, w.BuyerTags)
			if err == ErrStale {
				stale = append(stale, w.ID)
				continue
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: set buyers' tags: %w", err)
	}
	return stale, nil
}

// tagsText is how tags are kept: a JSON list, or empty for none.
func tagsText(tags []string) string {
	if len(tags) == 0 {
		return ""
	}
	b, _ := json.Marshal(tags)
	return string(b)
}
