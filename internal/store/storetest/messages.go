package storetest

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

func testAppendMessage(t *testing.T, e *env) {
	a, b := e.shop("a"), e.shop("b")
	x := e.buyer(a.ID, "x")
	c := e.conversation(a.ID, x.ID)
	ann := e.agent(a.ID, "ann")

	long := strings.Repeat("好", 5000)
	sends := []struct {
		name string
		in   model.Message
	}{
		{"text", model.Message{Sender: model.SenderBuyer, SenderID: x.ID, ClientID: "m1", Body: "在吗？"}},
		{"bot card", model.Message{Sender: model.SenderBot, Kind: model.KindCard, Body: "订单 #1024",
			Meta: `{"intent":"order.status","score":0.92}`}},
		{"agent", model.Message{Sender: model.SenderAgent, SenderID: ann.ID, ClientID: "a1", Body: "您好 👋"}},
		{"long", model.Message{Sender: model.SenderBuyer, SenderID: x.ID, ClientID: "m2", Body: long}},
	}
	var sent []model.Message
	for i, tt := range sends {
		t.Run(tt.name, func(t *testing.T) {
			e.clk.Advance(time.Second)
			in := tt.in
			in.ShopID, in.ConversationID = a.ID, c.ID
			got, created, err := e.s.AppendMessage(e.ctx, in)
			checkErr(t, "AppendMessage", err, nil)
			if !created {
				t.Error("a new message reports created = false")
			}
			want := in
			want.ID, want.Seq, want.CreatedAt = got.ID, int64(i+1), e.now()
			if want.Kind == "" {
				want.Kind = model.KindText
			}
			diff(t, "AppendMessage", want, got)
			sent = append(sent, got)
		})
	}
	conv, err := e.s.GetConversation(e.ctx, a.ID, c.ID)
	checkErr(t, "GetConversation", err, nil)
	if conv.LastSeq != int64(len(sends)) || !conv.UpdatedAt.Equal(e.now()) {
		t.Errorf("conversation LastSeq %d UpdatedAt %v, want %d and %v", conv.LastSeq, conv.UpdatedAt, len(sends), e.now())
	}
	list, err := e.s.ListMessages(e.ctx, store.MessageQuery{ShopID: a.ID, ConversationID: c.ID})
	checkErr(t, "ListMessages", err, nil)
	diff(t, "stored messages", sent, list)

	refused := []struct {
		name string
		in   model.Message
	}{
		{"through another shop", model.Message{ShopID: b.ID, ConversationID: c.ID, Sender: model.SenderBuyer, Body: "x"}},
		// A client id already used in the conversation must not make the
		// store hand another shop's message back.
		{"through another shop with a used client id", model.Message{ShopID: b.ID, ConversationID: c.ID,
			Sender: model.SenderBuyer, SenderID: x.ID, ClientID: "m1", Body: "x"}},
		{"missing conversation", model.Message{ShopID: a.ID, ConversationID: c.ID + 100, Sender: model.SenderBuyer, Body: "x"}},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			got, created, err := e.s.AppendMessage(e.ctx, tt.in)
			checkErr(t, "AppendMessage", err, store.ErrNotFound)
			if created || got.Body == sends[0].in.Body {
				t.Errorf("refused AppendMessage returned %+v, created %v", got, created)
			}
		})
	}
	conv, err = e.s.GetConversation(e.ctx, a.ID, c.ID)
	checkErr(t, "GetConversation", err, nil)
	if conv.LastSeq != int64(len(sends)) {
		t.Errorf("LastSeq = %d after refused appends, want %d", conv.LastSeq, len(sends))
	}
}

func testAppendMessageIdempotent(t *testing.T, e *env) {
	a := e.shop("a")
	x, y := e.buyer(a.ID, "x"), e.buyer(a.ID, "y")
	ann := e.agent(a.ID, "ann")
	c := e.conversation(a.ID, x.ID)
	other := e.conversation(a.ID, y.ID)

	type key struct {
		conv   int64
		sender model.SenderKind
		id     int64
		client string
	}
	first := map[key]model.Message{}
	steps := []struct {
		name        string
		conv        int64
		sender      model.SenderKind
		senderID    int64
		clientID    string
		body        string
		wantCreated bool
	}{
		{"first", c.ID, model.SenderBuyer, x.ID, "c1", "hello", true},
		{"resent", c.ID, model.SenderBuyer, x.ID, "c1", "hello", false},
		{"resent with another body", c.ID, model.SenderBuyer, x.ID, "c1", "changed", false},
		{"another client id", c.ID, model.SenderBuyer, x.ID, "c2", "second", true},
		{"an agent reuses the id", c.ID, model.SenderAgent, ann.ID, "c1", "agent", true},
		{"another buyer reuses the id", c.ID, model.SenderBuyer, y.ID, "c1", "other buyer", true},
		{"another conversation reuses the id", other.ID, model.SenderBuyer, x.ID, "c1", "elsewhere", true},
		{"agent resends", c.ID, model.SenderAgent, ann.ID, "c1", "agent", false},
		{"no client id", c.ID, model.SenderBot, 0, "", "bot", true},
		{"no client id again", c.ID, model.SenderBot, 0, "", "bot", true},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			e.clk.Advance(time.Second)
			got, created, err := e.s.AppendMessage(e.ctx, model.Message{ShopID: a.ID, ConversationID: s.conv,
				Sender: s.sender, SenderID: s.senderID, ClientID: s.clientID, Body: s.body})
			checkErr(t, "AppendMessage", err, nil)
			if created != s.wantCreated {
				t.Fatalf("created = %v, want %v", created, s.wantCreated)
			}
			k := key{s.conv, s.sender, s.senderID, s.clientID}
			if created {
				if s.clientID != "" {
					first[k] = got
				}
				return
			}
			diff(t, "message returned for a resent client id", first[k], got)
		})
	}
	// Resending spent no sequence numbers.
	list, err := e.s.ListMessages(e.ctx, store.MessageQuery{ShopID: a.ID, ConversationID: c.ID})
	checkErr(t, "ListMessages", err, nil)
	diff(t, "sequence numbers", seqRange(1, 6), seqs(list))
	diff(t, "bodies", []string{"hello", "second", "agent", "other buyer", "bot", "bot"},
		mapped(list, func(m model.Message) string { return m.Body }))
}

// testAppendMessageConcurrent has many senders append at once: the sequence
// numbers of a conversation are 1..n exactly once, and each sender's
// messages keep their order.
func testAppendMessageConcurrent(t *testing.T, e *env) {
	a := e.shop("a")
	c := e.conversation(a.ID, e.buyer(a.ID, "x").ID)
	d := e.conversation(a.ID, e.buyer(a.ID, "y").ID)
	const writers, each = 20, 50
	const otherWriters, otherEach = 5, 20
	var wg sync.WaitGroup
	got := make([][]model.Message, writers)
	for w := range writers + otherWriters {
		wg.Go(func() {
			conv, n := c, each
			if w >= writers {
				conv, n = d, otherEach
			}
			for i := range n {
				m, created, err := e.s.AppendMessage(e.ctx, model.Message{ShopID: a.ID, ConversationID: conv.ID,
					Sender: model.SenderBuyer, SenderID: int64(w), ClientID: fmt.Sprintf("w%d-%d", w, i), Body: fmt.Sprintf("%d/%d", w, i)})
				if err != nil || !created {
					t.Errorf("writer %d message %d: created %v, %v", w, i, created, err)
					return
				}
				if w < writers {
					got[w] = append(got[w], m)
				}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	var all []int64
	for w, ms := range got {
		for i := 1; i < len(ms); i++ {
			if ms[i].Seq <= ms[i-1].Seq {
				t.Errorf("writer %d: message %d has seq %d after %d", w, i, ms[i].Seq, ms[i-1].Seq)
			}
		}
		all = append(all, seqs(ms)...)
	}
	slices.Sort(all)
	diff(t, "sequence numbers", seqRange(1, writers*each), all)

	stored := listAll(t, e, a.ID, c.ID)
	diff(t, "stored sequence numbers", seqRange(1, writers*each), seqs(stored))
	conv, err := e.s.GetConversation(e.ctx, a.ID, c.ID)
	checkErr(t, "GetConversation", err, nil)
	if conv.LastSeq != writers*each {
		t.Errorf("LastSeq = %d, want %d", conv.LastSeq, writers*each)
	}
	diff(t, "other conversation's sequence numbers", seqRange(1, otherWriters*otherEach), seqs(listAll(t, e, a.ID, d.ID)))
}

// testAppendMessageConcurrentRetries has several connections of one sender
// resend the same messages at once, as a client does after a reconnect:
// each client id is stored once, and every caller gets that one message.
func testAppendMessageConcurrentRetries(t *testing.T, e *env) {
	a := e.shop("a")
	x := e.buyer(a.ID, "x")
	c := e.conversation(a.ID, x.ID)
	const senders, msgs = 8, 20
	type result struct {
		m       model.Message
		created bool
	}
	res := make([][]result, senders)
	var wg sync.WaitGroup
	for s := range senders {
		wg.Go(func() {
			for i := range msgs {
				m, created, err := e.s.AppendMessage(e.ctx, model.Message{ShopID: a.ID, ConversationID: c.ID,
					Sender: model.SenderBuyer, SenderID: x.ID, ClientID: fmt.Sprintf("c%d", i), Body: fmt.Sprintf("m%d", i)})
				if err != nil {
					t.Errorf("sender %d message %d: %v", s, i, err)
					return
				}
				res[s] = append(res[s], result{m, created})
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	for i := range msgs {
		creators := 0
		for s := range senders {
			r := res[s][i]
			if r.created {
				creators++
			}
			diff(t, fmt.Sprintf("client id c%d, sender %d", i, s), res[0][i].m, r.m)
		}
		if creators != 1 {
			t.Errorf("client id c%d: created %d times, want once", i, creators)
		}
	}
	stored := listAll(t, e, a.ID, c.ID)
	diff(t, "sequence numbers", seqRange(1, msgs), seqs(stored))
}

// listAll reads a conversation forward, page by page.
func listAll(t *testing.T, e *env, shopID, convID int64) []model.Message {
	t.Helper()
	var out []model.Message
	after := int64(0)
	for {
		var page []model.Message
		var err error
		if after == 0 {
			// AfterSeq 0 means "the newest": start from the oldest instead.
			page, err = e.s.ListMessages(e.ctx, store.MessageQuery{ShopID: shopID, ConversationID: convID, BeforeSeq: 2})
		} else {
			page, err = e.s.ListMessages(e.ctx, store.MessageQuery{ShopID: shopID, ConversationID: convID, AfterSeq: after, Limit: 1000})
		}
		checkErr(t, "ListMessages", err, nil)
		if len(page) == 0 {
			return out
		}
		out = append(out, page...)
		after = page[len(page)-1].Seq
	}
}

func testListMessages(t *testing.T, e *env) {
	a, b := e.shop("a"), e.shop("b")
	c := e.conversation(a.ID, e.buyer(a.ID, "x").ID)
	other := e.conversation(a.ID, e.buyer(a.ID, "y").ID)
	const n = 25
	for i := 1; i <= n; i++ {
		e.send(c, model.SenderBuyer, 0, "", fmt.Sprintf("m%d", i))
	}
	for i := 1; i <= 3; i++ {
		e.send(other, model.SenderBuyer, 0, "", fmt.Sprintf("o%d", i))
	}
	q := func(after, before int64, limit int) store.MessageQuery {
		return store.MessageQuery{ShopID: a.ID, ConversationID: c.ID, AfterSeq: after, BeforeSeq: before, Limit: limit,
			Newest: after == 0 && before == 0}
	}
	tests := []struct {
		name string
		q    store.MessageQuery
		want []int64
	}{
		{"newest page", q(0, 0, 10), seqRange(16, 25)},
		{"newest, default limit", q(0, 0, 0), seqRange(1, 25)},
		{"after", q(20, 0, 0), seqRange(21, 25)},
		{"from the start", store.MessageQuery{ShopID: a.ID, ConversationID: c.ID, Limit: 10}, seqRange(1, 10)},
		{"after with limit", q(5, 0, 3), []int64{6, 7, 8}},
		{"after the last", q(25, 0, 0), nil},
		{"before", q(0, 6, 0), seqRange(1, 5)},
		{"before with limit takes the closest", q(0, 20, 4), seqRange(16, 19)},
		{"before the first", q(0, 1, 0), nil},
		{"another shop", store.MessageQuery{ShopID: b.ID, ConversationID: c.ID}, nil},
		{"another conversation", store.MessageQuery{ShopID: a.ID, ConversationID: other.ID}, seqRange(1, 3)},
		{"missing conversation", store.MessageQuery{ShopID: a.ID, ConversationID: other.ID + 100}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := e.s.ListMessages(e.ctx, tt.q)
			checkErr(t, "ListMessages", err, nil)
			diff(t, "sequence numbers", tt.want, seqs(got), cmpopts.EquateEmpty())
			for _, m := range got {
				conv := tt.q.ConversationID
				prefix := "m"
				if conv == other.ID {
					prefix = "o"
				}
				if m.ConversationID != conv || m.ShopID != a.ID || m.Body != fmt.Sprintf("%s%d", prefix, m.Seq) {
					t.Errorf("message %+v does not belong at seq %d of conversation %d", m, m.Seq, conv)
				}
			}
		})
	}

	t.Run("scrolling back covers all once", func(t *testing.T) {
		var got []int64
		page, err := e.s.ListMessages(e.ctx, q(0, 0, 7))
		checkErr(t, "ListMessages", err, nil)
		for len(page) > 0 {
			got = append(seqs(page), got...)
			page, err = e.s.ListMessages(e.ctx, q(0, page[0].Seq, 7))
			checkErr(t, "ListMessages", err, nil)
		}
		diff(t, "sequence numbers", seqRange(1, n), got)
	})
	for _, seen := range []int64{1, 10, 24, 25} {
		t.Run(fmt.Sprintf("catching up after %d", seen), func(t *testing.T) {
			var got []int64
			after := seen
			for range n {
				page, err := e.s.ListMessages(e.ctx, q(after, 0, 4))
				checkErr(t, "ListMessages", err, nil)
				if len(page) == 0 {
					break
				}
				got = append(got, seqs(page)...)
				after = page[len(page)-1].Seq
			}
			diff(t, "sequence numbers", seqRange(seen+1, n), got, cmpopts.EquateEmpty())
		})
	}
}

func testReadPositions(t *testing.T, e *env) {
	a := e.shop("a")
	ann, bob := e.agent(a.ID, "ann"), e.agent(a.ID, "bob")
	c := e.conversation(a.ID, e.buyer(a.ID, "x").ID)
	other := e.conversation(a.ID, e.buyer(a.ID, "y").ID)

	got, err := e.s.ReadPositions(e.ctx, c.ID)
	checkErr(t, "ReadPositions", err, nil)
	if len(got) != 0 {
		t.Fatalf("ReadPositions of a new conversation = %v, want none", got)
	}
	steps := []struct {
		name    string
		conv    int64
		account int64
		seq     int64
		want    map[int64]int64 // positions in c afterwards
	}{
		{"first", c.ID, ann.ID, 5, map[int64]int64{ann.ID: 5}},
		{"never back", c.ID, ann.ID, 3, map[int64]int64{ann.ID: 5}},
		{"same", c.ID, ann.ID, 5, map[int64]int64{ann.ID: 5}},
		{"forward", c.ID, ann.ID, 7, map[int64]int64{ann.ID: 7}},
		{"another agent", c.ID, bob.ID, 2, map[int64]int64{ann.ID: 7, bob.ID: 2}},
		{"another conversation", other.ID, ann.ID, 1, map[int64]int64{ann.ID: 7, bob.ID: 2}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			checkErr(t, "SetReadPosition", e.s.SetReadPosition(e.ctx, s.conv, s.account, s.seq), nil)
			got, err := e.s.ReadPositions(e.ctx, c.ID)
			checkErr(t, "ReadPositions", err, nil)
			diff(t, "ReadPositions", s.want, got)
		})
	}
	got, err = e.s.ReadPositions(e.ctx, other.ID)
	checkErr(t, "ReadPositions", err, nil)
	diff(t, "ReadPositions of the other conversation", map[int64]int64{ann.ID: 1}, got)
	checkErr(t, "SetReadPosition in a missing conversation", e.s.SetReadPosition(e.ctx, other.ID+100, ann.ID, 1), store.ErrNotFound)
}
