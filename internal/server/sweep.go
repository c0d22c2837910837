package server

import (
	"context"
	"time"
)

// sweepEvery is how often RunSweeper clears what logins leave behind.
const sweepEvery = time.Hour

// RunSweeper removes expired sessions and failed-login counts whose window
// is over, at once and then every hour until ctx ends. Every login leaves a
// session and every wrong password (for any name, existing or not) a
// count, so without it both tables grow for as long as the server runs.
// Several nodes may sweep at once: the deletes do not conflict.
func (s *Server) RunSweeper(ctx context.Context) {
	t := time.NewTicker(sweepEvery)
	defer t.Stop()
	for {
		s.sweep(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// sweep is one pass of RunSweeper; failures are logged and retried on the
// next pass.
func (s *Server) sweep(ctx context.Context) {
	if n, err := s.store.DeleteExpiredSessions(ctx); err != nil {
		if ctx.Err() == nil {
			s.log.Warn("sweep expired sessions", "err", err)
		}
	} else if n > 0 {
		s.log.Debug("expired sessions removed", "sessions", n)
	}
	if n, err := s.store.PruneLoginThrottle(ctx, loginWindow); err != nil {
		if ctx.Err() == nil {
			s.log.Warn("sweep failed-login counts", "err", err)
		}
	} else if n > 0 {
		s.log.Debug("old failed-login counts removed", "keys", n)
	}
}
