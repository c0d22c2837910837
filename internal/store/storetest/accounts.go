package storetest

import (
	"testing"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

func testPingClose(t *testing.T, e *env) {
	if err := e.s.Ping(e.ctx); err != nil {
		t.Fatalf("Ping on an open store: %v", err)
	}
	if err := e.s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := e.s.Ping(e.ctx); err == nil {
		t.Fatal("Ping after Close succeeded, want an error")
	}
}

func testShops(t *testing.T, e *env) {
	list, err := e.s.ListShops(e.ctx)
	checkErr(t, "ListShops on an empty store", err, nil)
	if len(list) != 0 {
		t.Fatalf("ListShops on an empty store = %v, want none", list)
	}

	a := e.shop("alpha")
	if a.ID == 0 {
		t.Fatal("CreateShop returned id 0")
	}
	diff(t, "CreateShop", model.Shop{ID: a.ID, Slug: "alpha", Name: "Shop alpha", Language: "zh-CN",
		Timezone: "Asia/Shanghai", IdentitySecret: "secret-alpha", CreatedAt: e.now()}, a)
	e.clk.Advance(time.Second)
	b := e.shop("beta")

	got, err := e.s.GetShop(e.ctx, a.ID)
	checkErr(t, "GetShop", err, nil)
	diff(t, "GetShop", a, got)
	got, err = e.s.GetShopBySlug(e.ctx, "beta")
	checkErr(t, "GetShopBySlug", err, nil)
	diff(t, "GetShopBySlug", b, got)

	list, err = e.s.ListShops(e.ctx)
	checkErr(t, "ListShops", err, nil)
	diff(t, "ListShops", []model.Shop{a, b}, list)

	errs := []struct {
		name string
		err  func() error
		want error
	}{
		{"taken slug", func() error { _, err := e.s.CreateShop(e.ctx, model.Shop{Slug: "alpha", Name: "x"}); return err }, store.ErrConflict},
		{"missing id", func() error { _, err := e.s.GetShop(e.ctx, b.ID+100); return err }, store.ErrNotFound},
		{"missing slug", func() error { _, err := e.s.GetShopBySlug(e.ctx, "gamma"); return err }, store.ErrNotFound},
		{"update missing", func() error { return e.s.UpdateShop(e.ctx, model.Shop{ID: b.ID + 100, Name: "x"}) }, store.ErrNotFound},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) { checkErr(t, tt.name, tt.err(), tt.want) })
	}

	t.Run("update", func(t *testing.T) {
		up := a
		up.Slug = "renamed" // the slug is fixed: widgets embed it
		up.Name, up.Language, up.Timezone, up.IdentitySecret = "阿尔法旗舰店", "en", "Europe/Berlin", "new-secret"
		checkErr(t, "UpdateShop", e.s.UpdateShop(e.ctx, up), nil)
		got, err := e.s.GetShop(e.ctx, a.ID)
		checkErr(t, "GetShop", err, nil)
		want := up
		want.Slug = "alpha"
		diff(t, "shop after UpdateShop", want, got)
		other, err := e.s.GetShop(e.ctx, b.ID)
		checkErr(t, "GetShop other", err, nil)
		diff(t, "other shop after UpdateShop", b, other)
	})
}

func testAccounts(t *testing.T, e *env) {
	n, err := e.s.CountAccounts(e.ctx)
	checkErr(t, "CountAccounts", err, nil)
	if n != 0 {
		t.Fatalf("CountAccounts on an empty store = %d, want 0", n)
	}

	ann, err := e.s.CreateAccount(e.ctx, model.Account{Username: "ann", Email: "ann@example.com", Phone: "13800000001",
		DisplayName: "安", PasswordHash: "h1"})
	checkErr(t, "CreateAccount", err, nil)
	if ann.ID == 0 {
		t.Fatal("CreateAccount returned id 0")
	}
	diff(t, "CreateAccount", model.Account{ID: ann.ID, Username: "ann", Email: "ann@example.com", Phone: "13800000001",
		DisplayName: "安", PasswordHash: "h1", CreatedAt: e.now()}, ann)
	got, err := e.s.GetAccount(e.ctx, ann.ID)
	checkErr(t, "GetAccount", err, nil)
	diff(t, "GetAccount", ann, got)

	create := []struct {
		name string
		acc  model.Account
		want error
	}{
		{"taken username", model.Account{Username: "ann"}, store.ErrConflict},
		{"taken email", model.Account{Username: "bob", Email: "ann@example.com"}, store.ErrConflict},
		{"taken phone", model.Account{Username: "bob", Phone: "13800000001"}, store.ErrConflict},
		{"free", model.Account{Username: "bob"}, nil},
		// Empty email and phone are not values: many accounts have none.
		{"second without email or phone", model.Account{Username: "cat"}, nil},
		{"own email and phone", model.Account{Username: "dan", Email: "dan@example.com", Phone: "13800000004"}, nil},
	}
	for _, tt := range create {
		t.Run("create/"+tt.name, func(t *testing.T) {
			_, err := e.s.CreateAccount(e.ctx, tt.acc)
			checkErr(t, "CreateAccount", err, tt.want)
		})
	}
	n, err = e.s.CountAccounts(e.ctx)
	checkErr(t, "CountAccounts", err, nil)
	if n != 4 {
		t.Fatalf("CountAccounts = %d, want 4 (ann, bob, cat, dan)", n)
	}

	t.Run("SetPassword", func(t *testing.T) {
		checkErr(t, "SetPassword", e.s.SetPassword(e.ctx, ann.ID, "h2"), nil)
		got, err := e.s.GetAccount(e.ctx, ann.ID)
		checkErr(t, "GetAccount", err, nil)
		if got.PasswordHash != "h2" {
			t.Errorf("password hash = %q, want h2", got.PasswordHash)
		}
		checkErr(t, "SetPassword missing", e.s.SetPassword(e.ctx, ann.ID+100, "h"), store.ErrNotFound)
	})

	update := []struct {
		name string
		acc  model.Account
		want error
	}{
		{"new profile", model.Account{ID: ann.ID, DisplayName: "Ann", Email: "ann@shop.cn", Phone: "13900000001"}, nil},
		{"email of another", model.Account{ID: ann.ID, DisplayName: "Ann", Email: "dan@example.com"}, store.ErrConflict},
		{"phone of another", model.Account{ID: ann.ID, DisplayName: "Ann", Phone: "13800000004"}, store.ErrConflict},
		{"missing account", model.Account{ID: ann.ID + 100, DisplayName: "x"}, store.ErrNotFound},
	}
	for _, tt := range update {
		t.Run("UpdateAccountProfile/"+tt.name, func(t *testing.T) {
			checkErr(t, "UpdateAccountProfile", e.s.UpdateAccountProfile(e.ctx, tt.acc), tt.want)
		})
	}
	got, err = e.s.GetAccount(e.ctx, ann.ID)
	checkErr(t, "GetAccount", err, nil)
	want := ann
	want.DisplayName, want.Email, want.Phone, want.PasswordHash = "Ann", "ann@shop.cn", "13900000001", "h2"
	// The username never changes, and refused updates changed nothing.
	diff(t, "account after updates", want, got)

	_, err = e.s.GetAccount(e.ctx, ann.ID+100)
	checkErr(t, "GetAccount missing", err, store.ErrNotFound)
}

func testGetAccountByLogin(t *testing.T, e *env) {
	ann, err := e.s.CreateAccount(e.ctx, model.Account{Username: "ann", Email: "ann@example.com", Phone: "13800000001"})
	checkErr(t, "CreateAccount", err, nil)
	bob := e.account("bob") // no email, no phone
	tests := []struct {
		login  string
		wantID int64
		want   error
	}{
		{"ann", ann.ID, nil},
		{"ann@example.com", ann.ID, nil},
		{"13800000001", ann.ID, nil},
		{"bob", bob.ID, nil},
		{"Ann", 0, store.ErrNotFound}, // logins are exact
		{"nobody", 0, store.ErrNotFound},
		{"", 0, store.ErrNotFound}, // must not match bob's empty email or phone
	}
	for _, tt := range tests {
		t.Run("login="+tt.login, func(t *testing.T) {
			got, err := e.s.GetAccountByLogin(e.ctx, tt.login)
			checkErr(t, "GetAccountByLogin", err, tt.want)
			if tt.want == nil && got.ID != tt.wantID {
				t.Errorf("GetAccountByLogin(%q) = account %d, want %d", tt.login, got.ID, tt.wantID)
			}
		})
	}
}
