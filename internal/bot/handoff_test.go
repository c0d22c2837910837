package bot

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/bus"
	"github.com/xiaoer-cs/xiaoer/internal/kb"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/route"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// holdAll gives every agent as many conversations of other buyers as
// their cap, so the next buyer has to wait.
func holdAll(s *scene) {
	for name, id := range s.agents {
		m, err := s.db.GetMember(s.ctx, s.shop.ID, id)
		if err != nil {
			s.t.Fatal(err)
		}
		for i := range m.MaxChats {
			c := s.conversation("v:held-" + name + string(rune('a'+i)))
			if _, _, err := s.chat.ChangeOwner(s.ctx, store.OwnerChange{ShopID: s.shop.ID, ConversationID: c.ID, From: model.OwnerBot,
				To: model.OwnerAgent, AgentID: id, Reason: "taken"}); err != nil {
				s.t.Fatal(err)
			}
		}
	}
}

// priorityIs checks the conversation's queue priority.
func priorityIs(p int) func(s *scene, c model.Conversation) {
	return func(s *scene, c model.Conversation) {
		if c.Priority != p {
			s.t.Errorf("priority %d, want %d", c.Priority, p)
		}
	}
}

func TestTranscriptsHandoff(t *testing.T) {
	runTranscripts(t, []transcript{
		{name: "asking for a person (zh) goes to the group of the last question", buyer: "v:h1", lines: []line{
			{says: "我的快递到哪了", replies: []string{"welcome/welcome", "live/login"}},
			{says: "转人工", replies: []string{"handoff/handoff.assigned"}, has: []string{"客服小李"}, owner: model.OwnerAgent, agent: "xiaoli",
				reasons: []string{"human_request", "auto:round_robin"}},
		}},
		{name: "asking for a person (en)", buyer: "v:h2", lines: []line{
			{says: "talk to a human please", replies: []string{"welcome/welcome", "handoff/handoff.assigned"}, owner: model.OwnerAgent,
				reasons: []string{"human_request", "auto:round_robin"}, has: []string{"You're now talking to"}},
		}},
		{name: "a shop keyword", buyer: "v:h3",
			setup: func(s *scene) { s.pipeline(func(c *Config) { c.Handoff.Keywords = []string{"批发"} }) },
			lines: []line{
				{says: "我想批发100件", replies: []string{"welcome/welcome", "handoff/handoff.assigned"}, reasons: []string{"keyword:批发", "auto:round_robin"}},
			}},
		{name: "complaints always go to people, first in the queue", buyer: "v:h4", lines: []line{
			{says: "我要投诉你们", replies: []string{"welcome/welcome", "handoff/handoff.assigned"}, agent: "xiaoli",
				reasons: []string{"always_human:complaint", "auto:round_robin"}, check: priorityIs(priorityUrgent)},
		}},
		{name: "quality problems always go to people (en)", buyer: "v:h5", lines: []line{
			{says: "the shirt arrived damaged, poor quality", replies: []string{"welcome/welcome", "handoff/handoff.assigned"}, agent: "xiaoli",
				reasons: []string{"always_human:aftersale.quality", "auto:round_robin"}},
		}},
		{name: "frustration", buyer: "v:h6", lines: []line{
			{says: "什么时候发货", replies: []string{"welcome/welcome", "faq"}},
			{says: "什么时候发货啊", replies: []string{"faq"}},
			{says: "什么时候发货！！！！！", replies: []string{"handoff/handoff.assigned"}, agent: "xiaomei",
				reasons: []string{"frustration", "auto:round_robin"}, check: priorityIs(priorityUpset)},
		}},
		{name: "a VIP meets a person at once, once", buyer: "u:u3", lines: []line{
			{says: "在吗", replies: []string{"welcome/welcome", "handoff/handoff.assigned"}, reasons: []string{"vip", "auto:round_robin"},
				check: priorityIs(priorityVIP)},
			{do: func(s *scene, c model.Conversation) {
				if _, _, err := s.chat.ChangeOwner(s.ctx, store.OwnerChange{ShopID: c.ShopID, ConversationID: c.ID, From: model.OwnerAgent,
					FromAgentID: c.AgentID, To: model.OwnerBot, ActorID: c.AgentID, Reason: "released_to_bot"}); err != nil {
					s.t.Fatal(err)
				}
			}, owner: model.OwnerBot, reasons: []string{"released_to_bot"}},
			{says: "多久发货", replies: []string{"faq"}, owner: model.OwnerBot},
		}},
		{name: "queue position when every agent is busy, then served in order", buyer: "v:q1", setup: holdAll, lines: []line{
			{says: "转人工", replies: []string{"welcome/welcome", "handoff/handoff.queued"}, has: []string{"前面还有 0 位", "第 1 位"},
				owner: model.OwnerQueue, reasons: []string{"human_request"}},
			{who: "v:q2", says: "talk to a human", replies: []string{"welcome/welcome", "handoff/handoff.queued"}, has: []string{"number 2"}},
			{do: func(s *scene, c model.Conversation) {
				// xiaoli (after-sales, who serves requests for a person)
				// closes one of hers: the first in line gets her.
				held, _ := s.latest("v:held-xiaolia")
				if _, _, err := s.chat.ChangeOwner(s.ctx, store.OwnerChange{ShopID: c.ShopID, ConversationID: held.ID, From: model.OwnerAgent,
					FromAgentID: held.AgentID, To: model.OwnerClosed, Reason: "closed_by_agent"}); err != nil {
					s.t.Fatal(err)
				}
				if err := s.route.DrainShop(s.ctx, s.shop.ID); err != nil {
					s.t.Fatal(err)
				}
			}, owner: model.OwnerAgent, agent: "xiaoli", reasons: []string{"auto:round_robin"}},
			{who: "v:q2", owner: model.OwnerQueue, check: func(s *scene, c model.Conversation) {
				evs := s.busEvents(bus.TypeQueue, c.ID)
				var q route.QueueEvent
				if len(evs) == 0 || json.Unmarshal(evs[len(evs)-1].Data, &q) != nil || q.Position != 1 {
					s.t.Fatalf("queue frames %d, last position %d; want 1", len(evs), q.Position)
				}
			}},
		}},
		{name: "nobody on duty: leave a message, the shop is notified", buyer: "v:o1",
			setup: func(s *scene) { s.status("xiaomei", model.StatusOffline); s.status("xiaoli", model.StatusAway) },
			lines: []line{
				{says: "转人工", replies: []string{"welcome/welcome", "handoff/handoff.offline"}, has: []string{"留言"}, owner: model.OwnerQueue,
					reasons: []string{"human_request"}, check: func(s *scene, c model.Conversation) {
						if len(s.busEvents(bus.TypeNotify, c.ID)) != 1 {
							s.t.Fatal("the shop was not notified of the message left")
						}
					}},
				{says: "我的订单要退款", replies: none, owner: model.OwnerQueue},
				{do: func(s *scene, c model.Conversation) {
					s.status("xiaoli", model.StatusOnline)
					if err := s.route.DrainShop(s.ctx, s.shop.ID); err != nil {
						s.t.Fatal(err)
					}
				}, owner: model.OwnerAgent, agent: "xiaoli"},
			}},
		{name: "outside working hours the handoff takes a message (en)", buyer: "v:o2",
			setup: func(s *scene) {
				s.pipeline(func(c *Config) {
					c.Hours = Hours{Enabled: true, Periods: []Period{{Days: []int{1}, From: "12:00", To: "13:00"}}}
				})
				s.status("xiaomei", model.StatusOffline)
				s.status("xiaoli", model.StatusOffline)
			},
			lines: []line{
				{says: "I want a human", replies: []string{"welcome/welcome", "off_hours/off_hours", "handoff/handoff.offline"}, has: []string{"Leave your question"},
					owner: model.OwnerQueue},
			}},
	})
}

func TestTranscriptsRouting(t *testing.T) {
	general := func(strategy route.Strategy) func(s *scene) {
		return func(s *scene) {
			s.routing(func(c *route.Config) { c.Groups, c.Strategy = nil, strategy })
		}
	}
	handBack := func(s *scene, c model.Conversation) {
		if _, _, err := s.chat.ChangeOwner(s.ctx, store.OwnerChange{ShopID: c.ShopID, ConversationID: c.ID, From: model.OwnerAgent,
			FromAgentID: c.AgentID, To: model.OwnerClosed, Reason: "closed_by_agent"}); err != nil {
			s.t.Fatal(err)
		}
	}
	runTranscripts(t, []transcript{
		{name: "round robin takes agents in turn", buyer: "v:r1", setup: general(route.RoundRobin), lines: []line{
			{says: "转人工", agent: "xiaomei", replies: []string{"welcome/welcome", "handoff/handoff.assigned"}},
			{who: "v:r2", says: "转人工", agent: "xiaoli", replies: []string{"welcome/welcome", "handoff/handoff.assigned"}},
			{who: "v:r3", says: "转人工", agent: "xiaomei", replies: []string{"welcome/welcome", "handoff/handoff.assigned"}},
		}},
		{name: "least busy, never an offline agent, never past a cap", buyer: "v:l1",
			setup: func(s *scene) {
				general(route.LeastBusy)(s)
				s.agent("xiaozhang", "客服小张", model.StatusOffline, 5)
				m, _ := s.db.GetMember(s.ctx, s.shop.ID, s.agents["xiaoli"])
				m.MaxChats = 1
				if err := s.db.UpdateMember(s.ctx, m.Membership); err != nil {
					s.t.Fatal(err)
				}
			},
			lines: []line{
				{says: "转人工", agent: "xiaomei", replies: []string{"welcome/welcome", "handoff/handoff.assigned"}},
				{who: "v:l2", says: "转人工", agent: "xiaoli", replies: []string{"welcome/welcome", "handoff/handoff.assigned"}},
				{who: "v:l3", says: "转人工", agent: "xiaomei", replies: []string{"welcome/welcome", "handoff/handoff.assigned"}},
				{who: "v:l4", says: "转人工", agent: "xiaomei", replies: []string{"welcome/welcome", "handoff/handoff.assigned"}},
				{who: "v:l5", says: "转人工", agent: "-", owner: model.OwnerQueue, replies: []string{"welcome/welcome", "handoff/handoff.queued"}},
			}},
		{name: "sticky: a returning buyer gets their last agent", buyer: "u:u2", setup: general(route.Sticky), lines: []line{
			{says: "转人工", agent: "xiaomei"},
			{do: func(s *scene, c model.Conversation) {
				if _, err := s.route.Transfer(s.ctx, route.Transfer{ShopID: s.shop.ID, ConversationID: c.ID, ToAgent: s.agents["xiaoli"]}); err != nil {
					s.t.Fatal(err)
				}
			}, agent: "xiaoli", reasons: []string{"transferred"}},
			{do: handBack, owner: model.OwnerClosed, replies: []string{"rating"}},
			{says: "转人工", agent: "xiaoli", replies: []string{"welcome/welcome", "handoff/handoff.assigned"}, reasons: []string{"human_request", "auto:sticky"}},
		}},
	})
}

func TestTranscriptsService(t *testing.T) {
	sweep := func(d time.Duration) func(s *scene, c model.Conversation) {
		return func(s *scene, c model.Conversation) {
			s.clk.Advance(d)
			if err := s.route.Sweep(s.ctx); err != nil {
				s.t.Fatal(err)
			}
		}
	}
	runTranscripts(t, []transcript{
		{name: "transfer with a note, silence returns to the bot, idle close, rating", buyer: "u:u1", lines: []line{
			{says: "转人工", agent: "xiaoli", owner: model.OwnerAgent},
			{do: func(s *scene, c model.Conversation) {
				if _, err := s.route.Transfer(s.ctx, route.Transfer{ShopID: s.shop.ID, ConversationID: c.ID, ActorID: c.AgentID,
					ToAgent: s.agents["xiaomei"], Note: "买家要开专票"}); err != nil {
					s.t.Fatal(err)
				}
			}, agent: "xiaomei", reasons: []string{"transferred: 买家要开专票"}},
			// The bot suggests to the agent and says nothing to the buyer,
			// live answers first.
			{says: "订单2025060100000001到哪了", replies: none, owner: model.OwnerAgent, check: func(s *scene, c model.Conversation) {
				evs := s.busEvents(bus.TypeSuggest, c.ID)
				var se SuggestEvent
				if len(evs) == 0 || json.Unmarshal(evs[len(evs)-1].Data, &se) != nil || len(se.Suggestions) == 0 || se.Suggestions[0].Kind != "live" {
					s.t.Fatalf("suggestions %+v", se)
				}
			}},
			{do: sweep(29 * time.Minute), owner: model.OwnerAgent},
			{do: sweep(2 * time.Minute), owner: model.OwnerBot, agent: "-", reasons: []string{"agent_silent"}, replies: []string{"return/return.bot"}},
			{says: "多久发货", replies: []string{"faq"}, owner: model.OwnerBot},
			{do: sweep(59 * time.Minute), owner: model.OwnerBot},
			{do: sweep(2 * time.Minute), owner: model.OwnerClosed, reasons: []string{"idle"}, replies: []string{"rating"}, has: []string{"打分"}},
			{do: func(s *scene, c model.Conversation) {
				if err := s.chat.Rate(s.ctx, s.shop.ID, c.ID, c.BuyerID, 5, "小美很耐心"); err != nil {
					s.t.Fatal(err)
				}
			}, check: func(s *scene, c model.Conversation) {
				st, err := s.db.ConversationState(s.ctx, c.ShopID, c.ID)
				if err != nil || st.Rating != 5 || st.RatingComment != "小美很耐心" {
					s.t.Fatalf("rating %+v %v", st, err)
				}
			}},
			// A new message opens a new conversation with the bot.
			{says: "在吗", replies: []string{"welcome/welcome", "smalltalk/smalltalk.greeting"}, owner: model.OwnerBot},
		}},
		{name: "the agent hands back to the bot (en)", buyer: "v:b1", lines: []line{
			{says: "talk to a human", agent: "xiaoli"},
			{do: func(s *scene, c model.Conversation) {
				if _, _, err := s.chat.ChangeOwner(s.ctx, store.OwnerChange{ShopID: c.ShopID, ConversationID: c.ID, From: model.OwnerAgent,
					FromAgentID: c.AgentID, To: model.OwnerBot, ActorID: c.AgentID, Reason: "released_to_bot"}); err != nil {
					s.t.Fatal(err)
				}
			}, owner: model.OwnerBot, reasons: []string{"released_to_bot"}},
			{says: "can I get an invoice", replies: []string{"faq"}, has: []string{"e-invoices"}},
		}},
		{name: "assist mode says nothing and queues for people", buyer: "v:a1",
			setup: func(s *scene) { s.settings(func(set *kb.Settings) { set.Mode = kb.ModeAssist }) },
			lines: []line{
				{says: "多久发货", replies: none, owner: model.OwnerAgent, reasons: []string{"assist_mode", "auto:round_robin"}},
			}},
	})
}
