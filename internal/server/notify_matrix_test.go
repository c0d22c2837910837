package server

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/xiaoer-cs/xiaoer/internal/notify"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// unreachable is where the matrix's channels and webhooks point: loopback,
// which the server refuses to dial, so a test send goes nowhere.
const unreachable = "http://127.0.0.1:9/hook"

// notifyAccessTable is the access decision for the notification routes:
// every member with the workbench keeps their own preferences; the shop's
// defaults, channels, webhooks and deliveries are settings.
func notifyAccessTable(t *testing.T) map[string]access {
	inShop := func(rest string, body any) func(*matrix, caller, int64) matrixReq {
		return func(_ *matrix, _ caller, shop int64) matrixReq {
			return matrixReq{path: shopURL(shop, rest), body: body}
		}
	}
	var n atomic.Int64
	prefs := func() notify.Preferences { // different each time, so each save changes something
		p := notify.DefaultPreferences()
		p.WaitMinutes = int(n.Add(1)%1000) + 1
		return p
	}
	channel := func(m *matrix) notify.ChannelView {
		name, url := m.f.unique("群"), unreachable
		c, err := m.env.srv.notify.CreateChannel(context.Background(), m.env.shops["alpha"].ID,
			notify.ChannelInput{Kind: notify.KindDingTalk, Name: &name, URL: &url})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	webhook := func(m *matrix) notify.WebhookView {
		name, url := m.f.unique("ERP"), unreachable
		h, err := m.env.srv.notify.CreateWebhook(context.Background(), m.env.shops["alpha"].ID,
			notify.WebhookInput{Name: &name, URL: &url, Events: []string{"message.created"}})
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	// A shop holds at most 50 of each: the calls that keep their target
	// share one per matrix, only deletions get a fresh one.
	var sharedChannel, sharedWebhook map[*matrix]int64 = map[*matrix]int64{}, map[*matrix]int64{}
	channelID := func(m *matrix, fresh bool) int64 {
		if id, ok := sharedChannel[m]; ok && !fresh {
			return id
		}
		id := channel(m).ID
		if !fresh {
			sharedChannel[m] = id
		}
		return id
	}
	webhookID := func(m *matrix, fresh bool) int64 {
		if id, ok := sharedWebhook[m]; ok && !fresh {
			return id
		}
		id := webhook(m).ID
		if !fresh {
			sharedWebhook[m] = id
		}
		return id
	}
	onChannel := func(rest string, body any) func(*matrix, caller, int64) matrixReq {
		return func(m *matrix, _ caller, shop int64) matrixReq {
			id := channelID(m, rest == "" && body == nil)
			return matrixReq{path: shopURL(shop, fmt.Sprintf("/notifications/channels/%d%s", id, rest)), body: body}
		}
	}
	onWebhook := func(rest string, body any) func(*matrix, caller, int64) matrixReq {
		return func(m *matrix, _ caller, shop int64) matrixReq {
			id := webhookID(m, rest == "" && body == nil)
			return matrixReq{path: shopURL(shop, fmt.Sprintf("/webhooks/%d%s", id, rest)), body: body}
		}
	}
	return map[string]access{
		"GET /api/v1/shops/{shop}/notifications/me": {who: member, ok: 200, allow: anyMember, req: inShop("/notifications/me", nil)},
		"PUT /api/v1/shops/{shop}/notifications/me": {who: member, ok: 200, allow: anyMember,
			req: func(_ *matrix, _ caller, shop int64) matrixReq {
				return matrixReq{path: shopURL(shop, "/notifications/me"), body: prefs()}
			}},
		// The caller saves their own first, so the reset changes something.
		"DELETE /api/v1/shops/{shop}/notifications/me": {who: member, ok: 200, allow: anyMember,
			req: func(m *matrix, c caller, shop int64) matrixReq {
				if c.acct.ID != 0 {
					if _, err := m.env.srv.notify.SetPreferences(context.Background(), shop, c.acct.ID, prefs()); err != nil {
						t.Fatal(err)
					}
				}
				return matrixReq{path: shopURL(shop, "/notifications/me")}
			}},
		"GET /api/v1/shops/{shop}/notifications/defaults": {who: member, ok: 200, allow: settingsMen, req: inShop("/notifications/defaults", nil)},
		"PUT /api/v1/shops/{shop}/notifications/defaults": {who: member, ok: 200, allow: settingsMen,
			req: func(_ *matrix, _ caller, shop int64) matrixReq {
				return matrixReq{path: shopURL(shop, "/notifications/defaults"), body: prefs()}
			}},
		"GET /api/v1/shops/{shop}/notifications/channels": {who: member, ok: 200, allow: settingsMen, req: inShop("/notifications/channels", nil)},
		"POST /api/v1/shops/{shop}/notifications/channels": {who: member, ok: 201, allow: settingsMen,
			req: inShop("/notifications/channels", map[string]any{"kind": "wecom", "name": "企微群", "url": unreachable + "?key=k"})},
		"PATCH /api/v1/shops/{shop}/notifications/channels/{id}": {who: member, ok: 200, allow: settingsMen, foreign: 404,
			req: onChannel("", map[string]any{"name": "改名"})},
		"DELETE /api/v1/shops/{shop}/notifications/channels/{id}": {who: member, ok: 204, allow: settingsMen, foreign: 404,
			req: onChannel("", nil)},
		"POST /api/v1/shops/{shop}/notifications/channels/{id}/test": {who: member, ok: 200, allow: settingsMen, foreign: 404,
			req: onChannel("/test", nil)},
		"GET /api/v1/shops/{shop}/webhooks": {who: member, ok: 200, allow: settingsMen, req: inShop("/webhooks", nil)},
		"POST /api/v1/shops/{shop}/webhooks": {who: member, ok: 201, allow: settingsMen,
			req: inShop("/webhooks", map[string]any{"name": "ERP", "url": unreachable, "events": []string{"conversation.closed"}})},
		"PATCH /api/v1/shops/{shop}/webhooks/{id}": {who: member, ok: 200, allow: settingsMen, foreign: 404,
			req: onWebhook("", map[string]any{"enabled": false})},
		"DELETE /api/v1/shops/{shop}/webhooks/{id}": {who: member, ok: 204, allow: settingsMen, foreign: 404, req: onWebhook("", nil)},
		"POST /api/v1/shops/{shop}/webhooks/{id}/secret": {who: member, ok: 200, allow: settingsMen, foreign: 404,
			req: onWebhook("/secret", nil)},
		"POST /api/v1/shops/{shop}/webhooks/{id}/test": {who: member, ok: 200, allow: settingsMen, foreign: 404,
			req: onWebhook("/test", nil)},
		"GET /api/v1/shops/{shop}/deliveries": {who: member, ok: 200, allow: settingsMen, req: inShop("/deliveries?status=failed", nil)},
		"POST /api/v1/shops/{shop}/deliveries/{id}/retry": {who: member, ok: 200, allow: settingsMen, foreign: 404,
			req: func(m *matrix, _ caller, shop int64) matrixReq {
				return matrixReq{path: shopURL(shop, fmt.Sprintf("/deliveries/%d/retry", failedDelivery(t, m.env.db, webhookID(m, false), m.env.shops["alpha"].ID)))}
			}},
	}
}

// failedDelivery makes a failed delivery to a target of the shop.
func failedDelivery(t *testing.T, db *store.DB, target, shopID int64) int64 {
	t.Helper()
	ctx := context.Background()
	if _, err := db.AddFact(ctx, store.Fact{ShopID: shopID, Kind: store.FactOffline}, ""); err != nil {
		t.Fatal(err)
	}
	fs, err := db.ListFacts(ctx, 1000)
	if err != nil {
		t.Fatal(err)
	}
	id := store.NewEventID()
	outs := []store.FanOut{}
	for _, f := range fs {
		outs = append(outs, store.FanOut{FactID: f.ID})
	}
	outs[len(outs)-1].Deliveries = []store.Delivery{{ShopID: shopID, TargetID: target, EventID: id, Kind: "message.created", Payload: "{}"}}
	if _, err := db.CommitFanOut(ctx, outs); err != nil {
		t.Fatal(err)
	}
	ds, err := db.ListDeliveries(ctx, store.DeliveryFilter{ShopID: shopID, TargetID: target, Limit: 1})
	if err != nil || len(ds) != 1 || ds[0].EventID != id {
		t.Fatalf("deliveries %v %v", ds, err)
	}
	if err := db.FinishDeliveries(ctx, []store.DeliveryResult{{ID: ds[0].ID, Status: store.DeliveryFailed, LastError: "HTTP 500"}}); err != nil {
		t.Fatal(err)
	}
	return ds[0].ID
}

// notifySnapshot is the notification state the CSRF test compares:
// preferences, targets (secrets included, so a rotation shows) and
// deliveries.
func notifySnapshot(t *testing.T, db *store.DB, shopID int64) string {
	ctx := context.Background()
	var s struct {
		Prefs      map[int64]string
		Targets    []store.NotifyTarget
		Deliveries []store.Delivery
	}
	var err error
	if s.Prefs, err = db.ListNotifyPrefs(ctx, shopID); err != nil {
		t.Fatal(err)
	}
	if s.Targets, err = db.ListNotifyTargets(ctx, shopID, ""); err != nil {
		t.Fatal(err)
	}
	if s.Deliveries, err = db.ListDeliveries(ctx, store.DeliveryFilter{ShopID: shopID, Limit: 500}); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
