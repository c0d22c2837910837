package main

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/commerce"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// TestTagRefreshKillAndRestart kills the server without warning while its
// tag refresh job works through a shop of buyers whose tags are due,
// starts it again on the same data, and checks that every buyer ends with
// the tags their data gives: none skipped, none left due.
func TestTagRefreshKillAndRestart(t *testing.T) {
	bin := xiaoerBinary(t)
	dir, addr := t.TempDir(), mustFreeAddr(t)
	srv := startServer(t, bin, dir, addr)
	if err := srv.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("graceful stop: %v\n%s", err, srv.log.String())
	}
	const buyers = 30000
	shop := seedDueBuyers(t, dir, buyers)

	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	db, err := store.Open(ctx, store.Options{DSN: filepath.Join(dir, "xiaoer.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	due := func() int {
		n, err := db.CountDueBuyers(ctx, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	srv = startServer(t, bin, dir, addr)
	for left := due(); left > buyers*9/10; left = due() {
		select {
		case <-ctx.Done():
			t.Fatalf("the job did not start: %d of %d buyers due", left, buyers)
		case <-time.After(20 * time.Millisecond):
		}
	}
	if err := srv.stop(syscall.SIGKILL); err == nil {
		t.Fatal("the server exited cleanly after SIGKILL")
	}
	left := due()
	if left == 0 {
		t.Fatalf("every buyer was refreshed before the kill: the test proves nothing")
	}
	t.Logf("killed with %d of %d buyers still due", left, buyers)

	srv = startServer(t, bin, dir, addr)
	for left := due(); left > 0; left = due() {
		select {
		case <-ctx.Done():
			t.Fatalf("%d buyers still due after the restart\n%s", left, srv.log.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	if err := srv.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("graceful stop: %v\n%s", err, srv.log.String())
	}
	checkShopTags(ctx, t, db, shop, buyers)
}

// seedDueBuyers stores a shop with n buyers and their orders straight into
// the database, as an ingest that died before computing tags leaves them:
// every buyer due, none tagged. No buyer's tags turn within hours of now.
func seedDueBuyers(t *testing.T, dir string, n int) model.Shop {
	t.Helper()
	ctx := t.Context()
	db, err := store.Open(ctx, store.Options{DSN: filepath.Join(dir, "xiaoer.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	shop, err := db.CreateShop(ctx, model.Shop{Slug: "tags", Name: "标签店", Language: "zh-CN", Timezone: "Asia/Shanghai", IdentitySecret: "x"})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().Truncate(time.Millisecond)
	ago := func(days int) time.Time { return now.Add(-time.Duration(days)*24*time.Hour - 12*time.Hour) }
	for lo := 0; lo < n; lo += 1000 {
		var bs []model.BuyerProfile
		var os []model.Order
		for i := lo; i < min(n, lo+1000); i++ {
			ext := fmt.Sprintf("k%06d", i)
			bs = append(bs, model.BuyerProfile{ExternalID: ext, Province: "浙江", LastActive: ago(i % 150)})
			if i%3 == 0 {
				st := []model.OrderStatus{model.OrderCompleted, model.OrderRefunded}[i%2]
				os = append(os, model.Order{ExternalID: "O" + ext, BuyerID: ext, Status: st, TotalFen: int64(1000 + i),
					PaidFen: int64(1000 + i), CreatedAt: ago(i % 60), PaidAt: ago(i % 60).Add(time.Minute),
					Items: []model.OrderItem{{ProductID: "P1", Title: "T恤", Qty: 1, PriceFen: int64(1000 + i)}}})
			}
		}
		if _, err := db.UpsertBuyers(ctx, shop.ID, bs); err != nil {
			t.Fatal(err)
		}
		if _, err := db.UpsertOrders(ctx, shop.ID, os); err != nil {
			t.Fatal(err)
		}
	}
	return shop
}

// checkShopTags fails unless each of the shop's n buyers holds the tags
// their data gives now (the shop has no rules and the default thresholds)
// and is not due.
func checkShopTags(ctx context.Context, t *testing.T, db store.Store, shop model.Shop, n int) {
	t.Helper()
	data := commerce.New(commerce.Options{Store: db})
	now := time.Now()
	seen := 0
	page := store.Page{Limit: 1000}
	for {
		ps, err := db.ListBuyerProfiles(ctx, shop.ID, page)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			f, err := data.Facts(ctx, shop.ID, p)
			if err != nil {
				t.Fatal(err)
			}
			want := commerce.ComputeTags(f, commerce.DefaultTagSettings(), nil, now)
			if !slices.Equal(p.Tags, want) || !p.TagsDue.After(now) && !p.TagsDue.IsZero() {
				t.Fatalf("buyer %s: tags %v due %v; want %v, not due", p.ExternalID, p.Tags, p.TagsDue, want)
			}
			seen++
		}
		if len(ps) < page.Limit {
			break
		}
		page.After = ps[len(ps)-1].ID
	}
	if seen != n {
		t.Fatalf("%d buyers, want %d", seen, n)
	}
}
