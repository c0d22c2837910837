package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/bus"
	"github.com/xiaoer-cs/xiaoer/internal/chat"
	"github.com/xiaoer-cs/xiaoer/internal/commerce"
	"github.com/xiaoer-cs/xiaoer/internal/kb"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/route"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// clock is the scene's time: it moves only when a transcript says so.
type clock struct{ ns atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *clock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// sceneStart is a Monday, 10:00 in Shanghai: inside working hours.
var sceneStart = time.Date(2025, 6, 2, 2, 0, 0, 0, time.UTC)

// scene is a whole shop for transcripts: FAQs, products, buyers with
// orders, two agent groups with an online agent each, the chat service,
// the router and the bot, on a fresh SQLite store with a clock that stands
// still. Bus events that give the bot work are queued and run by pump, in
// order, so every transcript is deterministic.
type scene struct {
	t      *testing.T
	ctx    context.Context
	db     *store.DB
	clk    *clock
	chat   *chat.Service
	kb     *kb.Service
	route  *route.Service
	bot    *Bot
	shop   model.Shop
	agents map[string]int64
	groups map[string]int64

	mu     sync.Mutex
	jobs   []job
	events []bus.Event
}

func newScene(t *testing.T) *scene {
	t.Helper()
	s := &scene{t: t, ctx: context.Background(), clk: &clock{}, agents: map[string]int64{}, groups: map[string]int64{}}
	s.clk.ns.Store(sceneStart.UnixNano())
	db, err := store.Open(s.ctx, store.Options{DSN: t.TempDir() + "/scene.db", Now: s.clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(s.ctx); err != nil {
		t.Fatal(err)
	}
	s.db = db
	broker := bus.NewLocal()
	s.chat = chat.New(chat.Options{Store: db, Bus: broker})
	s.kb = kb.New(kb.Options{Store: db, Bus: broker})
	s.route = route.New(route.Options{Store: db, Chat: s.chat, Bus: broker, Now: s.clk.Now})
	s.bot = New(Options{Store: db, Chat: s.chat, KB: s.kb, Bus: broker, Route: s.route, Now: s.clk.Now,
		Commerce: commerce.New(commerce.Options{Store: db, Now: s.clk.Now})})
	broker.Subscribe(func(e bus.Event) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.events = append(s.events, e)
		if j, ok := s.bot.jobOf(e); ok {
			s.jobs = append(s.jobs, j)
		}
	})
	if s.shop, err = db.CreateShop(s.ctx, model.Shop{Slug: "s", Name: "小二测试店", Language: "zh-CN", Timezone: "Asia/Shanghai", IdentitySecret: "x"}); err != nil {
		t.Fatal(err)
	}
	s.seedFAQs()
	s.seedData()
	s.agent("xiaomei", "客服小美", model.StatusOnline, 3)
	s.agent("xiaoli", "客服小李", model.StatusOnline, 3)
	pre, post := s.group("售前", "xiaomei"), s.group("售后", "xiaoli")
	s.routing(func(c *route.Config) {
		c.Groups = []route.GroupRule{{GroupID: pre, Categories: []string{"presale", "shipping"}},
			{GroupID: post, Categories: []string{"order", "aftersale", "handoff"}}}
	})
	return s
}

func (s *scene) seedFAQs() {
	for key, c := range map[string]model.FAQContent{
		"ship":    {Question: "多久发货", Similar: []string{"什么时候发货", "几天能发出", "when will you ship"}, Answers: answers("48小时内发货", "We ship within 48 hours.")},
		"invoice": {Question: "可以开发票吗", Similar: []string{"怎么开发票", "能开专票吗", "can I get an invoice"}, Answers: answers("可以开电子发票", "Yes, e-invoices.")},
		"return":  {Question: "支持七天无理由退货吗", Similar: []string{"能退货吗", "不喜欢可以退吗", "can I return it"}, Answers: answers("支持七天无理由", "7-day returns.")},
		"wash":    {Question: "衣服怎么洗", Similar: []string{"可以机洗吗", "洗涤方式", "how to wash it"}, Answers: answers("建议手洗冷水", "Hand wash cold.")},
	} {
		if _, _, err := s.kb.Create(s.ctx, s.shop.ID, 0, kb.Input{Key: key, Content: c, Publish: true}); err != nil {
			s.t.Fatal(err)
		}
	}
}

// seedData is the shop's data: a shirt with SKUs and a size chart, and
// buyers u1 (three orders), u2 (one shipped order), u3 (a VIP), u4 (an
// order being refunded).
func (s *scene) seedData() {
	t0 := sceneStart.Add(-72 * time.Hour)
	_, err := s.db.UpsertProducts(s.ctx, s.shop.ID, []model.Product{{ExternalID: "P100", Title: "纯棉T恤", PriceFen: 9900,
		Attributes: map[string]string{"材质": "纯棉", "产地": "杭州"},
		SizeChart: []model.SizeRange{{Size: "S", HeightMin: 150, HeightMax: 162, WeightMin: 40, WeightMax: 52},
			{Size: "M", HeightMin: 160, HeightMax: 172, WeightMin: 50, WeightMax: 65},
			{Size: "L", HeightMin: 170, HeightMax: 182, WeightMin: 63, WeightMax: 78},
			{Size: "XL", HeightMin: 180, HeightMax: 192, WeightMin: 75, WeightMax: 90}},
		SKUs: []model.SKU{{ExternalID: "P100-BM", Color: "黑色", Size: "M", PriceFen: 9900, Stock: 12},
			{ExternalID: "P100-BL", Color: "黑色", Size: "L", PriceFen: 9900, Stock: 0},
			{ExternalID: "P100-WM", Color: "白色", Size: "M", PriceFen: 10900, Stock: 5}}}})
	if err != nil {
		s.t.Fatal(err)
	}
	if _, err := s.db.UpsertBuyers(s.ctx, s.shop.ID, []model.BuyerProfile{{ExternalID: "u1", Nickname: "小明", Level: "normal"},
		{ExternalID: "u2", Nickname: "Amy"}, {ExternalID: "u3", Nickname: "大客户", Level: "vip3"}, {ExternalID: "u4", Nickname: "小红"}}); err != nil {
		s.t.Fatal(err)
	}
	item := func(title string) []model.OrderItem {
		return []model.OrderItem{{ProductID: "P100", Title: title, Qty: 1, PriceFen: 9900}}
	}
	logistics := []model.LogisticsEvent{{At: t0.Add(26 * time.Hour), Text: "已揽收", Location: "杭州"},
		{At: t0.Add(40 * time.Hour), Text: "到达上海转运中心", Location: "上海"}}
	orders := []model.Order{
		{ExternalID: "2025060100000001", BuyerID: "u1", Status: model.OrderShipped, TotalFen: 9900, CreatedAt: t0, PaidAt: t0,
			Carrier: "顺丰", TrackingNo: "SF1234567890", Logistics: logistics, Items: item("纯棉T恤 黑色 M")},
		{ExternalID: "2025060100000002", BuyerID: "u1", Status: model.OrderPaid, TotalFen: 19800, CreatedAt: t0.Add(24 * time.Hour),
			PaidAt: t0.Add(24 * time.Hour), Items: item("纯棉T恤 白色 M")},
		{ExternalID: "2025050100000003", BuyerID: "u1", Status: model.OrderCompleted, TotalFen: 5000, CreatedAt: t0.Add(-720 * time.Hour),
			PaidAt: t0.Add(-720 * time.Hour), Items: item("袜子")},
		{ExternalID: "2025060100000004", BuyerID: "u2", Status: model.OrderShipped, TotalFen: 9900, CreatedAt: t0, PaidAt: t0,
			Carrier: "SF Express", TrackingNo: "SF999", Logistics: []model.LogisticsEvent{{At: t0.Add(30 * time.Hour), Text: "Out for delivery"}},
			Items: item("Cotton T-shirt")},
		{ExternalID: "2025060100000005", BuyerID: "u4", Status: model.OrderRefunding, TotalFen: 9900, CreatedAt: t0, PaidAt: t0,
			Refund: model.RefundApproved, RefundFen: 9900, Items: item("纯棉T恤")},
	}
	if _, err := s.db.UpsertOrders(s.ctx, s.shop.ID, orders); err != nil {
		s.t.Fatal(err)
	}
}

func (s *scene) agent(username, display string, status model.AgentStatus, maxChats int) {
	a, err := s.db.CreateAccount(s.ctx, model.Account{Username: username, DisplayName: display})
	if err != nil {
		s.t.Fatal(err)
	}
	if err := s.db.AddMember(s.ctx, model.Membership{ShopID: s.shop.ID, AccountID: a.ID, Role: "agent", Status: status, MaxChats: maxChats}); err != nil {
		s.t.Fatal(err)
	}
	s.agents[username] = a.ID
}

func (s *scene) group(name string, members ...string) int64 {
	g, err := s.db.CreateGroup(s.ctx, store.Group{ShopID: s.shop.ID, Name: name})
	if err != nil {
		s.t.Fatal(err)
	}
	var ids []int64
	for _, m := range members {
		ids = append(ids, s.agents[m])
	}
	if err := s.db.SetGroupMembers(s.ctx, s.shop.ID, g.ID, ids); err != nil {
		s.t.Fatal(err)
	}
	s.groups[name] = g.ID
	return g.ID
}

func (s *scene) routing(change func(*route.Config)) {
	s.t.Helper()
	c, err := s.route.Config(s.ctx, s.shop.ID)
	if err != nil {
		s.t.Fatal(err)
	}
	change(&c)
	if err := s.route.PutConfig(s.ctx, s.shop.ID, c, func(string) bool { return true }); err != nil {
		s.t.Fatal(err)
	}
}

func (s *scene) pipeline(change func(*Config)) {
	s.t.Helper()
	c, err := s.bot.Config(s.ctx, s.shop.ID)
	if err != nil {
		s.t.Fatal(err)
	}
	change(&c)
	if err := s.bot.PutConfig(s.ctx, s.shop.ID, c, func(string) bool { return true }); err != nil {
		s.t.Fatal(err)
	}
}

func (s *scene) settings(change func(*kb.Settings)) {
	s.t.Helper()
	set, err := s.kb.Settings(s.ctx, s.shop.ID)
	if err != nil {
		s.t.Fatal(err)
	}
	change(&set)
	if err := s.kb.PutSettings(s.ctx, s.shop.ID, set); err != nil {
		s.t.Fatal(err)
	}
}

func (s *scene) status(agent string, st model.AgentStatus) {
	s.t.Helper()
	if err := s.db.SetAgentStatus(s.ctx, s.shop.ID, s.agents[agent], st); err != nil {
		s.t.Fatal(err)
	}
}

// buyer is "v:<visitor id>" for an anonymous visitor or "u:<buyer id>" for
// a buyer the shop's site verified.
func (s *scene) buyer(who string) model.Buyer {
	s.t.Helper()
	kind, id, _ := strings.Cut(who, ":")
	var b model.Buyer
	var err error
	if kind == "u" {
		b, err = s.db.EnsureVerifiedBuyer(s.ctx, s.shop.ID, id, "")
	} else {
		b, err = s.db.EnsureVisitor(s.ctx, s.shop.ID, id)
	}
	if err != nil {
		s.t.Fatal(err)
	}
	return b
}

// conversation is the buyer's open conversation, opened when needed.
func (s *scene) conversation(who string) model.Conversation {
	s.t.Helper()
	c, _, err := s.chat.Resume(s.ctx, s.shop.ID, s.buyer(who).ID)
	if err != nil {
		s.t.Fatal(err)
	}
	return c
}

// say posts a buyer message and lets the bot and router work.
func (s *scene) say(who, text string) model.Conversation {
	s.t.Helper()
	return s.post(who, model.KindText, text)
}

// show posts a buyer's image (its upload URL) and lets the bot and router
// work.
func (s *scene) show(who, url string) model.Conversation {
	s.t.Helper()
	return s.post(who, model.KindImage, url)
}

func (s *scene) post(who string, kind model.MessageKind, body string) model.Conversation {
	s.t.Helper()
	c := s.conversation(who)
	id := fmt.Sprintf("m%d", c.LastSeq+1)
	if _, _, err := s.chat.Post(s.ctx, chat.Post{ShopID: s.shop.ID, ConversationID: c.ID, Sender: model.SenderBuyer, SenderID: c.BuyerID,
		ClientID: id, Kind: kind, Body: body}); err != nil {
		s.t.Fatal(err)
	}
	s.pump()
	return s.get(c.ID)
}

// pump runs the bot's queued jobs in order until none is left.
func (s *scene) pump() {
	for {
		s.mu.Lock()
		if len(s.jobs) == 0 {
			s.mu.Unlock()
			return
		}
		j := s.jobs[0]
		s.jobs = s.jobs[1:]
		s.mu.Unlock()
		s.bot.handle(s.ctx, j)
	}
}

func (s *scene) get(id int64) model.Conversation {
	s.t.Helper()
	c, err := s.db.GetConversation(s.ctx, s.shop.ID, id)
	if err != nil {
		s.t.Fatal(err)
	}
	return c
}

func (s *scene) messages(c model.Conversation, afterSeq int64) []model.Message {
	s.t.Helper()
	ms, err := s.db.ListMessages(s.ctx, store.MessageQuery{ShopID: c.ShopID, ConversationID: c.ID, AfterSeq: afterSeq})
	if err != nil {
		s.t.Fatal(err)
	}
	return ms
}

func (s *scene) eventsOf(c model.Conversation) []model.Event {
	s.t.Helper()
	evs, err := s.db.ListEvents(s.ctx, c.ShopID, c.ID)
	if err != nil {
		s.t.Fatal(err)
	}
	return evs
}

// busEvents are the bus events of a type about a conversation.
func (s *scene) busEvents(typ string, conversationID int64) []bus.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []bus.Event
	for _, e := range s.events {
		if e.Type == typ && e.ConversationID == conversationID {
			out = append(out, e)
		}
	}
	return out
}

func (s *scene) nameOf(id int64) string {
	for n, a := range s.agents {
		if a == id {
			return n
		}
	}
	return ""
}

// stepOf names a bot or system message as a transcript expects it: the
// explanation's step and detail ("live/order.logistics"), or "rating" for
// the rating invitation.
func stepOf(t *testing.T, m model.Message) string {
	t.Helper()
	var meta struct {
		Invite  string      `json:"invite"`
		Explain Explanation `json:"explain"`
	}
	if err := json.Unmarshal([]byte(m.Meta), &meta); err != nil {
		t.Fatalf("meta %q: %v", m.Meta, err)
	}
	if meta.Invite != "" {
		return meta.Invite
	}
	if meta.Explain.Detail != "" && !strings.Contains(meta.Explain.Detail, " ") {
		return meta.Explain.Step + "/" + meta.Explain.Detail
	}
	return meta.Explain.Step
}
