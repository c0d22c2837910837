package server

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// TestSweep: a sweep removes expired sessions and failed-login counts
// whose window is over, and keeps live sessions and current counts.
func TestSweep(t *testing.T) {
	ctx := t.Context()
	var mu sync.Mutex
	now := time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	db, err := store.Open(ctx, store.Options{DSN: filepath.Join(t.TempDir(), "sweep.db"), Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	s := New(Options{Store: db, Now: clock})
	a, err := db.CreateAccount(ctx, model.Account{Username: "ann", DisplayName: "Ann"})
	if err != nil {
		t.Fatal(err)
	}
	for token, ttl := range map[string]time.Duration{"short": time.Minute, "long": 48 * time.Hour} {
		if err := db.CreateSession(ctx, store.Session{TokenHash: token, AccountID: a.ID, CSRFToken: "c" + token,
			CreatedAt: now, ExpiresAt: now.Add(ttl)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := db.LoginFailure(ctx, "login:ghost", loginWindow, loginMaxFailures, loginLockFor); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	now = now.Add(time.Hour)
	mu.Unlock()
	if _, _, err := db.LoginFailure(ctx, "login:recent", loginWindow, loginMaxFailures, loginLockFor); err != nil {
		t.Fatal(err)
	}

	s.sweep(ctx)

	if n, err := db.DeleteExpiredSessions(ctx); err != nil || n != 0 {
		t.Errorf("after a sweep %d expired sessions were left (%v)", n, err)
	}
	if _, err := db.GetSession(ctx, "long"); err != nil {
		t.Errorf("a live session was swept: %v", err)
	}
	if n, err := db.PruneLoginThrottle(ctx, loginWindow); err != nil || n != 0 {
		t.Errorf("after a sweep %d old failed-login counts were left (%v)", n, err)
	}
	if n, _, err := db.LoginFailure(ctx, "login:recent", loginWindow, loginMaxFailures, loginLockFor); err != nil || n != 2 {
		t.Errorf("a current failed-login count was swept: count %d (%v), want 2", n, err)
	}

	// RunSweeper sweeps at once and ends with its context.
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { s.RunSweeper(runCtx); close(done) }()
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("RunSweeper did not end with its context")
	}
}
