package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

func testSessions(t *testing.T, e *env) {
	ann, bob := e.account("ann"), e.account("bob")
	now := e.now()
	sess := func(token string, account int64, ttl time.Duration) store.Session {
		return store.Session{TokenHash: token, AccountID: account, CSRFToken: "csrf-" + token, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	}
	s1, s2, s3 := sess("t1", ann.ID, time.Hour), sess("t2", ann.ID, 2*time.Hour), sess("t3", bob.ID, time.Hour)
	dead := sess("t4", bob.ID, 0) // expires the moment it is made
	for _, s := range []store.Session{s1, s2, s3, dead} {
		checkErr(t, "CreateSession "+s.TokenHash, e.s.CreateSession(e.ctx, s), nil)
	}
	checkErr(t, "CreateSession with a used token", e.s.CreateSession(e.ctx, sess("t1", bob.ID, time.Hour)), store.ErrConflict)
	checkErr(t, "CreateSession for a missing account", e.s.CreateSession(e.ctx, sess("t9", bob.ID+100, time.Hour)), store.ErrNotFound)

	get := []struct {
		name  string
		token string
		want  error
	}{
		{"live", "t1", nil},
		{"other account", "t3", nil},
		{"expired", "t4", store.ErrNotFound},
		{"unknown", "nope", store.ErrNotFound},
	}
	for _, tt := range get {
		t.Run("GetSession/"+tt.name, func(t *testing.T) {
			_, err := e.s.GetSession(e.ctx, tt.token)
			checkErr(t, "GetSession", err, tt.want)
		})
	}
	got, err := e.s.GetSession(e.ctx, "t1")
	checkErr(t, "GetSession", err, nil)
	diff(t, "GetSession", s1, got)

	e.clk.Advance(90 * time.Minute)
	_, err = e.s.GetSession(e.ctx, "t1")
	checkErr(t, "GetSession past its expiry", err, store.ErrNotFound)
	_, err = e.s.GetSession(e.ctx, "t2")
	checkErr(t, "GetSession before its expiry", err, nil)
	n, err := e.s.DeleteExpiredSessions(e.ctx)
	checkErr(t, "DeleteExpiredSessions", err, nil)
	if n != 3 {
		t.Errorf("DeleteExpiredSessions = %d, want 3 (t1, t3, t4)", n)
	}
	n, err = e.s.DeleteExpiredSessions(e.ctx)
	checkErr(t, "DeleteExpiredSessions", err, nil)
	if n != 0 {
		t.Errorf("DeleteExpiredSessions again = %d, want 0", n)
	}

	checkErr(t, "DeleteSession", e.s.DeleteSession(e.ctx, "t2"), nil)
	_, err = e.s.GetSession(e.ctx, "t2")
	checkErr(t, "GetSession after DeleteSession", err, store.ErrNotFound)
	checkErr(t, "DeleteSession of an unknown token", e.s.DeleteSession(e.ctx, "t2"), nil)

	now = e.now()
	for _, s := range []store.Session{sess("a1", ann.ID, time.Hour), sess("a2", ann.ID, time.Hour), sess("b1", bob.ID, time.Hour)} {
		checkErr(t, "CreateSession", e.s.CreateSession(e.ctx, s), nil)
	}
	checkErr(t, "DeleteAccountSessions", e.s.DeleteAccountSessions(e.ctx, ann.ID), nil)
	for _, tok := range []string{"a1", "a2"} {
		_, err := e.s.GetSession(e.ctx, tok)
		checkErr(t, "GetSession of a deleted account session", err, store.ErrNotFound)
	}
	_, err = e.s.GetSession(e.ctx, "b1")
	checkErr(t, "another account's session", err, nil)
}

func testInvitations(t *testing.T, e *env) {
	a, b := e.shop("a"), e.shop("b")
	owner := e.agent(a.ID, "owner")
	inv := func(token string, shop int64, ttl time.Duration) store.Invitation {
		return store.Invitation{TokenHash: token, ShopID: shop, Role: "agent", Login: token + "@example.com",
			CreatedBy: owner.ID, CreatedAt: e.now(), ExpiresAt: e.now().Add(ttl)}
	}
	long := inv("long", a.ID, 24*time.Hour)
	checkErr(t, "CreateInvitation", e.s.CreateInvitation(e.ctx, long), nil)
	e.clk.Advance(time.Minute)
	short := inv("short", a.ID, time.Hour)
	checkErr(t, "CreateInvitation", e.s.CreateInvitation(e.ctx, short), nil)
	other := inv("other", b.ID, time.Hour)
	checkErr(t, "CreateInvitation", e.s.CreateInvitation(e.ctx, other), nil)
	checkErr(t, "CreateInvitation with a used token", e.s.CreateInvitation(e.ctx, inv("long", b.ID, time.Hour)), store.ErrConflict)
	checkErr(t, "CreateInvitation for a missing shop", e.s.CreateInvitation(e.ctx, inv("x", b.ID+100, time.Hour)), store.ErrNotFound)

	got, err := e.s.GetInvitation(e.ctx, "long")
	checkErr(t, "GetInvitation", err, nil)
	diff(t, "GetInvitation", long, got)
	list, err := e.s.ListInvitations(e.ctx, a.ID)
	checkErr(t, "ListInvitations", err, nil)
	diff(t, "ListInvitations(a)", []store.Invitation{long, short}, list)
	list, err = e.s.ListInvitations(e.ctx, b.ID)
	checkErr(t, "ListInvitations", err, nil)
	diff(t, "ListInvitations(b)", []store.Invitation{other}, list)

	t.Run("expired are invisible", func(t *testing.T) {
		e.clk.Advance(2 * time.Hour)
		_, err := e.s.GetInvitation(e.ctx, "short")
		checkErr(t, "GetInvitation of an expired invitation", err, store.ErrNotFound)
		list, err := e.s.ListInvitations(e.ctx, a.ID)
		checkErr(t, "ListInvitations", err, nil)
		diff(t, "ListInvitations(a) later", []store.Invitation{long}, list)
	})

	del := []struct {
		name  string
		shop  int64
		token string
		want  error
	}{
		{"another shop's", b.ID, "long", store.ErrNotFound},
		{"unknown", a.ID, "nope", store.ErrNotFound},
		{"own", a.ID, "long", nil},
		{"again", a.ID, "long", store.ErrNotFound},
	}
	for _, tt := range del {
		t.Run("DeleteInvitation/"+tt.name, func(t *testing.T) {
			checkErr(t, "DeleteInvitation", e.s.DeleteInvitation(e.ctx, tt.shop, tt.token), tt.want)
		})
	}
	_, err = e.s.GetInvitation(e.ctx, "long")
	checkErr(t, "GetInvitation after DeleteInvitation", err, store.ErrNotFound)
}

func testAcceptInvitation(t *testing.T, e *env) {
	a := e.shop("a")
	taken, err := e.s.CreateAccount(e.ctx, model.Account{Username: "taken", Email: "taken@example.com", Phone: "13800000000"})
	checkErr(t, "CreateAccount", err, nil)
	e.member(a.ID, taken.ID, "owner")
	live := store.Invitation{TokenHash: "live", ShopID: a.ID, Role: "supervisor", Login: "new@example.com",
		CreatedBy: taken.ID, CreatedAt: e.now(), ExpiresAt: e.now().Add(time.Hour)}
	dead := live
	dead.TokenHash, dead.ExpiresAt = "dead", e.now().Add(time.Minute)
	checkErr(t, "CreateInvitation", e.s.CreateInvitation(e.ctx, live), nil)
	checkErr(t, "CreateInvitation", e.s.CreateInvitation(e.ctx, dead), nil)
	e.clk.Advance(2 * time.Minute)

	refused := []struct {
		name  string
		token string
		in    store.AccountInput
		want  error
	}{
		{"taken username", "live", store.AccountInput{Username: "taken", PasswordHash: "h"}, store.ErrConflict},
		{"taken email", "live", store.AccountInput{Username: "new", Email: "taken@example.com", PasswordHash: "h"}, store.ErrConflict},
		{"taken phone", "live", store.AccountInput{Username: "new", Phone: "13800000000", PasswordHash: "h"}, store.ErrConflict},
		{"expired", "dead", store.AccountInput{Username: "new", PasswordHash: "h"}, store.ErrNotFound},
		{"unknown token", "nope", store.AccountInput{Username: "new", PasswordHash: "h"}, store.ErrNotFound},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.s.AcceptInvitation(e.ctx, tt.token, tt.in)
			checkErr(t, "AcceptInvitation", err, tt.want)
			// Nothing half-made: no account, no membership, the
			// invitation still open.
			n, err := e.s.CountAccounts(e.ctx)
			checkErr(t, "CountAccounts", err, nil)
			if n != 1 {
				t.Errorf("CountAccounts = %d after a refused acceptance, want 1", n)
			}
			members, err := e.s.ListMembers(e.ctx, a.ID)
			checkErr(t, "ListMembers", err, nil)
			if len(members) != 1 {
				t.Errorf("shop has %d members after a refused acceptance, want 1", len(members))
			}
			_, err = e.s.GetInvitation(e.ctx, "live")
			checkErr(t, "GetInvitation after a refused acceptance", err, nil)
		})
	}

	id, err := e.s.AcceptInvitation(e.ctx, "live", store.AccountInput{Username: "new", Email: "new@example.com",
		Phone: "13900000000", DisplayName: "新客服", PasswordHash: "bcrypt"})
	checkErr(t, "AcceptInvitation", err, nil)
	if id == 0 {
		t.Fatal("AcceptInvitation returned account id 0")
	}
	acc, err := e.s.GetAccount(e.ctx, id)
	checkErr(t, "GetAccount", err, nil)
	diff(t, "accepted account", model.Account{ID: id, Username: "new", Email: "new@example.com", Phone: "13900000000",
		DisplayName: "新客服", PasswordHash: "bcrypt", CreatedAt: e.now()}, acc)
	m, err := e.s.GetMember(e.ctx, a.ID, id)
	checkErr(t, "GetMember", err, nil)
	diff(t, "accepted membership", model.Member{Membership: model.Membership{ShopID: a.ID, AccountID: id,
		Role: "supervisor", Status: model.StatusOffline, MaxChats: 10, CreatedAt: e.now()}, Account: acc}, m)

	_, err = e.s.GetInvitation(e.ctx, "live")
	checkErr(t, "GetInvitation after acceptance", err, store.ErrNotFound)
	list, err := e.s.ListInvitations(e.ctx, a.ID)
	checkErr(t, "ListInvitations", err, nil)
	if len(list) != 0 {
		t.Errorf("ListInvitations after acceptance = %v, want none", list)
	}
	_, err = e.s.AcceptInvitation(e.ctx, "live", store.AccountInput{Username: "again", PasswordHash: "h"})
	checkErr(t, "AcceptInvitation a second time", err, store.ErrNotFound)
	_, err = e.s.GetAccountByLogin(e.ctx, "again")
	checkErr(t, "account of a second acceptance", err, store.ErrNotFound)
}

// testAcceptInvitationOnce races acceptances of one invitation: one wins, and
// no other makes an account.
func testAcceptInvitationOnce(t *testing.T, e *env) {
	a := e.shop("a")
	checkErr(t, "CreateInvitation", e.s.CreateInvitation(e.ctx, store.Invitation{TokenHash: "tok", ShopID: a.ID,
		Role: "agent", Login: "x", CreatedAt: e.now(), ExpiresAt: e.now().Add(time.Hour)}), nil)
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, errs[i] = e.s.AcceptInvitation(e.ctx, "tok", store.AccountInput{Username: fmt.Sprintf("user%d", i), PasswordHash: "h"})
		})
	}
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, store.ErrNotFound):
			t.Errorf("acceptance %d: %v, want success or ErrNotFound", i, err)
		}
	}
	if won != 1 {
		t.Errorf("%d acceptances succeeded, want exactly 1", won)
	}
	count, err := e.s.CountAccounts(e.ctx)
	checkErr(t, "CountAccounts", err, nil)
	if count != 1 {
		t.Errorf("CountAccounts = %d, want 1", count)
	}
}

func testLoginThrottle(t *testing.T, e *env) {
	const window, max, lock = 10 * time.Minute, 3, 15 * time.Minute
	fail := func(t *testing.T, key string) (int, time.Time) {
		t.Helper()
		n, until, err := e.s.LoginFailure(e.ctx, key, window, max, lock)
		checkErr(t, "LoginFailure", err, nil)
		return n, until
	}
	lockedUntil := func(t *testing.T, key string) time.Time {
		t.Helper()
		until, err := e.s.LoginLockedUntil(e.ctx, key)
		checkErr(t, "LoginLockedUntil", err, nil)
		return until
	}
	type step struct {
		advance   time.Duration // before the failure
		wantCount int
		wantLock  time.Duration // from now after advancing; 0 = not locked
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"locks at max", []step{{0, 1, 0}, {time.Minute, 2, 0}, {time.Minute, 3, lock}}},
		{"failures while locked extend the lock", []step{{0, 1, 0}, {0, 2, 0}, {0, 3, lock}, {5 * time.Minute, 4, lock}}},
		{"a new window starts afresh", []step{{0, 1, 0}, {6 * time.Minute, 2, 0}, {6 * time.Minute, 1, 0}, {time.Minute, 2, 0}}},
		{"an expired lock lifts", []step{{0, 1, 0}, {0, 2, 0}, {0, 3, lock}, {lock + time.Minute, 1, 0}}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := fmt.Sprintf("account:case%d", i)
			for j, s := range tt.steps {
				e.clk.Advance(s.advance)
				n, until := fail(t, key)
				want := time.Time{}
				if s.wantLock != 0 {
					want = e.now().Add(s.wantLock)
				}
				if n != s.wantCount || !until.Equal(want) {
					t.Fatalf("step %d: LoginFailure = (%d, %v), want (%d, %v)", j, n, until, s.wantCount, want)
				}
				if got := lockedUntil(t, key); !got.Equal(want) {
					t.Fatalf("step %d: LoginLockedUntil = %v, want %v", j, got, want)
				}
			}
		})
	}

	t.Run("a new window keeps a running lock", func(t *testing.T) {
		const key = "ip:192.0.2.1"
		for range max {
			fail(t, key)
		}
		want := e.now().Add(lock)
		e.clk.Advance(window + time.Minute) // the window is over, the lock is not
		n, until := fail(t, key)
		if n != 1 || !until.Equal(want) {
			t.Fatalf("LoginFailure = (%d, %v), want (1, %v)", n, until, want)
		}
		if got := lockedUntil(t, key); !got.Equal(want) {
			t.Fatalf("LoginLockedUntil = %v, want %v", got, want)
		}
		e.clk.Advance(lock)
		if got := lockedUntil(t, key); !got.IsZero() {
			t.Fatalf("LoginLockedUntil after the lock = %v, want zero", got)
		}
	})

	t.Run("keys are independent and clearing forgets", func(t *testing.T) {
		for range max {
			fail(t, "account:x")
		}
		if lockedUntil(t, "account:x").IsZero() {
			t.Fatal("account:x not locked")
		}
		if got := lockedUntil(t, "account:y"); !got.IsZero() {
			t.Fatalf("LoginLockedUntil of an unused key = %v, want zero", got)
		}
		if n, _ := fail(t, "account:y"); n != 1 {
			t.Fatalf("first failure of another key counted %d, want 1", n)
		}
		checkErr(t, "ClearLoginFailures", e.s.ClearLoginFailures(e.ctx, "account:x"), nil)
		if got := lockedUntil(t, "account:x"); !got.IsZero() {
			t.Fatalf("LoginLockedUntil after ClearLoginFailures = %v, want zero", got)
		}
		if n, until := fail(t, "account:x"); n != 1 || !until.IsZero() {
			t.Fatalf("failure after ClearLoginFailures = (%d, %v), want (1, zero)", n, until)
		}
		if n, _ := fail(t, "account:y"); n != 2 {
			t.Fatalf("clearing one key changed another: count %d, want 2", n)
		}
		checkErr(t, "ClearLoginFailures of an unknown key", e.s.ClearLoginFailures(e.ctx, "nope"), nil)
	})

	t.Run("pruning forgets old windows and keeps running locks", func(t *testing.T) {
		e.clk.Advance(window + lock) // every earlier window and lock is over
		_, err := e.s.PruneLoginThrottle(e.ctx, window)
		checkErr(t, "PruneLoginThrottle", err, nil)
		fail(t, "account:old")
		for range max {
			fail(t, "ip:locked")
		}
		e.clk.Advance(window + time.Minute) // old's window is over, locked's lock is not
		fail(t, "account:fresh")
		n, err := e.s.PruneLoginThrottle(e.ctx, window)
		checkErr(t, "PruneLoginThrottle", err, nil)
		if n != 1 {
			t.Fatalf("PruneLoginThrottle = %d, want 1 (account:old)", n)
		}
		if lockedUntil(t, "ip:locked").IsZero() {
			t.Fatal("pruning lifted a running lock")
		}
		if n, _ := fail(t, "account:fresh"); n != 2 {
			t.Fatalf("pruning forgot a current window: count %d, want 2", n)
		}
		e.clk.Advance(lock)
		if n, err := e.s.PruneLoginThrottle(e.ctx, window); err != nil || n != 2 {
			t.Fatalf("PruneLoginThrottle after the lock = (%d, %v), want 2 (ip:locked, account:fresh)", n, err)
		}
	})
}

// testLoginThrottleConcurrent checks that failures arriving at once are all
// counted: a brute-force attack is parallel.
func testLoginThrottleConcurrent(t *testing.T, e *env) {
	const workers, each = 10, 5
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				if _, _, err := e.s.LoginFailure(e.ctx, "account:ann", time.Hour, 1000, time.Hour); err != nil {
					t.Errorf("LoginFailure: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	n, _, err := e.s.LoginFailure(e.ctx, "account:ann", time.Hour, 1000, time.Hour)
	checkErr(t, "LoginFailure", err, nil)
	if n != workers*each+1 {
		t.Errorf("count after %d concurrent failures and one more = %d, want %d", workers*each, n, workers*each+1)
	}
}

func testSettings(t *testing.T, e *env) {
	type op int
	const (
		get op = iota
		put
		del
	)
	steps := []struct {
		name  string
		op    op
		key   string
		value string // to put, or wanted by get
		want  error
	}{
		{"missing", get, "setup.token", "", store.ErrNotFound},
		{"put", put, "setup.token", "abc", nil},
		{"read back", get, "setup.token", "abc", nil},
		{"overwrite", put, "setup.token", "欢迎光临", nil},
		{"read overwrite", get, "setup.token", "欢迎光临", nil},
		{"other key untouched", get, "other", "", store.ErrNotFound},
		{"empty value", put, "empty", "", nil},
		{"read empty value", get, "empty", "", nil},
		{"delete", del, "setup.token", "", nil},
		{"deleted", get, "setup.token", "", store.ErrNotFound},
		{"delete missing", del, "setup.token", "", nil},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			switch s.op {
			case get:
				v, err := e.s.GetSetting(e.ctx, s.key)
				checkErr(t, "GetSetting", err, s.want)
				if s.want == nil && v != s.value {
					t.Errorf("GetSetting(%q) = %q, want %q", s.key, v, s.value)
				}
			case put:
				checkErr(t, "PutSetting", e.s.PutSetting(e.ctx, s.key, s.value), s.want)
			case del:
				checkErr(t, "DeleteSetting", e.s.DeleteSetting(e.ctx, s.key), s.want)
			}
		})
	}
}

func testAudit(t *testing.T, e *env) {
	a, b := e.shop("a"), e.shop("b")
	var want []model.AuditEntry // shop a's, oldest first
	for i := range 7 {
		en := model.AuditEntry{ShopID: a.ID, ActorID: int64(i + 1), Action: "member.add", Target: fmt.Sprintf("account:%d", i),
			Detail: "角色 agent"}
		checkErr(t, "AppendAudit", e.s.AppendAudit(e.ctx, en), nil)
		en.CreatedAt = e.now()
		want = append(want, en)
		checkErr(t, "AppendAudit other shop", e.s.AppendAudit(e.ctx, model.AuditEntry{ShopID: b.ID, ActorID: 9, Action: "role.change"}), nil)
		e.clk.Advance(time.Second)
	}
	all, err := e.s.ListAudit(e.ctx, a.ID, 0, 0)
	checkErr(t, "ListAudit", err, nil)
	newestFirst := make([]model.AuditEntry, len(want))
	for i := range want {
		newestFirst[i] = want[len(want)-1-i]
	}
	diff(t, "ListAudit", newestFirst, all, cmpopts.IgnoreFields(model.AuditEntry{}, "ID"))
	for i := 1; i < len(all); i++ {
		if all[i].ID >= all[i-1].ID {
			t.Errorf("ListAudit ids not descending: %d after %d", all[i].ID, all[i-1].ID)
		}
	}

	// Page through three at a time with the id cursor.
	var paged []model.AuditEntry
	before := int64(0)
	for page := 0; ; page++ {
		got, err := e.s.ListAudit(e.ctx, a.ID, before, 3)
		checkErr(t, "ListAudit page", err, nil)
		if len(got) > 3 {
			t.Fatalf("page %d has %d entries, want at most 3", page, len(got))
		}
		if len(got) == 0 {
			break
		}
		paged = append(paged, got...)
		before = got[len(got)-1].ID
		if page > 5 {
			t.Fatal("paging does not end")
		}
	}
	diff(t, "paged ListAudit", all, paged)

	other, err := e.s.ListAudit(e.ctx, b.ID, 0, 100)
	checkErr(t, "ListAudit other shop", err, nil)
	if len(other) != 7 {
		t.Errorf("ListAudit(b) = %d entries, want 7", len(other))
	}
	for _, en := range other {
		if en.ShopID != b.ID || en.Action != "role.change" {
			t.Errorf("ListAudit(b) holds %+v", en)
		}
	}
}
