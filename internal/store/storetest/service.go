package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// testService covers the service state kept beside conversations: settings
// documents, context, widget product, rating, queue order and times, loads,
// the last agent of a buyer, assignment under status and cap, the sweep's
// queries and canned replies.
func testService(t *testing.T, e *env) {
	for _, tt := range []struct {
		name string
		fn   func(t *testing.T, e *env)
	}{
		{"settings", testServiceSettings},
		{"state", testConversationState},
		{"queue", testQueue},
		{"assign", testAssign},
		{"due", testDue},
		{"canned", testCanned},
	} {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, e.in(t)) })
	}
}

func testServiceSettings(t *testing.T, e *env) {
	a, b := e.shop("set-a"), e.shop("set-b")
	_, err := e.s.ServiceSettings(e.ctx, a.ID, "bot")
	checkErr(t, "ServiceSettings never saved", err, store.ErrNotFound)
	checkErr(t, "PutServiceSettings", e.s.PutServiceSettings(e.ctx, a.ID, "bot", `{"x":1}`), nil)
	checkErr(t, "PutServiceSettings again", e.s.PutServiceSettings(e.ctx, a.ID, "bot", `{"x":2}`), nil)
	got, err := e.s.ServiceSettings(e.ctx, a.ID, "bot")
	checkErr(t, "ServiceSettings", err, nil)
	diff(t, "ServiceSettings", `{"x":2}`, got)
	_, err = e.s.ServiceSettings(e.ctx, a.ID, "routing")
	checkErr(t, "another document", err, store.ErrNotFound)
	_, err = e.s.ServiceSettings(e.ctx, b.ID, "bot")
	checkErr(t, "another shop", err, store.ErrNotFound)
	checkErr(t, "missing shop", e.s.PutServiceSettings(e.ctx, b.ID+100, "bot", `{}`), store.ErrNotFound)
}

func testConversationState(t *testing.T, e *env) {
	a, b := e.shop("st-a"), e.shop("st-b")
	c := e.conversation(a.ID, e.buyer(a.ID, "v").ID)
	st, err := e.s.ConversationState(e.ctx, a.ID, c.ID)
	checkErr(t, "ConversationState", err, nil)
	diff(t, "fresh state", store.ConversationState{ConversationID: c.ID}, st)
	_, err = e.s.ConversationState(e.ctx, b.ID, c.ID)
	checkErr(t, "ConversationState in another shop", err, store.ErrNotFound)

	checkErr(t, "PutConversationContext", e.s.PutConversationContext(e.ctx, a.ID, c.ID, `{"focus":"p1"}`), nil)
	e.clk.Advance(time.Second)
	checkErr(t, "SetConversationProduct", e.s.SetConversationProduct(e.ctx, a.ID, c.ID, "P-9"), nil)
	checkErr(t, "context of another shop", e.s.PutConversationContext(e.ctx, b.ID, c.ID, `{}`), store.ErrNotFound)
	checkErr(t, "product of another shop", e.s.SetConversationProduct(e.ctx, b.ID, c.ID, "x"), store.ErrNotFound)
	checkErr(t, "RateConversation", e.s.RateConversation(e.ctx, a.ID, c.ID, 4, "快"), nil)
	checkErr(t, "RateConversation twice", e.s.RateConversation(e.ctx, a.ID, c.ID, 1, ""), store.ErrConflict)
	checkErr(t, "rate in another shop", e.s.RateConversation(e.ctx, b.ID, c.ID, 1, ""), store.ErrNotFound)
	st, err = e.s.ConversationState(e.ctx, a.ID, c.ID)
	checkErr(t, "ConversationState", err, nil)
	diff(t, "state", store.ConversationState{ConversationID: c.ID, Context: `{"focus":"p1"}`, ProductID: "P-9",
		ProductAt: e.now(), Rating: 4, RatingComment: "快", RatedAt: e.now()}, st)
}

func testQueue(t *testing.T, e *env) {
	a := e.shop("q-a")
	buyer := e.buyer(a.ID, "q")
	const group = 7
	queue := func(priority int) model.Conversation {
		c := e.conversation(a.ID, buyer.ID)
		got, _, err := e.s.ChangeOwner(e.ctx, store.OwnerChange{ShopID: a.ID, ConversationID: c.ID, From: model.OwnerBot,
			To: model.OwnerQueue, GroupID: group, Priority: &priority, Reason: "test"})
		checkErr(t, "ChangeOwner to queue", err, nil)
		e.clk.Advance(time.Second)
		return got
	}
	low1 := queue(0)
	high := queue(10)
	low2 := queue(0)
	// A buyer message touches updated_at but not the place in the queue;
	// a move to another group keeps the waiting time.
	e.send(low1, model.SenderBuyer, buyer.ID, "m1", "还在吗")
	otherQueued := e.now()
	other := e.move(queue(0), model.OwnerQueue, 0, 0)

	entries, err := e.s.ListQueue(e.ctx, a.ID, group, 10)
	checkErr(t, "ListQueue", err, nil)
	diff(t, "queue order", []int64{high.ID, low1.ID, low2.ID}, mapped(entries, func(q store.QueueEntry) int64 { return q.Conversation.ID }))
	diff(t, "queued at", low1.UpdatedAt, entries[1].QueuedAt)
	general, err := e.s.ListQueue(e.ctx, a.ID, 0, 10)
	checkErr(t, "ListQueue general", err, nil)
	if len(general) != 1 || general[0].Conversation.ID != other.ID || !general[0].QueuedAt.Equal(otherQueued) {
		t.Fatalf("general queue %+v, want conversation %d queued at %v", general, other.ID, otherQueued)
	}
	groups, err := e.s.QueueGroups(e.ctx, a.ID)
	checkErr(t, "QueueGroups", err, nil)
	diff(t, "QueueGroups", []int64{0, group}, groups)
	stats, err := e.s.QueueStats(e.ctx, a.ID)
	checkErr(t, "QueueStats", err, nil)
	diff(t, "QueueStats", []store.QueueStat{{GroupID: 0, Waiting: 1, IDSum: other.ID},
		{GroupID: group, Waiting: 3, IDSum: high.ID + low1.ID + low2.ID, PrioritySum: 10}}, stats)

	ag := e.agent(a.ID, "q-agent")
	_, err = e.s.LastAgentOf(e.ctx, a.ID, buyer.ID)
	checkErr(t, "LastAgentOf before any agent", err, store.ErrNotFound)
	taken := e.move(high, model.OwnerAgent, ag.ID, group)
	loads, err := e.s.AgentLoads(e.ctx, a.ID)
	checkErr(t, "AgentLoads", err, nil)
	diff(t, "AgentLoads", map[int64]int{ag.ID: 1}, loads)
	e.move(taken, model.OwnerClosed, 0, 0)
	last, err := e.s.LastAgentOf(e.ctx, a.ID, buyer.ID)
	checkErr(t, "LastAgentOf", err, nil)
	diff(t, "LastAgentOf", ag.ID, last)
	st, err := e.s.ConversationState(e.ctx, a.ID, high.ID)
	checkErr(t, "ConversationState", err, nil)
	if st.QueuedAt.IsZero() || st.AssignedAt.IsZero() {
		t.Fatalf("queue and assignment times not kept: %+v", st)
	}
}

func testAssign(t *testing.T, e *env) {
	a := e.shop("as-a")
	buyer := e.buyer(a.ID, "as")
	ag := e.agent(a.ID, "as-agent")
	checkErr(t, "UpdateMember", e.s.UpdateMember(e.ctx, model.Membership{ShopID: a.ID, AccountID: ag.ID, Role: "agent", MaxChats: 2}), nil)
	assign := func(c model.Conversation, agent int64) error {
		_, _, err := e.s.AssignConversation(e.ctx, store.Assignment{Change: store.OwnerChange{ShopID: a.ID, ConversationID: c.ID,
			From: model.OwnerQueue, To: model.OwnerAgent, AgentID: agent, GroupID: 3, Reason: "auto"},
			Statuses: []model.AgentStatus{model.StatusOnline}, CheckCap: true, Cursor: true})
		return err
	}
	queued := func() model.Conversation { return e.move(e.conversation(a.ID, buyer.ID), model.OwnerQueue, 0, 3) }
	c1 := queued()
	checkErr(t, "assign to an offline agent", assign(c1, ag.ID), store.ErrUnavailable)
	checkErr(t, "SetAgentStatus", e.s.SetAgentStatus(e.ctx, a.ID, ag.ID, model.StatusOnline), nil)
	checkErr(t, "assign to a non-member", assign(c1, ag.ID+1000), store.ErrNotFound)
	checkErr(t, "assign", assign(c1, ag.ID), nil)
	checkErr(t, "assign again", assign(c1, ag.ID), store.ErrStale)
	cur, err := e.s.RoundRobinCursor(e.ctx, a.ID, 3)
	checkErr(t, "RoundRobinCursor", err, nil)
	diff(t, "cursor", ag.ID, cur)
	checkErr(t, "second", assign(queued(), ag.ID), nil)
	checkErr(t, "over the cap", assign(queued(), ag.ID), store.ErrUnavailable)

	t.Run("race", func(t *testing.T) { testAssignRace(t, e.in(t)) })
}

// testAssignRace lets many conversations race for one agent with room for
// three, round after round (closing the winners in between): the cap holds
// on every engine. Without the membership lock, PostgreSQL's concurrent
// transactions each count the agent's load before the others commit.
func testAssignRace(t *testing.T, e *env) {
	b := e.shop("as-race")
	vb := e.buyer(b.ID, "r")
	x := e.agent(b.ID, "race-agent")
	checkErr(t, "UpdateMember", e.s.UpdateMember(e.ctx, model.Membership{ShopID: b.ID, AccountID: x.ID, Role: "agent", MaxChats: 3}), nil)
	checkErr(t, "SetAgentStatus", e.s.SetAgentStatus(e.ctx, b.ID, x.ID, model.StatusOnline), nil)
	const rounds, n = 8, 12
	for round := range rounds {
		convs := make([]model.Conversation, n)
		for i := range convs {
			convs[i] = e.move(e.conversation(b.ID, vb.ID), model.OwnerQueue, 0, 0)
		}
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				_, _, errs[i] = e.s.AssignConversation(e.ctx, store.Assignment{Change: store.OwnerChange{ShopID: b.ID,
					ConversationID: convs[i].ID, From: model.OwnerQueue, To: model.OwnerAgent, AgentID: x.ID, Reason: "auto"},
					Statuses: []model.AgentStatus{model.StatusOnline}, CheckCap: true})
			})
		}
		close(start)
		wg.Wait()
		ok := 0
		for i, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, store.ErrUnavailable):
				t.Errorf("round %d, conversation %d: %v, want success or ErrUnavailable", round, i, err)
			}
		}
		loads, err := e.s.AgentLoads(e.ctx, b.ID)
		checkErr(t, "AgentLoads", err, nil)
		if ok != 3 || loads[x.ID] != 3 {
			t.Fatalf("round %d: %d assignments succeeded, load %d; want 3 under a cap of 3", round, ok, loads[x.ID])
		}
		for i, err := range errs {
			if err == nil {
				c, gerr := e.s.GetConversation(e.ctx, b.ID, convs[i].ID)
				checkErr(t, "GetConversation", gerr, nil)
				e.move(c, model.OwnerClosed, 0, 0)
			}
		}
	}
}

func testDue(t *testing.T, e *env) {
	a := e.shop("due-a")
	buyer := e.buyer(a.ID, "d")
	ag := e.agent(a.ID, "due-agent")
	idle := e.conversation(a.ID, buyer.ID)
	waiting := e.move(e.conversation(a.ID, buyer.ID), model.OwnerQueue, 0, 5)
	inFallback := e.move(e.conversation(a.ID, buyer.ID), model.OwnerQueue, 0, 9)
	silent := e.move(e.move(e.conversation(a.ID, buyer.ID), model.OwnerQueue, 0, 0), model.OwnerAgent, ag.ID, 0)
	talking := e.move(e.move(e.conversation(a.ID, buyer.ID), model.OwnerQueue, 0, 0), model.OwnerAgent, ag.ID, 0)
	e.clk.Advance(10 * time.Minute)
	cut := e.now()
	e.clk.Advance(time.Minute)
	e.send(talking, model.SenderAgent, ag.ID, "a1", "在的")
	e.conversation(a.ID, buyer.ID)                          // new: not idle
	e.send(silent, model.SenderBuyer, buyer.ID, "b1", "人呢") // a buyer message does not end the agent's silence
	due := func(kind string, except int64) []int64 {
		cs, err := e.s.ListDue(e.ctx, store.Due{Kind: kind, ShopID: a.ID, Before: cut, ExceptGroup: except})
		checkErr(t, "ListDue "+kind, err, nil)
		return convIDs(cs)
	}
	diff(t, "idle", []int64{idle.ID}, due(store.DueIdle, 0))
	diff(t, "queued", []int64{waiting.ID}, due(store.DueQueued, 9))
	diff(t, "queued, no fallback", []int64{waiting.ID, inFallback.ID}, due(store.DueQueued, 0))
	diff(t, "agent silent", []int64{silent.ID}, due(store.DueAgentSilent, 0))

	// Unanswered: the agent has written nothing since they got it. A reply
	// written before the conversation went away and came back does not
	// count; another agent's conversations are not theirs.
	other := e.agent(a.ID, "due-other")
	e.move(e.move(e.conversation(a.ID, buyer.ID), model.OwnerQueue, 0, 0), model.OwnerAgent, other.ID, 0)
	back := e.move(e.move(e.conversation(a.ID, buyer.ID), model.OwnerQueue, 0, 0), model.OwnerAgent, ag.ID, 0)
	e.send(back, model.SenderAgent, ag.ID, "x1", "稍等")
	e.clk.Advance(time.Second)
	back = e.move(e.move(back, model.OwnerQueue, 0, 0), model.OwnerAgent, ag.ID, 0)
	e.clk.Advance(time.Second)
	unanswered, err := e.s.ListDue(e.ctx, store.Due{Kind: store.DueUnanswered, ShopID: a.ID, AgentID: ag.ID})
	checkErr(t, "ListDue unanswered", err, nil)
	diff(t, "unanswered", []int64{silent.ID, back.ID}, convIDs(unanswered))
	_, err = e.s.ListDue(e.ctx, store.Due{Kind: "nope", ShopID: a.ID})
	if err == nil {
		t.Fatal("ListDue of an unknown kind succeeded")
	}
}

func testCanned(t *testing.T, e *env) {
	a, b := e.shop("cn-a"), e.shop("cn-b")
	ag := e.agent(a.ID, "cn-agent")
	shop, err := e.s.CreateCannedReply(e.ctx, store.CannedReply{ShopID: a.ID, Shortcut: "hi", Title: "问候", Body: "您好 {buyer_name}"})
	checkErr(t, "CreateCannedReply", err, nil)
	diff(t, "CreateCannedReply", store.CannedReply{ID: shop.ID, ShopID: a.ID, Shortcut: "hi", Title: "问候", Body: "您好 {buyer_name}",
		CreatedAt: e.now(), UpdatedAt: e.now()}, shop)
	own, err := e.s.CreateCannedReply(e.ctx, store.CannedReply{ShopID: a.ID, AccountID: ag.ID, Shortcut: "hi", Body: "亲～"})
	checkErr(t, "same shortcut in an agent's own scope", err, nil)
	_, err = e.s.CreateCannedReply(e.ctx, store.CannedReply{ShopID: a.ID, Shortcut: "hi", Body: "x"})
	checkErr(t, "taken shortcut", err, store.ErrConflict)
	_, err = e.s.CreateCannedReply(e.ctx, store.CannedReply{ShopID: b.ID + 100, Shortcut: "x", Body: "x"})
	checkErr(t, "missing shop", err, store.ErrNotFound)

	list, err := e.s.ListCannedReplies(e.ctx, a.ID, ag.ID)
	checkErr(t, "ListCannedReplies", err, nil)
	diff(t, "agent's list", []int64{shop.ID, own.ID}, mapped(list, func(r store.CannedReply) int64 { return r.ID }))
	list, err = e.s.ListCannedReplies(e.ctx, a.ID, 0)
	checkErr(t, "ListCannedReplies shop only", err, nil)
	diff(t, "shop's list", []int64{shop.ID}, mapped(list, func(r store.CannedReply) int64 { return r.ID }))
	n, err := e.s.CountCannedReplies(e.ctx, a.ID, ag.ID)
	checkErr(t, "CountCannedReplies", err, nil)
	diff(t, "count", 1, n)

	e.clk.Advance(time.Second)
	up := own
	up.Shortcut, up.Body = "hello", "亲，在的"
	got, err := e.s.UpdateCannedReply(e.ctx, up)
	checkErr(t, "UpdateCannedReply", err, nil)
	up.UpdatedAt = e.now()
	diff(t, "UpdateCannedReply", up, got)
	_, err = e.s.UpdateCannedReply(e.ctx, store.CannedReply{ID: own.ID, ShopID: b.ID, Shortcut: "x", Body: "x"})
	checkErr(t, "update in another shop", err, store.ErrNotFound)
	_, err = e.s.GetCannedReply(e.ctx, b.ID, own.ID)
	checkErr(t, "get in another shop", err, store.ErrNotFound)
	checkErr(t, "delete in another shop", e.s.DeleteCannedReply(e.ctx, b.ID, own.ID), store.ErrNotFound)
	checkErr(t, "DeleteCannedReply", e.s.DeleteCannedReply(e.ctx, a.ID, own.ID), nil)
	_, err = e.s.GetCannedReply(e.ctx, a.ID, own.ID)
	checkErr(t, "get deleted", err, store.ErrNotFound)
}
