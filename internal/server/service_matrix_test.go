package server

import (
	"context"
	"fmt"
	"testing"

	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// cannedFor stores a canned reply in alpha that c may change: their own,
// or the shop's for the custom role, which cannot reply and so has none.
func (m *matrix) cannedFor(t *testing.T, c caller) store.CannedReply {
	t.Helper()
	owner := c.acct.ID
	if c.role == roleCustom || c.shop != "alpha" {
		owner = 0
	}
	r, err := m.env.db.CreateCannedReply(context.Background(), store.CannedReply{ShopID: m.env.shops["alpha"].ID, AccountID: owner,
		Shortcut: m.f.unique("sc"), Body: "您好 {buyer_name}"})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// serviceAccessTable is the access decision for the routes of customer
// service: the reply pipeline, routing, transfer, the service view and
// canned replies.
func serviceAccessTable(t *testing.T) map[string]access {
	inShop := func(rest string, body any) func(*matrix, caller, int64) matrixReq {
		return func(_ *matrix, _ caller, shop int64) matrixReq {
			return matrixReq{path: shopURL(shop, rest), body: body}
		}
	}
	cannedURL := func(body func(m *matrix) any) func(*matrix, caller, int64) matrixReq {
		return func(m *matrix, c caller, shop int64) matrixReq {
			r := m.cannedFor(t, c)
			var b any
			if body != nil {
				b = body(m)
			}
			return matrixReq{path: shopURL(shop, fmt.Sprintf("/canned-replies/%d", r.ID)), body: b}
		}
	}
	pipeline := map[string]any{"rules": []map[string]any{{"name": "包邮", "match": "contains", "patterns": []string{"包邮"},
		"reply": map[string]string{"zh-CN": "全场包邮"}}}}
	return map[string]access{
		"POST /api/v1/shops/{shop}/conversations/{id}/transfer": {who: member, ok: 200, allow: repliers, foreign: 404,
			req: func(m *matrix, c caller, shop int64) matrixReq {
				g := m.f.group(t, "alpha")
				return matrixReq{path: m.convURL(t, shop, model.OwnerAgent, m.assignee(c), "/transfer"),
					body: map[string]any{"group_id": g, "note": "售后问题"}}
			}},
		"GET /api/v1/shops/{shop}/conversations/{id}/service": {who: member, ok: 200, allow: anyMember, foreign: 404,
			req: func(m *matrix, _ caller, shop int64) matrixReq {
				return matrixReq{path: m.convURL(t, shop, model.OwnerQueue, 0, "/service")}
			}},
		"GET /api/v1/shops/{shop}/conversations/{id}/canned-replies": {who: member, ok: 200, allow: repliers, foreign: 404,
			req: func(m *matrix, _ caller, shop int64) matrixReq {
				return matrixReq{path: m.convURL(t, shop, model.OwnerQueue, 0, "/canned-replies")}
			}},
		"GET /api/v1/shops/{shop}/canned-replies": {who: member, ok: 200, allow: anyMember, req: inShop("/canned-replies", nil)},
		"POST /api/v1/shops/{shop}/canned-replies": {who: member, ok: 201, allow: anyMember,
			req: func(m *matrix, c caller, shop int64) matrixReq {
				return matrixReq{path: shopURL(shop, "/canned-replies"),
					body: map[string]any{"shortcut": m.f.unique("k"), "body": "亲，在的", "personal": c.role != roleCustom}}
			}},
		"PUT /api/v1/shops/{shop}/canned-replies/{id}": {who: member, ok: 200, allow: anyMember, foreign: 404,
			req: cannedURL(func(m *matrix) any { return map[string]any{"shortcut": m.f.unique("new"), "body": "改过了"} })},
		"DELETE /api/v1/shops/{shop}/canned-replies/{id}": {who: member, ok: 204, allow: anyMember, foreign: 404, req: cannedURL(nil)},
		"GET /api/v1/shops/{shop}/bot/pipeline":           {who: member, ok: 200, allow: botReaders, req: inShop("/bot/pipeline", nil)},
		"PUT /api/v1/shops/{shop}/bot/pipeline":           {who: member, ok: 200, allow: botSettings, req: inShop("/bot/pipeline", pipeline)},
		"GET /api/v1/shops/{shop}/routing":                {who: member, ok: 200, allow: botReaders, req: inShop("/routing", nil)},
		"PUT /api/v1/shops/{shop}/routing": {who: member, ok: 200, allow: botSettings,
			req: inShop("/routing", map[string]any{"strategy": "least_busy", "escalate_minutes": 5})},
	}
}
