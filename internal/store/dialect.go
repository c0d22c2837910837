package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// dialect holds what differs between SQLite and PostgreSQL. Queries share one
// text everywhere else.
type dialect interface {
	name() string
	isUniqueViolation(err error) bool
}

type sqliteDialect struct{}

func (sqliteDialect) name() string { return "sqlite" }

func (sqliteDialect) isUniqueViolation(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// sqlitePragmas are set on every connection. WAL lets readers run beside the
// writer; synchronous=NORMAL in WAL mode keeps every committed transaction
// across a process crash (only a power cut can lose the last ones).
const sqlitePragmas = "_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"

func openSQLite(ctx context.Context, opts Options) (*DB, error) {
	if opts.DSN == "" {
		return nil, fmt.Errorf("store: sqlite needs a file path")
	}
	base := "file:" + opts.DSN + "?" + sqlitePragmas
	w, err := sql.Open("sqlite", base+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", opts.DSN, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open %s: %w", opts.DSN, err)
	}
	r, err := sql.Open("sqlite", base)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open %s: %w", opts.DSN, err)
	}
	r.SetMaxOpenConns(opts.ReadConns)
	r.SetMaxIdleConns(opts.ReadConns)
	return &DB{w: w, r: r, dialect: sqliteDialect{}, path: opts.DSN, now: opts.Now}, nil
}
