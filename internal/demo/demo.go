// Package demo fills an empty xiaoer with a demo shop and its people, so
// that every part can be tried at once after `xiaoer serve --demo`.
package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/auth"
	"github.com/xiaoer-cs/xiaoer/internal/kb"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// ShopSlug is the demo shop's slug.
const ShopSlug = "demo"

// Password is every demo account's password. The demo is for trying
// xiaoer on one's own machine; the start-up banner says so.
const Password = "xiaoer-demo"

// Login is one demo account.
type Login struct {
	Username, Role, Name string
}

// Logins are the demo accounts, one per built-in role plus a second agent.
var Logins = []Login{
	{"owner", auth.RoleOwner, "店长 Owner"},
	{"admin", auth.RoleAdmin, "管理员 Admin"},
	{"super", auth.RoleSupervisor, "主管 Supervisor"},
	{"xiaomei", auth.RoleAgent, "客服小美 Mei"},
	{"xiaoli", auth.RoleAgent, "客服小李 Li"},
}

// Result says what the demo holds.
type Result struct {
	Shop    model.Shop
	Created bool // false when the demo shop was already there
	History HistoryReport
}

// Options is what the demo is seeded through.
type Options struct {
	Store      store.Store
	KB         *kb.Service
	BcryptCost int
	// Now is the demo's today: its orders and its history end then
	// (time.Now when nil).
	Now func() time.Time
	// Clocked is Store on another clock (store.DB.WithClock). With it the
	// demo shop gets a month of past conversations, played at their own
	// times; without it, none.
	Clocked func(now func() time.Time) store.Store
}

// Seed creates the demo shop, its accounts, agent groups and knowledge,
// unless the demo shop exists already.
func Seed(ctx context.Context, opts Options) (Result, error) {
	st := opts.Store
	shop, err := st.GetShopBySlug(ctx, ShopSlug)
	if err == nil {
		return Result{Shop: shop}, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return Result{}, err
	}
	shop, err = st.CreateShop(ctx, model.Shop{Slug: ShopSlug, Name: "店小二演示店 xiaoer demo shop", Language: "zh-CN",
		Timezone: "Asia/Shanghai", IdentitySecret: "demo-identity-secret-change-me"})
	if err != nil {
		return Result{}, fmt.Errorf("demo: shop: %w", err)
	}
	hash, err := auth.HashPassword(Password, opts.BcryptCost)
	if err != nil {
		return Result{}, err
	}
	ids := map[string]int64{}
	for _, l := range Logins {
		a, err := st.CreateAccount(ctx, model.Account{Username: l.Username, DisplayName: l.Name, PasswordHash: hash})
		if err != nil {
			return Result{}, fmt.Errorf("demo: account %s: %w", l.Username, err)
		}
		ids[l.Username] = a.ID
		status := model.StatusOffline
		if err := st.AddMember(ctx, model.Membership{ShopID: shop.ID, AccountID: a.ID, Role: l.Role, Status: status, MaxChats: 5}); err != nil {
			return Result{}, fmt.Errorf("demo: member %s: %w", l.Username, err)
		}
	}
	groups := []struct {
		name    string
		members []string
	}{
		{"售前 Pre-sales", []string{"xiaomei", "super"}},
		{"售后 After-sales", []string{"xiaoli", "super"}},
	}
	for _, g := range groups {
		made, err := st.CreateGroup(ctx, store.Group{ShopID: shop.ID, Name: g.name})
		if err != nil {
			return Result{}, fmt.Errorf("demo: group %s: %w", g.name, err)
		}
		var members []int64
		for _, u := range g.members {
			members = append(members, ids[u])
		}
		if err := st.SetGroupMembers(ctx, shop.ID, made.ID, members); err != nil {
			return Result{}, fmt.Errorf("demo: group %s: %w", g.name, err)
		}
	}
	if err := seedKnowledge(ctx, st, opts.KB, shop.ID); err != nil {
		return Result{}, err
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	if err := seedCommerce(ctx, st, shop, now()); err != nil {
		return Result{}, err
	}
	if err := seedService(ctx, st, opts.KB, shop); err != nil {
		return Result{}, err
	}
	res := Result{Shop: shop, Created: true}
	if opts.Clocked != nil {
		clk := &clock{}
		if res.History, err = seedHistory(ctx, opts.Clocked(clk.Now), clk, opts.KB, shop, now(), historyDays); err != nil {
			return res, err
		}
	}
	return res, nil
}
