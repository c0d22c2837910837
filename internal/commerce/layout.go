package commerce

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The tabular form of each entity, for CSV and Excel: one column per field,
// nested parts (attributes, size chart, logistics) as JSON text in a cell,
// and a product's SKUs or an order's items as one row each, the parent's
// columns repeated, as shops' own exports do. JSON lines need none of this:
// each line is a record as the API takes it.

// cellKind says how a cell turns into a JSON value.
type cellKind int

const (
	cellText cellKind = iota
	cellInt
	cellBool
	cellTime
	cellJSON
)

type column struct {
	key  string // the JSON field
	kind cellKind
}

// layout is an entity's columns; child, when set, is the list field whose
// elements get a row each, with their columns named prefix+key.
type layout struct {
	cols   []column
	child  string
	prefix string
	kids   []column
}

func cols(spec ...any) []column {
	out := make([]column, 0, len(spec)/2)
	for i := 0; i < len(spec); i += 2 {
		out = append(out, column{key: spec[i].(string), kind: spec[i+1].(cellKind)})
	}
	return out
}

var layouts = map[Entity]layout{
	Products: {cols: cols("product_id", cellText, "title", cellText, "category", cellText, "price_fen", cellInt,
		"status", cellText, "url", cellText, "attributes", cellJSON, "size_chart", cellJSON),
		child: "skus", prefix: "sku_",
		kids: cols("sku_id", cellText, "color", cellText, "size", cellText, "price_fen", cellInt, "stock", cellInt)},
	Buyers: {cols: cols("buyer_id", cellText, "nickname", cellText, "phone", cellText, "level", cellText,
		"province", cellText, "city", cellText, "first_seen", cellTime, "last_active", cellTime)},
	Orders: {cols: cols("order_id", cellText, "buyer_id", cellText, "status", cellText, "total_fen", cellInt,
		"paid_fen", cellInt, "shipping_fen", cellInt, "discount_fen", cellInt, "created_at", cellTime, "paid_at", cellTime,
		"refund_state", cellText, "refund_fen", cellInt, "carrier", cellText, "tracking_no", cellText, "logistics", cellJSON),
		child: "items", prefix: "item_",
		kids: cols("product_id", cellText, "sku_id", cellText, "title", cellText, "spec", cellText, "qty", cellInt,
			"price_fen", cellInt)},
	Carts: {cols: cols("buyer_id", cellText, "product_id", cellText, "sku_id", cellText, "qty", cellInt,
		"added_at", cellTime, "deleted", cellBool)},
	Favourites: {cols: cols("buyer_id", cellText, "product_id", cellText, "added_at", cellTime, "deleted", cellBool)},
	Coupons: {cols: cols("coupon_id", cellText, "buyer_id", cellText, "title", cellText, "amount_fen", cellInt,
		"min_spend_fen", cellInt, "issued_at", cellTime, "expires_at", cellTime, "used_at", cellTime, "order_id", cellText)},
	Reviews: {cols: cols("review_id", cellText, "buyer_id", cellText, "order_id", cellText, "product_id", cellText,
		"rating", cellInt, "text", cellText, "created_at", cellTime)},
}

// kidName is a child column's header: sku_color, item_qty (sku_id stays).
func (l layout) kidName(key string) string {
	if strings.HasPrefix(key, l.prefix) {
		return key
	}
	return l.prefix + key
}

// header is the entity's header row.
func (l layout) header() []string {
	h := make([]string, 0, len(l.cols)+len(l.kids))
	for _, c := range l.cols {
		h = append(h, c.key)
	}
	for _, c := range l.kids {
		h = append(h, l.kidName(c.key))
	}
	return h
}

// toRows turns one record into its rows.
func (l layout) toRows(rec any, loc *time.Location) ([][]string, error) {
	b, err := json.Marshal(rec)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	parent := make([]string, 0, len(l.cols))
	for _, c := range l.cols {
		parent = append(parent, cellString(m[c.key], c.kind, loc))
	}
	var kids []map[string]json.RawMessage
	if l.child != "" && len(m[l.child]) > 0 {
		if err := json.Unmarshal(m[l.child], &kids); err != nil {
			return nil, err
		}
	}
	if len(kids) == 0 {
		return [][]string{append(parent, make([]string, len(l.kids))...)}, nil
	}
	rows := make([][]string, 0, len(kids))
	for _, k := range kids {
		row := append([]string(nil), parent...)
		for _, c := range l.kids {
			row = append(row, cellString(k[c.key], c.kind, loc))
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// cellString writes a JSON value as a cell: text as is, times in the shop's
// zone, nested values as JSON, nothing for absent or false.
func cellString(v json.RawMessage, kind cellKind, loc *time.Location) string {
	if len(v) == 0 || string(v) == "null" || string(v) == "false" {
		return ""
	}
	switch kind {
	case cellText, cellTime:
		var s string
		if json.Unmarshal(v, &s) != nil {
			return string(v)
		}
		if kind == cellTime {
			if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
				return t.In(loc).Format(time.RFC3339)
			}
		}
		return s
	}
	return string(v)
}

// timeLayouts are the forms a time cell may take besides RFC 3339; they
// are read in the shop's time zone.
var timeLayouts = []string{"2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02", "2006/01/02 15:04:05",
	"2006/1/2 15:04:05", "2006/1/2 15:04", "2006/1/2"}

// cellValue turns a cell into the JSON value of its column, or says what is
// wrong with it.
func cellValue(s string, kind cellKind, loc *time.Location) (json.RawMessage, error) {
	s = strings.TrimSpace(s)
	switch kind {
	case cellInt:
		n, err := strconv.ParseInt(strings.ReplaceAll(s, ",", ""), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a whole number", s)
		}
		return json.RawMessage(strconv.FormatInt(n, 10)), nil
	case cellBool:
		switch strings.ToLower(s) {
		case "true", "1", "yes", "y", "是":
			return json.RawMessage("true"), nil
		case "false", "0", "no", "n", "否":
			return json.RawMessage("false"), nil
		}
		return nil, fmt.Errorf("%q is not true or false", s)
	case cellTime:
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return json.Marshal(t)
		}
		for _, lay := range timeLayouts {
			if t, err := time.ParseInLocation(lay, s, loc); err == nil {
				return json.Marshal(t)
			}
		}
		return nil, fmt.Errorf("%q is not a time like 2025-03-01 10:30:00 or 2025-03-01T10:30:00+08:00", s)
	case cellJSON:
		if !json.Valid([]byte(s)) {
			return nil, fmt.Errorf("%q is not valid JSON", s)
		}
		return json.RawMessage(s), nil
	}
	return json.Marshal(s)
}

// records reads a table (header row first) into records: one per row, or
// for an entity with children, one per parent id with a child per row.
// Cells that cannot be read become problems of their record.
func (l layout) records(table [][]string, loc *time.Location) (fileBatch, error) {
	var fb fileBatch
	if len(table) == 0 {
		return fb, nil
	}
	idx, err := l.headerIndex(table[0])
	if err != nil {
		return fb, err
	}
	type group struct {
		item  int
		first []string // the parent cells of the group's first row
		row   int
		rec   map[string]json.RawMessage
		kids  []map[string]json.RawMessage
	}
	var groups []*group
	byKey := map[string]*group{}
	fb.Found = map[int][]Problem{}
	for r, cells := range table[1:] {
		row := r + 2 // spreadsheet rows count from 1 and the header is row 1
		get := func(name string) string {
			if i, ok := idx[name]; ok && i < len(cells) {
				return strings.TrimSpace(cells[i])
			}
			return ""
		}
		if strings.TrimSpace(strings.Join(cells, "")) == "" {
			continue
		}
		parent := make([]string, len(l.cols))
		for i, c := range l.cols {
			parent[i] = get(c.key)
		}
		key := parent[0]
		g := byKey[key]
		if g == nil || l.child == "" || key == "" {
			g = &group{item: len(groups), first: parent, row: row, rec: map[string]json.RawMessage{}}
			groups = append(groups, g)
			byKey[key] = g
			for i, c := range l.cols {
				l.put(&fb, g.item, row, c.key, parent[i], c.kind, loc, g.rec)
			}
		} else {
			for i, c := range l.cols {
				if parent[i] != "" && parent[i] != g.first[i] {
					fb.Found[g.item] = append(fb.Found[g.item], Problem{Item: g.item, Row: row, Field: c.key, Code: CodeInvalid,
						Message: fmt.Sprintf("%s differs from row %d of the same %s", c.key, g.row, l.cols[0].key)})
				}
			}
		}
		if l.child == "" {
			continue
		}
		kid, has := map[string]json.RawMessage{}, false
		for _, c := range l.kids {
			if v := get(l.kidName(c.key)); v != "" {
				has = true
				l.put(&fb, g.item, row, l.kidName(c.key), v, c.kind, loc, nil)
				if raw, err := cellValue(v, c.kind, loc); err == nil {
					kid[c.key] = raw
				}
			}
		}
		if has {
			g.kids = append(g.kids, kid)
			for len(fb.kidRows) <= g.item {
				fb.kidRows = append(fb.kidRows, nil)
			}
			fb.kidRows[g.item] = append(fb.kidRows[g.item], row)
		}
	}
	for _, g := range groups {
		if l.child != "" && len(g.kids) > 0 {
			b, _ := json.Marshal(g.kids)
			g.rec[l.child] = b
		}
		b, _ := json.Marshal(g.rec)
		fb.Records = append(fb.Records, b)
		fb.Rows = append(fb.Rows, g.row)
	}
	return fb, nil
}

// put reads one non-empty cell into rec (when rec is not nil), or records
// why it cannot.
func (l layout) put(fb *fileBatch, item, row int, name, v string, kind cellKind, loc *time.Location, rec map[string]json.RawMessage) {
	if v == "" {
		return
	}
	raw, err := cellValue(v, kind, loc)
	if err != nil {
		fb.Found[item] = append(fb.Found[item], Problem{Item: item, Row: row, Field: name, Code: CodeInvalid, Message: name + ": " + err.Error()})
		return
	}
	if rec != nil {
		rec[name] = raw
	}
}

// headerIndex maps column names to their positions, refusing unknown and
// repeated names (a typo would otherwise lose a column silently).
func (l layout) headerIndex(header []string) (map[string]int, error) {
	known := map[string]bool{}
	for _, h := range l.header() {
		known[h] = true
	}
	idx := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		switch {
		case h == "":
			continue
		case !known[h]:
			return nil, fmt.Errorf("%w: unknown column %q (row 1); the columns are %s", ErrBadFile, h, strings.Join(l.header(), ", "))
		}
		if _, dup := idx[h]; dup {
			return nil, fmt.Errorf("%w: column %q appears twice", ErrBadFile, h)
		}
		idx[h] = i
	}
	if _, ok := idx[l.cols[0].key]; !ok {
		return nil, fmt.Errorf("%w: the header row has no %s column", ErrBadFile, l.cols[0].key)
	}
	return idx, nil
}
