package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx/v5" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// dialect holds what differs between SQLite and PostgreSQL. Queries share one
// text everywhere else; this file is the only place that knows which engine
// runs.
type dialect interface {
	// name is the driver name and the folder of the dialect's migrations.
	name() string
	isUniqueViolation(err error) bool
	isForeignKeyViolation(err error) bool
	// migrationLock is run first in every migration transaction so that
	// two processes starting at once do not both apply a migration; empty
	// when the transaction itself is exclusive.
	migrationLock() string
	// reserveIDs takes n new ids of table's id column, ascending, for rows
	// the caller inserts with them in the same transaction.
	reserveIDs(ctx context.Context, tx *sql.Tx, table string, n int) ([]int64, error)
	// param is the placeholder of the i-th (1-based) parameter of a
	// statement with many: SQLite looks a $n up among the statement's
	// names, which takes time growing with their number.
	param(i int) string
}

type sqliteDialect struct{}

func (sqliteDialect) name() string { return "sqlite" }

func (sqliteDialect) isUniqueViolation(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

func (sqliteDialect) isForeignKeyViolation(err error) bool {
	return err != nil && strings.Contains(err.Error(), "FOREIGN KEY constraint failed")
}

// SQLite write transactions start with BEGIN IMMEDIATE on the one writer
// connection, so they are exclusive already.
func (sqliteDialect) migrationLock() string { return "" }

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
	db := &DB{w: w, r: r, dialect: sqliteDialect{}, path: opts.DSN, now: opts.Now, reads: &sync.Map{}}
	db.appends = newAppendBatcher(db)
	return db, nil
}

// reserveIDs: a SQLite write transaction holds the database alone, so the
// ids after the largest are free until it commits.
func (sqliteDialect) reserveIDs(ctx context.Context, tx *sql.Tx, table string, n int) ([]int64, error) {
	var top int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM `+table).Scan(&top); err != nil {
		return nil, err
	}
	return consecutive(top+1, n), nil
}

func (sqliteDialect) param(int) string { return "?" }

func consecutive(first int64, n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = first + int64(i)
	}
	return out
}

type postgresDialect struct{}

func (postgresDialect) param(i int) string { return "$" + strconv.Itoa(i) }

// reserveIDs draws the ids from the column's identity sequence, as an
// insert would.
func (postgresDialect) reserveIDs(ctx context.Context, tx *sql.Tx, table string, n int) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT nextval(pg_get_serial_sequence($1, 'id')) FROM generate_series(1, $2)`, table, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]int64, 0, n)
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	slices.Sort(out)
	return out, rows.Err()
}

func (postgresDialect) name() string { return "postgres" }

// PostgreSQL error codes, from the manual's appendix "PostgreSQL Error Codes".
const (
	pgUniqueViolation     = "23505"
	pgForeignKeyViolation = "23503"
)

func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

func (postgresDialect) isUniqueViolation(err error) bool { return pgCode(err) == pgUniqueViolation }

func (postgresDialect) isForeignKeyViolation(err error) bool {
	return pgCode(err) == pgForeignKeyViolation
}

// The key is arbitrary but fixed: the ASCII codes of "xiaoer" side by side.
func (postgresDialect) migrationLock() string {
	return `SELECT pg_advisory_xact_lock(120105097111101114)`
}

// openPostgres connects through pgx's database/sql driver. PostgreSQL locks
// rows itself, so readers and writers share one pool: twice ReadConns.
func openPostgres(ctx context.Context, opts Options) (*DB, error) {
	if opts.DSN == "" {
		return nil, fmt.Errorf("store: postgres needs a connection string")
	}
	p, err := sql.Open("pgx/v5", opts.DSN)
	if err != nil {
		return nil, fmt.Errorf("store: open postgres: %w", err)
	}
	p.SetMaxOpenConns(2 * opts.ReadConns)
	p.SetMaxIdleConns(2 * opts.ReadConns)
	p.SetConnMaxIdleTime(5 * time.Minute)
	if err := p.PingContext(ctx); err != nil {
		p.Close()
		return nil, fmt.Errorf("store: open postgres: %w", err)
	}
	return &DB{w: p, r: p, dialect: postgresDialect{}, now: opts.Now, reads: &sync.Map{}}, nil
}
