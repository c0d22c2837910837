package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

// TestAppendBatch checks group commit from inside: appends queued while the
// writer is busy share one transaction, and in it a duplicate client id, a
// missing conversation and an append whose insert fails each get their own
// answer without costing the others their message or a sequence number.
func TestAppendBatch(t *testing.T) {
	ctx := t.Context()
	db, err := Open(ctx, Options{DSN: filepath.Join(t.TempDir(), "batch.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	shop, err := db.CreateShop(ctx, model.Shop{Slug: "s", Name: "s", IdentitySecret: "x"})
	if err != nil {
		t.Fatal(err)
	}
	convs := make([]model.Conversation, 3)
	for i := range convs {
		b, err := db.EnsureVisitor(ctx, shop.ID, fmt.Sprintf("v%d", i))
		if err != nil {
			t.Fatal(err)
		}
		if convs[i], err = db.CreateConversation(ctx, shop.ID, b.ID, 0); err != nil {
			t.Fatal(err)
		}
	}
	// A stray row at seq 1 makes the next insert into convs[2] break the
	// unique (conversation, seq) constraint after its sequence number moved.
	if _, err := db.w.ExecContext(ctx, `INSERT INTO messages (shop_id, conversation_id, seq, sender, body, created_at)
VALUES ($1, $2, 1, 'system', 'stray', 0)`, shop.ID, convs[2].ID); err != nil {
		t.Fatal(err)
	}

	// Hold the writer so that the appends queue up, then let them go.
	hold, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		m       model.Message
		created bool
		err     error
	}
	posts := []model.Message{
		{ConversationID: convs[0].ID, ClientID: "a"}, // taken alone, first
		{ConversationID: convs[0].ID, ClientID: "b"},
		{ConversationID: convs[1].ID, ClientID: "c"},
		{ConversationID: convs[0].ID, ClientID: "b"},  // the same again
		{ConversationID: convs[2].ID, ClientID: "x"},  // its insert fails
		{ConversationID: 999999, ClientID: "nowhere"}, // no such conversation
		{ConversationID: convs[1].ID, ClientID: "d"},
	}
	results := make([]result, len(posts))
	var wg sync.WaitGroup
	for i, p := range posts {
		p.ShopID, p.Sender, p.SenderID, p.Body = shop.ID, model.SenderBuyer, 1, "hello "+p.ClientID
		wg.Go(func() {
			var r result
			r.m, r.created, r.err = db.AppendMessage(ctx, p)
			results[i] = r
		})
		// Queue them in order: wait until the batcher has taken the first
		// and the channel holds the rest.
		for len(db.appends.reqs) != i {
			time.Sleep(time.Millisecond)
		}
		if i == 0 {
			time.Sleep(20 * time.Millisecond) // let it reach the busy writer
		}
	}
	if err := hold.Rollback(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()

	want := []struct {
		seq     int64
		created bool
		err     error
	}{{1, true, nil}, {2, true, nil}, {1, true, nil}, {2, false, nil}, {0, false, errAny}, {0, false, ErrNotFound}, {2, true, nil}}
	for i, w := range want {
		r := results[i]
		switch {
		case w.err == errAny && r.err == nil, w.err != errAny && !errors.Is(r.err, w.err):
			t.Errorf("append %d (%s): error %v, want %v", i, posts[i].ClientID, r.err, w.err)
		case w.err == nil && (r.m.Seq != w.seq || r.created != w.created):
			t.Errorf("append %d (%s): seq %d created %v, want seq %d created %v", i, posts[i].ClientID, r.m.Seq, r.created, w.seq, w.created)
		}
	}
	c2, err := db.GetConversation(ctx, shop.ID, convs[2].ID)
	if err != nil || c2.LastSeq != 0 {
		t.Errorf("conversation with the failed insert: last seq %d (%v), want 0: rolled back", c2.LastSeq, err)
	}
	for i, n := range []int{2, 2} {
		ms, err := db.ListMessages(ctx, MessageQuery{ShopID: shop.ID, ConversationID: convs[i].ID, Limit: 10})
		if err != nil || len(ms) != n {
			t.Errorf("conversation %d: %d messages (%v), want %d", i, len(ms), err, n)
		}
	}
}

var errAny = errors.New("any error")

// TestAppendAfterClose checks that an append after Close fails instead of
// waiting for ever.
func TestAppendAfterClose(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, Options{DSN: filepath.Join(t.TempDir(), "closed.db")})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, _, err := db.AppendMessage(ctx, model.Message{ShopID: 1, ConversationID: 1, Body: "x"}); err == nil {
		t.Fatal("append after close succeeded")
	}
}
