package stats

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// The dashboard benchmark: a shop with a year of history (by default 20,000
// conversations; XIAOER_BENCH_CONVERSATIONS=1000000 for the size,
// 20 messages each on average), the job's full rebuild of it, and then the
// dashboard's queries over the last 30 days, the year, and one day by hour.
// XIAOER_BENCH_DB names a file to keep the built database in and reuse.
//
//	XIAOER_BENCH_CONVERSATIONS=1000000 XIAOER_BENCH_DB=/tmp/stats-1m.db \
//	  go test -run '^$' -bench Dashboard -benchtime 20x -timeout 2h ./internal/stats/

const benchDays = 365

// benchEnd is the end of the generated year (the clock of the benchmark).
var benchEnd = time.Date(2025, 12, 31, 20, 0, 0, 0, time.UTC)

func benchSize() int {
	n, err := strconv.Atoi(os.Getenv("XIAOER_BENCH_CONVERSATIONS"))
	if err != nil || n <= 0 {
		return 20000
	}
	return n
}

// benchStore opens (building on first use) the benchmark's database and
// brings its rollups up to date, reporting how long building and the
// rebuild took.
func benchStore(b *testing.B) (*store.DB, *Service, int64) {
	b.Helper()
	n := benchSize()
	path := os.Getenv("XIAOER_BENCH_DB")
	if path == "" {
		path = filepath.Join(b.TempDir(), "bench.db")
	}
	_, statErr := os.Stat(path)
	clk := newClock(benchEnd)
	ctx := context.Background()
	db, err := store.Open(ctx, store.Options{DSN: path, Now: clk.Now})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	start := time.Now()
	res, err := db.Migrate(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if res.From != 0 && res.From != res.To {
		b.Logf("migrated from %d to %d in %v (backup %s)", res.From, res.To, time.Since(start).Round(time.Millisecond), res.Backup)
	}
	shops, err := db.ListShops(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if statErr != nil || len(shops) == 0 {
		start := time.Now()
		if err := generate(ctx, db, path, n); err != nil {
			b.Fatal(err)
		}
		b.Logf("generated %d conversations in %v", n, time.Since(start).Round(time.Second))
		if shops, err = db.ListShops(ctx); err != nil {
			b.Fatal(err)
		}
	}
	// The lease may be a previous run's, as for a single node restarting.
	if err := db.ReleaseStatsLease(ctx, ""); err != nil {
		b.Fatal(err)
	}
	svc := New(Options{Store: db, Now: clk.Now})
	start = time.Now()
	if err := svc.Refresh(ctx); err != nil {
		b.Fatal(err)
	}
	if d := time.Since(start); d > time.Second {
		b.Logf("rollups built in %v (%.0f conversations/s)", d.Round(time.Second), float64(n)/d.Seconds())
	}
	return db, svc, shops[0].ID
}

// generate writes the history with plain SQL in large transactions (the
// store's one-message-at-a-time writes would take hours for 20 million
// messages): a shop, 20 agents in 3 groups, and n conversations spread over
// the year, busier in the day, each with buyer questions, bot replies with
// their explanation, a handoff to an agent for two in five, the agent's
// messages, closing and a rating for some.
func generate(ctx context.Context, db *store.DB, path string, n int) error {
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(OFF)&_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer raw.Close()
	g := &benchGen{rng: rand.New(rand.NewPCG(1, 2)), ctx: ctx}
	if err := g.setup(raw); err != nil {
		return err
	}
	const chunk = 20000
	for done := 0; done < n; done += chunk {
		if err := g.chunk(raw, done, min(chunk, n-done), n); err != nil {
			return err
		}
	}
	return nil
}

type benchGen struct {
	rng    *rand.Rand
	ctx    context.Context
	agents []int64
	st     map[string]*sql.Stmt
	convID int64
}

func (g *benchGen) setup(raw *sql.DB) error {
	ms := benchEnd.UnixMilli()
	stmts := []string{
		`INSERT INTO shops (id, slug, name, timezone, identity_secret, created_at) VALUES (1, 'bench', 'bench', 'Asia/Shanghai', 'x', 0)`,
		`INSERT INTO agent_groups (id, shop_id, name, created_at) VALUES (1, 1, '售前', 0), (2, 1, '售后', 0), (3, 1, 'VIP', 0)`,
	}
	for i := 1; i <= 20; i++ {
		stmts = append(stmts, fmt.Sprintf(`INSERT INTO accounts (id, username, display_name, created_at) VALUES (%d, 'agent%d', '客服%d', 0)`, i, i, i),
			fmt.Sprintf(`INSERT INTO memberships (shop_id, account_id, role, status, created_at) VALUES (1, %d, 'agent', 'online', 0)`, i),
			fmt.Sprintf(`INSERT INTO agent_status_log (shop_id, account_id, status, at) VALUES (1, %d, 'online', %d)`, i, ms-30*86400000))
		g.agents = append(g.agents, int64(i))
	}
	for _, q := range stmts {
		if _, err := raw.ExecContext(g.ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
}

var benchSQL = map[string]string{
	"buyer": `INSERT INTO buyers (id, shop_id, visitor_id, created_at) VALUES ($1, 1, $2, $3)`,
	"conv": `INSERT INTO conversations (id, shop_id, buyer_id, owner, agent_id, group_id, last_seq, created_at, updated_at, closed_at)
VALUES ($1, 1, $2, $3, $4, $5, $6, $7, $8, $9)`,
	"msg": `INSERT INTO messages (shop_id, conversation_id, seq, sender, sender_id, client_id, kind, body, meta, created_at)
VALUES (1, $1, $2, $3, $4, $5, 'text', $6, $7, $8)`,
	"event": `INSERT INTO conversation_events (shop_id, conversation_id, kind, from_owner, to_owner, agent_id, reason, created_at)
VALUES (1, $1, $2, $3, $4, $5, $6, $7)`,
	"service": `INSERT INTO conversation_service (conversation_id, shop_id, rating, rated_at, queued_at, assigned_at, updated_at) VALUES ($1, 1, $2, $3, $4, $5, $6)`,
	"channel": `INSERT INTO conversation_channels (conversation_id, shop_id, channel) VALUES ($1, 1, $2)`,
}

// chunk writes conversations [from, from+count) of total in one
// transaction.
func (g *benchGen) chunk(raw *sql.DB, from, count, total int) error {
	tx, err := raw.BeginTx(g.ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	g.st = map[string]*sql.Stmt{}
	for k, q := range benchSQL {
		if g.st[k], err = tx.PrepareContext(g.ctx, q); err != nil {
			return err
		}
	}
	span := int64(benchDays * 24 * time.Hour / time.Millisecond)
	yearStart := benchEnd.AddDate(0, 0, -benchDays).UnixMilli()
	for i := from; i < from+count; i++ {
		// Conversations in id order through the year, most in the day.
		at := yearStart + span*int64(i)/int64(total)
		day := at - at%86400000
		hour := []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19}[g.rng.IntN(19)]
		at = day + hour*3600000 + g.rng.Int64N(3600000)
		if err := g.conversation(int64(i+1), at); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func (g *benchGen) exec(name string, args ...any) error {
	_, err := g.st[name].ExecContext(g.ctx, args...)
	return err
}

// botMeta is a bot reply's Meta of about the size the bot writes.
func (g *benchGen) botMeta(step string, faq int64) string {
	c := func() int64 { return 1 + g.rng.Int64N(300) }
	return fmt.Sprintf(`{"faq_id":%d,"explain":{"step":%q,"decision":"answer","confidence":0.91,"reason":"the top FAQ is clearly ahead",`+
		`"intent":{"id":"intent%d","category":"presale","priority":4,"confidence":0.8},`+
		`"candidates":[{"faq_id":"%d","question":"发货时间是多久","bm25":0.9,"neighbour":0.8,"classifier":0.7,"fused":0.8},`+
		`{"faq_id":"%d","question":"包邮吗","fused":0.3},{"faq_id":"%d","question":"有赠品吗","fused":0.2}],`+
		`"thresholds":{"answer":0.7,"suggest":0.4,"calibrated":true},"frustration":0}}`, faq, step, faq%20, faq, c(), c())
}

// conversation writes one conversation opened at at (ms).
func (g *benchGen) conversation(id, at int64) error {
	rng := g.rng
	if err := g.exec("buyer", id, "v"+strconv.FormatInt(id, 10), at); err != nil {
		return err
	}
	seq := int64(0)
	t := at
	msg := func(sender string, senderID int64, client, body, meta string) (int64, error) {
		seq++
		res, err := g.st["msg"].ExecContext(g.ctx, id, seq, sender, senderID, client, body, meta, t)
		if err != nil {
			return 0, err
		}
		return res.LastInsertId()
	}
	if err := g.exec("event", id, "opened", "", "bot", 0, "buyer", at); err != nil {
		return err
	}
	if _, err := msg("bot", 0, "welcome", "亲，欢迎光临", `{"explain":{"step":"welcome","detail":"welcome"}}`); err != nil {
		return err
	}
	human := rng.Float64() < 0.4
	turns := 7 + rng.IntN(6)
	if human {
		turns = 4 + rng.IntN(4)
	}
	for k := 0; k < turns; k++ {
		t += 5000 + rng.Int64N(60000)
		bid, err := msg("buyer", id, "b"+strconv.Itoa(k), "请问这个多久能发货", "")
		if err != nil {
			return err
		}
		t += 300 + rng.Int64N(2000)
		step, faq := "faq", 1+rng.Int64N(300)
		switch p := rng.Float64(); {
		case p < 0.15:
			step = "fallback"
		case p < 0.25:
			step = "choices"
		case p < 0.3:
			step = "smalltalk"
		}
		if _, err := msg("bot", 0, "bot-"+strconv.FormatInt(bid, 10), "亲，下单后48小时内发货", g.botMeta(step, faq)); err != nil {
			return err
		}
	}
	owner, agent, group, queued, assigned := "closed", int64(0), int64(0), int64(0), int64(0)
	if human {
		group = 1 + rng.Int64N(3)
		agent = g.agents[rng.IntN(len(g.agents))]
		t += 1000
		queued = t
		if err := g.exec("event", id, "owner", "bot", "queue", 0, "human_request", t); err != nil {
			return err
		}
		t += 5000 + rng.Int64N(300000)
		assigned = t
		if err := g.exec("event", id, "assigned", "queue", "agent", agent, "assigned", t); err != nil {
			return err
		}
		for k := 0; k < 6+rng.IntN(7); k++ {
			t += 10000 + rng.Int64N(90000)
			sender, sid := "agent", agent
			if k%2 == 1 {
				sender, sid = "buyer", id
			}
			if _, err := msg(sender, sid, fmt.Sprintf("h%d", k), "好的亲，这边帮您处理", ""); err != nil {
				return err
			}
		}
	}
	t += 60000 + rng.Int64N(600000)
	closed := t
	if err := g.exec("event", id, "owner", map[bool]string{true: "agent", false: "bot"}[human], "closed", 0, "idle", t); err != nil {
		return err
	}
	rating, rated := int64(0), int64(0)
	if rng.Float64() < 0.3 {
		rating, rated = 1+rng.Int64N(5), t+30000
	}
	if err := g.exec("service", id, rating, rated, queued, assigned, t); err != nil {
		return err
	}
	if err := g.exec("channel", id, []string{"web", "mobile"}[rng.IntN(2)]); err != nil {
		return err
	}
	return g.exec("conv", id, id, owner, 0, group, seq, at, t, closed)
}

// BenchmarkDashboard measures what the dashboard asks for, on the
// benchmark's history with its rollups built. The reports over the year
// are also read day by day ("days/..."), as before the monthly rollup.
func BenchmarkDashboard(b *testing.B) {
	db, svc, shop := benchStore(b)
	days := New(Options{Store: db, Now: svc.now})
	days.months = false
	ctx := context.Background()
	loc := location("Asia/Shanghai")
	last30 := benchFilter(b, loc, "from=2025-12-02&to=2025-12-31")
	year := benchFilter(b, loc, "from=2025-01-01&to=2025-12-31")
	day := benchFilter(b, loc, "from=2025-12-30&to=2025-12-30&granularity=hour")
	queries := []struct {
		name string
		run  func() error
	}{
		{"overview/30d", func() error { _, err := svc.Overview(ctx, shop, last30); return err }},
		{"conversations/30d", func() error { _, err := svc.Series(ctx, shop, "conversations", last30); return err }},
		{"bot/30d", func() error { _, err := svc.Series(ctx, shop, "bot", last30); return err }},
		{"satisfaction/30d", func() error { _, err := svc.Series(ctx, shop, "satisfaction", last30); return err }},
		{"times/30d", func() error { _, err := svc.Series(ctx, shop, "times", last30); return err }},
		{"handoffs/30d", func() error { _, err := svc.Handoffs(ctx, shop, last30); return err }},
		{"agents/30d", func() error { _, err := svc.Agents(ctx, shop, last30); return err }},
		{"intents/30d", func() error { _, err := svc.Intents(ctx, shop, last30); return err }},
		{"faqs/30d", func() error { _, err := svc.FAQs(ctx, shop, last30, nil); return err }},
		{"live", func() error { _, err := svc.Live(ctx, shop); return err }},
		{"overview/year", func() error { _, err := svc.Overview(ctx, shop, year); return err }},
		{"conversations/year", func() error { _, err := svc.Series(ctx, shop, "conversations", year); return err }},
		{"faqs/year", func() error { _, err := svc.FAQs(ctx, shop, year, nil); return err }},
		{"intents/year", func() error { _, err := svc.Intents(ctx, shop, year); return err }},
		{"handoffs/year", func() error { _, err := svc.Handoffs(ctx, shop, year); return err }},
		{"agents/year", func() error { _, err := svc.Agents(ctx, shop, year); return err }},
		{"days/overview/year", func() error { _, err := days.Overview(ctx, shop, year); return err }},
		{"days/faqs/year", func() error { _, err := days.FAQs(ctx, shop, year, nil); return err }},
		{"days/intents/year", func() error { _, err := days.Intents(ctx, shop, year); return err }},
		{"days/handoffs/year", func() error { _, err := days.Handoffs(ctx, shop, year); return err }},
		{"days/agents/year", func() error { _, err := days.Agents(ctx, shop, year); return err }},
		{"conversations/day-by-hour", func() error { _, err := svc.Series(ctx, shop, "conversations", day); return err }},
	}
	// The dashboard page: everything it loads for the last 30 days.
	page := func() error {
		for _, q := range queries[:10] {
			if err := q.run(); err != nil {
				return err
			}
		}
		return nil
	}
	for _, q := range append(queries, struct {
		name string
		run  func() error
	}{"page/30d", page}) {
		b.Run(q.name, func(b *testing.B) {
			for b.Loop() {
				if err := q.run(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/op")
		})
	}
}

func benchFilter(b *testing.B, loc *time.Location, q string) Filter {
	b.Helper()
	v, _ := url.ParseQuery(q)
	f, err := ParseFilter(v, benchEnd, loc)
	if err != nil {
		b.Fatal(err)
	}
	return f
}

// BenchmarkPrune deletes the history's unanswered questions older than the
// shortest retention (30 days: eleven months of the year, or five when the
// rollups were built with the default retention of 180 days), as the job's
// hourly round does after the retention was shortened, and reports how many
// went and how fast. It changes the database: with XIAOER_BENCH_DB, run it
// after the dashboard.
//
//	XIAOER_BENCH_CONVERSATIONS=1000000 XIAOER_BENCH_DB=/tmp/stats-1m.db \
//	  go test -run '^$' -bench Prune -benchtime 1x -timeout 2h ./internal/stats/
func BenchmarkPrune(b *testing.B) {
	_, svc, shop := benchStore(b)
	ctx := context.Background()
	if err := svc.PutSettings(ctx, shop, Settings{UnansweredDays: MinUnansweredDays}); err != nil {
		b.Fatal(err)
	}
	var pruned int
	for b.Loop() {
		n, err := svc.prune(ctx, shop)
		if err != nil {
			b.Fatal(err)
		}
		pruned += n
	}
	b.ReportMetric(float64(pruned), "questions")
	b.ReportMetric(float64(pruned)/b.Elapsed().Seconds(), "questions/s")
}
