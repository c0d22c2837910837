package notify

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// ChannelInput creates or changes a channel. On a change, a field left out
// keeps its value; Secret "" removes the secret. The secret is the
// robot's signing secret (DingTalk, Feishu, plain webhook) or the SMTP
// password (email), and is never shown again.
type ChannelInput struct {
	Kind    string       `json:"kind"`
	Name    *string      `json:"name"`
	URL     *string      `json:"url"`
	Secret  *string      `json:"secret"`
	Email   *EmailConfig `json:"email"`
	Enabled *bool        `json:"enabled"`
}

// ChannelView is a channel as the API shows it: the URL with its
// credential masked, and whether a secret is set.
type ChannelView struct {
	ID        int64        `json:"id"`
	Kind      string       `json:"kind"`
	Name      string       `json:"name"`
	Enabled   bool         `json:"enabled"`
	URL       string       `json:"url,omitempty"`
	HasSecret bool         `json:"has_secret"`
	Email     *EmailConfig `json:"email,omitempty"`
	RateLimit int          `json:"rate_limit"` // messages a minute
	CreatedAt time.Time    `json:"created_at"`
	UpdatedAt time.Time    `json:"updated_at"`
}

func channelView(t store.NotifyTarget) ChannelView {
	c := decodeConfig(t)
	v := ChannelView{ID: t.ID, Kind: t.Kind, Name: t.Name, Enabled: t.Enabled, HasSecret: t.Secret != "", Email: c.Email,
		RateLimit: rateLimits[t.Kind], CreatedAt: t.CreatedAt.UTC(), UpdatedAt: t.UpdatedAt.UTC()}
	if c.URL != "" {
		v.URL = maskURL(t.Kind, c.URL)
	}
	return v
}

// Channels lists a shop's channels.
func (s *Service) Channels(ctx context.Context, shopID int64) ([]ChannelView, error) {
	ts, err := s.st.ListNotifyTargets(ctx, shopID, store.PurposeChannel)
	if err != nil {
		return nil, err
	}
	out := make([]ChannelView, 0, len(ts))
	for _, t := range ts {
		out = append(out, channelView(t))
	}
	return out, nil
}

// Channel reads one channel of the shop.
func (s *Service) Channel(ctx context.Context, shopID, id int64) (ChannelView, error) {
	t, err := s.target(ctx, shopID, id, store.PurposeChannel)
	return channelView(t), err
}

// target reads a target of the shop with the purpose; another purpose is
// not found.
func (s *Service) target(ctx context.Context, shopID, id int64, purpose string) (store.NotifyTarget, error) {
	t, err := s.st.GetNotifyTarget(ctx, shopID, id)
	if err == nil && t.Purpose != purpose {
		err = store.ErrNotFound
	}
	return t, err
}

// CreateChannel adds a channel to the shop.
func (s *Service) CreateChannel(ctx context.Context, shopID int64, in ChannelInput) (ChannelView, error) {
	if !slices.Contains(ChannelKinds, in.Kind) {
		return ChannelView{}, badInput("bad_kind", "kind", "kind must be one of %v", ChannelKinds)
	}
	if err := s.checkCount(ctx, shopID, store.PurposeChannel); err != nil {
		return ChannelView{}, err
	}
	t := store.NotifyTarget{ShopID: shopID, Purpose: store.PurposeChannel, Kind: in.Kind, Enabled: true}
	if in.Name == nil {
		in.Name = new(string)
	}
	if err := applyChannel(&t, in); err != nil {
		return ChannelView{}, err
	}
	t, err := s.st.CreateNotifyTarget(ctx, t)
	if err != nil {
		return ChannelView{}, err
	}
	return channelView(t), s.RefreshSubscriptions(ctx, shopID)
}

// UpdateChannel changes a channel; its kind never changes.
func (s *Service) UpdateChannel(ctx context.Context, shopID, id int64, in ChannelInput) (ChannelView, error) {
	t, err := s.target(ctx, shopID, id, store.PurposeChannel)
	if err != nil {
		return ChannelView{}, err
	}
	if in.Kind != "" && in.Kind != t.Kind {
		return ChannelView{}, badInput("kind_fixed", "kind", "a channel's kind cannot change; make a new channel")
	}
	if err := applyChannel(&t, in); err != nil {
		return ChannelView{}, err
	}
	if t, err = s.st.UpdateNotifyTarget(ctx, t); err != nil {
		return ChannelView{}, err
	}
	return channelView(t), s.RefreshSubscriptions(ctx, shopID)
}

// applyChannel puts the input's fields into t and checks the result.
func applyChannel(t *store.NotifyTarget, in ChannelInput) error {
	c := decodeConfig(*t)
	if in.Name != nil {
		t.Name = *in.Name
	}
	if in.Enabled != nil {
		t.Enabled = *in.Enabled
	}
	if in.Secret != nil {
		t.Secret = *in.Secret
	}
	if err := checkName(t.Name); err != nil {
		return err
	}
	if err := checkSecret(t.Secret); err != nil {
		return err
	}
	if t.Kind == KindEmail {
		if in.URL != nil {
			return badInput("unknown_field", "url", "an email channel has no url")
		}
		if in.Email != nil {
			c.Email = in.Email
		}
		if err := checkEmail(c.Email); err != nil {
			return err
		}
	} else {
		if in.Email != nil {
			return badInput("unknown_field", "email", "only an email channel has email settings")
		}
		if in.URL != nil {
			c.URL = *in.URL
		}
		if err := checkURL(c.URL); err != nil {
			return err
		}
		if t.Kind == KindWeCom && t.Secret != "" {
			return badInput("unknown_field", "secret", "WeCom robots take no secret: their key is in the URL")
		}
	}
	t.Config = encodeConfig(c)
	return nil
}

// DeleteChannel removes a channel and its deliveries.
func (s *Service) DeleteChannel(ctx context.Context, shopID, id int64) error {
	if _, err := s.target(ctx, shopID, id, store.PurposeChannel); err != nil {
		return err
	}
	if err := s.st.DeleteNotifyTarget(ctx, shopID, id); err != nil {
		return err
	}
	return s.RefreshSubscriptions(ctx, shopID)
}

// checkCount refuses a target past the shop's limit.
func (s *Service) checkCount(ctx context.Context, shopID int64, purpose string) error {
	ts, err := s.st.ListNotifyTargets(ctx, shopID, purpose)
	if err != nil {
		return err
	}
	if len(ts) >= maxTargets {
		return badInput("too_many", "", "a shop has at most %d of these", maxTargets)
	}
	return nil
}

// TestResult is what the remote side answered to a test message.
type TestResult struct {
	OK     bool   `json:"ok"`
	Status int    `json:"status,omitempty"` // HTTP or SMTP status
	Answer string `json:"answer,omitempty"` // the remote answer, clipped
	Error  string `json:"error,omitempty"`
}

func testResult(o outcome) TestResult {
	return TestResult{OK: o.err == nil, Status: o.status, Answer: o.body, Error: errorText(o)}
}

// TestChannel sends a test message to a channel now, outside the outbox
// and the rate limit, and reports the remote answer.
func (s *Service) TestChannel(ctx context.Context, shopID, id int64) (TestResult, error) {
	t, err := s.target(ctx, shopID, id, store.PurposeChannel)
	if err != nil {
		return TestResult{}, err
	}
	shop, err := s.st.GetShop(ctx, shopID)
	if err != nil {
		return TestResult{}, err
	}
	return testResult(s.deliver(ctx, t, 0, renderTest(shop.Language, t.Name, deskLink(s.baseURL, shopID, 0)))), nil
}

// jsonList encodes a list of strings for the store.
func jsonList(xs []string) string {
	b, _ := json.Marshal(xs)
	return string(b)
}
