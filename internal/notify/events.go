package notify

import (
	"context"
	"encoding/json"
	"slices"
	"sort"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/chat"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// PayloadVersion is the version of the webhook payload. Fields may be
// added within a version; anything else takes a new one.
const PayloadVersion = 1

// Payload is the JSON body of a webhook to the merchant's systems.
type Payload struct {
	Version   int         `json:"version"`
	ID        string      `json:"id"` // the event id: the same on every retry; de-duplicate on it
	Type      string      `json:"type"`
	ShopID    int64       `json:"shop_id"`
	CreatedAt time.Time   `json:"created_at"`
	Data      PayloadData `json:"data"`
}

// PayloadData is what happened; which fields are there depends on Type.
type PayloadData struct {
	Conversation *chat.ConversationJSON `json:"conversation,omitempty"`
	Event        *chat.EventJSON        `json:"event,omitempty"`
	Message      *chat.MessageJSON      `json:"message,omitempty"`
	Rating       *RatingJSON            `json:"rating,omitempty"`
	Buyer        *BuyerJSON             `json:"buyer,omitempty"`
	// Link opens the conversation in the workbench.
	Link string `json:"link,omitempty"`
}

// RatingJSON is a buyer's rating of a conversation.
type RatingJSON struct {
	Score   int    `json:"score"` // 1-5
	Comment string `json:"comment,omitempty"`
}

// BuyerJSON is the buyer of a buyer.tagged event.
type BuyerJSON struct {
	ID         int64    `json:"id"`
	ExternalID string   `json:"external_id,omitempty"` // the shop's own buyer id
	Nickname   string   `json:"nickname,omitempty"`
	Tags       []string `json:"tags"`
	Added      []string `json:"added"`
}

// webhookType is the webhook event a fact is, or "" when it is none.
func webhookType(f store.Fact) string {
	d := f.Data
	switch {
	case f.Kind == store.FactOpened:
		return "conversation.created"
	case f.Kind == store.FactRated:
		return "conversation.rated"
	case f.Kind == store.FactTagged:
		return "buyer.tagged"
	case len(f.Kind) > len(store.FactMessage) && f.Kind[:len(store.FactMessage)] == store.FactMessage:
		return "message.created"
	case f.Kind != store.FactOwner || d.Conversation == nil:
		return ""
	}
	c := d.Conversation
	switch {
	case c.Owner == model.OwnerQueue && d.PrevOwner == model.OwnerBot:
		return "conversation.handed_off"
	case c.Owner == model.OwnerAgent && (d.PrevOwner != model.OwnerAgent || d.PrevAgentID != c.AgentID):
		return "conversation.assigned"
	case c.Owner == model.OwnerClosed && d.PrevOwner != model.OwnerClosed:
		return "conversation.closed"
	}
	return ""
}

// payloadOf builds the webhook body of a fact.
func (s *Service) payloadOf(ctx context.Context, f store.Fact, typ string) ([]byte, error) {
	d := f.Data
	p := Payload{Version: PayloadVersion, ID: f.EventID, Type: typ, ShopID: f.ShopID, CreatedAt: f.CreatedAt.UTC()}
	if d.Conversation != nil {
		cj := chat.NewConversationJSON(*d.Conversation)
		p.Data.Conversation = &cj
		p.Data.Link = s.link(d.Conversation.ShopID, d.Conversation.ID)
	}
	if d.Event != nil {
		ej := chat.NewEventJSON(*d.Event)
		p.Data.Event = &ej
	}
	if d.Message != nil {
		mj := chat.NewMessageJSON(*d.Message)
		p.Data.Message = &mj
		p.Data.Link = s.link(d.Message.ShopID, d.Message.ConversationID)
	}
	if f.Kind == store.FactRated {
		p.Data.Rating = &RatingJSON{Score: d.Rating, Comment: d.Comment}
	}
	if f.Kind == store.FactTagged {
		b := BuyerJSON{ID: d.BuyerID, Tags: d.Tags, Added: d.TagsAdded}
		if got, err := s.st.GetBuyer(ctx, f.ShopID, d.BuyerID); err == nil {
			b.ExternalID, b.Nickname = got.ExternalID, got.Nickname
		}
		if b.Tags == nil {
			b.Tags = []string{}
		}
		p.Data.Buyer = &b
	}
	return json.Marshal(p)
}

// link opens a conversation in the workbench.
func (s *Service) link(shopID, conversationID int64) string {
	return deskLink(s.baseURL, shopID, conversationID)
}

func deskLink(base string, shopID, conversationID int64) string {
	u := base + "/desk?shop=" + itoa(shopID)
	if conversationID != 0 {
		u += "#conversation=" + itoa(conversationID)
	}
	return u
}

// factsFor are the fact kinds a webhook event needs recorded.
var factsFor = map[string][]string{
	"conversation.created":    {store.FactOpened},
	"conversation.handed_off": {store.FactOwner},
	"conversation.assigned":   {store.FactOwner},
	"conversation.closed":     {store.FactOwner},
	"conversation.rated":      {store.FactRated},
	"message.created": {store.FactMessage + string(model.SenderBuyer), store.FactMessage + string(model.SenderAgent),
		store.FactMessage + string(model.SenderBot), store.FactMessage + string(model.SenderSystem)},
	"buyer.tagged": {store.FactTagged},
	EventQueue:     {store.FactOwner},
	EventHandoff:   {store.FactOwner},
	EventAssigned:  {store.FactOwner},
	EventNewBuyer:  {store.FactMessage + string(model.SenderBuyer)},
	EventMessage:   {store.FactMessage + string(model.SenderBuyer)},
	EventBadRating: {store.FactRated},
	EventOffline:   {},
	EventWaiting:   {},
}

// subscriptions are the fact kinds a shop needs recorded: those of its
// webhooks' events, and those of the events any member wants pushed to a
// channel that exists.
func subscriptions(v *shopView) []string {
	set := map[string]bool{}
	for _, w := range v.webhooks {
		for _, e := range decodeEvents(w) {
			for _, k := range factsFor[e] {
				set[k] = true
			}
		}
	}
	for _, m := range v.members {
		p := v.prefs(m.id)
		for _, e := range pushed(v, p) {
			for _, k := range factsFor[e] {
				set[k] = true
			}
		}
		// A bad rating reaches the workbench only through the outbox: no
		// bus event tells of it.
		if m.workbench() && p.Events[EventBadRating].Workbench {
			set[store.FactRated] = true
		}
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// pushed lists the events p pushes to at least one existing channel.
func pushed(v *shopView, p Preferences) []string {
	if !slices.ContainsFunc(p.Channels, func(id int64) bool { _, ok := v.channels[id]; return ok }) {
		return nil
	}
	var out []string
	for _, e := range Events {
		if p.Events[e].Push {
			out = append(out, e)
		}
	}
	return out
}

// wantsPush reports whether any member of the shop pushes event.
func wantsPush(v *shopView, event string) bool {
	for _, m := range v.members {
		if m.workbench() && slices.Contains(pushed(v, v.prefs(m.id)), event) {
			return true
		}
	}
	return false
}

// RefreshSubscriptions recomputes which facts the store records for a shop,
// after its preferences, targets or members changed.
func (s *Service) RefreshSubscriptions(ctx context.Context, shopID int64) error {
	s.invalidate(shopID)
	v, err := s.view(ctx, shopID)
	if err != nil {
		return err
	}
	return s.st.SetOutboxSubscriptions(ctx, shopID, subscriptions(v))
}

// RefreshAll recomputes the subscriptions of every shop (at start-up).
func (s *Service) RefreshAll(ctx context.Context) error {
	shops, err := s.st.ListShops(ctx)
	if err != nil {
		return err
	}
	for _, sh := range shops {
		if err := s.RefreshSubscriptions(ctx, sh.ID); err != nil {
			return err
		}
	}
	return nil
}
