package server

import (
	"context"
	"fmt"
	"testing"

	"github.com/xiaoer-cs/xiaoer/internal/auth"
	"github.com/xiaoer-cs/xiaoer/internal/model"
)

var (
	panelReaders = []string{auth.RoleAgent, auth.RoleSupervisor, auth.RoleAdmin, auth.RoleOwner}
	phoneReaders = []string{auth.RoleSupervisor, auth.RoleAdmin, auth.RoleOwner}
)

// commerceAccessTable is the access decision for the shop-data routes. The
// API-key and webhook routes take no session: every session caller, in any
// role, gets 401 there.
func commerceAccessTable(t *testing.T) map[string]access {
	static := func(path string) func(*matrix, caller, int64) matrixReq {
		return func(*matrix, caller, int64) matrixReq { return matrixReq{path: path} }
	}
	inShop := func(rest string, body any) func(*matrix, caller, int64) matrixReq {
		return func(_ *matrix, _ caller, shop int64) matrixReq {
			return matrixReq{path: shopURL(shop, rest), body: body}
		}
	}
	rule := map[string]any{"rule": map[string]any{"field": "city", "op": "=", "value": "上海"}}
	return map[string]access{
		"GET /api/v1/shops/{shop}/conversations/{id}/panel": {who: member, ok: 200, allow: panelReaders, foreign: 404,
			req: func(m *matrix, _ caller, shop int64) matrixReq {
				return matrixReq{path: m.convURL(t, shop, model.OwnerQueue, 0, "/panel")}
			}},
		"POST /api/v1/shops/{shop}/buyers/{buyer}/phone": {who: member, ok: 200, allow: phoneReaders, foreign: 404,
			req: func(m *matrix, _ caller, shop int64) matrixReq {
				c := m.f.conversation(t, "alpha", model.OwnerQueue, 0, 0)
				return matrixReq{path: shopURL(shop, fmt.Sprintf("/buyers/%d/phone", c.BuyerID))}
			}},
		"GET /api/v1/shops/{shop}/api-keys":  {who: member, ok: 200, allow: managers, req: inShop("/api-keys", nil)},
		"POST /api/v1/shops/{shop}/api-keys": {who: member, ok: 201, allow: managers, req: inShop("/api-keys", map[string]any{"name": "ERP"})},
		"DELETE /api/v1/shops/{shop}/api-keys/{id}": {who: member, ok: 204, allow: managers, foreign: 404,
			req: func(m *matrix, _ caller, shop int64) matrixReq {
				k, err := m.env.srv.data.CreateAPIKey(context.Background(), m.env.shops["alpha"].ID, m.f.unique("key"), 0)
				if err != nil {
					t.Fatal(err)
				}
				return matrixReq{path: shopURL(shop, fmt.Sprintf("/api-keys/%d", k.APIKey.ID))}
			}},
		// Naming an entity in beta's URL imports into beta: nothing of alpha's.
		"POST /api/v1/shops/{shop}/import/{entity}": {who: member, ok: 200, allow: managers, foreign: 200,
			req: func(m *matrix, _ caller, shop int64) matrixReq {
				return matrixReq{path: shopURL(shop, "/import/buyers?format=jsonl"),
					body: fmt.Sprintf(`{"buyer_id":%q,"city":"上海"}`, m.f.unique("b"))}
			}},
		"GET /api/v1/shops/{shop}/export/{entity}": {who: member, ok: 200, allow: managers, foreign: 200,
			req: inShop("/export/buyers?format=csv", nil)},
		"GET /api/v1/shops/{shop}/tag-rules": {who: member, ok: 200, allow: managers, req: inShop("/tag-rules", nil)},
		"PUT /api/v1/shops/{shop}/tag-rules/{name}": {who: member, ok: 200, allow: managers, foreign: 200,
			req: func(m *matrix, _ caller, shop int64) matrixReq {
				return matrixReq{path: shopURL(shop, "/tag-rules/"+m.f.unique("上海客")), body: rule}
			}},
		"POST /api/v1/shops/{shop}/tag-rules/preview": {who: member, ok: 200, allow: managers, req: inShop("/tag-rules/preview", rule)},
		"DELETE /api/v1/shops/{shop}/tag-rules/{name}": {who: member, ok: 204, allow: managers, foreign: 404,
			req: func(m *matrix, _ caller, shop int64) matrixReq {
				name := m.f.unique("rule")
				if _, err := m.env.db.PutTagRule(context.Background(), model.TagRule{ShopID: m.env.shops["alpha"].ID, Name: name,
					Rule: `{"field":"city","op":"=","value":"上海"}`}); err != nil {
					t.Fatal(err)
				}
				return matrixReq{path: shopURL(shop, "/tag-rules/"+name)}
			}},
		"GET /api/v1/shops/{shop}/tag-settings": {who: member, ok: 200, allow: managers, req: inShop("/tag-settings", nil)},
		"PUT /api/v1/shops/{shop}/tag-settings": {who: member, ok: 200, allow: managers,
			req: func(m *matrix, _ caller, shop int64) matrixReq {
				return matrixReq{path: shopURL(shop, "/tag-settings"), body: model.TagSettings{HighValueFen: int64(50000 + m.f.n),
					RefundDays: 30, InactiveDays: 90, BadRating: 2}}
			}},

		"POST /api/v1/data/{entity}":     {who: apikey, ok: 401, allow: everyone, req: static("/api/v1/data/buyers")},
		"GET /api/v1/data/{entity}/{id}": {who: apikey, ok: 401, allow: everyone, req: static("/api/v1/data/buyers/b1")},
		"POST /api/v1/webhook":           {who: signed, ok: 401, allow: everyone, req: static("/api/v1/webhook")},
	}
}
