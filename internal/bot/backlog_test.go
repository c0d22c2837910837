package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/xiaoer-cs/xiaoer/internal/chat"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// msgJob is a buyer message job of a conversation with a sequence number.
func msgJob(conv, seq int64) *job {
	return &job{shopID: 1, msg: chat.MessageJSON{ID: conv*1000 + seq, ConversationID: conv, Seq: seq}}
}

// popNow pops a job that must be there.
func popNow(t *testing.T, l *lane) *job {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	l.close()
	defer func() { l.mu.Lock(); l.closed = false; l.mu.Unlock() }()
	j, ok := l.pop(ctx)
	if !ok {
		t.Fatal("nothing to pop")
	}
	return j
}

// TestLaneBursts: messages that arrive while one of their conversation
// waits, or is being answered, make one job; an event in between keeps
// the order.
func TestLaneBursts(t *testing.T) {
	q := newBacklog(1, 10)
	l := q.lanes[0]
	for seq := int64(1); seq <= 3; seq++ {
		q.add(msgJob(7, seq))
	}
	j := popNow(t, l)
	if j.msg.Seq != 3 || j.first() != 1 || j.burst != 3 {
		t.Fatalf("burst of three waiting: newest %d, first %d, %d messages", j.msg.Seq, j.first(), j.burst)
	}
	// The worker is on conversation 7 now: 4 and 5 make the next job.
	q.add(msgJob(7, 4))
	q.add(msgJob(7, 5))
	l.done()
	if j = popNow(t, l); j.msg.Seq != 5 || j.first() != 4 || j.burst != 2 {
		t.Fatalf("burst during the answer: newest %d, first %d, %d messages", j.msg.Seq, j.first(), j.burst)
	}
	l.done()
	// A message, the conversation closing, a new message: three jobs in
	// order, the last not folded into the first.
	q.add(msgJob(7, 6))
	q.add(&job{shopID: 1, kind: jobClosed, conversationID: 7})
	q.add(msgJob(7, 7))
	var got []string
	for range 3 {
		j := popNow(t, l)
		got = append(got, fmt.Sprintf("%s%d", j.kind, j.msg.Seq))
		l.done()
	}
	if strings.Join(got, ",") != "6,closed0,7" {
		t.Fatalf("jobs %v, want 6, closed, 7", got)
	}
	if st := q.stats(); st.Coalesced != 3 || st.Waiting != 0 {
		t.Fatalf("stats %+v: want 3 coalesced and nothing waiting", st)
	}
}

// TestBacklogBounds: past the bound, buyer messages to the bot go to the
// overflow (later messages of the same conversation with them, the text
// left to the store), events and suggestion work are skipped, and with the
// overflow full too messages are shed; a message of the conversation being
// answered is always taken.
func TestBacklogBounds(t *testing.T) {
	q := newBacklog(2, 2)
	check := func(j *job, want int) {
		t.Helper()
		if got := q.add(j); got != want {
			t.Fatalf("conversation %d seq %d: outcome %d, want %d", j.conversation(), j.msg.Seq, got, want)
		}
	}
	check(msgJob(1, 1), accepted)
	check(msgJob(2, 1), accepted)
	check(msgJob(1, 2), accepted) // merged: no new place needed
	check(&job{kind: jobOpened, conversationID: 9}, skipped)
	check(&job{msg: chat.MessageJSON{ConversationID: 8, Seq: 1, Body: "x"}, forPeople: true}, skipped)
	for conv := int64(100); conv < 100+overflowFactor*2; conv++ {
		j := msgJob(conv, 1)
		j.msg.Body = "在吗"
		check(j, overflowed)
		if j.msg.Body != "" {
			t.Fatal("an overflowed job keeps the message text")
		}
	}
	check(msgJob(100, 2), overflowed) // with its conversation's earlier one
	check(msgJob(5, 1), shed)
	// The lane of conversation 2 works on it; the bound is full, yet its
	// next message is taken.
	l := q.lanes[0]
	if j := popNow(t, l); j.conversation() != 2 {
		t.Fatalf("lane 0 popped conversation %d", j.conversation())
	}
	check(msgJob(6, 1), accepted) // takes the freed place
	check(msgJob(2, 2), accepted)
	st := q.stats()
	want := BacklogStats{Waiting: 3, Peak: 3, Overflow: 20, OverflowPeak: 20, Limit: 2, OverflowLimit: 20, Coalesced: 2, Shed: 1, Skipped: 2}
	if st != want {
		t.Fatalf("stats %+v, want %+v", st, want)
	}
}

// subscribeBot feeds the world's bus events to b.
func (w *world) subscribeBot(b *Bot) { w.bus.Subscribe(b.Handle) }

// open opens a conversation for a new visitor.
func (w *world) open(visitor string) model.Conversation {
	w.t.Helper()
	b, err := w.db.EnsureVisitor(context.Background(), w.shop.ID, visitor)
	if err != nil {
		w.t.Fatal(err)
	}
	c, _, err := w.chat.Resume(context.Background(), w.shop.ID, b.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	return c
}

// say posts a buyer message in c.
func (w *world) say(c model.Conversation, clientID, text string) model.Message {
	w.t.Helper()
	return w.post(c, clientID, model.KindText, text)
}

// show posts a buyer's image (its upload URL) in c.
func (w *world) show(c model.Conversation, clientID, url string) model.Message {
	w.t.Helper()
	return w.post(c, clientID, model.KindImage, url)
}

func (w *world) post(c model.Conversation, clientID string, kind model.MessageKind, body string) model.Message {
	w.t.Helper()
	m, _, err := w.chat.Post(context.Background(), chat.Post{ShopID: c.ShopID, ConversationID: c.ID, Sender: model.SenderBuyer,
		SenderID: c.BuyerID, ClientID: clientID, Kind: kind, Body: body})
	if err != nil {
		w.t.Fatal(err)
	}
	return m
}

func runBot(b *Bot) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // Run drains the queued jobs before it returns
	b.Run(ctx)
}

func explainOf(t *testing.T, m model.Message) Explanation {
	t.Helper()
	var meta replyMeta
	if err := json.Unmarshal([]byte(m.Meta), &meta); err != nil {
		t.Fatal(err)
	}
	return meta.Explain
}

// TestBotAnswersABurstOnce: three messages written while the bot was busy
// get one reply, to what they say together; an exact keyword rule still
// answers its message said after a greeting. Every buyer message is kept.
func TestBotAnswersABurstOnce(t *testing.T) {
	w := newWorld(t)
	b := New(Options{Store: w.db, Chat: w.chat, KB: w.kb, Bus: w.bus, Workers: 1})
	cfg := DefaultConfig()
	cfg.Welcome = nil
	cfg.Rules = []Rule{{Name: "包邮", Match: MatchExact, Patterns: []string{"包邮吗"}, Reply: Texts{"zh-CN": "全场包邮"}, Priority: 1}}
	if err := b.PutConfig(context.Background(), w.shop.ID, cfg, func(string) bool { return true }); err != nil {
		t.Fatal(err)
	}
	ship, free := w.open("v1"), w.open("v2")
	w.subscribeBot(b)
	w.say(ship, "a", "你好")
	w.say(ship, "b", "我想问一下")
	last := w.say(ship, "c", "多久发货")
	w.say(free, "a", "你好")
	freeLast := w.say(free, "b", "包邮吗")
	runBot(b)

	for _, tt := range []struct {
		c        model.Conversation
		last     model.Message
		n        int
		contains string
	}{{ship, last, 3, "48小时"}, {free, freeLast, 2, "全场包邮"}} {
		replies := w.botMessages(tt.c)
		if len(replies) != 1 {
			t.Fatalf("conversation %d: %d bot replies, want one for the burst", tt.c.ID, len(replies))
		}
		r := replies[0]
		if !strings.Contains(r.Body, tt.contains) || r.ClientID != fmt.Sprintf("bot-%d", tt.last.ID) {
			t.Fatalf("reply %q (%s), want %q as bot-%d", r.Body, r.ClientID, tt.contains, tt.last.ID)
		}
		if ex := explainOf(t, r); ex.Messages != tt.n {
			t.Fatalf("explanation counts %d messages, want %d", ex.Messages, tt.n)
		}
		ms, err := w.db.ListMessages(context.Background(), store.MessageQuery{ShopID: w.shop.ID, ConversationID: tt.c.ID})
		if err != nil {
			t.Fatal(err)
		}
		buyer := 0
		for _, m := range ms {
			if m.Sender == model.SenderBuyer {
				buyer++
			}
		}
		if buyer != tt.n {
			t.Fatalf("%d buyer messages stored, want %d", buyer, tt.n)
		}
	}
	if st := b.Backlog(); st.Coalesced != 3 || st.Shed != 0 || st.Overloaded != 0 {
		t.Fatalf("stats %+v: want 3 coalesced", st)
	}
}

// TestBotOverload: with the pipeline's backlog full, a new conversation's
// buyer goes to people (reason bot_overload, told so with the busy text);
// with the overflow full too, the message is stored but the bot does not
// answer it. Nothing else is lost.
func TestBotOverload(t *testing.T) {
	w := newWorld(t)
	b := New(Options{Store: w.db, Chat: w.chat, KB: w.kb, Bus: w.bus, Workers: 1, Backlog: 1})
	cfg := DefaultConfig()
	cfg.Welcome = nil
	if err := b.PutConfig(context.Background(), w.shop.ID, cfg, func(string) bool { return true }); err != nil {
		t.Fatal(err)
	}
	n := 2 + overflowFactor
	var cs []model.Conversation
	for i := range n {
		cs = append(cs, w.open(fmt.Sprintf("v%d", i)))
	}
	w.subscribeBot(b)
	w.say(cs[0], "a", "多久发货")
	w.say(cs[0], "b", "可以开发票吗")
	for _, c := range cs[1:] {
		w.say(c, "a", "在吗")
	}
	w.say(cs[1], "b", "人呢")
	runBot(b)

	for i, c := range cs {
		want := struct {
			owner   model.Owner
			replies int
			step    string
		}{model.OwnerQueue, 1, "overload"}
		switch i {
		case 0:
			want.owner, want.step = model.OwnerBot, "faq"
		case n - 1:
			want.owner, want.replies = model.OwnerBot, 0
		}
		c, err := w.db.GetConversation(context.Background(), w.shop.ID, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		replies := w.botMessages(c)
		if c.Owner != want.owner || len(replies) != want.replies {
			t.Fatalf("conversation %d: %s with %d bot replies, want %s with %d", i, c.Owner, len(replies), want.owner, want.replies)
		}
		if want.replies > 0 {
			if ex := explainOf(t, replies[0]); ex.Step != want.step {
				t.Fatalf("conversation %d: reply by step %q, want %q", i, ex.Step, want.step)
			}
		}
		if want.owner == model.OwnerQueue {
			if !strings.Contains(replies[0].Body, "咨询的人有点多") {
				t.Fatalf("conversation %d: told %q, want the busy handoff text", i, replies[0].Body)
			}
			evs, err := w.db.ListEvents(context.Background(), w.shop.ID, c.ID)
			if err != nil || evs[len(evs)-1].Reason != ReasonOverload {
				t.Fatalf("conversation %d: events %+v (%v), want the last for %s", i, evs, err, ReasonOverload)
			}
		}
	}
	want := BacklogStats{Peak: 1, OverflowPeak: overflowFactor, Limit: 1, OverflowLimit: overflowFactor, Coalesced: 2,
		Overloaded: overflowFactor, Shed: 1}
	if st := b.Backlog(); st != want {
		t.Fatalf("stats %+v, want %+v", st, want)
	}
	// One reply to the first conversation's burst and a busy notice to
	// each conversation handed over.
	if n := b.Posted(); n != 1+overflowFactor {
		t.Fatalf("posted %d, want %d", n, 1+overflowFactor)
	}
}
