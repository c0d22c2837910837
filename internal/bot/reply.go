package bot

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/xiaoer-cs/xiaoer/internal/bus"
	"github.com/xiaoer-cs/xiaoer/internal/chat"
	"github.com/xiaoer-cs/xiaoer/internal/kb"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/nlp"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// Explanation is stored with every bot reply (agents see it; buyers never
// do): which step answered and the engine's reasons.
type Explanation struct {
	Step        string          `json:"step"` // faq, fallback, assist, off
	Decision    string          `json:"decision,omitempty"`
	Confidence  float64         `json:"confidence,omitempty"`
	Reason      string          `json:"reason,omitempty"`
	Intent      nlp.Intent      `json:"intent"`
	Entities    []nlp.Entity    `json:"entities,omitempty"`
	Candidates  []nlp.Candidate `json:"candidates,omitempty"`
	Thresholds  nlp.Thresholds  `json:"thresholds"`
	Frustration float64         `json:"frustration"`
}

// replyMeta is the Meta of a bot message.
type replyMeta struct {
	FAQID   int64         `json:"faq_id,omitempty"`
	Choices []kb.Choice   `json:"choices,omitempty"`
	Answer  *model.Answer `json:"answer,omitempty"`
	Explain Explanation   `json:"explain"`
}

// Suggestion is a reply the bot proposes to an agent.
type Suggestion struct {
	FAQID      int64   `json:"faq_id"`
	Question   string  `json:"question"`
	Answer     string  `json:"answer"`
	Confidence float64 `json:"confidence"`
}

// SuggestEvent is the Data of a bus suggest event.
type SuggestEvent struct {
	MessageSeq  int64        `json:"message_seq"`
	Suggestions []Suggestion `json:"suggestions"`
}

// handle decides what to do with one buyer message.
func (b *Bot) handle(ctx context.Context, j job) {
	c, err := b.st.GetConversation(ctx, j.shopID, j.msg.ConversationID)
	if err != nil {
		b.log.Error("bot: conversation", "id", j.msg.ConversationID, "err", err)
		return
	}
	shop, err := b.st.GetShop(ctx, j.shopID)
	if err != nil {
		b.log.Error("bot: shop", "id", j.shopID, "err", err)
		return
	}
	se, err := b.kb.Engines().Get(ctx, j.shopID)
	if err != nil {
		b.log.Error("bot: engine", "shop", j.shopID, "err", err)
		return
	}
	m := se.Match(j.msg.Body, nil, b.now(), shop.Language)
	if c.Owner != model.OwnerBot {
		b.suggest(ctx, c, j.msg, m)
		return
	}
	switch {
	case !se.Settings.Enabled:
		b.handOff(ctx, c, "bot_off")
	case se.Settings.Mode == kb.ModeAssist:
		// RetailBot's ASSIST mode: nothing to the buyer, a human answers
		// with the bot's suggestions.
		if c, err = b.handOff(ctx, c, "assist_mode"); err == nil {
			b.suggest(ctx, c, j.msg, m)
		}
	default:
		b.reply(ctx, c, j.msg, se, m)
	}
}

// reply sends the FAQ answer, the "did you mean" choices or the fallback.
func (b *Bot) reply(ctx context.Context, c model.Conversation, msg chat.MessageJSON, se *kb.ShopEngine, m kb.Match) {
	meta := replyMeta{Explain: explain("faq", m)}
	post := chat.Post{ShopID: c.ShopID, ConversationID: c.ID, Sender: model.SenderBot,
		ClientID: "bot-" + strconv.FormatInt(msg.ID, 10)}
	switch {
	case m.Decision == nlp.Answer && m.IntentAllowed:
		post.Kind, post.Body = answerMessage(*m.Answer)
		meta.FAQID, meta.Answer = m.FAQ.ID, m.Answer
	case m.Decision == nlp.Answer || m.Decision == nlp.Suggest:
		if !m.IntentAllowed {
			meta.Explain.Reason = "the shop does not let the bot answer intent " + m.Analysis.Intent.ID + " by itself; " + m.Reason
		}
		post.Kind, post.Body = model.KindChoices, kb.Text(se.Settings.SuggestText, m.Lang)
		meta.Choices = m.Choices
		if len(meta.Choices) == 0 && m.FAQ != nil {
			meta.Choices = []kb.Choice{{FAQID: m.FAQ.ID, Question: m.FAQ.Live.Question}}
		}
	default:
		meta.Explain.Step = "fallback"
		post.Kind, post.Body = model.KindText, kb.Text(se.Settings.FallbackText, m.Lang)
	}
	b.postBot(ctx, post, meta)
}

// answerMessage turns a FAQ answer into a message kind and body.
func answerMessage(a model.Answer) (model.MessageKind, string) {
	switch a.Type {
	case model.AnswerImage:
		return model.KindImage, a.URL
	case model.AnswerLink:
		return model.KindLink, firstNonEmpty(a.Title, a.Text, a.URL)
	case model.AnswerProduct:
		return model.KindCard, firstNonEmpty(a.Title, a.Text, a.ProductID)
	}
	return model.KindText, a.Text
}

func (b *Bot) postBot(ctx context.Context, post chat.Post, meta replyMeta) {
	raw, err := json.Marshal(meta)
	if err != nil {
		b.log.Error("bot: encode reply", "err", err)
		return
	}
	post.Meta = string(raw)
	if _, _, err := b.chat.Post(ctx, post); err != nil && !errors.Is(err, chat.ErrClosed) {
		b.log.Error("bot: post reply", "conversation", post.ConversationID, "err", err)
	}
}

// handOff moves a bot conversation to the queue with its reason.
func (b *Bot) handOff(ctx context.Context, c model.Conversation, reason string) (model.Conversation, error) {
	c2, _, err := b.chat.ChangeOwner(ctx, store.OwnerChange{ShopID: c.ShopID, ConversationID: c.ID, From: model.OwnerBot,
		To: model.OwnerQueue, GroupID: c.GroupID, Reason: reason})
	if err != nil && !errors.Is(err, store.ErrStale) {
		b.log.Error("bot: hand off", "conversation", c.ID, "err", err)
	}
	return c2, err
}

// suggest pushes the bot's best replies for a buyer message to the agents
// of the conversation.
func (b *Bot) suggest(ctx context.Context, c model.Conversation, msg chat.MessageJSON, m kb.Match) {
	ev := SuggestEvent{MessageSeq: msg.Seq, Suggestions: Suggestions(m)}
	if len(ev.Suggestions) == 0 {
		return
	}
	raw, err := json.Marshal(ev)
	if err != nil {
		return
	}
	err = b.bus.Publish(ctx, bus.Event{Type: bus.TypeSuggest, ShopID: c.ShopID, ConversationID: c.ID, Node: b.node,
		Owner: string(c.Owner), AgentID: c.AgentID, GroupID: c.GroupID, Data: raw})
	if err != nil {
		b.log.Warn("bot: publish suggestions", "err", err)
	}
}

// Suggestions turns a match into replies an agent can send with one click:
// the live FAQ answers of the candidates, best first.
func Suggestions(m kb.Match) []Suggestion {
	var out []Suggestion
	for i, cand := range m.Candidates {
		if m.Decision == nlp.Fallback && cand.Fused <= 0 {
			continue
		}
		id, _ := strconv.ParseInt(cand.FAQID, 10, 64)
		s := Suggestion{FAQID: id, Question: cand.Question, Answer: cand.Answer}
		if i == 0 {
			s.Confidence = m.Confidence
			if m.Answer != nil && m.Answer.Type == model.AnswerText {
				s.Answer = m.Answer.Text
			}
		}
		if s.Answer != "" {
			out = append(out, s)
		}
	}
	return out
}

func explain(step string, m kb.Match) Explanation {
	return Explanation{Step: step, Decision: string(m.Decision), Confidence: m.Confidence, Reason: m.Reason,
		Intent: m.Analysis.Intent, Entities: m.Analysis.Entities, Candidates: m.Candidates, Thresholds: m.Thresholds,
		Frustration: m.Analysis.Frustration}
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
