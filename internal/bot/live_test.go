package bot

import (
	"encoding/json"
	"testing"

	"github.com/xiaoer-cs/xiaoer/internal/bus"
	"github.com/xiaoer-cs/xiaoer/internal/model"
)

// cardsOf are the order cards of the newest bot message.
func cardsOf(s *scene, c model.Conversation) []Card {
	s.t.Helper()
	ms := s.messages(c, 0)
	var meta replyMeta
	if err := json.Unmarshal([]byte(ms[len(ms)-1].Meta), &meta); err != nil {
		s.t.Fatal(err)
	}
	return meta.Cards
}

func TestTranscriptsLive(t *testing.T) {
	wantCards := func(numbers ...string) func(s *scene, c model.Conversation) {
		return func(s *scene, c model.Conversation) {
			cards := cardsOf(s, c)
			if len(cards) != len(numbers) {
				s.t.Fatalf("cards %+v, want orders %v", cards, numbers)
			}
			for i, n := range numbers {
				if cards[i].OrderNo != n || cards[i].Status == "" || cards[i].Total == "" {
					s.t.Fatalf("card %d %+v, want order %s", i, cards[i], n)
				}
			}
		}
	}
	runTranscripts(t, []transcript{
		{name: "order logistics: which order, then the second (zh)", buyer: "u:u1", lines: []line{
			{says: "我的快递到哪了", replies: []string{"welcome/welcome", "live/order.which"}, has: []string{"哪个订单"},
				check: wantCards("2025060100000002", "2025060100000001")},
			{says: "第二个", replies: []string{"pending/order.logistics"}, has: []string{"2025060100000001", "顺丰", "SF1234567890", "到达上海转运中心", "06-01 02:00"}},
			// The order stays in focus.
			{says: "退款到哪一步了", replies: []string{"live/refund.none"}, has: []string{"2025060100000001"}},
		}},
		{name: "order: a tapped card answers the question", buyer: "u:u1", lines: []line{
			{says: "我的快递到哪了", replies: []string{"welcome/welcome", "live/order.which"}},
			{says: "2025060100000002", replies: []string{"pending/order.status"}, has: []string{"待发货", "纯棉T恤 白色 M"}},
		}},
		{name: "order: another question drops the bot's", buyer: "u:u1", lines: []line{
			{says: "我的快递到哪了", replies: []string{"welcome/welcome", "live/order.which"}},
			{says: "多久发货", replies: []string{"faq"}},
			{says: "第二个", replies: []string{"fallback"}},
		}},
		{name: "order status by number (zh)", buyer: "u:u1", lines: []line{
			{says: "订单2025060100000001发货了吗", replies: []string{"welcome/welcome", "live/order.logistics"}, has: []string{"已发货", "顺丰"}},
		}},
		{name: "order logistics of the only shipped order (en)", buyer: "u:u2", lines: []line{
			{says: "where is my package", replies: []string{"welcome/welcome", "live/order.logistics"}, has: []string{"Shipped", "SF Express", "Out for delivery"}},
		}},
		{name: "someone else's order is not shown", buyer: "u:u2", lines: []line{
			{says: "订单 2025060100000001 到哪了", replies: []string{"welcome/welcome", "live/order.not_found"}, hasNot: []string{"顺丰", "上海"}},
		}},
		{name: "anonymous visitor is asked to log in (zh)", buyer: "v:anon", lines: []line{
			{says: "我的订单发货了吗", replies: []string{"welcome/welcome", "live/login"}, has: []string{"登录"}},
			{says: "2025060100000001 到哪了", replies: []string{"live/login"}, hasNot: []string{"顺丰", "上海"}},
		}},
		{name: "anonymous visitor is asked to log in (en)", buyer: "v:anon2", lines: []line{
			{says: "where is my order", replies: []string{"welcome/welcome", "live/login"}, has: []string{"log in"}},
		}},
		{name: "refund progress", buyer: "u:u4", lines: []line{
			{says: "退款到哪一步了", replies: []string{"welcome/welcome", "live/refund.status"}, has: []string{"退款已同意", "¥99.00"}},
		}},
		{name: "cancelling is a task for a person (zh)", buyer: "u:u1", lines: []line{
			{says: "我要取消订单", replies: []string{"welcome/welcome", "live/task.order.cancel", "handoff/handoff.assigned"},
				has: []string{"2025060100000002", "客服小李"}, owner: model.OwnerAgent, agent: "xiaoli",
				reasons: []string{"task:order.cancel", "auto:round_robin"}},
		}},
		{name: "address change is a task for a person (en)", buyer: "u:u2", lines: []line{
			{says: "I need to change the shipping address", replies: []string{"welcome/welcome", "live/task.order.modify", "handoff/handoff.assigned"},
				has: []string{"2025060100000004"}, agent: "xiaoli", reasons: []string{"task:order.modify", "auto:round_robin"}},
		}},
		{name: "stock of the product the widget shows (zh)", buyer: "v:p1", lines: []line{
			{product: "P100", says: "这件还有货吗", replies: []string{"welcome/welcome", "live/product.stock"},
				has: []string{"纯棉T恤", "黑色 / M：有货（12 件）\n白色 / M：有货（5 件）\n黑色 / L：暂时缺货"}},
			{says: "白色M码有货吗", replies: []string{"live/product.stock"}, has: []string{"白色 / M：有货（5 件）"}, hasNot: []string{"黑色"}},
		}},
		{name: "stock (en)", buyer: "v:p2", lines: []line{
			{product: "P100", says: "is this in stock", replies: []string{"welcome/welcome", "live/product.stock"}, has: []string{"黑色 / M: in stock (12)", "sold out"}},
		}},
		{name: "stock without a product asks which, then answers", buyer: "v:p3", lines: []line{
			{says: "这件还有货吗", replies: []string{"welcome/welcome", "live/product.which"}},
			{says: "P100", replies: []string{"pending/product.stock"}, has: []string{"有货"}},
		}},
		{name: "size from height and weight (zh)", buyer: "v:s1", lines: []line{
			{product: "P100", says: "身高170体重60穿什么码", replies: []string{"welcome/welcome", "live/size.advice"}, has: []string{"推荐 M 码", "身高170cm、体重60kg"}},
			{says: "身高171 体重64 呢，穿什么码", replies: []string{"live/size.between"}, has: []string{"推荐 L 码", "M 码"}},
		}},
		{name: "size: the bot asks for height and weight (en)", buyer: "v:s2", lines: []line{
			{product: "P100", says: "what size should I get", replies: []string{"welcome/welcome", "live/size.ask"}, has: []string{"height and weight"}},
			{says: "175 70", replies: []string{"pending/size.advice"}, has: []string{"size L", "height 175cm, weight 70kg"}},
		}},
		{name: "price and specs of the product in focus", buyer: "v:s3", lines: []line{
			{product: "P100", says: "这件多少钱", replies: []string{"welcome/welcome", "live/product.price"}, has: []string{"¥99.00 - ¥109.00"}},
			{says: "什么材质的", replies: []string{"live/product.spec"}, has: []string{"材质: 纯棉", "黑色、白色"}},
		}},
	})
}

// TestContextSurvivesRestart asks which order with one bot and takes the
// answer with another, as after a restart: the question is in the store.
func TestContextSurvivesRestart(t *testing.T) {
	s := newScene(t)
	s.say("u:u1", "我的快递到哪了")
	s.bot = New(Options{Store: s.db, Chat: s.chat, KB: s.kb, Bus: bus.NewLocal(), Route: s.route, Now: s.clk.Now})
	c := s.say("u:u1", "第二个")
	ms := s.messages(c, 0)
	if got := stepOf(t, ms[len(ms)-1]); got != "pending/order.logistics" {
		t.Fatalf("after a restart the answer was %s", got)
	}
}
