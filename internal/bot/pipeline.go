package bot

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/xiaoer-cs/xiaoer/internal/chat"
	"github.com/xiaoer-cs/xiaoer/internal/kb"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/nlp"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// turn is one buyer message on its way through the pipeline.
type turn struct {
	b      *Bot
	ctx    context.Context
	conv   model.Conversation
	shop   model.Shop
	buyer  model.Buyer
	msg    chat.MessageJSON
	se     *kb.ShopEngine
	cfg    Config
	m      kb.Match
	lang   string
	folded string // the message as rules see it
	cc     *convContext
	now    time.Time
	posts  int     // messages sent for this buyer message
	level  *string // the buyer's member level, read once when needed
	// burst is the text of each buyer text message answered together,
	// oldest first, when there are several (msg.Body then joins them);
	// read counts every buyer message of the burst, images included.
	burst []string
	read  int
	// media: the turn has no words to read, only images (see media.go).
	media bool
}

// reply is what a step decided: a message to send (body empty: none) and,
// when handoff is set, a handover after it.
type reply struct {
	step    string
	detail  string
	kind    model.MessageKind
	body    string
	cards   []Card
	choices []kb.Choice
	faqID   int64
	answer  *model.Answer
	handoff string
	order   string
	product string
	asks    bool // the reply asks the buyer a question
}

// historyMessages is how many earlier buyer messages the engine reads to
// tell frustration (repeating oneself counts).
const historyMessages = 6

// maxBurst is how many of a burst's newest buyer messages are read
// together; the ones before are stored but not read by the bot.
const maxBurst = 20

func (b *Bot) newTurn(ctx context.Context, j job) (*turn, error) {
	t, err := b.prepareTurn(ctx, j)
	if err != nil {
		return nil, err
	}
	t.media = !model.MessageKind(t.msg.Kind).IsText()
	if j.burst > 1 {
		// Only text is read: a burst of text and images answers the text.
		texts, read := b.burstTexts(ctx, t.conv, j)
		if len(texts) > 0 {
			t.msg.Body, t.msg.Kind, t.media = joinBurst(texts, b.chat.MaxMessage()), string(model.KindText), false
		}
		if len(texts) > 1 {
			t.burst = texts
		}
		t.read = read
	}
	if t.media {
		t.lang = t.mediaLang()
		return t, nil
	}
	t.m = t.se.Match(t.msg.Body, b.history(ctx, t.conv, j.first()), t.now, t.shop.Language)
	t.lang, t.folded = t.m.Lang, foldText(t.msg.Body)
	// A message without words ("175 70", "P100") is in the language the
	// buyer has been writing in.
	if !hasWords(t.msg.Body) && t.cc.Lang != "" {
		t.lang = t.cc.Lang
	}
	t.cc.Lang = t.lang
	return t, nil
}

// burstTexts reads the buyer messages a job holds, the newest maxBurst of
// them: the bodies of the text messages, oldest first, and how many
// messages were read (images count, but have no text).
func (b *Bot) burstTexts(ctx context.Context, c model.Conversation, j job) ([]string, int) {
	ms, err := b.st.ListMessages(ctx, store.MessageQuery{ShopID: c.ShopID, ConversationID: c.ID, BeforeSeq: j.msg.Seq + 1,
		Limit: 3 * maxBurst})
	if err != nil {
		b.log.Warn("bot: read a burst", "conversation", c.ID, "err", err)
		return nil, 0
	}
	var burst []model.Message
	for _, m := range ms { // oldest first
		if m.Sender == model.SenderBuyer && m.Seq >= j.first() {
			burst = append(burst, m)
		}
	}
	burst = burst[max(len(burst)-maxBurst, 0):]
	var texts []string
	for _, m := range burst {
		if m.Kind.IsText() {
			texts = append(texts, m.Body)
		}
	}
	return texts, len(burst)
}

// joinBurst is the text of several buyer messages read as one: joined by
// new lines, the newest limit characters when longer.
func joinBurst(texts []string, limit int) string {
	s := []rune(strings.Join(texts, "\n"))
	return string(s[max(len(s)-limit, 0):])
}

// prepareTurn reads what any turn needs: the conversation, shop, buyer,
// engine, settings and the bot's context. The engine has not looked at
// the message yet.
func (b *Bot) prepareTurn(ctx context.Context, j job) (*turn, error) {
	t := &turn{b: b, ctx: ctx, msg: j.msg, now: b.now()}
	var err error
	if t.conv, err = b.st.GetConversation(ctx, j.shopID, j.msg.ConversationID); err != nil {
		return nil, err
	}
	if t.shop, err = b.st.GetShop(ctx, j.shopID); err != nil {
		return nil, err
	}
	if t.buyer, err = b.st.GetBuyer(ctx, j.shopID, t.conv.BuyerID); err != nil {
		return nil, err
	}
	if t.se, err = b.kb.Engines().Get(ctx, j.shopID); err != nil {
		return nil, err
	}
	if t.cfg, err = b.Config(ctx, j.shopID); err != nil {
		return nil, err
	}
	if t.cc, _, err = b.loadContext(ctx, j.shopID, t.conv.ID); err != nil {
		return nil, err
	}
	return t, nil
}

// hasWords reports whether a message shows its language: a Han character
// or a Latin word of two letters or more.
func hasWords(s string) bool {
	run := 0
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Han, r):
			return true
		case r < unicode.MaxASCII && unicode.IsLetter(r):
			run++
			if run >= 2 {
				return true
			}
		default:
			run = 0
		}
	}
	return false
}

// history is the buyer's text messages before seq, oldest first.
func (b *Bot) history(ctx context.Context, c model.Conversation, seq int64) []string {
	ms, err := b.st.ListMessages(ctx, store.MessageQuery{ShopID: c.ShopID, ConversationID: c.ID, Newest: true, Limit: 3 * historyMessages})
	if err != nil {
		return nil
	}
	// ms is in sequence order: walk it from the newest back, then turn the
	// pick around so the result reads oldest first.
	var out []string
	for i := len(ms) - 1; i >= 0 && len(out) < historyMessages; i-- {
		if m := ms[i]; m.Sender == model.SenderBuyer && m.Seq < seq && m.Kind.IsText() {
			out = append(out, m.Body)
		}
	}
	slices.Reverse(out)
	return out
}

// run sends the off-hours notice when due, then the first reply a step
// gives.
func (t *turn) run() {
	t.offHoursNotice()
	if t.media {
		t.send(t.mediaReply())
		return
	}
	steps := []func() *reply{t.rule, t.pending, t.handoffTrigger, t.live, t.faqAnswer, t.smallTalk, t.choices, t.fallback}
	for _, step := range steps {
		if r := step(); r != nil {
			t.send(r)
			break
		}
	}
	if in := t.m.Analysis.Intent; !vagueIntent(in.ID, in.Category) {
		t.cc.LastIntent, t.cc.LastCategory = in.ID, in.Category
	}
}

// vagueIntent says nothing of what the buyer needs: no intent (an image),
// chatter, or asking for a person.
func vagueIntent(id, category string) bool { return id == "" || category == "chat" || id == "human" }

// send posts a reply with its explanation, keeps the miss counter and
// hands over when the reply says so. An image neither counts as a miss
// nor clears the count: it answered no question.
func (t *turn) send(r *reply) {
	switch r.step {
	case "fallback", "choices", stepMedia:
	default:
		t.cc.Misses = 0
	}
	if r.body != "" {
		t.post(r)
	}
	if r.handoff != "" {
		// A handover for an image is explained as media: the engine read
		// nothing, so the statistics count no turn of it.
		step := "handoff"
		if r.step == stepMedia {
			step = stepMedia
		}
		t.handOff(step, r.handoff, false)
	}
}

// post stores one bot message of this turn. The first reply to a buyer
// message has the client id bot-<message id>, the next ones a suffix, so a
// replayed message adds nothing.
func (t *turn) post(r *reply) {
	ex := explain(r.step, t.m)
	ex.Detail, ex.Handoff, ex.Order, ex.Product = r.detail, r.handoff, r.order, r.product
	if t.read > 1 {
		ex.Messages = t.read
	}
	meta := replyMeta{FAQID: r.faqID, Choices: r.choices, Cards: r.cards, Answer: r.answer, Explain: ex}
	clientID := "bot-" + strconv.FormatInt(t.msg.ID, 10)
	if t.posts > 0 {
		clientID += fmt.Sprintf("-%d", t.posts+1)
	}
	t.posts++
	kind := r.kind
	if kind == "" {
		kind = model.KindText
	}
	t.b.postBot(t.ctx, chat.Post{ShopID: t.conv.ShopID, ConversationID: t.conv.ID, Sender: model.SenderBot, ClientID: clientID,
		Kind: kind, Body: r.body}, meta)
}

// say is a reply from the catalogue.
func (t *turn) say(step, key string, fields map[string]string) *reply {
	return &reply{step: step, detail: key, body: t.cfg.render(key, t.lang, fields)}
}

// offHoursRepeat is how long one off-hours notice covers a conversation.
const offHoursRepeat = 12 * time.Hour

// offHoursNotice tells the buyer once that people are away, then lets the
// pipeline answer: the notice never fights the bot.
func (t *turn) offHoursNotice() {
	if t.cfg.Hours.Open(t.now, t.shop.Timezone) || t.now.Sub(t.cc.OffHoursAt) < offHoursRepeat {
		return
	}
	t.cc.OffHoursAt = t.now
	t.post(t.say("off_hours", "off_hours", nil))
}

// rule answers with the first keyword rule the message matches. A burst
// is tried whole, then message by message from the newest, so an exact
// rule still answers "包邮吗" said after "你好".
func (t *turn) rule() *reply {
	rules := t.b.rules.get(t.shop.ID, t.cfg.Rules)
	texts := []string{t.msg.Body}
	for i := len(t.burst) - 1; i >= 0; i-- {
		texts = append(texts, t.burst[i])
	}
	for _, text := range texts {
		if r, pattern, ok := matchRule(rules, text); ok {
			return &reply{step: "rule", detail: fmt.Sprintf("%s (%s %q)", r.Name, r.Match, pattern), body: pick(r.Reply, t.lang)}
		}
	}
	return nil
}

// faqAnswer sends the FAQ's answer when the engine is sure and the shop
// lets the bot answer this intent.
func (t *turn) faqAnswer() *reply {
	m := t.m
	if m.Decision != nlp.Answer || !m.IntentAllowed {
		return nil
	}
	kind, body := answerMessage(*m.Answer)
	return &reply{step: "faq", kind: kind, body: body, faqID: m.FAQ.ID, answer: m.Answer}
}

// choices offers "did you mean" questions the buyer can tap.
func (t *turn) choices() *reply {
	m := t.m
	if m.Decision != nlp.Answer && m.Decision != nlp.Suggest {
		return nil
	}
	r := &reply{step: "choices", kind: model.KindChoices, body: kb.Text(t.se.Settings.SuggestText, t.lang), choices: m.Choices}
	if !m.IntentAllowed {
		r.detail = "the shop does not let the bot answer intent " + m.Analysis.Intent.ID + " by itself"
	}
	if len(r.choices) == 0 && m.FAQ != nil {
		r.choices = []kb.Choice{{FAQID: m.FAQ.ID, Question: m.FAQ.Live.Question}}
	}
	return r
}

// fallback says the bot does not know, or hands over when it has missed
// too often in a row.
func (t *turn) fallback() *reply {
	t.cc.Misses++
	if n := t.cfg.Handoff.MaxMisses; n > 0 && t.cc.Misses >= n {
		return &reply{step: "fallback", handoff: "misses"}
	}
	return &reply{step: "fallback", body: kb.Text(t.se.Settings.FallbackText, t.lang)}
}

// suggestions are the replies proposed to an agent for this message: the
// live answer from the shop's data when there is one (asked with a copy of
// the context, so nothing the bot remembers changes), then the FAQs.
func (t *turn) suggestions() []Suggestion {
	if t.media {
		return nil // nothing to suggest for an image: the agent looks at it
	}
	out := Suggestions(t.m)
	saved := *t.cc
	r := t.live()
	*t.cc = saved
	if r != nil && r.body != "" && !r.asks && r.handoff == "" && r.detail != "login" {
		out = append([]Suggestion{{Kind: "live", Answer: r.body, Confidence: t.m.Analysis.Intent.Confidence}}, out...)
	}
	return out
}
