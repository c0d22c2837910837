package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// WebhookInput creates or changes a webhook to the merchant's systems. On
// a change, a field left out keeps its value.
type WebhookInput struct {
	Name    *string  `json:"name"`
	URL     *string  `json:"url"`
	Events  []string `json:"events"`
	Enabled *bool    `json:"enabled"`
}

// WebhookView is a webhook as the API shows it: the URL with its query
// values masked (a token may hide there). Secret is there only in the
// answer that made it (creation or rotation): it is never shown again.
type WebhookView struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	URL       string    `json:"url"`
	Events    []string  `json:"events"`
	Enabled   bool      `json:"enabled"`
	Secret    string    `json:"secret,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func webhookView(t store.NotifyTarget) WebhookView {
	ev := decodeEvents(t)
	if ev == nil {
		ev = []string{}
	}
	return WebhookView{ID: t.ID, Name: t.Name, URL: maskURL(KindWebhook, decodeConfig(t).URL), Events: ev, Enabled: t.Enabled,
		CreatedAt: t.CreatedAt.UTC(), UpdatedAt: t.UpdatedAt.UTC()}
}

// newWebhookSecret makes a signing secret: "whsec_" and 48 hex digits.
func newWebhookSecret() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return "whsec_" + hex.EncodeToString(b[:])
}

// Webhooks lists a shop's webhooks.
func (s *Service) Webhooks(ctx context.Context, shopID int64) ([]WebhookView, error) {
	ts, err := s.st.ListNotifyTargets(ctx, shopID, store.PurposeWebhook)
	if err != nil {
		return nil, err
	}
	out := make([]WebhookView, 0, len(ts))
	for _, t := range ts {
		out = append(out, webhookView(t))
	}
	return out, nil
}

// Webhook reads one webhook of the shop.
func (s *Service) Webhook(ctx context.Context, shopID, id int64) (WebhookView, error) {
	t, err := s.target(ctx, shopID, id, store.PurposeWebhook)
	return webhookView(t), err
}

// CreateWebhook adds a webhook with a fresh signing secret, shown in the
// answer only.
func (s *Service) CreateWebhook(ctx context.Context, shopID int64, in WebhookInput) (WebhookView, error) {
	if err := s.checkCount(ctx, shopID, store.PurposeWebhook); err != nil {
		return WebhookView{}, err
	}
	t := store.NotifyTarget{ShopID: shopID, Purpose: store.PurposeWebhook, Kind: KindWebhook, Enabled: true, Secret: newWebhookSecret()}
	if in.Name == nil {
		in.Name = new(string)
	}
	if err := applyWebhook(&t, in, true); err != nil {
		return WebhookView{}, err
	}
	t, err := s.st.CreateNotifyTarget(ctx, t)
	if err != nil {
		return WebhookView{}, err
	}
	v := webhookView(t)
	v.Secret = t.Secret
	return v, s.RefreshSubscriptions(ctx, shopID)
}

// UpdateWebhook changes a webhook; its secret stays.
func (s *Service) UpdateWebhook(ctx context.Context, shopID, id int64, in WebhookInput) (WebhookView, error) {
	t, err := s.target(ctx, shopID, id, store.PurposeWebhook)
	if err != nil {
		return WebhookView{}, err
	}
	if err := applyWebhook(&t, in, false); err != nil {
		return WebhookView{}, err
	}
	if t, err = s.st.UpdateNotifyTarget(ctx, t); err != nil {
		return WebhookView{}, err
	}
	return webhookView(t), s.RefreshSubscriptions(ctx, shopID)
}

func applyWebhook(t *store.NotifyTarget, in WebhookInput, creating bool) error {
	c := decodeConfig(*t)
	if in.Name != nil {
		t.Name = *in.Name
	}
	if in.URL != nil {
		c.URL = *in.URL
	}
	if in.Enabled != nil {
		t.Enabled = *in.Enabled
	}
	if err := checkName(t.Name); err != nil {
		return err
	}
	if err := checkURL(c.URL); err != nil {
		return err
	}
	if in.Events != nil || creating {
		if err := checkEvents(in.Events); err != nil {
			return err
		}
		t.Events = jsonList(in.Events)
	}
	t.Config = encodeConfig(c)
	return nil
}

// RotateWebhookSecret gives a webhook a new signing secret, shown in the
// answer only; the old one stops working at once.
func (s *Service) RotateWebhookSecret(ctx context.Context, shopID, id int64) (WebhookView, error) {
	t, err := s.target(ctx, shopID, id, store.PurposeWebhook)
	if err != nil {
		return WebhookView{}, err
	}
	t.Secret = newWebhookSecret()
	if t, err = s.st.UpdateNotifyTarget(ctx, t); err != nil {
		return WebhookView{}, err
	}
	v := webhookView(t)
	v.Secret = t.Secret
	s.invalidate(shopID)
	return v, nil
}

// DeleteWebhook removes a webhook and its deliveries.
func (s *Service) DeleteWebhook(ctx context.Context, shopID, id int64) error {
	if _, err := s.target(ctx, shopID, id, store.PurposeWebhook); err != nil {
		return err
	}
	if err := s.st.DeleteNotifyTarget(ctx, shopID, id); err != nil {
		return err
	}
	return s.RefreshSubscriptions(ctx, shopID)
}

// TestWebhook sends a signed "ping" event now and reports the answer.
func (s *Service) TestWebhook(ctx context.Context, shopID, id int64) (TestResult, error) {
	t, err := s.target(ctx, shopID, id, store.PurposeWebhook)
	if err != nil {
		return TestResult{}, err
	}
	p := Payload{Version: PayloadVersion, ID: store.NewEventID(), Type: "ping", ShopID: shopID, CreatedAt: s.now().UTC(),
		Data: PayloadData{Link: deskLink(s.baseURL, shopID, 0)}}
	body, _ := json.Marshal(p)
	return testResult(s.postSigned(ctx, decodeConfig(t).URL, t.Secret, p.Type, p.ID, 0, body)), nil
}

// DeliveryView is a delivery as the console shows it.
type DeliveryView struct {
	ID             int64      `json:"id"`
	TargetID       int64      `json:"target_id"`
	Purpose        string     `json:"purpose"` // channel or webhook
	TargetKind     string     `json:"target_kind"`
	TargetName     string     `json:"target_name"`
	EventID        string     `json:"event_id"`
	Event          string     `json:"event"`
	ConversationID int64      `json:"conversation_id,omitempty"`
	Status         string     `json:"status"`
	Attempts       int        `json:"attempts"`
	NextAt         *time.Time `json:"next_at,omitempty"` // pending: the next try
	LastError      string     `json:"last_error,omitempty"`
	LastStatus     int        `json:"last_status,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	DeliveredAt    *time.Time `json:"delivered_at,omitempty"`
}

// Deliveries lists a shop's deliveries, newest first.
func (s *Service) Deliveries(ctx context.Context, f store.DeliveryFilter) ([]DeliveryView, error) {
	ds, err := s.st.ListDeliveries(ctx, f)
	if err != nil {
		return nil, err
	}
	targets, err := s.st.ListNotifyTargets(ctx, f.ShopID, "")
	if err != nil {
		return nil, err
	}
	byID := map[int64]store.NotifyTarget{}
	for _, t := range targets {
		byID[t.ID] = t
	}
	out := make([]DeliveryView, 0, len(ds))
	for _, d := range ds {
		t := byID[d.TargetID]
		v := DeliveryView{ID: d.ID, TargetID: d.TargetID, Purpose: t.Purpose, TargetKind: t.Kind, TargetName: t.Name,
			EventID: d.EventID, Event: d.Kind, ConversationID: d.ConversationID, Status: d.Status, Attempts: d.Attempts,
			LastError: d.LastError, LastStatus: d.LastStatus, CreatedAt: d.CreatedAt.UTC()}
		if d.Status == store.DeliveryPending {
			next := d.NextAt.UTC()
			v.NextAt = &next
		}
		if !d.DeliveredAt.IsZero() {
			at := d.DeliveredAt.UTC()
			v.DeliveredAt = &at
		}
		out = append(out, v)
	}
	return out, nil
}

// RetryDelivery puts a failed delivery back in line, due now.
func (s *Service) RetryDelivery(ctx context.Context, shopID, id int64) error {
	if err := s.st.RetryDelivery(ctx, shopID, id); err != nil {
		return err
	}
	s.Kick()
	return nil
}
