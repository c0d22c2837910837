package bot

import (
	"context"
	"errors"

	"github.com/xiaoer-cs/xiaoer/internal/kb"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// ReasonOverload is the handoff reason of a conversation the bot had no
// room for: its backlog on the node was full.
const ReasonOverload = "bot_overload"

// overload serves a conversation the pipeline had no room for: rather than
// keep the buyer waiting behind the backlog, it goes to the queue of the
// group of what the buyer last asked about, and the buyer is told that
// people will answer (handoff.busy). It is kept cheap, since it runs when
// the node has no time to spare: the engine is not asked, and the router
// assigns the conversation and tells the buyer their place from its own
// worker, as it does for any conversation entering a queue. The notice's
// step is "overload", not "handoff": the bot did not handle the message,
// so the statistics count no turn for it. A conversation someone else has
// moved meanwhile is left alone.
func (b *Bot) overload(ctx context.Context, j job) {
	t, err := b.prepareTurn(ctx, j)
	if err != nil {
		b.log.Error("bot: prepare overload handoff", "conversation", j.msg.ConversationID, "err", err)
		return
	}
	if t.conv.Owner != model.OwnerBot {
		return
	}
	rcfg, err := b.route.Config(ctx, t.shop.ID)
	if err != nil {
		b.log.Error("bot: routing config", "shop", t.shop.ID, "err", err)
		return
	}
	p := 0
	if levelRank(t.buyerLevel()) > 0 {
		p = priorityVIP
	}
	c, _, err := b.chat.ChangeOwner(ctx, store.OwnerChange{ShopID: t.conv.ShopID, ConversationID: t.conv.ID, From: model.OwnerBot,
		To: model.OwnerQueue, GroupID: rcfg.GroupFor(t.cc.LastIntent, t.cc.LastCategory), Priority: &p, Reason: ReasonOverload})
	if err != nil {
		if !errors.Is(err, store.ErrStale) {
			b.log.Error("bot: overload handoff", "conversation", t.conv.ID, "err", err)
		}
		return
	}
	b.queue.overloaded.Add(1)
	t.conv = c
	t.cc.Handoffs++
	t.cc.Misses = 0
	if t.se.Settings.Enabled && t.se.Settings.Mode == kb.ModeAuto {
		if t.lang = t.cc.Lang; t.lang == "" {
			t.lang = b.messageLang(ctx, t)
		}
		r := t.say("overload", "handoff.busy", nil)
		r.handoff = ReasonOverload
		t.post(r)
	}
	b.saveContext(ctx, t.conv.ShopID, t.conv.ID, t.cc)
}

// messageLang is the language of the buyer's newest text message (the
// overflow lane does not keep the text), else the shop's. An image says
// nothing of the buyer's language.
func (b *Bot) messageLang(ctx context.Context, t *turn) string {
	if lang, _ := b.buyerLang(ctx, t.conv, t.msg.Seq+1); lang != "" {
		return lang
	}
	return kb.DetectLang("", t.shop.Language)
}
