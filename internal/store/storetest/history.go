package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// testImportConversations checks that past conversations are stored as the
// live system stores them, at the times they carry: the conversation with
// its opening event and owner changes, messages in sequence with the bot's
// client ids naming the message they answer, the service state and the
// channel, visitors created on first sight; that the statistics read them
// back; that nothing reaches the outbox; and that a bad conversation
// leaves the whole import undone.
func testImportConversations(t *testing.T, e *env) {
	a := e.shop("past")
	ann := e.agent(a.ID, "past-ann")
	subs := []string{store.FactOpened, store.FactOwner, store.FactRated, store.FactMessage + "buyer", store.FactMessage + "bot"}
	checkErr(t, "SetOutboxSubscriptions", e.s.SetOutboxSubscriptions(e.ctx, a.ID, subs), nil)
	u1, err := e.s.EnsureVerifiedBuyer(e.ctx, a.ID, "u1", "小明")
	checkErr(t, "EnsureVerifiedBuyer", err, nil)

	t0 := e.now().Add(-48 * time.Hour)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	handed := store.PastConversation{
		Conversation: model.Conversation{ShopID: a.ID, BuyerID: u1.ID, Owner: model.OwnerClosed, AgentID: ann.ID, GroupID: 7,
			Priority: 10, CreatedAt: at(0), UpdatedAt: at(5 * time.Minute), ClosedAt: at(5 * time.Minute)},
		Channel: "mobile",
		Events: []model.Event{
			{Kind: "owner", FromOwner: model.OwnerBot, ToOwner: model.OwnerQueue, Reason: "human_request", CreatedAt: at(time.Second)},
			{Kind: "owner", FromOwner: model.OwnerQueue, ToOwner: model.OwnerAgent, AgentID: ann.ID, Reason: "auto:round_robin", CreatedAt: at(time.Second)},
			{Kind: "owner", FromOwner: model.OwnerAgent, ToOwner: model.OwnerClosed, ActorID: ann.ID, Reason: "closed_by_agent", CreatedAt: at(5 * time.Minute)},
		},
		Messages: []store.PastMessage{
			{Message: model.Message{Sender: model.SenderBuyer, SenderID: u1.ID, Body: "转人工", CreatedAt: at(0)}},
			{Message: model.Message{Sender: model.SenderBot, ClientID: "welcome", Body: "您好", Meta: `{"explain":{"step":"welcome"}}`, CreatedAt: at(time.Second)}},
			{Message: model.Message{Sender: model.SenderBot, ClientID: "bot-%d", Body: "正在转接", Meta: `{"explain":{"step":"handoff"}}`, CreatedAt: at(time.Second)}, ReplyTo: 1},
			{Message: model.Message{Sender: model.SenderBot, ClientID: "bot-%d-2", Body: "已转接", CreatedAt: at(time.Second)}, ReplyTo: 1},
			{Message: model.Message{Sender: model.SenderAgent, SenderID: ann.ID, Body: "您好，请讲", CreatedAt: at(40 * time.Second)}},
			{Message: model.Message{Sender: model.SenderSystem, Kind: model.KindEvent, ClientID: "rating-%d", Body: "请打分", Meta: `{"invite":"rating"}`,
				CreatedAt: at(5*time.Minute + time.Second)}, ForEvent: 3},
		},
		State: store.ConversationState{Context: `{"lang":"zh-CN"}`, QueuedAt: at(time.Second), AssignedAt: at(time.Second),
			Rating: 5, RatingComment: "很好", RatedAt: at(6 * time.Minute)},
	}
	idle := store.PastConversation{
		Conversation: model.Conversation{ShopID: a.ID, Owner: model.OwnerClosed, CreatedAt: at(time.Hour),
			UpdatedAt: at(2 * time.Hour), ClosedAt: at(2 * time.Hour)},
		VisitorID: "v-past",
		Channel:   "web",
		Events:    []model.Event{{Kind: "owner", FromOwner: model.OwnerBot, ToOwner: model.OwnerClosed, Reason: "idle", CreatedAt: at(2 * time.Hour)}},
		Messages:  []store.PastMessage{{Message: model.Message{Sender: model.SenderBuyer, Body: "包邮吗", CreatedAt: at(time.Hour)}}},
	}
	ids, err := e.s.ImportConversations(e.ctx, []store.PastConversation{handed, idle})
	checkErr(t, "ImportConversations", err, nil)
	if len(ids) != 2 || ids[1] <= ids[0] {
		t.Fatalf("ids %v, want two in order", ids)
	}

	got, err := e.s.GetConversation(e.ctx, a.ID, ids[0])
	checkErr(t, "GetConversation", err, nil)
	want := handed.Conversation
	want.ID, want.LastSeq = ids[0], 6
	diff(t, "imported conversation", want, got)
	evs, err := e.s.ListEvents(e.ctx, a.ID, ids[0])
	checkErr(t, "ListEvents", err, nil)
	diff(t, "events", []string{"opened buyer", "owner human_request", "owner auto:round_robin", "owner closed_by_agent"},
		mapped(evs, func(ev model.Event) string { return ev.Kind + " " + ev.Reason }))
	if !evs[0].CreatedAt.Equal(at(0)) || !evs[3].CreatedAt.Equal(at(5*time.Minute)) {
		t.Errorf("event times %v, %v; want the conversation's", evs[0].CreatedAt, evs[3].CreatedAt)
	}
	ms, err := e.s.ListMessages(e.ctx, store.MessageQuery{ShopID: a.ID, ConversationID: ids[0]})
	checkErr(t, "ListMessages", err, nil)
	first := ms[0].ID
	diff(t, "client ids", []string{"", "welcome", fmt.Sprintf("bot-%d", first), fmt.Sprintf("bot-%d-2", first), "", fmt.Sprintf("rating-%d", evs[3].ID)},
		mapped(ms, func(m model.Message) string { return m.ClientID }))
	diff(t, "seqs", []int64{1, 2, 3, 4, 5, 6}, mapped(ms, func(m model.Message) int64 { return m.Seq }))
	if !ms[4].CreatedAt.Equal(at(40*time.Second)) || ms[4].SenderID != ann.ID || ms[5].Kind != model.KindEvent {
		t.Errorf("agent message %+v, invitation %+v", ms[4], ms[5])
	}
	st, err := e.s.ConversationState(e.ctx, a.ID, ids[0])
	checkErr(t, "ConversationState", err, nil)
	wantState := handed.State
	wantState.ConversationID = ids[0]
	diff(t, "service state", wantState, st)

	// A message sent now continues the sequence.
	m := e.send(got, model.SenderBuyer, u1.ID, "later", "还在吗")
	if m.Seq != 7 {
		t.Errorf("next message has seq %d, want 7", m.Seq)
	}

	// The statistics read the channel, rating and the buyer's visits.
	sc, err := e.s.LoadStatsConversations(e.ctx, ids)
	checkErr(t, "LoadStatsConversations", err, nil)
	if len(sc) != 2 || sc[0].Channel != "mobile" || sc[0].Rating != 5 || sc[1].Channel != "web" || len(sc[1].Events) != 2 {
		t.Errorf("stats conversations %+v", sc)
	}

	// The visitor was created when first seen and is found again.
	c2, err := e.s.GetConversation(e.ctx, a.ID, ids[1])
	checkErr(t, "GetConversation visitor", err, nil)
	v, err := e.s.GetBuyer(e.ctx, a.ID, c2.BuyerID)
	checkErr(t, "GetBuyer visitor", err, nil)
	diff(t, "visitor", model.Buyer{ID: c2.BuyerID, ShopID: a.ID, VisitorID: "v-past", CreatedAt: at(time.Hour)}, v)
	again := idle
	again.Conversation.CreatedAt = at(3 * time.Hour)
	ids2, err := e.s.ImportConversations(e.ctx, []store.PastConversation{again})
	checkErr(t, "ImportConversations visitor again", err, nil)
	c3, err := e.s.GetConversation(e.ctx, a.ID, ids2[0])
	checkErr(t, "GetConversation visitor again", err, nil)
	if c3.BuyerID != c2.BuyerID {
		t.Errorf("visitor again: buyer %d, want %d", c3.BuyerID, c2.BuyerID)
	}
	// The past is not announced; the message sent now is.
	diff(t, "facts", []string{store.FactMessage + "buyer"}, kinds(e.facts()))

	// A large import is written in several statements; every reference
	// still names its own conversation's message.
	var many []store.PastConversation
	for i := range 300 {
		pc := store.PastConversation{Conversation: model.Conversation{ShopID: a.ID, Owner: model.OwnerClosed,
			CreatedAt: at(time.Duration(i) * time.Minute)}, VisitorID: fmt.Sprintf("bulk-%d", i%200)}
		for j := range 5 {
			pc.Messages = append(pc.Messages,
				store.PastMessage{Message: model.Message{Sender: model.SenderBuyer, Body: fmt.Sprintf("q%d-%d", i, j)}},
				store.PastMessage{Message: model.Message{Sender: model.SenderBot, ClientID: "bot-%d", Body: fmt.Sprintf("a%d-%d", i, j)}, ReplyTo: 2*j + 1})
		}
		many = append(many, pc)
	}
	bulk, err := e.s.ImportConversations(e.ctx, many)
	checkErr(t, "ImportConversations 300", err, nil)
	last, err := e.s.ListMessages(e.ctx, store.MessageQuery{ShopID: a.ID, ConversationID: bulk[299]})
	checkErr(t, "ListMessages bulk", err, nil)
	if len(last) != 10 || last[9].Body != "a299-4" || last[9].ClientID != fmt.Sprintf("bot-%d", last[8].ID) || last[8].ID <= bulk[0] {
		t.Errorf("last bulk conversation: %+v", last)
	}
	for i := 1; i < len(bulk); i++ {
		if bulk[i] <= bulk[i-1] {
			t.Fatalf("bulk ids %d then %d: not in order", bulk[i-1], bulk[i])
		}
	}

	before, err := e.s.ListConversations(e.ctx, store.ConversationFilter{ShopID: a.ID, Limit: 100})
	checkErr(t, "ListConversations", err, nil)
	forward := idle
	forward.Messages = []store.PastMessage{{Message: model.Message{Sender: model.SenderBot, ClientID: "bot-%d", Body: "x"}, ReplyTo: 1}}
	noEvent := idle
	noEvent.Messages = []store.PastMessage{{Message: model.Message{Sender: model.SenderSystem, ClientID: "rating-%d", Body: "x"}, ForEvent: 2}}
	refused := []struct {
		name string
		cs   []store.PastConversation
		want error
	}{
		{"an answer to a later message", []store.PastConversation{handed, forward}, nil},
		{"a message after a missing event", []store.PastConversation{handed, noEvent}, nil},
		{"no buyer", []store.PastConversation{{Conversation: model.Conversation{ShopID: a.ID, Owner: model.OwnerClosed, CreatedAt: at(0)}}}, store.ErrEmptyID},
		{"a buyer of another shop", []store.PastConversation{{Conversation: model.Conversation{ShopID: a.ID + 100, BuyerID: u1.ID,
			Owner: model.OwnerClosed, CreatedAt: at(0)}}}, store.ErrNotFound},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.s.ImportConversations(e.ctx, tt.cs)
			if err == nil {
				t.Fatal("imported")
			}
			if tt.want != nil {
				checkErr(t, tt.name, err, tt.want)
			}
		})
	}
	after, err := e.s.ListConversations(e.ctx, store.ConversationFilter{ShopID: a.ID, Limit: 100})
	checkErr(t, "ListConversations", err, nil)
	if after[0].ID != before[0].ID {
		t.Errorf("refused imports left conversation %d", after[0].ID)
	}
}
