package bot

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/chat"
	"github.com/xiaoer-cs/xiaoer/internal/model"
)

// TestRecoverAnswersWhatTheBotMissed: buyer messages stored while the bot
// was down get their reply once it recovers; an answered one and an old one
// do not.
func TestRecoverAnswersWhatTheBotMissed(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	post := func(visitor, text string) model.Conversation {
		b, err := w.db.EnsureVisitor(ctx, w.shop.ID, visitor)
		if err != nil {
			t.Fatal(err)
		}
		c, _, err := w.chat.Resume(ctx, w.shop.ID, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := w.chat.Post(ctx, chat.Post{ShopID: w.shop.ID, ConversationID: c.ID, Sender: model.SenderBuyer,
			SenderID: b.ID, ClientID: text, Body: text}); err != nil {
			t.Fatal(err)
		}
		return c
	}
	missed := post("missed", "你好") // stored, never handled: the "crash"
	post("missed", "请问多久发货")
	answered := w.buyerSays("answered", "可以开发票吗")
	before := len(w.botMessages(answered))

	n, err := w.bot.Recover(ctx)
	if err != nil || n != 1 {
		t.Fatalf("recovered %d, %v; want 1", n, err)
	}
	runOnce(t, w)
	if got := w.botMessages(missed); len(got) != 1 || !strings.Contains(got[0].Body, "48小时") || explainOf(t, got[0]).Messages != 2 {
		t.Fatalf("the two missed messages got %v after recovery, want one answer to both", got)
	}
	if got := len(w.botMessages(answered)); got != before {
		t.Fatalf("an answered conversation got %d more replies", got-before)
	}
	// Recovering again adds nothing: the reply's client id is the message's.
	if _, err := w.bot.Recover(ctx); err != nil {
		t.Fatal(err)
	}
	runOnce(t, w)
	if got := w.botMessages(missed); len(got) != 1 {
		t.Fatalf("%d replies to one message after two recoveries", len(got))
	}
	// A message older than the window is left alone.
	w.bot.now = func() time.Time { return time.Now().Add(2 * RecoverWindow) }
	if n, _ := w.bot.Recover(ctx); n != 0 {
		t.Fatalf("recovered %d old messages", n)
	}
}

// runOnce lets the bot's lanes drain what is queued, then stops it.
func runOnce(t *testing.T, w *world) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // Run drains the queued jobs before it returns
	w.bot.Run(ctx)
}
