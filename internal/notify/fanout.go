package notify

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// factBatch is how many facts one transaction moves out of the outbox.
const factBatch = 100

// fanOut turns every fact in the outbox into deliveries: one per webhook
// that subscribes to its event, and one per channel that a member who
// should hear of it pushes to. Each batch leaves the outbox in the
// transaction that stores its deliveries.
func (s *Service) fanOut(ctx context.Context) error {
	for {
		facts, err := s.st.ListFacts(ctx, factBatch)
		if err != nil || len(facts) == 0 {
			return err
		}
		outs := make([]store.FanOut, 0, len(facts))
		for _, f := range facts {
			ds, err := s.plan(ctx, f)
			if err != nil {
				return err
			}
			outs = append(outs, store.FanOut{FactID: f.ID, Deliveries: ds})
		}
		if _, err := s.st.CommitFanOut(ctx, outs); err != nil {
			return err
		}
		s.alertsOfFacts(ctx, facts)
		if len(facts) < factBatch {
			return nil
		}
	}
}

// plan lists the deliveries of one fact.
func (s *Service) plan(ctx context.Context, f store.Fact) ([]store.Delivery, error) {
	v, err := s.view(ctx, f.ShopID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil // the shop is gone
	}
	if err != nil {
		return nil, err
	}
	var out []store.Delivery
	if typ := webhookType(f); typ != "" {
		var body []byte
		for _, w := range v.webhooks {
			if !slices.Contains(decodeEvents(w), typ) {
				continue
			}
			if body == nil {
				if body, err = s.payloadOf(ctx, f, typ); err != nil {
					return nil, err
				}
			}
			out = append(out, store.Delivery{ShopID: f.ShopID, TargetID: w.ID, EventID: f.EventID, Kind: typ,
				ConversationID: f.ConversationID, Payload: string(body)})
		}
	}
	h := happeningOf(f)
	byChannel := s.pushes(ctx, v, s.audience(ctx, v, h), h.at)
	if len(byChannel) == 0 {
		return out, nil
	}
	for _, id := range sortedKeys(byChannel) {
		ns := byChannel[id]
		body, err := json.Marshal(s.noticeOf(ctx, v, h, ns))
		if err != nil {
			return nil, err
		}
		out = append(out, store.Delivery{ShopID: f.ShopID, TargetID: id, EventID: f.EventID, Kind: ns[0].event,
			ConversationID: f.ConversationID, Payload: string(body)})
	}
	return out, nil
}

// pushes sorts the notices that go out as pushes by channel: the member
// pushes this event, is not in quiet hours, and (unless they want pushes
// anyway) does not have the workbench open.
func (s *Service) pushes(ctx context.Context, v *shopView, ns []notice, at time.Time) map[int64][]notice {
	out := map[int64][]notice{}
	var online map[int64]bool
	for _, n := range ns {
		if !n.pref.Push || n.prefs.QuietHours.quiet(at, v.shop.Timezone) {
			continue
		}
		if n.prefs.SkipPushWhenOnline {
			if online == nil {
				online = s.online(ctx, v.shop.ID)
			}
			if online[n.member.id] {
				continue
			}
		}
		for _, id := range n.prefs.Channels {
			if _, ok := v.channels[id]; ok {
				out[id] = append(out[id], n)
			}
		}
	}
	return out
}

// Notice is the payload of a channel delivery: what a person is told,
// rendered in the shop's language when it is sent (alone or in a
// summary).
type Notice struct {
	Event          string    `json:"event"`
	ConversationID int64     `json:"conversation_id,omitempty"`
	BuyerID        int64     `json:"buyer_id,omitempty"`
	Buyer          string    `json:"buyer,omitempty"` // nickname; empty for anonymous visitors
	Text           string    `json:"text,omitempty"`  // the message, or the rating's comment
	Reason         string    `json:"reason,omitempty"`
	Rating         int       `json:"rating,omitempty"`
	Minutes        int       `json:"minutes,omitempty"`
	Agents         []string  `json:"agents,omitempty"` // who it is for
	Lang           string    `json:"lang"`
	Link           string    `json:"link"`
	At             time.Time `json:"at"`
}

// maxNoticeText bounds the text a push quotes: pushes are short.
const maxNoticeText = 80

func (s *Service) noticeOf(ctx context.Context, v *shopView, h happening, ns []notice) Notice {
	n := Notice{Event: ns[0].event, ConversationID: h.conv.ID, BuyerID: h.conv.BuyerID, Reason: h.reason, Rating: h.rating,
		Minutes: h.minutes, Lang: v.shop.Language, Link: s.link(v.shop.ID, h.conv.ID), At: h.at.UTC()}
	switch {
	case h.message != nil:
		n.Text = h.message.Body
	case h.text != "":
		n.Text = h.text
	default:
		n.Text = h.comment
	}
	n.Text = clip(n.Text, maxNoticeText)
	if n.BuyerID != 0 {
		if b, err := s.st.GetBuyer(ctx, v.shop.ID, n.BuyerID); err == nil {
			n.Buyer = b.Nickname
		}
	}
	for _, x := range ns {
		n.Agents = append(n.Agents, x.member.name)
	}
	return n
}

// clip shortens s to at most n characters, marking the cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

func sortedKeys[V any](m map[int64]V) []int64 {
	out := make([]int64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
