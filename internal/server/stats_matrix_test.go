package server

import (
	"context"
	"fmt"
	"testing"

	"github.com/xiaoer-cs/xiaoer/internal/auth"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// reportReaders hold reports.read; the knowledge-gap drafts are also
// open to kb.manage, which the same built-in roles hold.
var reportReaders = []string{auth.RoleSupervisor, auth.RoleAdmin, auth.RoleOwner}

// gap makes an open knowledge-gap draft in shop with a question no FAQ has.
func (f *fixtures) gap(t *testing.T, shop string) store.Gap {
	t.Helper()
	draft := fmt.Sprintf(`{"question":%q,"similar":[%q],"answer":"草稿答案"}`, f.unique("缺口问题"), f.unique("缺口问法"))
	gs, err := f.env.db.SaveGaps(context.Background(), f.env.shops[shop].ID, []store.Gap{{Kind: store.GapNew, Draft: draft, Buyers: 2, Asks: 3}})
	if err != nil {
		t.Fatal(err)
	}
	return gs[0]
}

// statsAccessTable is the access decision for the statistics routes.
func statsAccessTable(t *testing.T) map[string]access {
	inShop := func(rest string) func(*matrix, caller, int64) matrixReq {
		return func(_ *matrix, _ caller, shop int64) matrixReq { return matrixReq{path: shopURL(shop, rest)} }
	}
	gapURL := func(rest string) func(*matrix, caller, int64) matrixReq {
		return func(m *matrix, _ caller, shop int64) matrixReq {
			return matrixReq{path: shopURL(shop, fmt.Sprintf("/stats/gaps/%d%s", m.f.gap(t, "alpha").ID, rest))}
		}
	}
	table := map[string]access{
		"GET /api/v1/shops/{shop}/stats/live":     {who: member, ok: 200, allow: reportReaders, req: inShop("/stats/live")},
		"GET /api/v1/shops/{shop}/stats/settings": {who: member, ok: 200, allow: botReaders, req: inShop("/stats/settings")},
		"PUT /api/v1/shops/{shop}/stats/settings": {who: member, ok: 200, allow: botSettings, req: func(_ *matrix, _ caller, shop int64) matrixReq {
			return matrixReq{path: shopURL(shop, "/stats/settings"), body: map[string]any{"unanswered_days": 90}}
		}},
		"GET /api/v1/shops/{shop}/stats/gaps":               {who: member, ok: 200, allow: reportReaders, req: inShop("/stats/gaps")},
		"GET /api/v1/shops/{shop}/stats/gaps/{id}":          {who: member, ok: 200, allow: reportReaders, foreign: 404, req: gapURL("")},
		"POST /api/v1/shops/{shop}/stats/gaps/refresh":      {who: member, ok: 200, allow: kbManagers, req: inShop("/stats/gaps/refresh")},
		"POST /api/v1/shops/{shop}/stats/gaps/{id}/approve": {who: member, ok: 200, allow: kbManagers, foreign: 404, req: gapURL("/approve")},
		"POST /api/v1/shops/{shop}/stats/gaps/{id}/dismiss": {who: member, ok: 200, allow: kbManagers, foreign: 404, req: gapURL("/dismiss")},
	}
	for _, name := range []string{"overview", "conversations", "bot", "handoffs", "satisfaction", "times", "agents", "intents", "faqs"} {
		table["GET /api/v1/shops/{shop}/stats/"+name] = access{who: member, ok: 200, allow: reportReaders, req: inShop("/stats/" + name + "?format=csv")}
	}
	return table
}
