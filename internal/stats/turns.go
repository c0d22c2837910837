package stats

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// botMeta is the part of a bot or system message's Meta the statistics
// read: the bot's explanation of its reply (internal/bot, Explanation), the
// choices it offered, and the rating invitation.
type botMeta struct {
	FAQID   int64 `json:"faq_id"`
	Choices []struct {
		FAQID    int64  `json:"faq_id"`
		Question string `json:"question"`
	} `json:"choices"`
	Invite  string `json:"invite"`
	Explain struct {
		Step    string `json:"step"`
		Handoff string `json:"handoff"`
		// Decision is the engine's own for the message (answer,
		// suggest, fallback), whatever step then replied.
		Decision string `json:"decision"`
		Intent   struct {
			ID       string `json:"id"`
			Category string `json:"category"`
		} `json:"intent"`
		Candidates []struct {
			FAQID string `json:"faq_id"`
		} `json:"candidates"`
	} `json:"explain"`
}

func parseMeta(s string) botMeta {
	var m botMeta
	if s != "" {
		_ = json.Unmarshal([]byte(s), &m) // an unreadable Meta explains nothing
	}
	return m
}

func stepOf(m model.Message) string { return parseMeta(m.Meta).Explain.Step }

// replyTo is the id of the buyer message a bot message answers: the bot
// gives its replies the client id bot-<message id>, with -2, -3, ... for
// further replies to the same message. 0 when it answers none.
func replyTo(clientID string) int64 {
	rest, ok := strings.CutPrefix(clientID, "bot-")
	if !ok {
		return 0
	}
	if i := strings.IndexByte(rest, '-'); i >= 0 {
		rest = rest[:i]
	}
	id, _ := strconv.ParseInt(rest, 10, 64)
	return id
}

// turn is one buyer message the bot handled, with its deciding reply.
type turn struct {
	msg   model.Message
	class string
	meta  botMeta
	reply model.Message
}

// classify says how the bot handled a buyer message from its first reply
// that decides (the off-hours notice only precedes the answer).
func classify(replies []model.Message) (string, botMeta, model.Message, bool) {
	for _, r := range replies {
		meta := parseMeta(r.Meta)
		switch meta.Explain.Step {
		case "faq", "live", "rule", "pending":
			return turnAnswered, meta, r, true
		case "choices":
			return turnSuggested, meta, r, true
		case "fallback":
			return turnFallback, meta, r, true
		case "handoff":
			// A handover after too many misses is the bot not knowing.
			if meta.Explain.Handoff == "misses" {
				return turnFallback, meta, r, true
			}
			return turnHandoff, meta, r, true
		case "smalltalk":
			return turnChatter, meta, r, true
		}
	}
	return "", botMeta{}, model.Message{}, false
}

// turns counts every buyer message the bot handled by class, intent and
// FAQ, the "did you mean" choices and whether one was taken, and collects
// the questions the bot did not answer.
func (f *facts) turns() {
	msgs := f.sc.Messages
	replies := map[int64][]model.Message{}
	for _, m := range msgs {
		if m.Sender == model.SenderBot {
			if id := replyTo(m.ClientID); id != 0 {
				replies[id] = append(replies[id], m)
			}
		}
	}
	for i, m := range msgs {
		// An image asks nothing the knowledge base could answer. (The bot
		// read images as text before it acknowledged them; this leaves
		// those turns out of the figures too, with their URL as the
		// question.)
		if m.Sender != model.SenderBuyer || !m.Kind.IsText() {
			continue
		}
		class, meta, reply, ok := classify(replies[m.ID])
		if !ok {
			continue
		}
		t := turn{msg: m, class: class, meta: meta, reply: reply}
		f.add(m.CreatedAt, mTurn, class, f.lastAgent, 1, 0)
		if class == turnChatter {
			continue
		}
		f.intentAndFAQ(t)
		taken := false
		if class == turnSuggested {
			taken = f.choices(t, nextBuyer(msgs, i))
		}
		f.collect(t, i, taken)
	}
}

// nextBuyer is the buyer's next message after msgs[i], if any.
func nextBuyer(msgs []model.Message, i int) *model.Message {
	for j := i + 1; j < len(msgs); j++ {
		if msgs[j].Sender == model.SenderBuyer {
			return &msgs[j]
		}
	}
	return nil
}

// handedAfter reports whether a person took over after m.
func (f *facts) handedAfter(m model.Message) bool {
	for _, h := range f.handoffs {
		if !h.start.Before(m.CreatedAt) {
			return true
		}
	}
	return false
}

// intentAndFAQ counts a question for its intent and its best FAQ.
func (f *facts) intentAndFAQ(t turn) {
	at := t.msg.CreatedAt
	after := f.handedAfter(t.msg)
	count := func(item string, answered bool, volume, ans, handoff, resolved string) {
		f.bot(at, volume, item)
		if !answered {
			return
		}
		f.bot(at, ans, item)
		if after {
			f.bot(at, handoff, item)
		}
		if f.resolved {
			f.bot(at, resolved, item)
		}
	}
	if id := t.meta.Explain.Intent.ID; id != "" {
		count(id, t.class == turnAnswered, mIntentVolume, mIntentAnswered, mIntentHandoff, mIntentResolved)
	}
	switch {
	case t.meta.FAQID != 0:
		// Answered with this FAQ (live data and rules name none).
		count(strconv.FormatInt(t.meta.FAQID, 10), t.class == turnAnswered, mFAQVolume, mFAQAnswered, mFAQHandoff, mFAQResolved)
	case len(t.meta.Explain.Candidates) > 0:
		count(t.meta.Explain.Candidates[0].FAQID, false, mFAQVolume, mFAQAnswered, mFAQHandoff, mFAQResolved)
	}
}

// choices counts offered choices and whether the buyer's next message
// tapped one (the widget sends a tapped choice's question as the message).
func (f *facts) choices(t turn, next *model.Message) bool {
	at := t.msg.CreatedAt
	f.add(at, mChoices, "", f.lastAgent, 1, 0)
	taken := false
	for _, c := range t.meta.Choices {
		item := strconv.FormatInt(c.FAQID, 10)
		f.bot(at, mFAQOffered, item)
		if !taken && next != nil && strings.TrimSpace(next.Body) == strings.TrimSpace(c.Question) {
			taken = true
			f.bot(at, mFAQTaken, item)
		}
	}
	if taken {
		f.add(at, mChoicesTaken, "", f.lastAgent, 1, 0)
	}
	return taken
}

// collect keeps a question the bot did not answer for the knowledge-gap
// miner, with what agents replied to it. A buyer asking for a person, or
// only venting, asked no question the knowledge base could answer; a
// question a rule handed over (a VIP buyer, a keyword) that the engine
// would have answered itself shows no gap in the knowledge base.
func (f *facts) collect(t turn, i int, taken bool) {
	kind := ""
	switch {
	case t.class == turnFallback:
		kind = "fallback"
	case t.class == turnSuggested && !taken:
		kind = "choices"
	case t.class == turnHandoff && t.meta.Explain.Intent.ID != "human" &&
		!strings.HasPrefix(t.meta.Explain.Handoff, "human_request") && t.meta.Explain.Handoff != "frustration" &&
		t.meta.Explain.Decision != "answer":
		kind = "handoff"
	default:
		return
	}
	u := store.Unanswered{MessageID: t.msg.ID, ShopID: f.sc.Conversation.ShopID, ConversationID: f.sc.Conversation.ID,
		BuyerID: f.sc.Conversation.BuyerID, Kind: kind, Text: t.msg.Body, Intent: t.meta.Explain.Intent.ID, At: t.msg.CreatedAt}
	if len(t.meta.Explain.Candidates) > 0 {
		u.FAQID, _ = strconv.ParseInt(t.meta.Explain.Candidates[0].FAQID, 10, 64)
	}
	u.Replies = agentReplies(f.sc.Messages, i)
	f.unanswer = append(f.unanswer, u)
}

// maxReplies bounds what is kept of the agents' answer to one question.
const maxReplies = 3

// agentReplies are the agents' first text messages after msgs[i]: their
// answer runs until the buyer writes again after it.
func agentReplies(msgs []model.Message, i int) []string {
	var out []string
	for _, m := range msgs[i+1:] {
		switch {
		case m.Sender == model.SenderAgent && m.Kind == model.KindText && len(out) < maxReplies:
			out = append(out, m.Body)
		case m.Sender == model.SenderBuyer && len(out) > 0:
			return out
		}
	}
	return out
}
