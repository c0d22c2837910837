package server

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/xiaoer-cs/xiaoer/internal/auth"
	"github.com/xiaoer-cs/xiaoer/internal/kb"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// readOnlyPosts are state-changing by method only: they store nothing the
// CSRF test's snapshot sees (an upload is a file, not a row; a rule
// preview saves nothing), so it cannot see a change after them.
var readOnlyPosts = map[string]bool{"POST /api/v1/shops/{shop}/kb/test": true, "POST /api/v1/shops/{shop}/uploads": true,
	"POST /api/v1/shops/{shop}/tag-rules/preview": true}

var (
	kbManagers  = []string{auth.RoleSupervisor, auth.RoleAdmin, auth.RoleOwner}
	botReaders  = []string{auth.RoleSupervisor, auth.RoleAdmin, auth.RoleOwner, roleCustom}
	botSettings = []string{auth.RoleAdmin, auth.RoleOwner, roleCustom}
)

// faq makes a published FAQ in shop with a question no other FAQ has.
func (f *fixtures) faq(t *testing.T, shop string) model.FAQ {
	t.Helper()
	q := f.unique("测试问题")
	faq, _, err := f.env.srv.kb.Create(context.Background(), f.env.shops[shop].ID, 0, kb.Input{Publish: true,
		Content: model.FAQContent{Question: q, Similar: []string{q + "呢"}, Answers: []model.Answer{{Type: "text", Text: "答案"}}}})
	if err != nil {
		t.Fatal(err)
	}
	return faq
}

// category makes a category in shop.
func (f *fixtures) category(t *testing.T, shop string) model.Category {
	t.Helper()
	c, err := f.env.db.CreateCategory(context.Background(), model.Category{ShopID: f.env.shops[shop].ID, Name: f.unique("分类")})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// packAt puts the test pack "shoes" in shop at version v (enabled).
func (f *fixtures) packAt(t *testing.T, shopID int64, v int) {
	t.Helper()
	err := f.env.db.KB(context.Background(), shopID, 0, func(tx store.KBTx) error {
		return tx.SetPack(context.Background(), store.ShopPack{PackID: "shoes", Version: v})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// kbSnapshot is the knowledge-base state the CSRF test compares.
func kbSnapshot(t *testing.T, db *store.DB, shopID int64) string {
	ctx := context.Background()
	var s struct {
		FAQs     []model.FAQ
		Cats     []model.Category
		Synonyms [][]string
		Intents  []store.IntentExamples
		Settings string
		Packs    []store.ShopPack
	}
	var err error
	if s.FAQs, err = db.ListFAQs(ctx, store.FAQFilter{ShopID: shopID, Limit: -1}); err != nil {
		t.Fatal(err)
	}
	if s.Cats, err = db.ListCategories(ctx, shopID); err != nil {
		t.Fatal(err)
	}
	if s.Synonyms, err = db.Synonyms(ctx, shopID); err != nil {
		t.Fatal(err)
	}
	if s.Intents, err = db.ShopIntents(ctx, shopID); err != nil {
		t.Fatal(err)
	}
	s.Settings, _ = db.BotSettings(ctx, shopID)
	if s.Packs, err = db.ShopPacks(ctx, shopID); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(s)
	return string(b)
}

// kbAccessTable is the access decision for the knowledge-base routes.
func kbAccessTable(t *testing.T) map[string]access {
	faqURL := func(rest string, body any) func(*matrix, caller, int64) matrixReq {
		return func(m *matrix, _ caller, shop int64) matrixReq {
			f := m.f.faq(t, "alpha")
			return matrixReq{path: shopURL(shop, fmt.Sprintf("/kb/faqs/%d%s", f.ID, rest)), body: body}
		}
	}
	inShop := func(rest string, body any) func(*matrix, caller, int64) matrixReq {
		return func(_ *matrix, _ caller, shop int64) matrixReq {
			return matrixReq{path: shopURL(shop, rest), body: body}
		}
	}
	catURL := func(body any) func(*matrix, caller, int64) matrixReq {
		return func(m *matrix, _ caller, shop int64) matrixReq {
			return matrixReq{path: shopURL(shop, fmt.Sprintf("/kb/categories/%d", m.f.category(t, "alpha").ID)), body: body}
		}
	}
	answer := []model.Answer{{Type: "text", Text: "答案"}}
	return map[string]access{
		"GET /api/v1/shops/{shop}/kb/categories": {who: member, ok: 200, allow: kbManagers, req: inShop("/kb/categories", nil)},
		"POST /api/v1/shops/{shop}/kb/categories": {who: member, ok: 201, allow: kbManagers, req: func(m *matrix, _ caller, shop int64) matrixReq {
			return matrixReq{path: shopURL(shop, "/kb/categories"), body: categoryRequest{Name: m.f.unique("类")}}
		}},
		"PATCH /api/v1/shops/{shop}/kb/categories/{id}": {who: member, ok: 200, allow: kbManagers, foreign: 404,
			req: func(m *matrix, c caller, shop int64) matrixReq {
				return catURL(categoryRequest{Name: m.f.unique("改名")})(m, c, shop)
			}},
		"DELETE /api/v1/shops/{shop}/kb/categories/{id}": {who: member, ok: 204, allow: kbManagers, foreign: 404, req: catURL(nil)},
		"GET /api/v1/shops/{shop}/kb/faqs":               {who: member, ok: 200, allow: kbManagers, req: inShop("/kb/faqs?q=测试", nil)},
		"POST /api/v1/shops/{shop}/kb/faqs": {who: member, ok: 201, allow: kbManagers, req: func(m *matrix, _ caller, shop int64) matrixReq {
			return matrixReq{path: shopURL(shop, "/kb/faqs"), body: faqSaveRequest{FAQContent: model.FAQContent{Question: m.f.unique("新问题"), Answers: answer}}}
		}},
		"GET /api/v1/shops/{shop}/kb/faqs/{id}": {who: member, ok: 200, allow: kbManagers, foreign: 404, req: faqURL("", nil)},
		"PUT /api/v1/shops/{shop}/kb/faqs/{id}": {who: member, ok: 200, allow: kbManagers, foreign: 404,
			req: func(m *matrix, _ caller, shop int64) matrixReq {
				f := m.f.faq(t, "alpha")
				c := f.Content
				c.Similar = append(c.Similar, m.f.unique("又一种问法"))
				return matrixReq{path: shopURL(shop, fmt.Sprintf("/kb/faqs/%d", f.ID)), body: faqSaveRequest{FAQContent: c, Revision: f.Revision}}
			}},
		"DELETE /api/v1/shops/{shop}/kb/faqs/{id}":         {who: member, ok: 204, allow: kbManagers, foreign: 404, req: faqURL("", nil)},
		"POST /api/v1/shops/{shop}/kb/faqs/{id}/publish":   {who: member, ok: 200, allow: kbManagers, foreign: 404, req: faqURL("/publish", nil)},
		"POST /api/v1/shops/{shop}/kb/faqs/{id}/unpublish": {who: member, ok: 200, allow: kbManagers, foreign: 404, req: faqURL("/unpublish", nil)},
		"GET /api/v1/shops/{shop}/kb/faqs/{id}/history":    {who: member, ok: 200, allow: kbManagers, foreign: 404, req: faqURL("/history", nil)},
		"POST /api/v1/shops/{shop}/kb/faqs/{id}/revert":    {who: member, ok: 200, allow: kbManagers, foreign: 404, req: faqURL("/revert", revertRequest{Revision: 1})},
		"GET /api/v1/shops/{shop}/kb/export":               {who: member, ok: 200, allow: kbManagers, req: inShop("/kb/export?format=csv", nil)},
		"POST /api/v1/shops/{shop}/kb/test":                {who: member, ok: 200, allow: kbManagers, req: inShop("/kb/test", testRequest{Text: "多久发货"})},
		"GET /api/v1/shops/{shop}/kb/synonyms":             {who: member, ok: 200, allow: kbManagers, req: inShop("/kb/synonyms", nil)},
		"PUT /api/v1/shops/{shop}/kb/synonyms":             {who: member, ok: 200, allow: kbManagers, req: inShop("/kb/synonyms", synonymsRequest{Groups: [][]string{{"衣服", "衣裳"}}})},
		"GET /api/v1/shops/{shop}/kb/intents":              {who: member, ok: 200, allow: kbManagers, req: inShop("/kb/intents", nil)},
		"GET /api/v1/shops/{shop}/kb/packs":                {who: member, ok: 200, allow: kbManagers, req: inShop("/kb/packs", nil)},
		"GET /api/v1/shops/{shop}/bot/settings":            {who: member, ok: 200, allow: botReaders, req: inShop("/bot/settings", nil)},
		"PUT /api/v1/shops/{shop}/bot/settings":            {who: member, ok: 200, allow: botSettings, req: inShop("/bot/settings", map[string]any{"mode": "assist"})},
		"PUT /api/v1/shops/{shop}/kb/intents": {who: member, ok: 200, allow: kbManagers,
			req: inShop("/kb/intents", intentsRequest{Intents: []store.IntentExamples{{Intent: "greeting", Examples: []string{"哈喽亲"}}}})},
		"POST /api/v1/shops/{shop}/kb/import": {who: member, ok: 200, allow: kbManagers, req: func(m *matrix, _ caller, shop int64) matrixReq {
			return matrixReq{path: shopURL(shop, "/kb/import?format=csv"), body: "id,question,answer_zh\n" + m.f.unique("imp") + ",导入的问题,导入的答案\n"}
		}},
		"GET /api/v1/shops/{shop}/conversations/{id}/suggestions": {who: member, ok: 200, allow: repliers, foreign: 404,
			req: func(m *matrix, c caller, shop int64) matrixReq {
				return matrixReq{path: m.convURL(t, shop, model.OwnerAgent, m.assignee(c), "/suggestions")}
			}},
		"GET /api/v1/shops/{shop}/system":          {who: member, ok: 200, allow: botSettings, req: inShop("/system", nil)},
		"POST /api/v1/shops/{shop}/system/backups": {who: member, ok: 201, allow: []string{auth.RoleOwner}, req: inShop("/system/backups", nil)},
		// Packs are the binary's, not a shop's: every shop names the same ones.
		"POST /api/v1/shops/{shop}/kb/packs/{pack}/enable": {who: member, ok: 200, allow: kbManagers, foreign: 200,
			req: func(m *matrix, _ caller, shop int64) matrixReq {
				_ = m.env.db.KB(context.Background(), shop, 0, func(tx store.KBTx) error { return tx.RemovePack(context.Background(), "shoes") })
				return matrixReq{path: shopURL(shop, "/kb/packs/shoes/enable")}
			}},
		"GET /api/v1/shops/{shop}/kb/packs/{pack}/upgrade": {who: member, ok: 200, allow: kbManagers, foreign: 200,
			req: func(m *matrix, _ caller, shop int64) matrixReq {
				m.f.packAt(t, shop, 1)
				return matrixReq{path: shopURL(shop, "/kb/packs/shoes/upgrade")}
			}},
		"POST /api/v1/shops/{shop}/kb/packs/{pack}/upgrade": {who: member, ok: 200, allow: kbManagers, foreign: 200,
			req: func(m *matrix, _ caller, shop int64) matrixReq {
				m.f.packAt(t, shop, 1)
				return matrixReq{path: shopURL(shop, "/kb/packs/shoes/upgrade")}
			}},
		"POST /api/v1/shops/{shop}/kb/packs/{pack}/rollback": {who: member, ok: 204, allow: kbManagers, foreign: 204,
			req: func(m *matrix, _ caller, shop int64) matrixReq {
				m.f.packAt(t, shop, 1)
				if _, err := m.env.srv.kb.Upgrade(context.Background(), shop, 0, "shoes"); err != nil {
					t.Fatal(err)
				}
				return matrixReq{path: shopURL(shop, "/kb/packs/shoes/rollback")}
			}},
	}
}
