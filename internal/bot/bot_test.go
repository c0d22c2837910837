package bot

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/bus"
	"github.com/xiaoer-cs/xiaoer/internal/chat"
	"github.com/xiaoer-cs/xiaoer/internal/kb"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// world is a shop with FAQs, the chat service, the bot (not running: tests
// call handle directly so every step is deterministic) and a recorder of
// the events the bus carried.
type world struct {
	t      testing.TB
	db     *store.DB
	chat   *chat.Service
	kb     *kb.Service
	bot    *Bot
	bus    *bus.Local
	shop   model.Shop
	mu     sync.Mutex
	events []bus.Event
}

func newWorld(t testing.TB) *world {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, store.Options{DSN: t.TempDir() + "/bot.db"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	broker := bus.NewLocal()
	w := &world{t: t, db: db, bus: broker}
	broker.Subscribe(func(e bus.Event) {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.events = append(w.events, e)
	})
	w.chat = chat.New(chat.Options{Store: db, Bus: broker})
	w.kb = kb.New(kb.Options{Store: db, Bus: broker})
	w.bot = New(Options{Store: db, Chat: w.chat, KB: w.kb, Bus: broker})
	if w.shop, err = db.CreateShop(ctx, model.Shop{Slug: "s", Name: "s", Language: "zh-CN", Timezone: "Asia/Shanghai", IdentitySecret: "x"}); err != nil {
		t.Fatal(err)
	}
	for key, c := range map[string]model.FAQContent{
		"ship":    {Question: "多久发货", Similar: []string{"什么时候发货", "几天能发出", "when will you ship"}, Answers: answers("48小时内发货", "We ship within 48 hours.")},
		"invoice": {Question: "可以开发票吗", Similar: []string{"怎么开发票", "能开专票吗", "can I get an invoice"}, Answers: answers("可以开电子发票", "Yes, e-invoices.")},
		"return":  {Question: "支持七天无理由退货吗", Similar: []string{"能退货吗", "不喜欢可以退吗", "can I return it"}, Answers: answers("支持七天无理由", "7-day returns.")},
		"wash":    {Question: "衣服怎么洗", Similar: []string{"可以机洗吗", "洗涤方式", "how to wash it"}, Answers: answers("建议手洗冷水", "Hand wash cold.")},
	} {
		if _, _, err := w.kb.Create(ctx, w.shop.ID, 0, kb.Input{Key: key, Content: c, Publish: true}); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func answers(zh, en string) []model.Answer {
	return []model.Answer{{Type: "text", Lang: "zh-CN", Text: zh}, {Type: "text", Lang: "en", Text: en}}
}

// buyerSays opens (or reuses) the buyer's conversation, posts text and lets
// the bot handle it; it returns the conversation afterwards.
func (w *world) buyerSays(buyer string, text string) model.Conversation {
	w.t.Helper()
	ctx := context.Background()
	b, err := w.db.EnsureVisitor(ctx, w.shop.ID, buyer)
	if err != nil {
		w.t.Fatal(err)
	}
	c, _, err := w.chat.Resume(ctx, w.shop.ID, b.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	m, _, err := w.chat.Post(ctx, chat.Post{ShopID: w.shop.ID, ConversationID: c.ID, Sender: model.SenderBuyer, SenderID: b.ID,
		ClientID: text, Body: text})
	if err != nil {
		w.t.Fatal(err)
	}
	w.bot.handle(ctx, job{shopID: w.shop.ID, msg: chat.NewMessageJSON(m)})
	c, err = w.db.GetConversation(ctx, w.shop.ID, c.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	return c
}

// botMessages returns the bot's messages in a conversation.
func (w *world) botMessages(c model.Conversation) []model.Message {
	w.t.Helper()
	ms, err := w.db.ListMessages(context.Background(), store.MessageQuery{ShopID: c.ShopID, ConversationID: c.ID})
	if err != nil {
		w.t.Fatal(err)
	}
	var out []model.Message
	for _, m := range ms {
		if m.Sender == model.SenderBot {
			out = append(out, m)
		}
	}
	return out
}

func (w *world) suggestions(c model.Conversation) []Suggestion {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []Suggestion
	for _, e := range w.events {
		if e.Type == bus.TypeSuggest && e.ConversationID == c.ID {
			var se SuggestEvent
			if err := json.Unmarshal(e.Data, &se); err != nil {
				w.t.Fatal(err)
			}
			out = append(out, se.Suggestions...)
		}
	}
	return out
}

func (w *world) settings(change func(*kb.Settings)) {
	w.t.Helper()
	s, err := w.kb.Settings(context.Background(), w.shop.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	change(&s)
	if err := w.kb.PutSettings(context.Background(), w.shop.ID, s); err != nil {
		w.t.Fatal(err)
	}
}

func meta(t *testing.T, m model.Message) replyMeta {
	t.Helper()
	var rm replyMeta
	if err := json.Unmarshal([]byte(m.Meta), &rm); err != nil {
		t.Fatalf("meta %q: %v", m.Meta, err)
	}
	return rm
}

func TestReplies(t *testing.T) {
	w := newWorld(t)
	tests := []struct {
		name, buyer, text string
		kind              model.MessageKind
		body              string
		step              string
	}{
		{"FAQ answer in Chinese", "b1", "请问多久发货", model.KindText, "48小时内发货", "faq"},
		{"FAQ answer in English", "b2", "when do you ship my order", model.KindText, "We ship within 48 hours.", "faq"},
		{"fallback", "b3", "你们老板叫什么名字", model.KindText, kb.DefaultSettings().FallbackText["zh-CN"], "fallback"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := w.buyerSays(tt.buyer, tt.text)
			ms := w.botMessages(c)
			if len(ms) != 1 {
				t.Fatalf("%d bot messages, want 1", len(ms))
			}
			if ms[0].Kind != tt.kind || ms[0].Body != tt.body || meta(t, ms[0]).Explain.Step != tt.step {
				t.Fatalf("reply %s %q step %q", ms[0].Kind, ms[0].Body, meta(t, ms[0]).Explain.Step)
			}
			if c.Owner != model.OwnerBot {
				t.Fatalf("owner %s", c.Owner)
			}
		})
	}
}

func TestDidYouMeanWhenIntentNotAllowed(t *testing.T) {
	w := newWorld(t)
	// The shop lets the bot answer greetings only: a FAQ match becomes a
	// choice for the buyer, never a direct answer.
	w.settings(func(s *kb.Settings) { s.AutoIntents = []string{"greeting"} })
	c := w.buyerSays("b", "多久发货")
	ms := w.botMessages(c)
	if len(ms) != 1 || ms[0].Kind != model.KindChoices {
		t.Fatalf("messages %+v", ms)
	}
	if rm := meta(t, ms[0]); len(rm.Choices) == 0 || rm.Choices[0].Question == "" {
		t.Fatalf("choices %+v", rm.Choices)
	}
}

func TestAssistModeSendsNothingToTheBuyer(t *testing.T) {
	w := newWorld(t)
	w.settings(func(s *kb.Settings) { s.Mode = kb.ModeAssist })
	for i, q := range []string{"多久发货", "可以开发票吗", "你好", "能退货吗"} {
		c := w.buyerSays("assist", q)
		if ms := w.botMessages(c); len(ms) != 0 {
			t.Fatalf("message %d: the bot sent %d messages in assist mode", i, len(ms))
		}
		if c.Owner != model.OwnerQueue {
			t.Fatalf("owner %s, want queue", c.Owner)
		}
	}
	c := w.buyerSays("assist", "多久发货")
	sug := w.suggestions(c)
	if len(sug) == 0 || sug[0].Answer != "48小时内发货" {
		t.Fatalf("suggestions to the agent: %+v", sug)
	}
	evs, err := w.db.ListEvents(context.Background(), c.ShopID, c.ID)
	if err != nil || evs[len(evs)-1].Reason != "assist_mode" {
		t.Fatalf("handoff reason: %+v %v", evs, err)
	}
}

func TestBotOffHandsOff(t *testing.T) {
	w := newWorld(t)
	w.settings(func(s *kb.Settings) { s.Enabled = false })
	c := w.buyerSays("off", "多久发货")
	if c.Owner != model.OwnerQueue || len(w.botMessages(c)) != 0 {
		t.Fatalf("owner %s, %d bot messages", c.Owner, len(w.botMessages(c)))
	}
}

func TestHumanOwnedGetsSuggestionsOnly(t *testing.T) {
	w := newWorld(t)
	c := w.buyerSays("h", "你好")
	before := len(w.botMessages(c))
	if _, _, err := w.chat.ChangeOwner(context.Background(), store.OwnerChange{ShopID: c.ShopID, ConversationID: c.ID,
		From: model.OwnerBot, To: model.OwnerAgent, AgentID: 7, Reason: "taken"}); err != nil {
		t.Fatal(err)
	}
	c = w.buyerSays("h", "可以开发票吗")
	if n := len(w.botMessages(c)); n != before {
		t.Fatalf("the bot talked over the agent: %d messages, had %d", n, before)
	}
	if sug := w.suggestions(c); len(sug) == 0 || sug[0].Answer != "可以开电子发票" {
		t.Fatalf("suggestions %+v", sug)
	}
}

func TestReplyOncePerMessage(t *testing.T) {
	w := newWorld(t)
	c := w.buyerSays("once", "多久发货")
	ms, _ := w.db.ListMessages(context.Background(), store.MessageQuery{ShopID: c.ShopID, ConversationID: c.ID})
	// Handling the same buyer message again (a restart replays it) adds
	// nothing.
	w.bot.handle(context.Background(), job{shopID: c.ShopID, msg: chat.NewMessageJSON(ms[0])})
	if n := len(w.botMessages(c)); n != 1 {
		t.Fatalf("%d replies to one message", n)
	}
}

func TestRunHandlesBusEvents(t *testing.T) {
	w := newWorld(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.bot.Run(ctx); close(done) }()
	broker := bus.NewLocal()
	broker.Subscribe(w.bot.Handle)
	b, _ := w.db.EnsureVisitor(ctx, w.shop.ID, "live")
	c, _, _ := w.chat.Resume(ctx, w.shop.ID, b.ID)
	live := chat.New(chat.Options{Store: w.db, Bus: broker})
	if _, _, err := live.Post(ctx, chat.Post{ShopID: w.shop.ID, ConversationID: c.ID, Sender: model.SenderBuyer, SenderID: b.ID, ClientID: "x", Body: "多久发货"}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(w.botMessages(c)) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	if len(w.botMessages(c)) != 1 {
		t.Fatal("the running bot did not answer a message from the bus")
	}
}

// TestHandleNow checks that HandleNow answers a bus event on the caller's
// goroutine: the reply is stored when it returns, without Run. An event of
// another node is not this bot's to answer.
func TestHandleNow(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	var events []bus.Event
	broker := bus.NewLocal()
	broker.Subscribe(func(e bus.Event) { events = append(events, e) })
	live := chat.New(chat.Options{Store: w.db, Bus: broker, Node: "elsewhere"})
	b, _ := w.db.EnsureVisitor(ctx, w.shop.ID, "now")
	c, _, _ := w.chat.Resume(ctx, w.shop.ID, b.ID)
	if _, _, err := live.Post(ctx, chat.Post{ShopID: w.shop.ID, ConversationID: c.ID, Sender: model.SenderBuyer, SenderID: b.ID, ClientID: "x", Body: "多久发货"}); err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 {
		t.Fatalf("%d events, want the message's", len(events))
	}
	w.bot.HandleNow(ctx, events[0])
	if n := len(w.botMessages(c)); n != 0 {
		t.Fatalf("answered another node's message: %d replies", n)
	}
	events[0].Node = ""
	w.bot.HandleNow(ctx, events[0])
	if ms := w.botMessages(c); len(ms) != 1 || meta(t, ms[0]).Explain.Step != "faq" {
		t.Fatalf("after HandleNow: %d bot messages, want the FAQ answer", len(ms))
	}
}

// TestPostedCountsStoredReplies: Posted counts every message the
// bot stored, and only those (it feeds xiaoer_bot_messages_total).
func TestPostedCountsStoredReplies(t *testing.T) {
	w := newWorld(t)
	if n := w.bot.Posted(); n != 0 {
		t.Fatalf("Posted before any message = %d", n)
	}
	c := w.buyerSays("b1", "多久发货")
	c = w.buyerSays("b1", "可以开发票吗")
	stored := uint64(len(w.botMessages(c)))
	if stored == 0 {
		t.Fatal("the bot stored no reply")
	}
	if n := w.bot.Posted(); n != stored {
		t.Errorf("Posted = %d, the bot stored %d messages", n, stored)
	}
}
