package store_test

import (
	"context"
	"database/sql"
	"io/fs"
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// migrationsBefore returns a dialect's embedded migrations up to (not
// including) the one named name.
func migrationsBefore(t *testing.T, dialect, name string) fs.FS {
	t.Helper()
	embedded, err := store.MigrationFiles(dialect)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := fs.ReadDir(embedded, ".")
	if err != nil {
		t.Fatal(err)
	}
	out := fstest.MapFS{}
	for _, e := range entries {
		if e.Name() == name {
			return out
		}
		body, err := fs.ReadFile(embedded, e.Name())
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = &fstest.MapFile{Data: body}
	}
	t.Fatalf("no migration %s", name)
	return nil
}

// checkMonthlyBackfill builds db at the schema before 0008 with daily
// rollups on days at the edges of months and years, migrates it, and
// checks that the new monthly rollup holds the days' sums by month.
func checkMonthlyBackfill(t *testing.T, db *store.DB, raw *sql.DB, dialect string) {
	ctx := context.Background()
	store.SetMigrations(db, migrationsBefore(t, dialect, "0008_stats_rollups.sql"))
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	shop, err := db.CreateShop(ctx, model.Shop{Slug: "m", Name: "M", Timezone: "Asia/Shanghai"})
	if err != nil {
		t.Fatal(err)
	}
	day := func(y int, m time.Month, d int) int64 { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400 }
	cells := []struct {
		day              int64
		metric, item, ch string
		n, total         int64
	}{
		{day(1969, 12, 31), "conv", "", "web", 1, 0},
		{day(2024, 1, 31), "conv", "", "web", 2, 0},
		{day(2024, 2, 1), "conv", "", "web", 3, 0},
		{day(2024, 2, 29), "conv", "", "web", 4, 0},
		{day(2024, 2, 29), "faq_volume", "101", "mobile", 5, 0},
		{day(2024, 12, 31), "first_bot", "", "web", 6, 6000},
		{day(2025, 1, 1), "first_bot", "", "web", 7, 7000},
		{day(2025, 1, 31), "first_bot", "", "web", 8, 8000},
		{day(2025, 1, 15), "conv", "", "web", 0, 0}, // an emptied cell: no monthly row
	}
	for _, c := range cells {
		if _, err := raw.ExecContext(ctx, `INSERT INTO stats_daily (shop_id, bucket, metric, item, channel, group_id, agent_id, n, total)
VALUES ($1, $2, $3, $4, $5, 0, 0, $6, $7)`, shop.ID, c.day, c.metric, c.item, c.ch, c.n, c.total); err != nil {
			t.Fatal(err)
		}
	}
	all, err := store.MigrationFiles(dialect)
	if err != nil {
		t.Fatal(err)
	}
	store.SetMigrations(db, all)
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	month := func(y int, m time.Month) int64 { return int64(y-1970)*12 + int64(m) - 1 }
	got, err := db.StatsSums(ctx, store.StatsQuery{ShopID: shop.ID,
		Spans: []store.StatsSpan{{Unit: store.StatsMonth, From: -12, To: month(2026, 1)}}, By: []string{"bucket", "item", "channel"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []store.StatsRow{
		{Metric: "conv", Bucket: -1, Channel: "web", N: 1},
		{Metric: "conv", Bucket: month(2024, 1), Channel: "web", N: 2},
		{Metric: "conv", Bucket: month(2024, 2), Channel: "web", N: 7},
		{Metric: "faq_volume", Bucket: month(2024, 2), Item: "101", Channel: "mobile", N: 5},
		{Metric: "first_bot", Bucket: month(2024, 12), Channel: "web", N: 6, Total: 6000},
		{Metric: "first_bot", Bucket: month(2025, 1), Channel: "web", N: 15, Total: 15000},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("monthly rollup after migrating (-want +got):\n%s", d)
	}
	var rows int
	if err := raw.QueryRowContext(ctx, `SELECT COUNT(*) FROM stats_monthly`).Scan(&rows); err != nil || rows != len(want) {
		t.Errorf("stats_monthly holds %d rows (%v), want %d", rows, err, len(want))
	}
}

func TestMigrateMonthlyBackfillSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "xiaoer.db")
	checkMonthlyBackfill(t, openFile(t, path, fixedClock), rawSQL(t, path), "sqlite")
}

func TestMigrateMonthlyBackfillPostgres(t *testing.T) {
	dsn := freshSchema(t, postgresDSN(t))
	raw, err := sql.Open("pgx/v5", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	checkMonthlyBackfill(t, openPostgres(t, dsn, fixedClock), raw, "postgres")
}
