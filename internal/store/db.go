// Package store holds all of xiaoer's SQL. It runs on SQLite (modernc, pure
// Go) by default and is written so that PostgreSQL can run the same queries:
// placeholders are $1, times are Unix milliseconds, and the few differences
// live in dialect.go. The storetest package is the suite every engine must
// pass.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"sync"
	"time"
)

// ErrNotFound is returned when the row asked for does not exist (or is not
// in the shop the caller named).
var ErrNotFound = errors.New("not found")

// ErrConflict is returned when a unique value (a username, a slug) is taken.
var ErrConflict = errors.New("already exists")

// ErrEmptyID is returned when an identifier that selects a row (a visitor
// id, an external buyer id) is empty.
var ErrEmptyID = errors.New("empty id")

// ErrStale is returned by compare-and-set updates when the row changed since
// the caller read it.
var ErrStale = errors.New("changed by someone else")

// DB is the store. Writes go through one connection (SQLite allows one writer
// at a time; queuing them in Go is faster and never fails with "database is
// locked"), reads through a pool.
type DB struct {
	w       *sql.DB
	r       *sql.DB
	dialect dialect
	path    string // SQLite file path; empty for PostgreSQL
	now     func() time.Time
	// migrationFS holds the dialect's migrations; nil means the embedded
	// ones. Tests replace it to migrate from an older schema.
	migrationFS fs.FS
	// appends batches SQLite's message appends (group commit); nil on
	// PostgreSQL.
	appends *appendBatcher
	// reads holds the prepared hot reads by their SQL (prepared.go),
	// shared with the copies WithClock makes.
	reads *sync.Map
	// borrowed marks a copy made by WithClock: its pools belong to the
	// original, which closes them.
	borrowed bool
}

// Options configures Open.
type Options struct {
	// Driver is "sqlite" (default) or "postgres".
	Driver string
	// DSN is the SQLite file path or the PostgreSQL connection string.
	DSN string
	// ReadConns is the size of the reader pool (default 4). PostgreSQL
	// readers and writers share one pool of twice this size.
	ReadConns int
	// Now replaces the clock in tests.
	Now func() time.Time
}

// Open connects to the database. It does not migrate: call Migrate.
func Open(ctx context.Context, opts Options) (*DB, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.ReadConns <= 0 {
		opts.ReadConns = 4
	}
	switch opts.Driver {
	case "", "sqlite":
		return openSQLite(ctx, opts)
	case "postgres":
		return openPostgres(ctx, opts)
	default:
		return nil, fmt.Errorf("store: unknown driver %q", opts.Driver)
	}
}

// WithClock returns the store with another clock, sharing the original's
// connections: what it writes is stamped with now's times. The demo writes
// its shop's past through it (internal/demo). Its messages skip the
// original's group commit, so a burst of them costs a commit each; on
// SQLite they still queue for the one writer. Closing it does nothing:
// close the original.
func (db *DB) WithClock(now func() time.Time) *DB {
	return &DB{w: db.w, r: db.r, dialect: db.dialect, path: db.path, now: now, migrationFS: db.migrationFS,
		reads: db.reads, borrowed: true}
}

// Close closes both pools.
func (db *DB) Close() error {
	if db.borrowed {
		return nil
	}
	if db.appends != nil {
		db.appends.close()
	}
	db.closeReads()
	err := db.w.Close()
	if db.r != db.w {
		err = errors.Join(err, db.r.Close())
	}
	return err
}

// Ping checks that the database answers, for /readyz.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	return db.r.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// Driver names the database engine: "sqlite" or "postgres".
func (db *DB) Driver() string { return db.dialect.name() }

// tx runs fn in a write transaction and commits it when fn returns nil.
func (db *DB) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

func (db *DB) nowMillis() int64 { return db.now().UnixMilli() }

// nowTime is the clock truncated to what the database keeps (milliseconds),
// so a value returned by a write equals the value read back.
func (db *DB) nowTime() time.Time { return time.UnixMilli(db.now().UnixMilli()) }

func toMillis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}

// notFound turns sql.ErrNoRows into ErrNotFound, wrapped with what was asked.
func notFound(err error, what string, id any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("store: %s %v: %w", what, id, ErrNotFound)
	}
	return fmt.Errorf("store: %s %v: %w", what, id, err)
}
