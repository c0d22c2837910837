// Package storetest is the suite every implementation of store.Store must
// pass. SQLite runs it in internal/store/sqlite_test.go and PostgreSQL in
// postgres_test.go, so one behaviour is checked on both engines.
//
// The suite talks to the store through the interface only. Time-dependent
// behaviour (expiry, lock-out windows) is driven by a clock the suite owns
// and hands to the Opener, never by sleeping.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// Opener returns a fresh, migrated, empty store whose clock is now. It
// should release the store (close it, drop its database) in t.Cleanup. The
// suite may Close the store before that, so Close must be safe to call
// twice.
type Opener func(t *testing.T, now func() time.Time) store.Store

// Run runs the whole suite; each top-level test gets its own store and runs
// in parallel with the others.
func Run(t *testing.T, open Opener) {
	suite := []struct {
		name string
		fn   func(t *testing.T, e *env)
	}{
		{"PingClose", testPingClose},
		{"Shops", testShops},
		{"Accounts", testAccounts},
		{"GetAccountByLogin", testGetAccountByLogin},
		{"Members", testMembers},
		{"MemberIsolation", testMemberIsolation},
		{"Roles", testRoles},
		{"Groups", testGroups},
		{"Sessions", testSessions},
		{"Invitations", testInvitations},
		{"AcceptInvitation", testAcceptInvitation},
		{"AcceptInvitationOnce", testAcceptInvitationOnce},
		{"LoginThrottle", testLoginThrottle},
		{"LoginThrottleConcurrent", testLoginThrottleConcurrent},
		{"UploadQuota", testUploadQuota},
		{"Settings", testSettings},
		{"Audit", testAudit},
		{"Buyers", testBuyers},
		{"Conversations", testConversations},
		{"ListConversations", testListConversations},
		{"OpenConversation", testOpenConversation},
		{"ChangeOwner", testChangeOwner},
		{"ChangeOwnerRace", testChangeOwnerRace},
		{"AppendMessage", testAppendMessage},
		{"AppendMessageIdempotent", testAppendMessageIdempotent},
		{"AppendMessageConcurrent", testAppendMessageConcurrent},
		{"AppendMessageConcurrentRetries", testAppendMessageConcurrentRetries},
		{"ListMessages", testListMessages},
		{"ReadPositions", testReadPositions},
		{"ImportConversations", testImportConversations},
		{"Commerce", testCommerce},
		{"TagRefresh", testTagRefresh},
		{"Service", testService},
		{"Stats", testStats},
		{"Notify", testNotify},
		{"AgentLeases", testAgentLeases},
		{"AgentLeasesConcurrent", testAgentLeasesConcurrent},
	}
	suite = append(suite, kbTests...)
	for _, tt := range suite {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, newEnv(t, open))
		})
	}
}

// epoch is the suite's "now" when a test begins: a fixed instant, so that
// nothing depends on the wall clock.
var epoch = time.Date(2025, 3, 1, 9, 30, 0, 0, time.UTC)

// clock is a settable time source, safe for concurrent use.
type clock struct{ ns atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *clock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// env is one test's store and clock with helpers that build fixtures and
// fail the test on unexpected errors.
type env struct {
	t   *testing.T
	s   store.Store
	clk *clock
	ctx context.Context
}

func newEnv(t *testing.T, open Opener) *env {
	clk := &clock{}
	clk.ns.Store(epoch.UnixNano())
	s := open(t, clk.Now)
	if s == nil {
		t.Fatal("open returned a nil store")
	}
	return &env{t: t, s: s, clk: clk, ctx: t.Context()}
}

// in returns e for the subtest t, so that helpers fail the subtest and not
// its parent (which testing does not allow).
func (e *env) in(t *testing.T) *env {
	c := *e
	c.t = t
	return &c
}

// now is the clock as the store keeps it: milliseconds.
func (e *env) now() time.Time { return time.UnixMilli(e.clk.Now().UnixMilli()) }

func (e *env) shop(slug string) model.Shop {
	e.t.Helper()
	s, err := e.s.CreateShop(e.ctx, model.Shop{Slug: slug, Name: "Shop " + slug, Language: "zh-CN",
		Timezone: "Asia/Shanghai", IdentitySecret: "secret-" + slug})
	if err != nil {
		e.t.Fatalf("CreateShop(%q): %v", slug, err)
	}
	return s
}

func (e *env) account(username string) model.Account {
	e.t.Helper()
	a, err := e.s.CreateAccount(e.ctx, model.Account{Username: username, DisplayName: "Agent " + username,
		PasswordHash: "hash-" + username})
	if err != nil {
		e.t.Fatalf("CreateAccount(%q): %v", username, err)
	}
	return a
}

func (e *env) member(shopID, accountID int64, role string) {
	e.t.Helper()
	if err := e.s.AddMember(e.ctx, model.Membership{ShopID: shopID, AccountID: accountID, Role: role}); err != nil {
		e.t.Fatalf("AddMember(%d, %d): %v", shopID, accountID, err)
	}
}

// agent makes an account that is an agent of shopID.
func (e *env) agent(shopID int64, username string) model.Account {
	e.t.Helper()
	a := e.account(username)
	e.member(shopID, a.ID, "agent")
	return a
}

func (e *env) buyer(shopID int64, visitorID string) model.Buyer {
	e.t.Helper()
	b, err := e.s.EnsureVisitor(e.ctx, shopID, visitorID)
	if err != nil {
		e.t.Fatalf("EnsureVisitor(%d, %q): %v", shopID, visitorID, err)
	}
	return b
}

func (e *env) conversation(shopID, buyerID int64) model.Conversation {
	e.t.Helper()
	c, err := e.s.CreateConversation(e.ctx, shopID, buyerID, 0)
	if err != nil {
		e.t.Fatalf("CreateConversation(%d, %d): %v", shopID, buyerID, err)
	}
	return c
}

// move changes a conversation's owner from what it is now.
func (e *env) move(c model.Conversation, to model.Owner, agentID, groupID int64) model.Conversation {
	e.t.Helper()
	got, _, err := e.s.ChangeOwner(e.ctx, store.OwnerChange{ShopID: c.ShopID, ConversationID: c.ID,
		From: c.Owner, To: to, AgentID: agentID, GroupID: groupID, Reason: "test"})
	if err != nil {
		e.t.Fatalf("ChangeOwner(%d → %s): %v", c.ID, to, err)
	}
	return got
}

func (e *env) send(c model.Conversation, sender model.SenderKind, senderID int64, clientID, body string) model.Message {
	e.t.Helper()
	m, _, err := e.s.AppendMessage(e.ctx, model.Message{ShopID: c.ShopID, ConversationID: c.ID, Sender: sender,
		SenderID: senderID, ClientID: clientID, Body: body})
	if err != nil {
		e.t.Fatalf("AppendMessage(%d, %q): %v", c.ID, body, err)
	}
	return m
}

// checkErr fails the test unless err matches want: nil wants success, a
// sentinel wants an error that wraps it.
func checkErr(t *testing.T, what string, err, want error) {
	t.Helper()
	switch {
	case want == nil && err != nil:
		t.Fatalf("%s: unexpected error %v", what, err)
	case want != nil && !errors.Is(err, want):
		t.Fatalf("%s: error %v, want %v", what, err, want)
	}
}

// diff fails the test when got and want differ; times compare with Equal.
func diff(t *testing.T, what string, want, got any, opts ...cmp.Option) {
	t.Helper()
	if d := cmp.Diff(want, got, opts...); d != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", what, d)
	}
}

// mapped applies f to each element of xs.
func mapped[T, V any](xs []T, f func(T) V) []V {
	out := make([]V, 0, len(xs))
	for _, x := range xs {
		out = append(out, f(x))
	}
	return out
}

func convIDs(cs []model.Conversation) []int64 {
	return mapped(cs, func(c model.Conversation) int64 { return c.ID })
}

func seqs(ms []model.Message) []int64 {
	return mapped(ms, func(m model.Message) int64 { return m.Seq })
}

// seqRange is from, from+1, ..., to (empty when to < from).
func seqRange(from, to int64) []int64 {
	out := []int64{}
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

func name(format string, args ...any) string { return fmt.Sprintf(format, args...) }
