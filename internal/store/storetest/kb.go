package storetest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// kbTests are the knowledge-base tests of the suite.
var kbTests = []struct {
	name string
	fn   func(t *testing.T, e *env)
}{
	{"KBFAQs", testKBFAQs},
	{"KBListFAQs", testKBListFAQs},
	{"KBTransaction", testKBTransaction},
	{"KBCategories", testKBCategories},
	{"KBShopSettings", testKBShopSettings},
	{"KBPacks", testKBPacks},
}

func content(q string, tags ...string) model.FAQContent {
	return model.FAQContent{Question: q, Similar: []string{q + "呢"}, Tags: tags,
		Answers: []model.Answer{{Type: model.AnswerText, Lang: "zh-CN", Text: "答：" + q}}}
}

// kbCreate makes a FAQ in a shop inside its own transaction.
func (e *env) kbCreate(shopID int64, f model.FAQ) model.FAQ {
	e.t.Helper()
	err := e.s.KB(e.ctx, shopID, 1, func(tx store.KBTx) error {
		var err error
		f, err = tx.CreateFAQ(e.ctx, f, "create")
		return err
	})
	checkErr(e.t, "CreateFAQ", err, nil)
	return f
}

func testKBFAQs(t *testing.T, e *env) {
	a, b := e.shop("a"), e.shop("b")
	c := content("多久发货")
	f := e.kbCreate(a.ID, model.FAQ{Key: "ship", Content: c, Live: &c, Status: model.FAQPublished})
	if f.ID == 0 || f.Revision != 1 || f.ShopID != a.ID {
		t.Fatalf("created %+v", f)
	}
	got, err := e.s.GetFAQ(e.ctx, a.ID, f.ID)
	checkErr(t, "GetFAQ", err, nil)
	diff(t, "stored FAQ", f.Content, got.Content, cmpopts.EquateEmpty())
	if got.Live == nil || got.Status != model.FAQPublished {
		t.Fatalf("live copy lost: %+v", got)
	}
	_, err = e.s.GetFAQ(e.ctx, b.ID, f.ID)
	checkErr(t, "GetFAQ of another shop", err, store.ErrNotFound)

	t.Run("key taken in the shop, free in another", func(t *testing.T) {
		err := e.s.KB(e.ctx, a.ID, 1, func(tx store.KBTx) error {
			_, err := tx.CreateFAQ(e.ctx, model.FAQ{Key: "ship", Content: c, Status: model.FAQDraft}, "create")
			return err
		})
		checkErr(t, "CreateFAQ with a taken key", err, store.ErrConflict)
		e.in(t).kbCreate(b.ID, model.FAQ{Key: "ship", Content: c, Status: model.FAQDraft})
	})
	t.Run("save at a stale revision", func(t *testing.T) {
		err := e.s.KB(e.ctx, a.ID, 2, func(tx store.KBTx) error {
			f.Content.Tags = []string{"x"}
			saved, err := tx.SaveFAQ(e.ctx, f, 1, "update")
			if err != nil || saved.Revision != 2 || saved.UpdatedBy != 2 {
				return fmt.Errorf("first save: %+v %w", saved, err)
			}
			_, err = tx.SaveFAQ(e.ctx, f, 1, "update")
			return err
		})
		checkErr(t, "SaveFAQ at revision 1 twice", err, store.ErrStale)
		// The failed transaction left the FAQ at revision 1.
		got, err := e.s.GetFAQ(e.ctx, a.ID, f.ID)
		checkErr(t, "GetFAQ", err, nil)
		if got.Revision != 1 || len(got.Content.Tags) != 0 {
			t.Fatalf("rolled-back save is visible: %+v", got)
		}
	})
	t.Run("another shop cannot save or delete it", func(t *testing.T) {
		err := e.s.KB(e.ctx, b.ID, 1, func(tx store.KBTx) error { _, err := tx.SaveFAQ(e.ctx, f, 1, "update"); return err })
		checkErr(t, "SaveFAQ from another shop", err, store.ErrNotFound)
		err = e.s.KB(e.ctx, b.ID, 1, func(tx store.KBTx) error { return tx.DeleteFAQ(e.ctx, f.ID, "delete") })
		checkErr(t, "DeleteFAQ from another shop", err, store.ErrNotFound)
	})
	t.Run("delete keeps history and never reuses the id", func(t *testing.T) {
		err := e.s.KB(e.ctx, a.ID, 3, func(tx store.KBTx) error { return tx.DeleteFAQ(e.ctx, f.ID, "delete") })
		checkErr(t, "DeleteFAQ", err, nil)
		revs, err := e.s.FAQRevisions(e.ctx, a.ID, f.ID)
		checkErr(t, "FAQRevisions", err, nil)
		var actions []string
		for _, r := range revs {
			actions = append(actions, r.Action)
		}
		diff(t, "history, newest first", []string{"delete", "create"}, actions)
		next := e.in(t).kbCreate(a.ID, model.FAQ{Key: "after", Content: c, Status: model.FAQDraft})
		if next.ID == f.ID {
			t.Fatal("a deleted FAQ's id was reused")
		}
		_, err = e.s.FAQRevisions(e.ctx, b.ID, f.ID)
		checkErr(t, "FAQRevisions of another shop", err, store.ErrNotFound)
	})
}

func testKBListFAQs(t *testing.T, e *env) {
	a, b := e.shop("a"), e.shop("b")
	cat, err := e.s.CreateCategory(e.ctx, model.Category{ShopID: a.ID, Name: "物流"})
	checkErr(t, "CreateCategory", err, nil)
	ship := content("多久发货", "shipping")
	ship.CategoryID = cat.ID
	pct := content("能打9折吗？100%正品", "promo_1")
	e.kbCreate(a.ID, model.FAQ{Key: "ship", Content: ship, Live: &ship, Status: model.FAQPublished})
	e.kbCreate(a.ID, model.FAQ{Key: "pct", Content: pct, Status: model.FAQDraft, PackID: "general"})
	e.kbCreate(a.ID, model.FAQ{Key: "Wash", Content: content("How to WASH it"), Status: model.FAQDraft})
	e.kbCreate(b.ID, model.FAQ{Key: "other", Content: content("多久发货"), Status: model.FAQDraft})
	keys := func(f store.FAQFilter) []string {
		f.ShopID = a.ID
		list, err := e.s.ListFAQs(e.ctx, f)
		checkErr(t, "ListFAQs", err, nil)
		var out []string
		for _, x := range list {
			out = append(out, x.Key)
		}
		return out
	}
	tests := []struct {
		name string
		f    store.FAQFilter
		want []string
	}{
		{"all, newest first", store.FAQFilter{}, []string{"Wash", "pct", "ship"}},
		{"text", store.FAQFilter{Text: "发货"}, []string{"ship"}},
		{"text any case", store.FAQFilter{Text: "wash"}, []string{"Wash"}},
		{"percent is literal", store.FAQFilter{Text: "100%"}, []string{"pct"}},
		{"underscore is literal", store.FAQFilter{Tag: "promo_1"}, []string{"pct"}},
		{"underscore does not match any character", store.FAQFilter{Tag: "promoX1"}, nil},
		{"tag exact, not a prefix", store.FAQFilter{Tag: "ship"}, nil},
		{"status", store.FAQFilter{Status: model.FAQPublished}, []string{"ship"}},
		{"category", store.FAQFilter{CategoryID: cat.ID}, []string{"ship"}},
		{"pack", store.FAQFilter{PackID: "general"}, []string{"pct"}},
		{"limit", store.FAQFilter{Limit: 2}, []string{"Wash", "pct"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { diff(t, "keys", tt.want, keys(tt.f), cmpopts.EquateEmpty()) })
	}
	t.Run("cursor", func(t *testing.T) {
		first, err := e.s.ListFAQs(e.ctx, store.FAQFilter{ShopID: a.ID, Limit: 2})
		checkErr(t, "ListFAQs", err, nil)
		diff(t, "second page", []string{"ship"}, keys(store.FAQFilter{Before: first[1].ID}))
	})
	t.Run("live FAQs of the shop only", func(t *testing.T) {
		live, err := e.s.LiveFAQs(e.ctx, a.ID)
		checkErr(t, "LiveFAQs", err, nil)
		if len(live) != 1 || live[0].Key != "ship" || live[0].Live.Question != "多久发货" {
			t.Fatalf("live %+v", live)
		}
		counts, err := e.s.CountFAQs(e.ctx, a.ID)
		checkErr(t, "CountFAQs", err, nil)
		diff(t, "counts", map[model.FAQStatus]int{model.FAQPublished: 1, model.FAQDraft: 2}, counts)
	})
}

// testKBTransaction: a batch is applied whole or not at all.
func testKBTransaction(t *testing.T, e *env) {
	a := e.shop("a")
	boom := errors.New("row 3 is bad")
	err := e.s.KB(e.ctx, a.ID, 1, func(tx store.KBTx) error {
		for i := range 2 {
			if _, err := tx.CreateFAQ(e.ctx, model.FAQ{Key: fmt.Sprint("k", i), Content: content(fmt.Sprint("问题", i)), Status: model.FAQDraft}, "import"); err != nil {
				return err
			}
		}
		return boom
	})
	checkErr(t, "KB", err, boom)
	counts, err := e.s.CountFAQs(e.ctx, a.ID)
	checkErr(t, "CountFAQs", err, nil)
	if len(counts) != 0 {
		t.Fatalf("a failed batch left FAQs: %v", counts)
	}
	err = e.s.KB(e.ctx, a.ID, 1, func(tx store.KBTx) error {
		f, err := tx.CreateFAQ(e.ctx, model.FAQ{Key: "k", Content: content("问题"), Status: model.FAQDraft}, "import")
		if err != nil {
			return err
		}
		got, err := tx.GetFAQByKey(e.ctx, "k")
		if err != nil || got.ID != f.ID {
			return fmt.Errorf("read own write: %+v %w", got, err)
		}
		return nil
	})
	checkErr(t, "KB", err, nil)
}

func testKBCategories(t *testing.T, e *env) {
	a, b := e.shop("a"), e.shop("b")
	top, err := e.s.CreateCategory(e.ctx, model.Category{ShopID: a.ID, Name: "售后"})
	checkErr(t, "CreateCategory", err, nil)
	sub, err := e.s.CreateCategory(e.ctx, model.Category{ShopID: a.ID, ParentID: top.ID, Name: "退货"})
	checkErr(t, "CreateCategory", err, nil)
	_, err = e.s.CreateCategory(e.ctx, model.Category{ShopID: a.ID, ParentID: top.ID, Name: "退货"})
	checkErr(t, "CreateCategory with a taken name", err, store.ErrConflict)
	_, err = e.s.CreateCategory(e.ctx, model.Category{ShopID: b.ID, ParentID: top.ID, Name: "x"})
	checkErr(t, "CreateCategory under another shop's category", err, store.ErrNotFound)
	err = e.s.UpdateCategory(e.ctx, model.Category{ID: top.ID, ShopID: a.ID, ParentID: sub.ID, Name: "售后"})
	checkErr(t, "moving a category under its child", err, store.ErrConflict)
	err = e.s.UpdateCategory(e.ctx, model.Category{ID: sub.ID, ShopID: b.ID, Name: "y"})
	checkErr(t, "UpdateCategory from another shop", err, store.ErrNotFound)
	err = e.s.DeleteCategory(e.ctx, a.ID, top.ID)
	checkErr(t, "deleting a category with a child", err, store.ErrConflict)
	c := content("怎么退货")
	c.CategoryID = sub.ID
	f := e.kbCreate(a.ID, model.FAQ{Key: "r", Content: c, Status: model.FAQDraft})
	err = e.s.DeleteCategory(e.ctx, a.ID, sub.ID)
	checkErr(t, "deleting a category with a FAQ", err, store.ErrConflict)
	err = e.s.KB(e.ctx, a.ID, 1, func(tx store.KBTx) error { return tx.DeleteFAQ(e.ctx, f.ID, "delete") })
	checkErr(t, "DeleteFAQ", err, nil)
	checkErr(t, "DeleteCategory", e.s.DeleteCategory(e.ctx, a.ID, sub.ID), nil)
	cats, err := e.s.ListCategories(e.ctx, a.ID)
	checkErr(t, "ListCategories", err, nil)
	if len(cats) != 1 || cats[0].ID != top.ID {
		t.Fatalf("categories %+v", cats)
	}
	if other, _ := e.s.ListCategories(e.ctx, b.ID); len(other) != 0 {
		t.Fatalf("another shop sees %+v", other)
	}
}

func testKBShopSettings(t *testing.T, e *env) {
	a, b := e.shop("a"), e.shop("b")
	groups := [][]string{{"衣服", "衣裳"}, {"ship", "send"}}
	checkErr(t, "PutSynonyms", e.s.PutSynonyms(e.ctx, a.ID, groups), nil)
	got, err := e.s.Synonyms(e.ctx, a.ID)
	checkErr(t, "Synonyms", err, nil)
	diff(t, "synonyms", groups, got)
	checkErr(t, "PutSynonyms", e.s.PutSynonyms(e.ctx, a.ID, groups[:1]), nil)
	got, _ = e.s.Synonyms(e.ctx, a.ID)
	diff(t, "replaced synonyms", groups[:1], got)
	if other, _ := e.s.Synonyms(e.ctx, b.ID); len(other) != 0 {
		t.Fatalf("another shop sees synonyms %v", other)
	}

	intents := []store.IntentExamples{{Intent: "greeting", Examples: []string{"哈喽"}}, {Intent: "vip", Category: "presale", Priority: 3, Examples: []string{"会员价"}}}
	checkErr(t, "PutShopIntents", e.s.PutShopIntents(e.ctx, a.ID, intents), nil)
	gotIntents, err := e.s.ShopIntents(e.ctx, a.ID)
	checkErr(t, "ShopIntents", err, nil)
	diff(t, "intents", intents, gotIntents)
	err = e.s.PutShopIntents(e.ctx, a.ID, []store.IntentExamples{intents[0], intents[0]})
	checkErr(t, "PutShopIntents with an intent twice", err, store.ErrConflict)
	gotIntents, _ = e.s.ShopIntents(e.ctx, a.ID)
	diff(t, "intents after a refused put", intents, gotIntents)

	_, err = e.s.BotSettings(e.ctx, a.ID)
	checkErr(t, "BotSettings never saved", err, store.ErrNotFound)
	checkErr(t, "PutBotSettings", e.s.PutBotSettings(e.ctx, a.ID, `{"mode":"assist"}`), nil)
	checkErr(t, "PutBotSettings", e.s.PutBotSettings(e.ctx, a.ID, `{"mode":"auto"}`), nil)
	raw, err := e.s.BotSettings(e.ctx, a.ID)
	checkErr(t, "BotSettings", err, nil)
	if raw != `{"mode":"auto"}` {
		t.Fatalf("settings %s", raw)
	}
	_, err = e.s.BotSettings(e.ctx, b.ID)
	checkErr(t, "BotSettings of another shop", err, store.ErrNotFound)
}

func testKBPacks(t *testing.T, e *env) {
	a, b := e.shop("a"), e.shop("b")
	var upID int64
	err := e.s.KB(e.ctx, a.ID, 1, func(tx store.KBTx) error {
		if err := tx.SetPack(e.ctx, store.ShopPack{PackID: "general", Version: 1}); err != nil {
			return err
		}
		if err := tx.SetPack(e.ctx, store.ShopPack{PackID: "general", Version: 2}); err != nil {
			return err
		}
		var err error
		upID, err = tx.RecordPackUpgrade(e.ctx, store.PackUpgrade{PackID: "general", FromVersion: 1, ToVersion: 2, Snapshot: "[]"})
		return err
	})
	checkErr(t, "pack transaction", err, nil)
	packs, err := e.s.ShopPacks(e.ctx, a.ID)
	checkErr(t, "ShopPacks", err, nil)
	if len(packs) != 1 || packs[0].Version != 2 {
		t.Fatalf("packs %+v", packs)
	}
	up, err := e.s.LastPackUpgrade(e.ctx, a.ID, "general")
	checkErr(t, "LastPackUpgrade", err, nil)
	if up.ID != upID || up.FromVersion != 1 || up.ToVersion != 2 || up.Snapshot != "[]" {
		t.Fatalf("upgrade %+v", up)
	}
	_, err = e.s.LastPackUpgrade(e.ctx, b.ID, "general")
	checkErr(t, "LastPackUpgrade of another shop", err, store.ErrNotFound)
	err = e.s.KB(e.ctx, b.ID, 1, func(tx store.KBTx) error { return tx.MarkPackUpgradeRolledBack(e.ctx, upID) })
	checkErr(t, "rolling back another shop's upgrade", err, store.ErrNotFound)
	err = e.s.KB(e.ctx, a.ID, 1, func(tx store.KBTx) error {
		if err := tx.MarkPackUpgradeRolledBack(e.ctx, upID); err != nil {
			return err
		}
		return tx.MarkPackUpgradeRolledBack(e.ctx, upID)
	})
	checkErr(t, "rolling back twice", err, store.ErrNotFound)
	err = e.s.KB(e.ctx, a.ID, 1, func(tx store.KBTx) error { return tx.MarkPackUpgradeRolledBack(e.ctx, upID) })
	checkErr(t, "MarkPackUpgradeRolledBack", err, nil)
	_, err = e.s.LastPackUpgrade(e.ctx, a.ID, "general")
	checkErr(t, "LastPackUpgrade after rollback", err, store.ErrNotFound)
	err = e.s.KB(e.ctx, a.ID, 1, func(tx store.KBTx) error { return tx.RemovePack(e.ctx, "general") })
	checkErr(t, "RemovePack", err, nil)
	err = e.s.KB(e.ctx, a.ID, 1, func(tx store.KBTx) error { return tx.RemovePack(e.ctx, "general") })
	checkErr(t, "RemovePack twice", err, store.ErrNotFound)
}
