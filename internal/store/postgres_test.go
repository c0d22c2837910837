package store_test

import (
	"crypto/rand"
	"database/sql"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
	"github.com/xiaoer-cs/xiaoer/internal/store/storetest"
)

// postgresEnv names the DSN of a PostgreSQL server the tests may create
// schemas in, e.g. "host=/tmp port=55432 user=xiaoer dbname=postgres".
// scripts/test-postgres.sh starts a throwaway server and sets it.
const postgresEnv = "XIAOER_TEST_POSTGRES"

func postgresDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv(postgresEnv)
	if dsn == "" {
		t.Skipf("set %s to a PostgreSQL connection string to run the store suite on PostgreSQL (scripts/test-postgres.sh does)", postgresEnv)
	}
	return dsn
}

// freshSchema creates an empty schema, drops it when the test ends and
// returns a DSN whose connections use it.
func freshSchema(t *testing.T, dsn string) string {
	t.Helper()
	admin, err := sql.Open("pgx/v5", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	name := "xt_" + strings.ToLower(rand.Text())
	if _, err := admin.ExecContext(t.Context(), "CREATE SCHEMA "+name); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		// t.Context is done by now.
		if _, err := admin.Exec("DROP SCHEMA " + name + " CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", name, err)
		}
	})
	if strings.Contains(dsn, "://") {
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		return dsn + sep + "search_path=" + name
	}
	return dsn + " search_path=" + name
}

func openPostgres(t *testing.T, dsn string, now func() time.Time) *store.DB {
	t.Helper()
	db, err := store.Open(t.Context(), store.Options{Driver: "postgres", DSN: dsn, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	// Registered after freshSchema's cleanup, so it runs before the drop.
	t.Cleanup(func() { db.Close() })
	return db
}

func TestPostgres(t *testing.T) {
	dsn := postgresDSN(t)
	storetest.Run(t, func(t *testing.T, now func() time.Time) store.Store {
		db := openPostgres(t, freshSchema(t, dsn), now)
		if _, err := db.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		return db
	})
}

func TestPostgresMigrate(t *testing.T) {
	dsn := freshSchema(t, postgresDSN(t))
	db := openPostgres(t, dsn, fixedClock)
	if db.Driver() != "postgres" {
		t.Errorf("Driver() = %q, want postgres", db.Driver())
	}
	latest := db.LatestSchema()

	// Several nodes start at once on an empty database: each migration is
	// applied once and every node ends at the latest schema.
	const nodes = 4
	var wg sync.WaitGroup
	errs := make([]error, nodes)
	for i := range nodes {
		node := openPostgres(t, dsn, fixedClock)
		wg.Go(func() { _, errs[i] = node.Migrate(t.Context()) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("node %d: Migrate: %v", i, err)
		}
	}
	if v, err := db.SchemaVersion(t.Context()); err != nil || v != latest {
		t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, latest)
	}
	res, err := db.Migrate(t.Context())
	if err != nil || res != (store.MigrateResult{From: latest, To: latest}) {
		t.Errorf("Migrate again = %+v, %v; want a no-op at %d", res, err, latest)
	}

	if _, err := db.CreateShop(t.Context(), model.Shop{Slug: "s", Name: "S"}); err != nil {
		t.Fatal(err)
	}
	if err := db.Backup(t.Context(), t.TempDir()+"/x.db"); err == nil || !strings.Contains(err.Error(), "pg_dump") {
		t.Errorf("Backup on PostgreSQL = %v, want an error that points to pg_dump", err)
	}

	raw, err := sql.Open("pgx/v5", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.ExecContext(t.Context(), `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, 0)`, latest+1); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(t.Context()); !errors.Is(err, store.ErrSchemaTooNew) {
		t.Errorf("Migrate of a newer schema = %v, want ErrSchemaTooNew", err)
	}
}
