package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations
var migrationFiles embed.FS // migrations/<dialect>/NNNN_what.sql

// ErrSchemaTooNew is returned by Migrate when the database was written by a
// newer xiaoer: running an older binary on it could corrupt data.
var ErrSchemaTooNew = errors.New("database schema is newer than this binary")

type migration struct {
	version int
	name    string
	sql     string
}

// migrations lists the dialect's migrations, in order: files named
// NNNN_what.sql, numbered from 1 without gaps.
func (db *DB) migrations() ([]migration, error) {
	fsys := db.migrationFS
	if fsys == nil {
		sub, err := fs.Sub(migrationFiles, "migrations/"+db.dialect.name())
		if err != nil {
			return nil, err
		}
		fsys = sub
	}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("store: read migrations: %w", err)
	}
	var out []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			return nil, fmt.Errorf("store: bad migration file name %q", e.Name())
		}
		body, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: e.Name(), sql: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i, m := range out {
		if m.version != i+1 {
			return nil, fmt.Errorf("store: migration %s out of sequence", m.name)
		}
	}
	return out, nil
}

// LatestSchema is the schema version this binary writes.
func (db *DB) LatestSchema() int {
	ms, err := db.migrations()
	if err != nil {
		return 0
	}
	return len(ms)
}

// SchemaVersion reads the version the database is at (0 for a new one).
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := db.tx(ctx, func(tx *sql.Tx) error {
		// Under the migration lock: two PostgreSQL clients creating the
		// table at once can fail on the catalog's unique index.
		if lock := db.dialect.migrationLock(); lock != "" {
			if _, err := tx.ExecContext(ctx, lock); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	})
	if err != nil {
		return 0, fmt.Errorf("store: schema version: %w", err)
	}
	return v, nil
}

// MigrateResult says what Migrate did.
type MigrateResult struct {
	From, To int
	// Backup is the path of the copy taken before migrating, if any.
	Backup string
}

// Migrate applies the pending migrations, each in its own transaction. Before
// changing an existing SQLite database it copies it beside the original. It
// refuses a database whose schema is newer than the binary.
func (db *DB) Migrate(ctx context.Context) (MigrateResult, error) {
	ms, err := db.migrations()
	if err != nil {
		return MigrateResult{}, err
	}
	cur, err := db.SchemaVersion(ctx)
	if err != nil {
		return MigrateResult{}, err
	}
	res := MigrateResult{From: cur, To: cur}
	if cur > len(ms) {
		return res, fmt.Errorf("store: schema %d, binary knows %d: %w", cur, len(ms), ErrSchemaTooNew)
	}
	if cur == len(ms) {
		return res, nil
	}
	if cur > 0 && db.path != "" {
		res.Backup = fmt.Sprintf("%s.pre-v%d-%s.bak", db.path, len(ms), db.nowTime().UTC().Format("20060102T150405"))
		if err := db.Backup(ctx, res.Backup); err != nil {
			return res, fmt.Errorf("store: backup before migrating: %w", err)
		}
	}
	for _, m := range ms[cur:] {
		err := db.tx(ctx, func(tx *sql.Tx) error {
			if lock := db.dialect.migrationLock(); lock != "" {
				if _, err := tx.ExecContext(ctx, lock); err != nil {
					return err
				}
			}
			// Another process may have applied it while we waited for the lock.
			var done int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = $1`, m.version).Scan(&done); err != nil {
				return err
			}
			if done > 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`,
				m.version, db.nowMillis())
			return err
		})
		if err != nil {
			return res, fmt.Errorf("store: migration %s: %w", m.name, err)
		}
		res.To = m.version
	}
	return res, nil
}

// Backup writes a consistent copy of the SQLite database to path while the
// database stays in use (VACUUM INTO runs as one read transaction).
func (db *DB) Backup(ctx context.Context, path string) error {
	if db.path == "" {
		return fmt.Errorf("store: backup is for SQLite; use pg_dump for PostgreSQL")
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("store: backup %s: file exists", path)
	}
	if _, err := db.r.ExecContext(ctx, `VACUUM INTO $1`, path); err != nil {
		return fmt.Errorf("store: backup %s: %w", path, err)
	}
	return nil
}
