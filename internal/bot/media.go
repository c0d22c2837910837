package bot

import (
	"context"

	"github.com/xiaoer-cs/xiaoer/internal/kb"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// stepMedia explains the bot's reply to a buyer message without words: an
// image, whose body is the upload's URL.
const stepMedia = "media"

// ReasonMediaAftersale is the handoff reason of a buyer who sent an image
// while after-sales or a complaint was under discussion: the photo is
// likely evidence (a damaged parcel, a flaw) that a person must look at.
const ReasonMediaAftersale = "media_aftersale"

// mediaReply answers a buyer message the engine cannot read: an image. The
// engine never sees it (its URL would read as English words), no keyword
// rule or FAQ can match it, and it is no miss. When the buyer last talked
// about after-sales or complained, a person takes over; otherwise the bot
// says it got the image and asks for words, or "转人工" for a person to
// look at it.
func (t *turn) mediaReply() *reply {
	if afterSales(t.cc.LastIntent, t.cc.LastCategory) {
		return &reply{step: stepMedia, handoff: ReasonMediaAftersale}
	}
	return t.say(stepMedia, "media.received", nil)
}

// afterSales: what the buyer last wanted is after-sales (a return, an
// exchange, a refund, a quality problem) or a complaint.
func afterSales(intent, category string) bool {
	return category == "aftersale" || intent == "complaint"
}

// mediaLang is the language to answer an image in: that of the buyer's
// latest text message, else the one the bot last spoke with them, else
// the shop's.
func (t *turn) mediaLang() string {
	if lang, _ := t.b.buyerLang(t.ctx, t.conv, t.msg.Seq+1); lang != "" {
		return lang
	}
	if t.cc.Lang != "" {
		return t.cc.Lang
	}
	return kb.DetectLang("", t.shop.Language)
}

// langWindow is how many of a conversation's newest messages are read to
// find the buyer's language.
const langWindow = 50

// buyerLang reads the buyer's messages before seq (any when 0) among the
// conversation's newest: lang is the language of the latest text message
// that shows one (see hasWords), "" when none does; wrote says whether
// the buyer sent anything. An image's body is a URL, whose Latin letters
// are no language, and "175 70" is in whatever the buyer wrote before.
func (b *Bot) buyerLang(ctx context.Context, c model.Conversation, before int64) (lang string, wrote bool) {
	ms, err := b.st.ListMessages(ctx, store.MessageQuery{ShopID: c.ShopID, ConversationID: c.ID, BeforeSeq: before, Newest: true,
		Limit: langWindow})
	if err != nil {
		b.log.Warn("bot: read the buyer's language", "conversation", c.ID, "err", err)
		return "", false
	}
	for i := len(ms) - 1; i >= 0; i-- { // newest first
		m := ms[i]
		if m.Sender != model.SenderBuyer {
			continue
		}
		wrote = true
		if m.Kind.IsText() && hasWords(m.Body) {
			return kb.DetectLang(m.Body, ""), true
		}
	}
	return "", wrote
}
