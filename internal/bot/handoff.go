package bot

import (
	"encoding/json"
	"errors"
	"slices"
	"strconv"

	"github.com/xiaoer-cs/xiaoer/internal/bus"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// Handoff reasons recorded on the conversation's event. Keyword and
// always-human reasons carry the word or intent after a colon
// (keyword:律师, always_human:complaint), tasks their intent
// (task:order.cancel).
const (
	ReasonHumanRequest = "human_request"
	ReasonMisses       = "misses"
	ReasonFrustration  = "frustration"
	ReasonVIP          = "vip"
	ReasonKeyword      = "keyword"
	ReasonAlwaysHuman  = "always_human"
	ReasonTask         = "task"
)

// Queue priorities a handover adds up: complaints and quality problems
// (the urgent intents) before VIPs before upset buyers before the rest.
const (
	priorityUrgent = 20
	priorityVIP    = 10
	priorityUpset  = 5
)

// Minimum intent confidences for the intent-based rules.
const (
	humanConfidence  = 0.6
	intentConfidence = 0.5
)

// NotifyEvent is the Data of a bus notify event: a buyer left a message
// while nobody was on duty, for the notification channels to pass on.
type NotifyEvent struct {
	Kind    string `json:"kind"` // offline_message
	Reason  string `json:"reason"`
	BuyerID int64  `json:"buyer_id"`
	Text    string `json:"text"`
}

// handoffTrigger hands the buyer over when a rule of the shop says so: they
// ask for a person, say a keyword, want something only people handle, are
// upset, or are a VIP meeting the bot for the first time.
func (t *turn) handoffTrigger() *reply {
	h := t.cfg.Handoff
	in := t.m.Analysis.Intent
	reason := ""
	if _, ok := containsWord(t.msg.Body, h.HumanWords); ok || (in.ID == "human" && in.Confidence >= humanConfidence) {
		reason = ReasonHumanRequest
	} else if w, ok := containsWord(t.msg.Body, h.Keywords); ok {
		reason = ReasonKeyword + ":" + w
	} else if slices.Contains(h.AlwaysHuman, in.ID) && in.Confidence >= intentConfidence {
		reason = ReasonAlwaysHuman + ":" + in.ID
	} else if h.Frustration > 0 && t.m.Analysis.Frustration >= h.Frustration {
		reason = ReasonFrustration
	} else if h.VIPLevel != "" && t.cc.Handoffs == 0 && levelRank(t.buyerLevel()) >= levelRank(h.VIPLevel) {
		reason = ReasonVIP
	}
	if reason == "" {
		return nil
	}
	return &reply{step: "handoff", handoff: reason}
}

// buyerLevel is the buyer's member level from the shop's data ("" when
// unknown or anonymous).
func (t *turn) buyerLevel() string {
	if t.level == nil {
		level := ""
		if t.buyer.Verified() {
			if p, err := t.b.st.GetBuyerProfile(t.ctx, t.shop.ID, t.buyer.ID); err == nil {
				level = p.Level
			}
		}
		t.level = &level
	}
	return *t.level
}

// priority orders the buyer in the queue.
func (t *turn) priority(reason string) int {
	p := 0
	in := t.m.Analysis.Intent
	if in.Priority == 1 && in.Confidence >= intentConfidence || hasPrefix(reason, ReasonAlwaysHuman) {
		p += priorityUrgent
	}
	if levelRank(t.buyerLevel()) > 0 {
		p += priorityVIP
	}
	if f := t.cfg.Handoff.Frustration; f > 0 && t.m.Analysis.Frustration >= f {
		p += priorityUpset
	}
	return p
}

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }

// handOff moves the conversation to the queue of the group that serves the
// buyer's intent, with its reason and priority, and tries to assign it at
// once. Unless silent, the buyer hears who serves them, their place in the
// queue, or (nobody on duty) that they can leave a message, and the shop is
// notified; step explains that message. It reports whether the conversation was handed over.
func (t *turn) handOff(step, reason string, silent bool) bool {
	ctx, b := t.ctx, t.b
	rcfg, err := b.route.Config(ctx, t.shop.ID)
	if err != nil {
		b.log.Error("bot: routing config", "shop", t.shop.ID, "err", err)
		return false
	}
	in := t.m.Analysis.Intent
	id, category := in.ID, in.Category
	if vagueIntent(id, category) && t.cc.LastIntent != "" {
		id, category = t.cc.LastIntent, t.cc.LastCategory
	}
	group := rcfg.GroupFor(id, category)
	p := t.priority(reason)
	c, _, err := b.chat.ChangeOwner(ctx, store.OwnerChange{ShopID: t.conv.ShopID, ConversationID: t.conv.ID, From: model.OwnerBot,
		To: model.OwnerQueue, GroupID: group, Priority: &p, Reason: reason})
	if err != nil {
		if !errors.Is(err, store.ErrStale) {
			b.log.Error("bot: hand off", "conversation", t.conv.ID, "err", err)
		}
		return false
	}
	t.conv = c
	t.cc.Handoffs++
	t.cc.Misses = 0
	if err := b.route.DrainShop(ctx, t.shop.ID); err != nil {
		b.log.Error("bot: assign after handoff", "shop", t.shop.ID, "err", err)
	}
	if c, err = b.st.GetConversation(ctx, c.ShopID, c.ID); err != nil {
		return true
	}
	t.conv = c
	if silent {
		return true
	}
	r := &reply{step: step, handoff: reason}
	switch {
	case c.Owner == model.OwnerAgent:
		r.detail, r.body = "handoff.assigned", t.cfg.render("handoff.assigned", t.lang, map[string]string{"agent": b.route.AgentName(ctx, c.ShopID, c.AgentID)})
	case c.Owner != model.OwnerQueue:
		return true
	case t.onDuty(group, rcfg.EscalateMinutes > 0, rcfg.FallbackGroup):
		pos, _ := b.route.Position(ctx, c)
		r.detail, r.body = "handoff.queued", t.cfg.render("handoff.queued", t.lang, map[string]string{
			"position": strconv.Itoa(max(pos, 1)), "ahead": strconv.Itoa(max(pos-1, 0))})
	default:
		r.detail, r.body = "handoff.offline", t.cfg.render("handoff.offline", t.lang, nil)
		t.notifyShop(reason)
	}
	t.post(r)
	return true
}

// onDuty: within working hours, someone who serves the group (or the
// fallback group it escalates to) is online.
func (t *turn) onDuty(group int64, escalates bool, fallback int64) bool {
	if !t.cfg.Hours.Open(t.now, t.shop.Timezone) {
		return false
	}
	on, err := t.b.route.OnDuty(t.ctx, t.shop.ID, group)
	if err == nil && !on && escalates && fallback != group {
		on, err = t.b.route.OnDuty(t.ctx, t.shop.ID, fallback)
	}
	return err == nil && on
}

// notifyShop publishes a notify event for the message left off duty.
func (t *turn) notifyShop(reason string) {
	raw, _ := json.Marshal(NotifyEvent{Kind: "offline_message", Reason: reason, BuyerID: t.buyer.ID, Text: t.msg.Body})
	err := t.b.bus.Publish(t.ctx, bus.Event{Type: bus.TypeNotify, ShopID: t.shop.ID, ConversationID: t.conv.ID, Node: t.b.node,
		Owner: string(t.conv.Owner), GroupID: t.conv.GroupID, Data: raw})
	if err != nil {
		t.b.log.Warn("bot: publish notify", "err", err)
	}
}
