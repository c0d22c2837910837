package store_test

import (
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
	"github.com/xiaoer-cs/xiaoer/internal/store/storetest"
)

func TestSQLite(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) store.Store { return openSQLite(t, now) })
}

// openSQLite opens a migrated SQLite store in a fresh directory.
func openSQLite(t *testing.T, now func() time.Time) *store.DB {
	t.Helper()
	db := openFile(t, filepath.Join(t.TempDir(), "xiaoer.db"), now)
	if _, err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return db
}

// openFile opens path without migrating it.
func openFile(t *testing.T, path string, now func() time.Time) *store.DB {
	t.Helper()
	db, err := store.Open(t.Context(), store.Options{DSN: path, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// fixedClock is a clock that does not move.
func fixedClock() time.Time { return time.Date(2025, 3, 1, 9, 30, 0, 0, time.UTC) }

// rawSQL opens the file with the bare driver, to look at or tamper with what
// the store made.
func rawSQL(t *testing.T, path string) *sql.DB {
	t.Helper()
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return raw
}

func queryInt(t *testing.T, db *sql.DB, q string) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(t.Context(), q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func TestOpenErrors(t *testing.T) {
	tests := []struct {
		name string
		opts store.Options
	}{
		{"unknown driver", store.Options{Driver: "mysql", DSN: "x"}},
		{"sqlite without a path", store.Options{Driver: "sqlite"}},
		{"postgres without a DSN", store.Options{Driver: "postgres"}},
		{"sqlite in a missing directory", store.Options{DSN: filepath.Join(t.TempDir(), "no", "such", "dir", "x.db")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := store.Open(t.Context(), tt.opts)
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded, want an error")
			}
		})
	}
}

func TestMigrateFresh(t *testing.T) {
	path := filepath.Join(t.TempDir(), "xiaoer.db")
	db := openFile(t, path, fixedClock)
	if db.Driver() != "sqlite" {
		t.Errorf("Driver() = %q, want sqlite", db.Driver())
	}
	latest := db.LatestSchema()
	if latest < 1 {
		t.Fatalf("LatestSchema() = %d, want at least 1", latest)
	}
	v, err := db.SchemaVersion(t.Context())
	if err != nil || v != 0 {
		t.Fatalf("SchemaVersion of a new database = %d, %v; want 0", v, err)
	}
	res, err := db.Migrate(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	// A new database has nothing to lose: no backup.
	if diff := cmp.Diff(store.MigrateResult{From: 0, To: latest}, res); diff != "" {
		t.Errorf("Migrate (-want +got):\n%s", diff)
	}
	if v, err := db.SchemaVersion(t.Context()); err != nil || v != latest {
		t.Fatalf("SchemaVersion after Migrate = %d, %v; want %d", v, err, latest)
	}

	t.Run("again is a no-op", func(t *testing.T) {
		shop, err := db.CreateShop(t.Context(), model.Shop{Slug: "s", Name: "S"})
		if err != nil {
			t.Fatal(err)
		}
		res, err := db.Migrate(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(store.MigrateResult{From: latest, To: latest}, res); diff != "" {
			t.Errorf("second Migrate (-want +got):\n%s", diff)
		}
		if got, err := db.GetShop(t.Context(), shop.ID); err != nil || got.Slug != "s" {
			t.Errorf("data after a second Migrate: %+v, %v", got, err)
		}
		rows := queryInt(t, rawSQL(t, path), `SELECT COUNT(*) FROM schema_migrations`)
		if rows != latest {
			t.Errorf("schema_migrations holds %d rows, want %d", rows, latest)
		}
		assertNoBackups(t, path)
	})
}

func assertNoBackups(t *testing.T, path string) {
	t.Helper()
	matches, err := filepath.Glob(path + ".pre-*")
	if err != nil {
		t.Fatal(err)
	}
	if len(matches) != 0 {
		t.Errorf("unexpected backups %v", matches)
	}
}

func TestMigrateRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "xiaoer.db")
	db := openFile(t, path, fixedClock)
	if _, err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	shop, err := db.CreateShop(t.Context(), model.Shop{Slug: "s", Name: "S"})
	if err != nil {
		t.Fatal(err)
	}
	// A newer xiaoer migrated this database further.
	newer := db.LatestSchema() + 1
	if _, err := rawSQL(t, path).ExecContext(t.Context(),
		`INSERT INTO schema_migrations (version, applied_at) VALUES ($1, 0)`, newer); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"running store", "fresh start"} {
		t.Run(name, func(t *testing.T) {
			d := db
			if name == "fresh start" {
				d = openFile(t, path, fixedClock)
			}
			res, err := d.Migrate(t.Context())
			if !errors.Is(err, store.ErrSchemaTooNew) {
				t.Fatalf("Migrate = %+v, %v; want ErrSchemaTooNew", res, err)
			}
			if res.From != newer || res.To != newer {
				t.Errorf("MigrateResult = %+v, want From = To = %d", res, newer)
			}
		})
	}
	assertNoBackups(t, path)
	if got, err := db.GetShop(t.Context(), shop.ID); err != nil || got.Slug != "s" {
		t.Errorf("data after a refused Migrate: %+v, %v", got, err)
	}
}

// migrationsUpTo returns the embedded SQLite migrations 1..n plus extra
// files, as a file system for store.SetMigrations.
func migrationsUpTo(t *testing.T, n int, extra map[string]string) fs.FS {
	t.Helper()
	embedded, err := store.MigrationFiles("sqlite")
	if err != nil {
		t.Fatal(err)
	}
	entries, err := fs.ReadDir(embedded, ".")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) < n {
		t.Fatalf("only %d embedded migrations, want %d", len(entries), n)
	}
	out := fstest.MapFS{}
	for _, e := range entries[:n] {
		body, err := fs.ReadFile(embedded, e.Name())
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = &fstest.MapFile{Data: body}
	}
	for name, body := range extra {
		out[name] = &fstest.MapFile{Data: []byte(body)}
	}
	return out
}

// TestMigrateBacksUpOlderDatabase builds a database with the embedded
// migrations, then migrates it with one more, as the next release will.
func TestMigrateBacksUpOlderDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "xiaoer.db")
	old := openFile(t, path, fixedClock)
	latest := old.LatestSchema()
	if _, err := old.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := old.CreateShop(t.Context(), model.Shop{Slug: "old", Name: "Old"}); err != nil {
		t.Fatal(err)
	}
	old.Close()

	next := openFile(t, path, fixedClock)
	store.SetMigrations(next, migrationsUpTo(t, latest, map[string]string{
		fmt.Sprintf("%04d_shop_note.sql", latest+1): "ALTER TABLE shops ADD COLUMN note TEXT NOT NULL DEFAULT '';\nUPDATE shops SET note = 'migrated';",
	}))
	res, err := next.Migrate(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if res.From != latest || res.To != latest+1 || res.Backup == "" {
		t.Fatalf("Migrate = %+v, want From %d To %d and a backup", res, latest, latest+1)
	}
	if filepath.Dir(res.Backup) != filepath.Dir(path) || !strings.HasPrefix(filepath.Base(res.Backup), "xiaoer.db.pre-v") {
		t.Errorf("backup %s is not beside %s", res.Backup, path)
	}

	raw := rawSQL(t, path)
	if n := queryInt(t, raw, `SELECT COUNT(*) FROM shops WHERE note = 'migrated'`); n != 1 {
		t.Errorf("migrated database: %d shops with the new column set, want 1", n)
	}
	backup := rawSQL(t, res.Backup)
	if v := queryInt(t, backup, `SELECT MAX(version) FROM schema_migrations`); v != latest {
		t.Errorf("backup schema version %d, want %d", v, latest)
	}
	if n := queryInt(t, backup, `SELECT COUNT(*) FROM shops WHERE slug = 'old'`); n != 1 {
		t.Errorf("backup holds %d shops 'old', want 1", n)
	}
	if _, err := backup.ExecContext(t.Context(), `SELECT note FROM shops`); err == nil {
		t.Error("the backup has the new column: it was taken after migrating")
	}
}

func TestMigrateFailureRollsBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "xiaoer.db")
	db := openFile(t, path, fixedClock)
	latest := db.LatestSchema()
	if _, err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	store.SetMigrations(db, migrationsUpTo(t, latest, map[string]string{
		fmt.Sprintf("%04d_broken.sql", latest+1): "ALTER TABLE shops ADD COLUMN half TEXT;\nSELECT nope FROM no_such_table;",
	}))
	if _, err := db.Migrate(t.Context()); err == nil {
		t.Fatal("a broken migration succeeded")
	}
	if v, err := db.SchemaVersion(t.Context()); err != nil || v != latest {
		t.Errorf("SchemaVersion after a failed migration = %d, %v; want %d", v, err, latest)
	}
	if _, err := rawSQL(t, path).ExecContext(t.Context(), `SELECT half FROM shops`); err == nil {
		t.Error("the failed migration's first statement was kept")
	}
}

func TestMigrationFiles(t *testing.T) {
	t.Run("bad sets are refused", func(t *testing.T) {
		tests := []struct {
			name  string
			files fstest.MapFS
		}{
			{"gap", fstest.MapFS{"0001_a.sql": {Data: []byte("SELECT 1;")}, "0003_c.sql": {Data: []byte("SELECT 1;")}}},
			{"no number", fstest.MapFS{"init.sql": {Data: []byte("SELECT 1;")}}},
			{"not sql", fstest.MapFS{"0001_a.txt": {Data: []byte("SELECT 1;")}}},
			{"twice one number", fstest.MapFS{"0001_a.sql": {Data: []byte("SELECT 1;")}, "0001_b.sql": {Data: []byte("SELECT 1;")}}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				db := openFile(t, filepath.Join(t.TempDir(), "x.db"), fixedClock)
				store.SetMigrations(db, tt.files)
				if _, err := db.Migrate(t.Context()); err == nil {
					t.Fatal("Migrate accepted a bad set of migrations")
				}
				if v, _ := db.SchemaVersion(t.Context()); v != 0 {
					t.Errorf("SchemaVersion = %d after a refused set, want 0", v)
				}
			})
		}
	})

	// The dialects' migrations are twins: same numbers, same names.
	t.Run("dialects match", func(t *testing.T) {
		names := func(dialect string) []string {
			fsys, err := store.MigrationFiles(dialect)
			if err != nil {
				t.Fatal(err)
			}
			entries, err := fs.ReadDir(fsys, ".")
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, e := range entries {
				out = append(out, e.Name())
			}
			return out
		}
		if diff := cmp.Diff(names("sqlite"), names("postgres")); diff != "" {
			t.Errorf("migrations differ (-sqlite +postgres):\n%s", diff)
		}
	})
}

// TestBackupWhileWriting takes a backup while messages are being appended:
// the copy opens, passes an integrity check and is one consistent moment.
func TestBackupWhileWriting(t *testing.T) {
	dir := t.TempDir()
	db := openFile(t, filepath.Join(dir, "xiaoer.db"), fixedClock)
	if _, err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	shop, err := db.CreateShop(ctx, model.Shop{Slug: "s", Name: "S"})
	if err != nil {
		t.Fatal(err)
	}
	buyer, err := db.EnsureVisitor(ctx, shop.ID, "v")
	if err != nil {
		t.Fatal(err)
	}
	conv, err := db.CreateConversation(ctx, shop.ID, buyer.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	send := func(i int) error {
		_, _, err := db.AppendMessage(ctx, model.Message{ShopID: shop.ID, ConversationID: conv.ID,
			Sender: model.SenderBuyer, SenderID: buyer.ID, ClientID: fmt.Sprint(i), Body: strings.Repeat("x", 200)})
		return err
	}
	const before = 300
	for i := range before {
		if err := send(i); err != nil {
			t.Fatal(err)
		}
	}

	var stop atomic.Bool
	var wg sync.WaitGroup
	running := make(chan struct{}) // closed once the writer is well under way
	wg.Go(func() {
		defer func() {
			select {
			case <-running:
			default:
				close(running)
			}
		}()
		for i := before; !stop.Load() && i < before+100000; i++ {
			if err := send(i); err != nil {
				t.Errorf("append during backup: %v", err)
				return
			}
			if i == before+20 {
				close(running)
			}
		}
	})
	<-running
	path := filepath.Join(dir, "copy.db")
	backupErr := db.Backup(ctx, path)
	stop.Store(true)
	wg.Wait()
	if backupErr != nil {
		t.Fatal(backupErr)
	}
	if err := db.Backup(ctx, path); err == nil {
		t.Error("Backup over an existing file succeeded")
	}

	raw := rawSQL(t, path)
	var check string
	if err := raw.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check of the backup = %q, %v", check, err)
	}
	copyDB := openFile(t, path, fixedClock)
	if res, err := copyDB.Migrate(ctx); err != nil || res.From != copyDB.LatestSchema() {
		t.Fatalf("backup schema: %+v, %v", res, err)
	}
	c, err := copyDB.GetConversation(ctx, shop.ID, conv.ID)
	if err != nil {
		t.Fatal(err)
	}
	n := queryInt(t, raw, `SELECT COUNT(*) FROM messages`)
	maxSeq := queryInt(t, raw, `SELECT MAX(seq) FROM messages`)
	if n < before+20 || int64(n) != c.LastSeq || maxSeq != n {
		t.Errorf("backup holds %d messages, max seq %d, conversation last seq %d; want at least %d, all equal",
			n, maxSeq, c.LastSeq, before+20)
	}
}
