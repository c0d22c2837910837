package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/auth"
	"github.com/xiaoer-cs/xiaoer/internal/chat"
	"github.com/xiaoer-cs/xiaoer/internal/commerce"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// panelJSON is everything the agent workbench shows beside one
// conversation, in one answer: the conversation and its messages (the
// bot's replies included), the shop, what the bot did before the handoff,
// the buyer with their data in this shop, and the agent's own state.
type panelJSON struct {
	Shop         panelShopJSON            `json:"shop"`
	Conversation chat.ConversationJSON    `json:"conversation"`
	Messages     []chat.MessageJSON       `json:"messages"`
	Summary      botSummaryJSON           `json:"summary"`
	CanReveal    bool                     `json:"can_reveal_phone"`
	Agent        panelAgentJSON           `json:"agent"`
	Buyer        commerce.BuyerView       `json:"buyer"`
	Cart         []commerce.CartView      `json:"cart"`
	Favourites   []commerce.FavouriteView `json:"favourites"`
	Orders       []commerce.OrderView     `json:"orders"`
	Coupons      []commerce.CouponView    `json:"coupons"`
	Reviews      []model.Review           `json:"reviews"`
}

type panelShopJSON struct {
	ID       int64  `json:"id"`
	Slug     string `json:"slug"`
	Name     string `json:"name"`
	Language string `json:"language"`
}

// botSummaryJSON says in short what happened before the agent came: how
// much the bot answered, what the buyer last asked, and why it was handed
// over.
type botSummaryJSON struct {
	BuyerMessages int        `json:"buyer_messages"`
	BotReplies    int        `json:"bot_replies"`
	LastBuyerText string     `json:"last_buyer_text,omitempty"`
	HandoffReason string     `json:"handoff_reason,omitempty"`
	HandedOffAt   *time.Time `json:"handed_off_at,omitempty"`
}

type panelAgentJSON struct {
	Account       accountJSON             `json:"account"`
	Role          string                  `json:"role"`
	Status        string                  `json:"status"`
	Conversations []chat.ConversationJSON `json:"conversations"`
}

// panelGet answers the buyer panel of a conversation the caller can see
// (404 otherwise). The phone is always masked here; revealing it is its own,
// audited request.
func (s *Server) panelGet(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	c, err := s.visibleConversation(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	bp, err := s.data.Panel(ctx, st.shop, c.BuyerID, false)
	if err != nil {
		return err
	}
	ms, err := s.store.ListMessages(ctx, store.MessageQuery{ShopID: c.ShopID, ConversationID: c.ID, Newest: true, Limit: 100})
	if err != nil {
		return err
	}
	es, err := s.store.ListEvents(ctx, c.ShopID, c.ID)
	if err != nil {
		return err
	}
	mine, err := s.store.ListConversations(ctx, store.ConversationFilter{ShopID: st.shop.ID, AgentID: st.account.ID,
		Owners: []model.Owner{model.OwnerAgent}, Limit: 50})
	if err != nil {
		return err
	}
	out := panelJSON{Shop: panelShopJSON{ID: st.shop.ID, Slug: st.shop.Slug, Name: st.shop.Name, Language: st.shop.Language},
		Conversation: chat.NewConversationJSON(c), Messages: make([]chat.MessageJSON, 0, len(ms)), Summary: botSummary(ms, es),
		CanReveal: st.perms.Has(auth.BuyersPhoneReveal) && bp.Buyer.PhoneMasked,
		Agent: panelAgentJSON{Account: newAccountJSON(st.account), Role: st.member.Role, Status: string(st.member.Status),
			Conversations: make([]chat.ConversationJSON, 0, len(mine))},
		Buyer: bp.Buyer, Cart: bp.Cart, Favourites: bp.Favourites, Orders: bp.Orders, Coupons: bp.Coupons, Reviews: bp.Reviews}
	for _, m := range ms {
		out.Messages = append(out.Messages, chat.NewMessageJSON(m))
	}
	for _, x := range mine {
		out.Agent.Conversations = append(out.Agent.Conversations, chat.NewConversationJSON(x))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func botSummary(ms []model.Message, es []model.Event) botSummaryJSON {
	var out botSummaryJSON
	for _, m := range ms {
		switch m.Sender {
		case model.SenderBuyer:
			out.BuyerMessages++
			if m.Kind == model.KindText {
				out.LastBuyerText = m.Body
			}
		case model.SenderBot:
			out.BotReplies++
		}
	}
	for _, e := range es {
		if e.FromOwner == model.OwnerBot && (e.ToOwner == model.OwnerQueue || e.ToOwner == model.OwnerAgent) {
			t := e.CreatedAt.UTC()
			out.HandoffReason, out.HandedOffAt = e.Reason, &t
		}
	}
	return out
}

// buyerPhoneReveal shows a buyer's full phone number to a role allowed to
// see it, while the caller can see a conversation of that buyer, and
// writes who saw it, when, and whose it was to the audit log.
func (s *Server) buyerPhoneReveal(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	buyerID, err := pathID(r, "buyer")
	if err != nil {
		return err
	}
	cs, err := s.store.ListConversations(r.Context(), store.ConversationFilter{ShopID: st.shop.ID, BuyerID: buyerID, Limit: 200})
	if err != nil {
		return err
	}
	visible := false
	for _, c := range cs {
		visible = visible || canSee(st.perms, st.account.ID, st.groups, c)
	}
	if !visible {
		return errNotFound("buyer")
	}
	phone, err := s.data.RevealPhone(r.Context(), st.shop.ID, buyerID)
	if err != nil {
		return err
	}
	s.audit(r, st.shop.ID, st.account.ID, "buyer.phone.reveal", "buyer "+strconv.FormatInt(buyerID, 10), "")
	writeJSON(w, http.StatusOK, map[string]any{"buyer_id": buyerID, "phone": phone})
	return nil
}
