package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// testTagRefresh checks what the tag refresh job stands on: every change
// to a buyer's data or the shop's rules increments the buyer's tag
// generation and marks them due in the change's transaction, a computation
// from an older generation is refused, due buyers are listed in order
// across shops with a cursor, and the job's lease is held by one node.
func testTagRefresh(t *testing.T, e *env) {
	tests := []struct {
		name string
		fn   func(*testing.T, *env)
	}{
		{"ChangesMarkDue", testTagChangesMarkDue},
		{"StaleRefused", testTagStaleRefused},
		{"DueList", testTagDueList},
		{"Lease", testTagLease},
		{"LeaseRace", testTagLeaseRace},
		{"Sample", testBuyerSample},
		{"BuyersData", testBuyersData},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, e.in(t)) })
	}
}

// profile reads a verified buyer.
func (e *env) profile(shopID int64, ext string) model.BuyerProfile {
	e.t.Helper()
	p, err := e.s.GetBuyerProfileByExternal(e.ctx, shopID, ext)
	if err != nil {
		e.t.Fatalf("GetBuyerProfileByExternal(%q): %v", ext, err)
	}
	return p
}

// settle stores tags due at due for a buyer, from their current generation.
func (e *env) settle(shopID int64, ext string, due time.Time) model.BuyerProfile {
	e.t.Helper()
	p := e.profile(shopID, ext)
	if err := e.s.SetBuyerTags(e.ctx, shopID, p.ID, store.BuyerTags{Tags: []string{"new"}, Due: due, Gen: p.TagsGen}); err != nil {
		e.t.Fatalf("SetBuyerTags(%q): %v", ext, err)
	}
	return e.profile(shopID, ext)
}

func testTagChangesMarkDue(t *testing.T, e *env) {
	a := e.shop("due-a")
	far := ms(60 * 24 * 365)
	_, err := e.s.UpsertBuyers(e.ctx, a.ID, []model.BuyerProfile{{ExternalID: "u1", City: "上海"}, {ExternalID: "u2"}})
	checkErr(t, "UpsertBuyers", err, nil)
	if p := e.profile(a.ID, "u1"); p.TagsDue.UnixMilli() != 1 || p.TagsGen == 0 {
		t.Fatalf("a new buyer: due %v gen %d, want due now and a generation", p.TagsDue, p.TagsGen)
	}
	p1 := e.settle(a.ID, "u1", far)
	if !p1.TagsDue.Equal(far) || !slices.Equal(p1.Tags, []string{"new"}) {
		t.Fatalf("settled: due %v tags %v, want %v [new]", p1.TagsDue, p1.Tags, far)
	}
	e.settle(a.ID, "u2", far)

	type change struct {
		name  string
		apply func() error
		marks bool
	}
	o := model.Order{ExternalID: "O1", BuyerID: "u1", Status: model.OrderPaid, TotalFen: 100, CreatedAt: ms(0), PaidAt: ms(1),
		Items: []model.OrderItem{{ProductID: "P1", Title: "T", Qty: 1, PriceFen: 100}}}
	changes := []change{
		{"an order", func() error { _, err := e.s.UpsertOrders(e.ctx, a.ID, []model.Order{o}); return err }, true},
		{"the same order again", func() error { _, err := e.s.UpsertOrders(e.ctx, a.ID, []model.Order{o}); return err }, false},
		{"a profile change", func() error {
			_, err := e.s.UpsertBuyers(e.ctx, a.ID, []model.BuyerProfile{{ExternalID: "u1", City: "北京"}})
			return err
		}, true},
		{"a cart item", func() error {
			_, err := e.s.UpsertCartItems(e.ctx, a.ID, []model.CartItem{{BuyerID: "u1", ProductID: "P1", Qty: 1}})
			return err
		}, true},
		{"a cart item removed", func() error {
			_, err := e.s.UpsertCartItems(e.ctx, a.ID, []model.CartItem{{BuyerID: "u1", ProductID: "P1", Deleted: true}})
			return err
		}, true},
		{"a favourite", func() error {
			_, err := e.s.UpsertFavourites(e.ctx, a.ID, []model.Favourite{{BuyerID: "u1", ProductID: "P1"}})
			return err
		}, true},
		{"a coupon", func() error {
			_, err := e.s.UpsertCoupons(e.ctx, a.ID, []model.Coupon{{ExternalID: "C1", BuyerID: "u1", Title: "券", AmountFen: 5, IssuedAt: ms(0)}})
			return err
		}, true},
		{"a review", func() error {
			_, err := e.s.UpsertReviews(e.ctx, a.ID, []model.Review{{ExternalID: "R1", BuyerID: "u1", Rating: 1, CreatedAt: ms(2)}})
			return err
		}, true},
		{"a product (no buyer's data)", func() error {
			_, err := e.s.UpsertProducts(e.ctx, a.ID, []model.Product{{ExternalID: "P1", Title: "T", PriceFen: 100}})
			return err
		}, false},
	}
	for _, c := range changes {
		before := e.settle(a.ID, "u1", far)
		checkErr(t, c.name, c.apply(), nil)
		after := e.profile(a.ID, "u1")
		marked := after.TagsGen != before.TagsGen && after.TagsDue.UnixMilli() == 1
		untouched := after.TagsGen == before.TagsGen && after.TagsDue.Equal(far)
		if c.marks && !marked || !c.marks && !untouched {
			t.Errorf("%s: generation %d → %d, due %v; want marked due: %v", c.name, before.TagsGen, after.TagsGen, after.TagsDue, c.marks)
		}
		if p := e.profile(a.ID, "u2"); !p.TagsDue.Equal(far) {
			t.Errorf("%s: another buyer was marked due (%v)", c.name, p.TagsDue)
		}
	}

	// An order, a coupon or a review given to another buyer (the shop
	// fixed whose it is): both buyers' tags may change.
	for _, c := range []change{
		{"an order moved to u2", func() error {
			moved := o
			moved.BuyerID = "u2"
			_, err := e.s.UpsertOrders(e.ctx, a.ID, []model.Order{moved})
			return err
		}, true},
		{"a coupon moved to u2", func() error {
			_, err := e.s.UpsertCoupons(e.ctx, a.ID, []model.Coupon{{ExternalID: "C1", BuyerID: "u2", Title: "券", AmountFen: 5, IssuedAt: ms(0)}})
			return err
		}, true},
		{"a review moved to u2", func() error {
			_, err := e.s.UpsertReviews(e.ctx, a.ID, []model.Review{{ExternalID: "R1", BuyerID: "u2", Rating: 1, CreatedAt: ms(2)}})
			return err
		}, true},
	} {
		before1, before2 := e.settle(a.ID, "u1", far), e.settle(a.ID, "u2", far)
		checkErr(t, c.name, c.apply(), nil)
		for _, b := range []struct {
			ext    string
			before model.BuyerProfile
		}{{"u1", before1}, {"u2", before2}} {
			after := e.profile(a.ID, b.ext)
			if after.TagsGen == b.before.TagsGen || after.TagsDue.UnixMilli() != 1 {
				t.Errorf("%s: %s generation %d → %d, due %v; want marked due", c.name, b.ext, b.before.TagsGen, after.TagsGen, after.TagsDue)
			}
		}
	}

	// The shop's rules and thresholds: every verified buyer of the shop,
	// not the visitors, not another shop's.
	b := e.shop("due-b")
	_, err = e.s.UpsertBuyers(e.ctx, b.ID, []model.BuyerProfile{{ExternalID: "u1"}})
	checkErr(t, "UpsertBuyers b", err, nil)
	visitor := e.buyer(a.ID, "visitor-1")
	ruleChanges := []change{
		{"a rule", func() error {
			_, err := e.s.PutTagRule(e.ctx, model.TagRule{ShopID: a.ID, Name: "r", Rule: `{"field":"city","op":"=","value":"x"}`})
			return err
		}, true},
		{"a rule removed", func() error { return e.s.DeleteTagRule(e.ctx, a.ID, "r") }, true},
		{"thresholds", func() error {
			return e.s.PutTagSettings(e.ctx, a.ID, model.TagSettings{RefundDays: 1, InactiveDays: 1, BadRating: 1})
		}, true},
		{"a missing rule removed", func() error {
			if err := e.s.DeleteTagRule(e.ctx, a.ID, "nope"); !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("err %v, want ErrNotFound", err)
			}
			return nil
		}, false},
	}
	for _, c := range ruleChanges {
		for _, ext := range []string{"u1", "u2"} {
			e.settle(a.ID, ext, far)
		}
		e.settle(b.ID, "u1", far)
		checkErr(t, c.name, c.apply(), nil)
		for _, ext := range []string{"u1", "u2"} {
			if p := e.profile(a.ID, ext); (p.TagsDue.UnixMilli() == 1) != c.marks {
				t.Errorf("%s: buyer %s due %v, want marked: %v", c.name, ext, p.TagsDue, c.marks)
			}
		}
		if p := e.profile(b.ID, "u1"); !p.TagsDue.Equal(far) {
			t.Errorf("%s: another shop's buyer was marked due", c.name)
		}
		if p, err := e.s.GetBuyerProfile(e.ctx, a.ID, visitor.ID); err != nil || !p.TagsDue.IsZero() {
			t.Errorf("%s: the visitor is due %v (%v), want never", c.name, p.TagsDue, err)
		}
	}
	n, err := e.s.CountBuyerProfiles(e.ctx, a.ID)
	checkErr(t, "CountBuyerProfiles", err, nil)
	diff(t, "verified buyers", 2, n)
}

func testTagStaleRefused(t *testing.T, e *env) {
	a := e.shop("stale-a")
	_, err := e.s.UpsertBuyers(e.ctx, a.ID, []model.BuyerProfile{{ExternalID: "u1"}})
	checkErr(t, "UpsertBuyers", err, nil)
	read := e.profile(a.ID, "u1")
	_, err = e.s.UpsertBuyers(e.ctx, a.ID, []model.BuyerProfile{{ExternalID: "u1", Level: model.LevelVIP1}})
	checkErr(t, "a change after the read", err, nil)
	err = e.s.SetBuyerTags(e.ctx, a.ID, read.ID, store.BuyerTags{Tags: []string{"new"}, Due: ms(10), Gen: read.TagsGen})
	checkErr(t, "tags computed before the change", err, store.ErrStale)
	if p := e.profile(a.ID, "u1"); len(p.Tags) != 0 || p.TagsDue.UnixMilli() != 1 {
		t.Errorf("after a refused write: tags %v due %v, want none and due now", p.Tags, p.TagsDue)
	}
	// The due time is kept to the millisecond, rounded up: never early.
	cur := e.profile(a.ID, "u1")
	due := ms(10).Add(time.Nanosecond)
	checkErr(t, "tags from the current generation", e.s.SetBuyerTags(e.ctx, a.ID, cur.ID,
		store.BuyerTags{Tags: []string{"new", "level:vip1"}, Due: due, Gen: cur.TagsGen}), nil)
	p := e.profile(a.ID, "u1")
	diff(t, "tags", []string{"new", "level:vip1"}, p.Tags)
	diff(t, "due, rounded up", ms(10).Add(time.Millisecond), p.TagsDue)
	checkErr(t, "never due", e.s.SetBuyerTags(e.ctx, a.ID, cur.ID, store.BuyerTags{Gen: cur.TagsGen}), nil)
	if p := e.profile(a.ID, "u1"); !p.TagsDue.IsZero() || len(p.Tags) != 0 {
		t.Errorf("no tags, never due: got %v due %v", p.Tags, p.TagsDue)
	}
}

func testTagDueList(t *testing.T, e *env) {
	a, b := e.shop("list-a"), e.shop("list-b")
	var buyers []model.BuyerProfile
	for i := range 5 {
		buyers = append(buyers, model.BuyerProfile{ExternalID: string(rune('a'+i)) + "-buyer"})
	}
	_, err := e.s.UpsertBuyers(e.ctx, a.ID, buyers)
	checkErr(t, "UpsertBuyers a", err, nil)
	_, err = e.s.UpsertBuyers(e.ctx, b.ID, buyers[:2])
	checkErr(t, "UpsertBuyers b", err, nil)
	now := e.now()
	// a: a-buyer never, b-buyer due in an hour, c-buyer an hour ago,
	// d-buyer two hours ago, e-buyer now (marked); b: a-buyer an hour ago,
	// b-buyer in a day.
	e.settle(a.ID, "a-buyer", time.Time{})
	e.settle(a.ID, "b-buyer", now.Add(time.Hour))
	c := e.settle(a.ID, "c-buyer", now.Add(-time.Hour))
	d := e.settle(a.ID, "d-buyer", now.Add(-2*time.Hour))
	ea := e.profile(a.ID, "e-buyer")
	ba := e.settle(b.ID, "a-buyer", now.Add(-time.Hour))
	e.settle(b.ID, "b-buyer", now.Add(24*time.Hour))

	n, err := e.s.CountDueBuyers(e.ctx, now)
	checkErr(t, "CountDueBuyers", err, nil)
	diff(t, "due now", 4, n)
	// In due order (ties by id), pages of two with the cursor.
	want := []int64{ea.ID, d.ID, min(c.ID, ba.ID), max(c.ID, ba.ID)}
	var got []int64
	var cur store.DueCursor
	for range 4 {
		page, err := e.s.ListDueBuyers(e.ctx, now, cur, 2)
		checkErr(t, "ListDueBuyers", err, nil)
		if len(page) == 0 {
			break
		}
		for _, p := range page {
			got = append(got, p.ID)
		}
		last := page[len(page)-1]
		cur = store.DueCursor{Due: last.TagsDue, ID: last.ID}
	}
	diff(t, "due buyers in order", want, got)
	// Later, the buyer due in an hour comes too.
	later, err := e.s.ListDueBuyers(e.ctx, now.Add(time.Hour), store.DueCursor{}, 10)
	checkErr(t, "ListDueBuyers later", err, nil)
	diff(t, "due in an hour", 5, len(later))
}

func testTagLease(t *testing.T, e *env) {
	ok, err := e.s.LeaseTagRefresh(e.ctx, "n1", time.Minute)
	checkErr(t, "lease n1", err, nil)
	diff(t, "n1 gets the free lease", true, ok)
	ok, err = e.s.LeaseTagRefresh(e.ctx, "n2", time.Minute)
	checkErr(t, "lease n2", err, nil)
	diff(t, "n2 while n1 holds it", false, ok)
	e.clk.Advance(50 * time.Second)
	ok, _ = e.s.LeaseTagRefresh(e.ctx, "n1", time.Minute)
	diff(t, "n1 renews", true, ok)
	e.clk.Advance(50 * time.Second) // past the first minute, within the renewal
	ok, _ = e.s.LeaseTagRefresh(e.ctx, "n2", time.Minute)
	diff(t, "n2 within the renewed lease", false, ok)
	checkErr(t, "n2 releases what it does not hold", e.s.ReleaseTagRefresh(e.ctx, "n2"), nil)
	ok, _ = e.s.LeaseTagRefresh(e.ctx, "n2", time.Minute)
	diff(t, "n1's lease survives n2's release", false, ok)
	e.clk.Advance(11 * time.Second)
	ok, _ = e.s.LeaseTagRefresh(e.ctx, "n2", time.Minute)
	diff(t, "n2 after n1's lease ended", true, ok)
	checkErr(t, "n2 releases", e.s.ReleaseTagRefresh(e.ctx, "n2"), nil)
	ok, _ = e.s.LeaseTagRefresh(e.ctx, "n1", time.Minute)
	diff(t, "n1 after n2 released", true, ok)
	checkErr(t, "release any (single node start)", e.s.ReleaseTagRefresh(e.ctx, ""), nil)
	ok, _ = e.s.LeaseTagRefresh(e.ctx, "n3", time.Minute)
	diff(t, "n3 after release any", true, ok)
}

// testTagLeaseRace: of many nodes asking at once, one gets the lease.
func testTagLeaseRace(t *testing.T, e *env) {
	checkErr(t, "release any", e.s.ReleaseTagRefresh(e.ctx, ""), nil)
	const nodes = 8
	var wg sync.WaitGroup
	got := make([]bool, nodes)
	for i := range nodes {
		wg.Go(func() {
			ok, err := e.s.LeaseTagRefresh(e.ctx, "node-"+string(rune('a'+i)), time.Minute)
			if err != nil {
				t.Errorf("node %d: %v", i, err)
			}
			got[i] = ok
		})
	}
	wg.Wait()
	n := 0
	for _, ok := range got {
		if ok {
			n++
		}
	}
	diff(t, "nodes holding the lease", 1, n)
}

// testBuyerSample: an even sample of a shop's verified buyers, paged.
func testBuyerSample(t *testing.T, e *env) {
	a := e.shop("sample-a")
	e.buyer(a.ID, "visitor-s")
	var many []model.BuyerProfile
	for i := range 9 {
		many = append(many, model.BuyerProfile{ExternalID: fmt.Sprint("s", i)})
	}
	_, err := e.s.UpsertBuyers(e.ctx, a.ID, many)
	checkErr(t, "UpsertBuyers", err, nil)
	for _, every := range []int{0, 1, 3} {
		var ids []int64
		page := store.Page{Limit: 2}
		for {
			ps, err := e.s.SampleBuyerProfiles(e.ctx, a.ID, every, page)
			checkErr(t, "SampleBuyerProfiles", err, nil)
			for _, p := range ps {
				if p.ExternalID == "" || p.ShopID != a.ID || every > 1 && p.ID%int64(every) != 0 {
					t.Errorf("every %d: sampled %+v", every, p)
				}
				ids = append(ids, p.ID)
			}
			if len(ps) < page.Limit {
				break
			}
			page.After = ps[len(ps)-1].ID
		}
		want := 9
		if every == 3 {
			want = 0
			all, _ := e.s.ListBuyerProfiles(e.ctx, a.ID, store.Page{})
			for _, p := range all {
				if p.ID%3 == 0 {
					want++
				}
			}
		}
		if len(ids) != want || !slices.IsSorted(ids) {
			t.Errorf("every %d: %v, want %d in id order", every, ids, want)
		}
	}
}

// testBuyersData: what ListBuyersData loads for many buyers at once is
// what the ListBuyer* methods give one at a time, limits included; and
// SetBuyersTags stores the current computations and names the stale ones.
func testBuyersData(t *testing.T, e *env) {
	a, b := e.shop("data-a"), e.shop("data-b")
	var orders []model.Order
	var reviews []model.Review
	for i := range 700 {
		ext := []string{"u1", "u2"}[min(i%7, 1)]
		orders = append(orders, model.Order{ExternalID: fmt.Sprint("O", i), BuyerID: ext, Status: model.OrderPaid, TotalFen: 100,
			CreatedAt: ms(i % 50), PaidAt: ms(i%50 + 1), Items: []model.OrderItem{{ProductID: "P", Title: "T", Qty: 1, PriceFen: 100}}})
		if i < 210 {
			reviews = append(reviews, model.Review{ExternalID: fmt.Sprint("R", i), BuyerID: "u2", OrderID: "O1", Rating: 1 + i%5, CreatedAt: ms(i % 9)})
		}
	}
	for lo := 0; lo < len(orders); lo += 300 {
		_, err := e.s.UpsertOrders(e.ctx, a.ID, orders[lo:min(lo+300, len(orders))])
		checkErr(t, "UpsertOrders", err, nil)
	}
	_, err := e.s.UpsertReviews(e.ctx, a.ID, reviews)
	checkErr(t, "UpsertReviews", err, nil)
	_, err = e.s.UpsertCoupons(e.ctx, a.ID, []model.Coupon{{ExternalID: "C1", BuyerID: "u1", Title: "券", AmountFen: 5, IssuedAt: ms(0)},
		{ExternalID: "C2", BuyerID: "u1", Title: "券", AmountFen: 5, IssuedAt: ms(3), UsedAt: ms(4), OrderID: "O3"}})
	checkErr(t, "UpsertCoupons", err, nil)
	_, err = e.s.UpsertCartItems(e.ctx, a.ID, []model.CartItem{{BuyerID: "u1", ProductID: "P1", Qty: 1}, {BuyerID: "u1", ProductID: "P2", Qty: 2}})
	checkErr(t, "UpsertCartItems", err, nil)
	_, err = e.s.UpsertFavourites(e.ctx, a.ID, []model.Favourite{{BuyerID: "u2", ProductID: "P1"}})
	checkErr(t, "UpsertFavourites", err, nil)
	_, err = e.s.UpsertOrders(e.ctx, b.ID, orders[:3]) // the same buyer ids in another shop
	checkErr(t, "UpsertOrders b", err, nil)
	_, err = e.s.UpsertBuyers(e.ctx, a.ID, []model.BuyerProfile{{ExternalID: "u3"}})
	checkErr(t, "UpsertBuyers", err, nil)

	got, err := e.s.ListBuyersData(e.ctx, a.ID, []string{"u1", "u2", "u3", "nobody"})
	checkErr(t, "ListBuyersData", err, nil)
	for _, ext := range []string{"u1", "u2", "u3", "nobody"} {
		var want store.BuyerData
		want.Orders, err = e.s.ListBuyerOrders(e.ctx, a.ID, ext, 500)
		checkErr(t, "ListBuyerOrders", err, nil)
		want.Reviews, err = e.s.ListBuyerReviews(e.ctx, a.ID, ext)
		checkErr(t, "ListBuyerReviews", err, nil)
		want.Coupons, err = e.s.ListBuyerCoupons(e.ctx, a.ID, ext)
		checkErr(t, "ListBuyerCoupons", err, nil)
		cart, err := e.s.ListBuyerCart(e.ctx, a.ID, ext)
		checkErr(t, "ListBuyerCart", err, nil)
		favs, err := e.s.ListBuyerFavourites(e.ctx, a.ID, ext)
		checkErr(t, "ListBuyerFavourites", err, nil)
		want.Cart, want.Favourites = len(cart), len(favs)
		if got[ext] == nil {
			t.Fatalf("no data for %s", ext)
		}
		diff(t, "data of "+ext, want, *got[ext], cmpopts.EquateEmpty())
	}
	if n := len(got["u2"].Orders); n != 500 {
		t.Errorf("u2 has %d orders loaded, want the newest 500", n)
	}
	_, err = e.s.ListBuyersData(e.ctx, a.ID, []string{"u1", ""})
	checkErr(t, "an anonymous buyer's data", err, store.ErrEmptyID)

	p1, p3 := e.profile(a.ID, "u1"), e.profile(a.ID, "u3")
	_, err = e.s.UpsertBuyers(e.ctx, a.ID, []model.BuyerProfile{{ExternalID: "u3", City: "上海"}}) // u3 changes after the read
	checkErr(t, "UpsertBuyers", err, nil)
	stale, err := e.s.SetBuyersTags(e.ctx, a.ID, []store.BuyerTagsWrite{
		{ID: p1.ID, BuyerTags: store.BuyerTags{Tags: []string{"returning"}, Due: ms(100), Gen: p1.TagsGen}},
		{ID: p3.ID, BuyerTags: store.BuyerTags{Tags: []string{"new"}, Due: ms(100), Gen: p3.TagsGen}},
	})
	checkErr(t, "SetBuyersTags", err, nil)
	diff(t, "stale", []int64{p3.ID}, stale)
	if p := e.profile(a.ID, "u1"); !slices.Equal(p.Tags, []string{"returning"}) || !p.TagsDue.Equal(ms(100)) {
		t.Errorf("u1: %v due %v", p.Tags, p.TagsDue)
	}
	if p := e.profile(a.ID, "u3"); len(p.Tags) != 0 || p.TagsDue.UnixMilli() != 1 {
		t.Errorf("u3 (stale): %v due %v, want untouched and due", p.Tags, p.TagsDue)
	}
}
