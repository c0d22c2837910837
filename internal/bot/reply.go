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
)

// Explanation is stored with every bot reply (agents see it; buyers never
// do): which step answered, with what, and the engine's reasons.
type Explanation struct {
	// Step is the pipeline step that answered: welcome, off_hours, rule,
	// pending, handoff, live, faq, smalltalk, choices, fallback, return,
	// overload (the backlog was full: handed to people unread), media (an
	// image: acknowledged, or handed over as after-sales evidence), or
	// assist when nothing was said.
	Step string `json:"step"`
	// Detail names what the step used: the rule, the catalogue key.
	Detail string `json:"detail,omitempty"`
	// Handoff is the reason the conversation was handed to a person.
	Handoff string `json:"handoff,omitempty"`
	// Messages is how many buyer messages the reply answers together
	// (a burst that came while the bot was busy); left out for one.
	Messages    int             `json:"messages,omitempty"`
	Order       string          `json:"order,omitempty"`
	Product     string          `json:"product,omitempty"`
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
	Cards   []Card        `json:"cards,omitempty"`
	Answer  *model.Answer `json:"answer,omitempty"`
	Explain Explanation   `json:"explain"`
}

// Suggestion is a reply the bot proposes to an agent.
type Suggestion struct {
	// Kind is faq (a FAQ's answer) or live (an answer from the shop's data).
	Kind       string  `json:"kind"`
	FAQID      int64   `json:"faq_id,omitempty"`
	Question   string  `json:"question,omitempty"`
	Answer     string  `json:"answer"`
	Confidence float64 `json:"confidence"`
}

// SuggestEvent is the Data of a bus suggest event.
type SuggestEvent struct {
	MessageSeq  int64        `json:"message_seq"`
	Suggestions []Suggestion `json:"suggestions"`
}

// handle does one job.
func (b *Bot) handle(ctx context.Context, j job) {
	switch j.kind {
	case jobOpened:
		b.greet(ctx, j)
	case jobClosed:
		b.inviteRating(ctx, j)
	case jobReturned:
		b.sayReturned(ctx, j)
	default:
		b.answer(ctx, j)
	}
}

// answer runs a buyer message through the pipeline, or only suggests when
// a person owns the conversation.
func (b *Bot) answer(ctx context.Context, j job) {
	t, err := b.newTurn(ctx, j)
	if err != nil {
		b.log.Error("bot: prepare reply", "conversation", j.msg.ConversationID, "err", err)
		return
	}
	switch {
	case t.conv.Owner == model.OwnerQueue || t.conv.Owner == model.OwnerAgent:
		b.suggest(ctx, t)
		return
	case t.conv.Owner != model.OwnerBot:
		return
	case !t.se.Settings.Enabled:
		t.handOff("handoff", "bot_off", true)
	case t.se.Settings.Mode == kb.ModeAssist:
		// RetailBot's ASSIST mode: nothing to the buyer, a human answers
		// with the bot's suggestions.
		if t.handOff("handoff", "assist_mode", true) {
			b.suggest(ctx, t)
		}
	default:
		t.run()
	}
	b.saveContext(ctx, t.conv.ShopID, t.conv.ID, t.cc)
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
	b.postJSON(ctx, post, meta)
}

// postJSON posts a bot or system message with meta as its Meta.
func (b *Bot) postJSON(ctx context.Context, post chat.Post, meta any) {
	raw, err := json.Marshal(meta)
	if err != nil {
		b.log.Error("bot: encode reply", "err", err)
		return
	}
	post.Meta = string(raw)
	if post.Sender == "" {
		post.Sender = model.SenderBot
	}
	if post.Kind == "" {
		post.Kind = model.KindText
	}
	_, created, err := b.chat.Post(ctx, post)
	if err != nil && !errors.Is(err, chat.ErrClosed) {
		b.log.Error("bot: post reply", "conversation", post.ConversationID, "err", err)
	}
	if err == nil && created {
		b.posted.Add(1)
	}
}

// suggest pushes the bot's best replies for a buyer message to the agents
// of the conversation: the answer from the shop's data first, then FAQs.
func (b *Bot) suggest(ctx context.Context, t *turn) {
	ev := SuggestEvent{MessageSeq: t.msg.Seq, Suggestions: t.suggestions()}
	if len(ev.Suggestions) == 0 {
		return
	}
	raw, err := json.Marshal(ev)
	if err != nil {
		return
	}
	c := t.conv
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
		s := Suggestion{Kind: "faq", FAQID: id, Question: cand.Question, Answer: cand.Answer}
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

// SuggestionsFor are the replies the bot proposes for a buyer message of a
// conversation, as pushed to agents: the live answer first, then FAQs.
// Nothing the bot remembers changes.
func (b *Bot) SuggestionsFor(ctx context.Context, m model.Message) ([]Suggestion, error) {
	t, err := b.newTurn(ctx, job{shopID: m.ShopID, msg: chat.NewMessageJSON(m)})
	if err != nil {
		return nil, err
	}
	return t.suggestions(), nil
}
