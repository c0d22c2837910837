package demo

import (
	"path/filepath"
	"testing"

	"github.com/xiaoer-cs/xiaoer/internal/bot"
	"github.com/xiaoer-cs/xiaoer/internal/bus"
	"github.com/xiaoer-cs/xiaoer/internal/kb"
	"github.com/xiaoer-cs/xiaoer/internal/route"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// TestSeedService checks the demo shop gets what the bot issue promises:
// a welcome, keyword rules of each kind, working hours, two groups mapped
// from intents, and canned replies of the shop and of an agent.
func TestSeedService(t *testing.T) {
	ctx := t.Context()
	db, err := store.Open(ctx, store.Options{DSN: filepath.Join(t.TempDir(), "demo.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	packs, err := kb.BuiltinPacks()
	if err != nil {
		t.Fatal(err)
	}
	res, err := Seed(ctx, Options{Store: db, KB: kb.New(kb.Options{Store: db, Bus: bus.NewLocal(), Packs: packs}), BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := db.ServiceSettings(ctx, res.Shop.ID, bot.ConfigName)
	if err != nil {
		t.Fatal(err)
	}
	pipeline, err := bot.ParseConfig(raw)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, r := range pipeline.Rules {
		kinds[r.Match] = true
	}
	if len(pipeline.Welcome) != 2 || len(kinds) != 3 || !pipeline.Hours.Enabled {
		t.Fatalf("pipeline: welcome %v, rule kinds %v, hours %+v", pipeline.Welcome, kinds, pipeline.Hours)
	}
	raw, err = db.ServiceSettings(ctx, res.Shop.ID, route.SettingsName)
	if err != nil {
		t.Fatal(err)
	}
	routing, err := route.ParseConfig(raw)
	if err != nil || len(routing.Groups) != 2 || routing.GroupFor("order.logistics", "order") == routing.GroupFor("product.size", "presale") {
		t.Fatalf("routing %+v %v", routing, err)
	}
	mei, err := db.GetAccountByLogin(ctx, "xiaomei")
	if err != nil {
		t.Fatal(err)
	}
	canned, err := db.ListCannedReplies(ctx, res.Shop.ID, mei.ID)
	if err != nil || len(canned) != len(demoCanned) {
		t.Fatalf("canned replies %d, %v; want %d", len(canned), err, len(demoCanned))
	}
	for _, c := range canned {
		if err := (bot.CannedInput{Shortcut: c.Shortcut, Title: c.Title, Body: c.Body}).Validate(); err != nil {
			t.Errorf("canned reply %s: %v", c.Shortcut, err)
		}
	}
}
