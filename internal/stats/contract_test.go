package stats_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/bot"
	"github.com/xiaoer-cs/xiaoer/internal/bus"
	"github.com/xiaoer-cs/xiaoer/internal/chat"
	"github.com/xiaoer-cs/xiaoer/internal/kb"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/stats"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// realBot is a shop with four FAQs served by the real bot, running.
type realBot struct {
	db    *store.DB
	bot   *bot.Bot
	shop  model.Shop
	conv  model.Conversation
	buyer model.Buyer
	chats *chat.Service
}

func newRealBot(t *testing.T) *realBot {
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
	chats := chat.New(chat.Options{Store: db, Bus: broker})
	know := kb.New(kb.Options{Store: db, Bus: broker})
	brain := bot.New(bot.Options{Store: db, Chat: chats, KB: know, Bus: broker})
	broker.Subscribe(brain.Handle)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { brain.Run(runCtx); close(done) }()
	t.Cleanup(func() { stop(); <-done })
	shop, err := db.CreateShop(ctx, model.Shop{Slug: "s", Name: "s", Language: "zh-CN", Timezone: "Asia/Shanghai", IdentitySecret: "x"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []model.FAQContent{
		{Question: "多久发货", Similar: []string{"什么时候发货", "几天能发出"}, Answers: []model.Answer{{Type: "text", Text: "48小时内发货"}}},
		{Question: "可以开发票吗", Similar: []string{"怎么开发票", "能开专票吗"}, Answers: []model.Answer{{Type: "text", Text: "可以开电子发票"}}},
		{Question: "支持七天无理由退货吗", Similar: []string{"能退货吗", "不喜欢可以退吗"}, Answers: []model.Answer{{Type: "text", Text: "支持"}}},
		{Question: "衣服怎么洗", Similar: []string{"可以机洗吗", "洗涤方式"}, Answers: []model.Answer{{Type: "text", Text: "建议手洗"}}},
	} {
		if _, _, err := know.Create(ctx, shop.ID, 0, kb.Input{Publish: true, Content: c}); err != nil {
			t.Fatal(err)
		}
	}
	buyer, err := db.EnsureVisitor(ctx, shop.ID, "v")
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := chats.Open(ctx, shop.ID, buyer.ID)
	if err != nil {
		t.Fatal(err)
	}
	return &realBot{db: db, bot: brain, shop: shop, conv: c, buyer: buyer, chats: chats}
}

// say posts a buyer message and waits for the bot's reply to it.
func (w *realBot) say(t *testing.T, text string) {
	t.Helper()
	ctx := context.Background()
	m, _, err := w.chats.Post(ctx, chat.Post{ShopID: w.shop.ID, ConversationID: w.conv.ID, Sender: model.SenderBuyer,
		SenderID: w.buyer.ID, ClientID: fmt.Sprint(time.Now().UnixNano()), Body: text})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		ms, _ := w.db.ListMessages(ctx, store.MessageQuery{ShopID: w.shop.ID, ConversationID: w.conv.ID, Newest: true, Limit: 50})
		for _, r := range ms {
			if r.ClientID == fmt.Sprintf("bot-%d", m.ID) {
				return true
			}
		}
		return false
	})
}

// TestWithTheRealBot runs buyer messages through the real bot and checks
// that the statistics read its replies as docs/metrics.md says: the step
// and handoff reason of its explanation, the message each reply answers,
// and the rating invitation. The other tests write the bot's messages
// themselves; this one catches the bot changing what it writes.
func TestWithTheRealBot(t *testing.T) {
	ctx := context.Background()
	w := newRealBot(t)
	db, shop, c := w.db, w.shop, w.conv
	say := func(text string) { t.Helper(); w.say(t, text) }
	say("多久发货")           // answered with the FAQ
	say("qwxz zzkv 9981") // the bot does not understand
	say("我要转人工")          // a handoff trigger
	svc := stats.New(stats.Options{Store: db})
	if err := svc.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	v, _ := url.ParseQuery("")
	f, err := stats.ParseFilter(v, time.Now(), time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := svc.Overview(ctx, shop.ID, f)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]any{}
	for i, col := range rep.Columns {
		got[col.Key] = rep.Rows[0][i]
	}
	want := map[string]any{"questions": int64(3), "answered": int64(1), "fallback": int64(1), "handoff": int64(1),
		"handed_off": int64(1), "first_response_bot_n": int64(1)}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v (overview %v)", k, got[k], v, got)
		}
	}
	if t.Failed() {
		ms, _ := db.ListMessages(ctx, store.MessageQuery{ShopID: shop.ID, ConversationID: c.ID, Limit: 50})
		for _, m := range ms {
			t.Logf("%s %s %q %.150s", m.Sender, m.ClientID, m.Body, m.Meta)
		}
	}
	h, err := svc.Handoffs(ctx, shop.ID, f)
	if err != nil || len(h.Rows) != 1 || h.Rows[0][0] != "human_request" {
		t.Errorf("handoff reasons %v, %v; want human_request", h.Rows, err)
	}
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	for range 500 {
		if ok() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the bot did not reply")
}

// TestRuleHandoffIsNoGap: a question a rule hands to people (here the
// keyword 加急) is collected for the knowledge-gap miner only when the
// engine could not have answered it itself.
func TestRuleHandoffIsNoGap(t *testing.T) {
	for _, tt := range []struct {
		ask  string
		want []string
	}{
		{"加急的话多久发货", nil},                                            // the FAQ 多久发货 answers it: no gap
		{"加急 qwxz zzkv 9981", []string{"handoff 加急 qwxz zzkv 9981"}}, // nothing answers it: a gap
	} {
		ctx := context.Background()
		w := newRealBot(t)
		cfg := bot.DefaultConfig()
		cfg.Handoff.Keywords = []string{"加急"}
		if err := w.bot.PutConfig(ctx, w.shop.ID, cfg, func(string) bool { return true }); err != nil {
			t.Fatal(err)
		}
		w.say(t, tt.ask)
		if err := stats.New(stats.Options{Store: w.db}).Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		qs, err := w.db.ListUnanswered(ctx, w.shop.ID, time.Time{}, 100)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, q := range qs {
			got = append(got, q.Kind+" "+q.Text)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: collected %q, want %q", tt.ask, got, tt.want)
		}
	}
}
