package commerce_test

import (
	"encoding/json"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/commerce"
	"github.com/xiaoer-cs/xiaoer/internal/model"
)

func TestSignWorkedExample(t *testing.T) {
	// The worked example of docs/integration.md.
	got := commerce.Sign("xws_example_secret", 1748779200, []byte(`{"id":"d1","events":[]}`))
	// Computed independently: printf '%s' '1748779200.{"id":"d1","events":[]}' |
	//   openssl dgst -sha256 -hmac xws_example_secret
	if want := "sha256=43090e0fa3da8ad4314f91f19c2499582fbbad4fe8511c6afd64c381d2410a0a"; got != want {
		t.Fatalf("signature %q, want %q", got, want)
	}
}

func TestWebhook(t *testing.T) {
	f := newFixture(t, 0)
	ctx := t.Context()
	key, err := f.svc.CreateAPIKey(ctx, f.a.ID, "ERP", 0)
	if err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatInt(key.APIKey.ID, 10)
	body := func(delivery string, events ...commerce.DeliveryEvent) []byte {
		b, _ := json.Marshal(commerce.Delivery{ID: delivery, Events: events})
		return b
	}
	ev := func(e commerce.Entity, v any) commerce.DeliveryEvent {
		b, _ := json.Marshal(v)
		return commerce.DeliveryEvent{Entity: e, Data: b}
	}
	bad := order("O2", "u1", model.OrderPaid, day(-1), 100)
	bad.Items = nil
	good := body("d1", ev(commerce.Orders, order("O1", "u1", model.OrderPaid, day(-1), 100)), ev(commerce.Orders, bad),
		ev(commerce.Buyers, model.BuyerProfile{ExternalID: "u1", City: "上海"}), ev("parcels", map[string]string{}))
	now := f.clk.now().Unix()
	deliver := func(ts int64, sig string, b []byte) ([]commerce.EventResult, error) {
		k, err := f.svc.VerifyWebhook(ctx, id, strconv.FormatInt(ts, 10), sig, b)
		if err != nil {
			return nil, err
		}
		var d commerce.Delivery
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatal(err)
		}
		return f.svc.Deliver(ctx, k.ShopID, sig, d)
	}

	res, err := deliver(now, commerce.Sign(key.SigningSecret, now, good), good)
	if err != nil {
		t.Fatal(err)
	}
	outcomes := []string{}
	for _, r := range res {
		outcomes = append(outcomes, r.Outcome)
	}
	if want := []string{"created", "rejected", "created", "rejected"}; !equal(outcomes, want) || res[1].Problems[0].Field != "items" {
		t.Errorf("results %+v, want outcomes %v and the bad order's problem on items", res, want)
	}

	f.clk.advance(time.Second)
	later := f.clk.now().Unix()
	other := body("d2", ev(commerce.Buyers, model.BuyerProfile{ExternalID: "u2"}))
	tests := []struct {
		name string
		ts   int64
		sig  string
		body []byte
		want error
	}{
		{"same delivery again", now, commerce.Sign(key.SigningSecret, now, good), good, commerce.ErrReplayed},
		{"same id, new signature", later, commerce.Sign(key.SigningSecret, later, good), good, commerce.ErrReplayed},
		{"signed with another secret", later, commerce.Sign("xws_wrong", later, other), other, commerce.ErrBadSignature},
		{"body changed after signing", later, commerce.Sign(key.SigningSecret, later, good), other, commerce.ErrBadSignature},
		{"too old", later - 400, commerce.Sign(key.SigningSecret, later-400, other), other, commerce.ErrStaleRequest},
		{"from the future", later + 400, commerce.Sign(key.SigningSecret, later+400, other), other, commerce.ErrStaleRequest},
		{"fresh delivery", later, commerce.Sign(key.SigningSecret, later, other), other, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := deliver(tt.ts, tt.sig, tt.body); !errors.Is(err, tt.want) {
				t.Errorf("err %v, want %v", err, tt.want)
			}
		})
	}
	if _, err := f.svc.VerifyWebhook(ctx, "999", strconv.FormatInt(later, 10), "x", other); !errors.Is(err, commerce.ErrBadKey) {
		t.Errorf("unknown key: %v", err)
	}
	if err := f.db.RevokeAPIKey(ctx, f.a.ID, key.APIKey.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.VerifyWebhook(ctx, id, strconv.FormatInt(later, 10), commerce.Sign(key.SigningSecret, later, other), other); !errors.Is(err, commerce.ErrBadKey) {
		t.Errorf("revoked key: %v", err)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestAuthenticate(t *testing.T) {
	f := newFixture(t, 0)
	key, err := f.svc.CreateAPIKey(t.Context(), f.a.ID, "ERP", 0)
	if err != nil {
		t.Fatal(err)
	}
	if k, err := f.svc.Authenticate(t.Context(), key.Key); err != nil || k.ShopID != f.a.ID {
		t.Fatalf("the key: %+v, %v", k, err)
	}
	if key.APIKey.Hash == key.Key || key.APIKey.Prefix != key.Key[:11] {
		t.Errorf("stored %+v: want a hash and an 11-character prefix", key.APIKey)
	}
	for _, bad := range []string{"", "xk_nope", key.Key + "x", key.SigningSecret} {
		if _, err := f.svc.Authenticate(t.Context(), bad); !errors.Is(err, commerce.ErrBadKey) {
			t.Errorf("key %q: %v, want ErrBadKey", bad, err)
		}
	}
}
