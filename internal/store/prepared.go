package store

import (
	"context"
	"database/sql"
)

// readStmt returns query prepared on the reader pool (database/sql prepares
// it on each connection the first time it runs there), or nil when it
// cannot be prepared. Hot reads use it: parsing is most of a small
// SQLite query's time.
func (db *DB) readStmt(ctx context.Context, query string) *sql.Stmt {
	if s, ok := db.reads.Load(query); ok {
		return s.(*sql.Stmt)
	}
	s, err := db.r.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	if prev, loaded := db.reads.LoadOrStore(query, s); loaded {
		s.Close()
		return prev.(*sql.Stmt)
	}
	return s
}

// readRow runs a one-row read through a prepared statement.
func (db *DB) readRow(ctx context.Context, query string, args ...any) *sql.Row {
	if s := db.readStmt(ctx, query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return db.r.QueryRowContext(ctx, query, args...)
}

// readRows runs a read through a prepared statement.
func (db *DB) readRows(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s := db.readStmt(ctx, query); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return db.r.QueryContext(ctx, query, args...)
}

// closeReads closes the prepared reads.
func (db *DB) closeReads() {
	db.reads.Range(func(k, s any) bool {
		s.(*sql.Stmt).Close()
		db.reads.Delete(k)
		return true
	})
}
