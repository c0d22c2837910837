package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

func testBuyers(t *testing.T, e *env) {
	a, b := e.shop("a"), e.shop("b")
	v1 := e.buyer(a.ID, "v1")
	diff(t, "EnsureVisitor", model.Buyer{ID: v1.ID, ShopID: a.ID, VisitorID: "v1", CreatedAt: e.now()}, v1)
	if v1.Verified() {
		t.Error("an anonymous visitor reports Verified")
	}
	e.clk.Advance(time.Minute)
	again := e.buyer(a.ID, "v1")
	diff(t, "EnsureVisitor again", v1, again)
	if other := e.buyer(b.ID, "v1"); other.ID == v1.ID {
		t.Error("one visitor id in two shops gave one buyer")
	}

	u1, err := e.s.EnsureVerifiedBuyer(e.ctx, a.ID, "u1", "小明")
	checkErr(t, "EnsureVerifiedBuyer", err, nil)
	diff(t, "EnsureVerifiedBuyer", model.Buyer{ID: u1.ID, ShopID: a.ID, ExternalID: "u1", Nickname: "小明", CreatedAt: e.now()}, u1)
	if !u1.Verified() {
		t.Error("a verified buyer does not report Verified")
	}
	e.clk.Advance(time.Minute)
	nick := []struct {
		name, nickname, want string
	}{
		{"no nickname keeps it", "", "小明"},
		{"new nickname replaces it", "小红", "小红"},
	}
	for _, tt := range nick {
		t.Run(tt.name, func(t *testing.T) {
			got, err := e.s.EnsureVerifiedBuyer(e.ctx, a.ID, "u1", tt.nickname)
			checkErr(t, "EnsureVerifiedBuyer", err, nil)
			want := u1
			want.Nickname = tt.want
			diff(t, "EnsureVerifiedBuyer again", want, got)
		})
	}
	// An anonymous visitor can never become a verified buyer by choosing
	// a visitor id equal to someone's external id.
	if spoof := e.buyer(a.ID, "u1"); spoof.ID == u1.ID || spoof.Verified() {
		t.Errorf("EnsureVisitor(\"u1\") = %+v, want a new anonymous buyer", spoof)
	}
	ub, err := e.s.EnsureVerifiedBuyer(e.ctx, b.ID, "u1", "")
	checkErr(t, "EnsureVerifiedBuyer other shop", err, nil)
	if ub.ID == u1.ID || ub.ShopID != b.ID {
		t.Errorf("one external id in two shops: %+v and %+v", u1, ub)
	}

	refused := []struct {
		name string
		err  func() error
		want error
	}{
		// An empty id would select a buyer that has none: a verified
		// buyer for visitors, a visitor for verified buyers.
		{"empty visitor id", func() error { _, err := e.s.EnsureVisitor(e.ctx, a.ID, ""); return err }, store.ErrEmptyID},
		{"empty external id", func() error { _, err := e.s.EnsureVerifiedBuyer(e.ctx, a.ID, "", "x"); return err }, store.ErrEmptyID},
		{"visitor of a missing shop", func() error { _, err := e.s.EnsureVisitor(e.ctx, b.ID+100, "v"); return err }, store.ErrNotFound},
		{"buyer of a missing shop", func() error { _, err := e.s.EnsureVerifiedBuyer(e.ctx, b.ID+100, "u", ""); return err }, store.ErrNotFound},
		{"GetBuyer through another shop", func() error { _, err := e.s.GetBuyer(e.ctx, b.ID, u1.ID); return err }, store.ErrNotFound},
		{"GetBuyer missing", func() error { _, err := e.s.GetBuyer(e.ctx, a.ID, u1.ID+100); return err }, store.ErrNotFound},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) { checkErr(t, tt.name, tt.err(), tt.want) })
	}
	got, err := e.s.GetBuyer(e.ctx, a.ID, u1.ID)
	checkErr(t, "GetBuyer", err, nil)
	want := u1
	want.Nickname = "小红"
	diff(t, "GetBuyer", want, got)
}

func testConversations(t *testing.T, e *env) {
	a, b := e.shop("a"), e.shop("b")
	x, y, z := e.buyer(a.ID, "x"), e.buyer(a.ID, "y"), e.buyer(b.ID, "z")

	c1, err := e.s.CreateConversation(e.ctx, a.ID, x.ID, 2)
	checkErr(t, "CreateConversation", err, nil)
	diff(t, "CreateConversation", model.Conversation{ID: c1.ID, ShopID: a.ID, BuyerID: x.ID, Owner: model.OwnerBot,
		Priority: 2, CreatedAt: e.now(), UpdatedAt: e.now()}, c1)
	got, err := e.s.GetConversation(e.ctx, a.ID, c1.ID)
	checkErr(t, "GetConversation", err, nil)
	diff(t, "GetConversation", c1, got)
	events, err := e.s.ListEvents(e.ctx, a.ID, c1.ID)
	checkErr(t, "ListEvents", err, nil)
	diff(t, "events of a new conversation", []model.Event{{ShopID: a.ID, ConversationID: c1.ID, Kind: "opened",
		ToOwner: model.OwnerBot, Reason: "buyer", CreatedAt: e.now()}}, events, cmpopts.IgnoreFields(model.Event{}, "ID"))

	refused := []struct {
		name string
		err  func() error
	}{
		{"create for another shop's buyer", func() error { _, err := e.s.CreateConversation(e.ctx, a.ID, z.ID, 0); return err }},
		{"create in another shop for own buyer", func() error { _, err := e.s.CreateConversation(e.ctx, b.ID, x.ID, 0); return err }},
		{"create for a missing buyer", func() error { _, err := e.s.CreateConversation(e.ctx, a.ID, z.ID+100, 0); return err }},
		{"get through another shop", func() error { _, err := e.s.GetConversation(e.ctx, b.ID, c1.ID); return err }},
		{"get missing", func() error { _, err := e.s.GetConversation(e.ctx, a.ID, c1.ID+100); return err }},
		{"latest open through another shop", func() error { _, err := e.s.LatestOpenConversation(e.ctx, b.ID, x.ID); return err }},
		{"latest open of a buyer without any", func() error { _, err := e.s.LatestOpenConversation(e.ctx, a.ID, y.ID); return err }},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) { checkErr(t, tt.name, tt.err(), store.ErrNotFound) })
	}
	events, err = e.s.ListEvents(e.ctx, b.ID, c1.ID)
	checkErr(t, "ListEvents through another shop", err, nil)
	if len(events) != 0 {
		t.Errorf("ListEvents through another shop = %v, want none", events)
	}

	t.Run("LatestOpenConversation", func(t *testing.T) {
		e := e.in(t)
		e.clk.Advance(time.Minute)
		c2 := e.conversation(a.ID, x.ID)
		e.conversation(a.ID, y.ID) // another buyer's
		latest := func() (model.Conversation, error) { return e.s.LatestOpenConversation(e.ctx, a.ID, x.ID) }
		got, err := latest()
		checkErr(t, "LatestOpenConversation", err, nil)
		diff(t, "latest open", c2, got)
		e.move(c2, model.OwnerClosed, 0, 0)
		got, err = latest()
		checkErr(t, "LatestOpenConversation", err, nil)
		diff(t, "latest open once the newest is closed", c1.ID, got.ID)
		e.move(got, model.OwnerClosed, 0, 0)
		_, err = latest()
		checkErr(t, "LatestOpenConversation when all are closed", err, store.ErrNotFound)
	})
}

func testListConversations(t *testing.T, e *env) {
	a, b := e.shop("a"), e.shop("b")
	ann, bob, cat := e.agent(a.ID, "ann"), e.agent(a.ID, "bob"), e.agent(a.ID, "cat")
	g1, err := e.s.CreateGroup(e.ctx, store.Group{ShopID: a.ID, Name: "g1"})
	checkErr(t, "CreateGroup", err, nil)
	g2, err := e.s.CreateGroup(e.ctx, store.Group{ShopID: a.ID, Name: "g2"})
	checkErr(t, "CreateGroup", err, nil)
	x, y := e.buyer(a.ID, "x"), e.buyer(a.ID, "y")
	conv := func(buyer model.Buyer) model.Conversation { return e.conversation(a.ID, buyer.ID) }

	bot := conv(x)
	queueNone := e.move(conv(x), model.OwnerQueue, 0, 0)
	queue1 := e.move(conv(y), model.OwnerQueue, 0, g1.ID)
	queue2 := e.move(conv(y), model.OwnerQueue, 0, g2.ID)
	annC := e.move(e.move(conv(x), model.OwnerQueue, 0, g1.ID), model.OwnerAgent, ann.ID, g1.ID)
	bobC := e.move(e.move(conv(y), model.OwnerQueue, 0, g1.ID), model.OwnerAgent, bob.ID, g1.ID)
	closed := e.move(annC, model.OwnerClosed, 0, 0)
	annC = e.move(e.move(conv(x), model.OwnerQueue, 0, g1.ID), model.OwnerAgent, ann.ID, g1.ID)
	// Handed back to the bot: it keeps its last group, but nobody waits.
	back := e.move(e.move(conv(y), model.OwnerQueue, 0, g1.ID), model.OwnerBot, 0, 0)

	bBuyer := e.buyer(b.ID, "x")
	bQueue := e.move(e.conversation(b.ID, bBuyer.ID), model.OwnerQueue, 0, 0)
	bAgent := e.move(e.move(e.conversation(b.ID, bBuyer.ID), model.OwnerQueue, 0, 0), model.OwnerAgent, ann.ID, 0)

	all := []model.Conversation{back, annC, bobC, closed, queue2, queue1, queueNone, bot} // newest first
	tests := []struct {
		name string
		f    store.ConversationFilter
		want []model.Conversation
	}{
		{"whole shop", store.ConversationFilter{ShopID: a.ID}, all},
		{"queue", store.ConversationFilter{ShopID: a.ID, Owners: []model.Owner{model.OwnerQueue}}, []model.Conversation{queue2, queue1, queueNone}},
		{"queue and agents", store.ConversationFilter{ShopID: a.ID, Owners: []model.Owner{model.OwnerQueue, model.OwnerAgent}},
			[]model.Conversation{annC, bobC, queue2, queue1, queueNone}},
		{"closed", store.ConversationFilter{ShopID: a.ID, Owners: []model.Owner{model.OwnerClosed}}, []model.Conversation{closed}},
		{"agent", store.ConversationFilter{ShopID: a.ID, AgentID: ann.ID}, []model.Conversation{annC}},
		{"buyer", store.ConversationFilter{ShopID: a.ID, BuyerID: y.ID}, []model.Conversation{back, bobC, queue2, queue1}},
		{"buyer and owner", store.ConversationFilter{ShopID: a.ID, BuyerID: x.ID, Owners: []model.Owner{model.OwnerBot}}, []model.Conversation{bot}},
		// Visibility: own conversations, the queue of one's groups and
		// the queue of no group; never another agent's, never the bot's.
		{"visible to ann (g1)", store.ConversationFilter{ShopID: a.ID, VisibleTo: &store.Visibility{AccountID: ann.ID, Groups: []int64{g1.ID}}},
			[]model.Conversation{annC, queue1, queueNone}},
		{"visible to bob (g1, g2)", store.ConversationFilter{ShopID: a.ID, VisibleTo: &store.Visibility{AccountID: bob.ID, Groups: []int64{g1.ID, g2.ID}}},
			[]model.Conversation{bobC, queue2, queue1, queueNone}},
		{"visible to cat (no group)", store.ConversationFilter{ShopID: a.ID, VisibleTo: &store.Visibility{AccountID: cat.ID}},
			[]model.Conversation{queueNone}},
		{"visible to cat, agents only", store.ConversationFilter{ShopID: a.ID, Owners: []model.Owner{model.OwnerAgent},
			VisibleTo: &store.Visibility{AccountID: cat.ID}}, nil},
		{"visible to ann in shop b", store.ConversationFilter{ShopID: b.ID, VisibleTo: &store.Visibility{AccountID: ann.ID, Groups: []int64{g1.ID}}},
			[]model.Conversation{bAgent, bQueue}},
		{"shop b", store.ConversationFilter{ShopID: b.ID}, []model.Conversation{bAgent, bQueue}},
		{"another shop's buyer", store.ConversationFilter{ShopID: b.ID, BuyerID: x.ID}, nil},
		{"limit", store.ConversationFilter{ShopID: a.ID, Limit: 2}, all[:2]},
		{"before", store.ConversationFilter{ShopID: a.ID, Before: bobC.ID}, all[3:]},
		{"before and limit", store.ConversationFilter{ShopID: a.ID, Before: queue1.ID, Limit: 1}, []model.Conversation{queueNone}},
		{"before the oldest", store.ConversationFilter{ShopID: a.ID, Before: bot.ID}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := e.s.ListConversations(e.ctx, tt.f)
			checkErr(t, "ListConversations", err, nil)
			diff(t, "ListConversations", tt.want, got, cmpopts.EquateEmpty())
		})
	}

	t.Run("paging covers all once", func(t *testing.T) {
		var got []int64
		before := int64(0)
		for range len(all) + 1 {
			page, err := e.s.ListConversations(e.ctx, store.ConversationFilter{ShopID: a.ID, Before: before, Limit: 3})
			checkErr(t, "ListConversations", err, nil)
			if len(page) == 0 {
				break
			}
			got = append(got, convIDs(page)...)
			before = page[len(page)-1].ID
		}
		diff(t, "paged ids", convIDs(all), got)
	})
}

func testChangeOwner(t *testing.T, e *env) {
	a, b := e.shop("a"), e.shop("b")
	ann, bob, cat := e.agent(a.ID, "ann"), e.agent(a.ID, "bob"), e.agent(a.ID, "cat")
	g, err := e.s.CreateGroup(e.ctx, store.Group{ShopID: a.ID, Name: "g"})
	checkErr(t, "CreateGroup", err, nil)
	c := e.conversation(a.ID, e.buyer(a.ID, "x").ID)
	five := 5

	steps := []struct {
		name string
		ch   store.OwnerChange
		want error
		// what the conversation is after a successful step
		owner    model.Owner
		agent    int64
		group    int64
		priority int
		closed   bool
	}{
		{name: "bot hands off", ch: store.OwnerChange{From: model.OwnerBot, To: model.OwnerQueue, GroupID: g.ID, Reason: "asked for a human"},
			owner: model.OwnerQueue, group: g.ID},
		{name: "stale owner", ch: store.OwnerChange{From: model.OwnerBot, To: model.OwnerQueue, Reason: "again"}, want: store.ErrStale},
		{name: "assigned", ch: store.OwnerChange{From: model.OwnerQueue, To: model.OwnerAgent, AgentID: ann.ID, GroupID: g.ID,
			Kind: "assigned", Reason: "least busy"}, owner: model.OwnerAgent, agent: ann.ID, group: g.ID},
		{name: "stale agent", ch: store.OwnerChange{From: model.OwnerAgent, FromAgentID: bob.ID, To: model.OwnerAgent, AgentID: cat.ID,
			Reason: "bob thought it was his"}, want: store.ErrStale},
		{name: "transfer with priority", ch: store.OwnerChange{From: model.OwnerAgent, FromAgentID: ann.ID, To: model.OwnerAgent,
			AgentID: cat.ID, GroupID: g.ID, Priority: &five, ActorID: ann.ID, Kind: "transfer", Reason: "refund expert"},
			owner: model.OwnerAgent, agent: cat.ID, group: g.ID, priority: 5},
		{name: "closed", ch: store.OwnerChange{From: model.OwnerAgent, To: model.OwnerClosed, ActorID: cat.ID, Kind: "closed", Reason: "solved"},
			owner: model.OwnerClosed, group: g.ID, priority: 5, closed: true},
		{name: "reopened", ch: store.OwnerChange{From: model.OwnerClosed, To: model.OwnerBot, Reason: "buyer wrote again"},
			owner: model.OwnerBot, group: g.ID, priority: 5},
	}
	wantEvents, err := e.s.ListEvents(e.ctx, a.ID, c.ID)
	checkErr(t, "ListEvents", err, nil)
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			e.clk.Advance(time.Second)
			before, err := e.s.GetConversation(e.ctx, a.ID, c.ID)
			checkErr(t, "GetConversation", err, nil)
			ch := s.ch
			ch.ShopID, ch.ConversationID = a.ID, c.ID
			got, ev, err := e.s.ChangeOwner(e.ctx, ch)
			checkErr(t, "ChangeOwner", err, s.want)
			if s.want != nil {
				after, err := e.s.GetConversation(e.ctx, a.ID, c.ID)
				checkErr(t, "GetConversation", err, nil)
				diff(t, "conversation after a refused change", before, after)
			} else {
				want := before
				want.Owner, want.AgentID, want.GroupID, want.Priority, want.UpdatedAt = s.owner, s.agent, s.group, s.priority, e.now()
				want.ClosedAt = time.Time{}
				if s.closed {
					want.ClosedAt = e.now()
				}
				diff(t, "returned conversation", want, got)
				stored, err := e.s.GetConversation(e.ctx, a.ID, c.ID)
				checkErr(t, "GetConversation", err, nil)
				diff(t, "stored conversation", want, stored)
				kind := ch.Kind
				if kind == "" {
					kind = "owner"
				}
				wantEv := model.Event{ID: ev.ID, ShopID: a.ID, ConversationID: c.ID, Kind: kind, FromOwner: ch.From, ToOwner: ch.To,
					AgentID: ch.AgentID, ActorID: ch.ActorID, Reason: ch.Reason, CreatedAt: e.now()}
				diff(t, "event", wantEv, ev)
				wantEvents = append(wantEvents, wantEv)
			}
			events, err := e.s.ListEvents(e.ctx, a.ID, c.ID)
			checkErr(t, "ListEvents", err, nil)
			diff(t, "events", wantEvents, events)
		})
	}

	refused := []struct {
		name string
		ch   store.OwnerChange
	}{
		{"through another shop", store.OwnerChange{ShopID: b.ID, ConversationID: c.ID, From: model.OwnerBot, To: model.OwnerQueue}},
		{"missing conversation", store.OwnerChange{ShopID: a.ID, ConversationID: c.ID + 100, From: model.OwnerBot, To: model.OwnerQueue}},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := e.s.ChangeOwner(e.ctx, tt.ch)
			checkErr(t, "ChangeOwner", err, store.ErrNotFound)
			got, err := e.s.GetConversation(e.ctx, a.ID, c.ID)
			checkErr(t, "GetConversation", err, nil)
			if got.Owner != model.OwnerBot {
				t.Errorf("owner = %s after a refused change, want bot", got.Owner)
			}
		})
	}
}

// testChangeOwnerRace lets many agents take a waiting conversation at once,
// round after round: exactly one gets each.
func testChangeOwnerRace(t *testing.T, e *env) {
	a := e.shop("a")
	const agents, rounds = 10, 10
	ids := make([]int64, agents)
	for i := range agents {
		ids[i] = e.agent(a.ID, name("agent%d", i)).ID
	}
	buyer := e.buyer(a.ID, "x")
	for round := range rounds {
		c := e.move(e.conversation(a.ID, buyer.ID), model.OwnerQueue, 0, 0)
		errs := make([]error, agents)
		var wg sync.WaitGroup
		go1 := make(chan struct{})
		for i := range agents {
			wg.Go(func() {
				<-go1
				_, _, errs[i] = e.s.ChangeOwner(e.ctx, store.OwnerChange{ShopID: a.ID, ConversationID: c.ID,
					From: model.OwnerQueue, To: model.OwnerAgent, AgentID: ids[i], Reason: "take"})
			})
		}
		close(go1)
		wg.Wait()
		winner := int64(0)
		for i, err := range errs {
			switch {
			case err == nil:
				if winner != 0 {
					t.Errorf("round %d: agents %d and %d both took the conversation", round, winner, ids[i])
				}
				winner = ids[i]
			case !errors.Is(err, store.ErrStale):
				t.Errorf("round %d: agent %d: %v, want success or ErrStale", round, ids[i], err)
			}
		}
		got, err := e.s.GetConversation(e.ctx, a.ID, c.ID)
		checkErr(t, "GetConversation", err, nil)
		if winner == 0 || got.Owner != model.OwnerAgent || got.AgentID != winner {
			t.Fatalf("round %d: conversation owner %s agent %d, winner %d", round, got.Owner, got.AgentID, winner)
		}
		events, err := e.s.ListEvents(e.ctx, a.ID, c.ID)
		checkErr(t, "ListEvents", err, nil)
		if len(events) != 3 { // opened, to queue, taken
			t.Fatalf("round %d: %d events, want 3: %+v", round, len(events), events)
		}
	}
}

func testOpenConversation(t *testing.T, e *env) {
	a, b := e.shop("a"), e.shop("b")
	x := e.buyer(a.ID, "x")

	c, created, err := e.s.OpenConversation(e.ctx, a.ID, x.ID)
	checkErr(t, "OpenConversation", err, nil)
	if !created {
		t.Error("the first OpenConversation reports created = false")
	}
	diff(t, "OpenConversation", model.Conversation{ID: c.ID, ShopID: a.ID, BuyerID: x.ID, Owner: model.OwnerBot,
		CreatedAt: e.now(), UpdatedAt: e.now()}, c)
	events, err := e.s.ListEvents(e.ctx, a.ID, c.ID)
	checkErr(t, "ListEvents", err, nil)
	diff(t, "events", []string{"opened"}, mapped(events, func(ev model.Event) string { return ev.Kind }))

	e.clk.Advance(time.Minute)
	again, created, err := e.s.OpenConversation(e.ctx, a.ID, x.ID)
	checkErr(t, "OpenConversation", err, nil)
	if created {
		t.Error("OpenConversation with an open conversation reports created = true")
	}
	diff(t, "OpenConversation again", c, again)

	e.move(c, model.OwnerClosed, 0, 0)
	next, created, err := e.s.OpenConversation(e.ctx, a.ID, x.ID)
	checkErr(t, "OpenConversation", err, nil)
	if !created || next.ID == c.ID {
		t.Errorf("OpenConversation after closing = %d (created %v), want a new conversation", next.ID, created)
	}

	_, _, err = e.s.OpenConversation(e.ctx, b.ID, x.ID)
	checkErr(t, "OpenConversation through another shop", err, store.ErrNotFound)
	_, _, err = e.s.OpenConversation(e.ctx, a.ID, x.ID+100)
	checkErr(t, "OpenConversation for a missing buyer", err, store.ErrNotFound)

	t.Run("racing sockets share one", func(t *testing.T) {
		const rounds, racers = 10, 8
		for round := range rounds {
			y := e.in(t).buyer(a.ID, name("racer%d", round))
			got := make([]model.Conversation, racers)
			made := make([]bool, racers)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range racers {
				wg.Go(func() {
					<-start
					var err error
					got[i], made[i], err = e.s.OpenConversation(e.ctx, a.ID, y.ID)
					if err != nil {
						t.Errorf("round %d racer %d: %v", round, i, err)
					}
				})
			}
			close(start)
			wg.Wait()
			creators := 0
			for i := range racers {
				if made[i] {
					creators++
				}
				if got[i].ID != got[0].ID {
					t.Errorf("round %d: racer %d got conversation %d, racer 0 got %d", round, i, got[i].ID, got[0].ID)
				}
			}
			if creators != 1 {
				t.Errorf("round %d: %d racers created a conversation, want 1", round, creators)
			}
			list, err := e.s.ListConversations(e.ctx, store.ConversationFilter{ShopID: a.ID, BuyerID: y.ID})
			checkErr(t, "ListConversations", err, nil)
			if len(list) != 1 {
				t.Fatalf("round %d: buyer has %d conversations, want 1", round, len(list))
			}
		}
	})
}
