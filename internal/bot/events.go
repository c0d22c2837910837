package bot

import (
	"context"
	"strconv"

	"github.com/xiaoer-cs/xiaoer/internal/chat"
	"github.com/xiaoer-cs/xiaoer/internal/kb"
	"github.com/xiaoer-cs/xiaoer/internal/model"
)

// inviteMeta is the Meta of the rating invitation: the widget shows stars
// for it and answers with a rate frame.
type inviteMeta struct {
	Invite string `json:"invite"` // "rating"
}

// greet sends the shop's welcome when a conversation opens with the bot,
// in the language of the buyer's first message when it is there already.
func (b *Bot) greet(ctx context.Context, j job) {
	c, cfg, lang, ok := b.speakable(ctx, j)
	if !ok || c.Owner != model.OwnerBot || len(cfg.Welcome) == 0 {
		return
	}
	b.postBot(ctx, chat.Post{ShopID: c.ShopID, ConversationID: c.ID, ClientID: "welcome", Body: pick(cfg.Welcome, lang)},
		replyMeta{Explain: Explanation{Step: "welcome", Detail: "welcome"}})
}

// inviteRating asks the buyer to rate a closed conversation they wrote in
// and have not rated.
func (b *Bot) inviteRating(ctx context.Context, j job) {
	c, cfg, lang, ok := b.speakable(ctx, j)
	if !ok || c.Owner != model.OwnerClosed {
		return
	}
	st, err := b.st.ConversationState(ctx, c.ShopID, c.ID)
	if err != nil || st.Rating != 0 || lang == "" {
		return
	}
	post := chat.Post{ShopID: c.ShopID, ConversationID: c.ID, Sender: model.SenderSystem, Kind: model.KindEvent,
		ClientID: "rating-" + strconv.FormatInt(j.eventID, 10), Body: cfg.render("rating.invite", lang, nil)}
	b.postJSON(ctx, post, inviteMeta{Invite: "rating"})
}

// sayReturned tells the buyer the bot serves them again after their agent
// went silent.
func (b *Bot) sayReturned(ctx context.Context, j job) {
	c, cfg, lang, ok := b.speakable(ctx, j)
	if !ok || c.Owner != model.OwnerBot {
		return
	}
	if lang == "" {
		lang = b.shopLang(ctx, c.ShopID)
	}
	b.postBot(ctx, chat.Post{ShopID: c.ShopID, ConversationID: c.ID, ClientID: "returned-" + strconv.FormatInt(j.eventID, 10),
		Body: cfg.render("return.bot", lang, nil)}, replyMeta{Explain: Explanation{Step: "return", Detail: "return.bot"}})
}

// speakable reads what the bot needs to say something in a conversation
// outside a buyer message, and whether it may: the bot is on and in auto
// mode. lang is the language of the buyer's latest text message (images
// do not count), the shop's when none shows one; "" when they wrote
// nothing, except for greetings.
func (b *Bot) speakable(ctx context.Context, j job) (model.Conversation, Config, string, bool) {
	c, err := b.st.GetConversation(ctx, j.shopID, j.conversationID)
	if err != nil {
		return c, Config{}, "", false
	}
	se, err := b.kb.Engines().Get(ctx, j.shopID)
	if err != nil || !se.Settings.Enabled || se.Settings.Mode != kb.ModeAuto {
		return c, Config{}, "", false
	}
	cfg, err := b.Config(ctx, j.shopID)
	if err != nil {
		b.log.Error("bot: config", "shop", j.shopID, "err", err)
		return c, cfg, "", false
	}
	lang, wrote := b.buyerLang(ctx, c, 0)
	if lang == "" && (wrote || j.kind == jobOpened) {
		lang = b.shopLang(ctx, j.shopID)
	}
	return c, cfg, lang, true
}

func (b *Bot) shopLang(ctx context.Context, shopID int64) string {
	s, err := b.st.GetShop(ctx, shopID)
	if err != nil || s.Language == "" {
		return "zh-CN"
	}
	return s.Language
}
