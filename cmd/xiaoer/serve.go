package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/xiaoer-cs/xiaoer/internal/auth"
	"github.com/xiaoer-cs/xiaoer/internal/bot"
	"github.com/xiaoer-cs/xiaoer/internal/bus"
	"github.com/xiaoer-cs/xiaoer/internal/chat"
	"github.com/xiaoer-cs/xiaoer/internal/commerce"
	"github.com/xiaoer-cs/xiaoer/internal/config"
	"github.com/xiaoer-cs/xiaoer/internal/demo"
	"github.com/xiaoer-cs/xiaoer/internal/hub"
	"github.com/xiaoer-cs/xiaoer/internal/kb"
	"github.com/xiaoer-cs/xiaoer/internal/notify"
	"github.com/xiaoer-cs/xiaoer/internal/route"
	"github.com/xiaoer-cs/xiaoer/internal/server"
	"github.com/xiaoer-cs/xiaoer/internal/stats"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// visitorKeySetting keeps the generated key that signs visitor tokens, in
// the database so that every node of a deployment shares it.
const visitorKeySetting = "visitor_token_key"

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	cfg, err := config.Parse(fs, args, getenv)
	if errors.Is(err, flag.ErrHelp) {
		printSettings(stdout)
		return nil
	}
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	db, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()

	key, err := visitorKey(ctx, cfg, db)
	if err != nil {
		return err
	}
	node := nodeName()
	broker, closeBus, err := newBroker(cfg, node, log)
	if err != nil {
		return err
	}
	defer closeBus()
	h := hub.New()
	broker.Subscribe(h.Handle)
	chats := chat.New(chat.Options{Store: db, Bus: broker, Logger: log, MaxMessage: cfg.MaxMessage, Node: node})
	packs, err := kb.BuiltinPacks()
	if err != nil {
		return err
	}
	engines := kb.NewEngines(db, log, nil)
	broker.Subscribe(engines.Handle)
	knowledge := kb.New(kb.Options{Store: db, Bus: broker, Engines: engines, Packs: packs, Logger: log})
	data := commerce.New(commerce.Options{Store: db, Logger: log, Node: node, SingleNode: cfg.NATSURL == ""})
	// The router drains queues on this node's events and sweeps the timers
	// (escalation, agent silence, idle close) from the store.
	router := route.New(route.Options{Store: db, Chat: chats, Bus: broker, Logger: log, Node: node})
	broker.Subscribe(router.Handle)
	// Agents are online while a workbench socket of theirs is open on some
	// node: leases renewed by their node, swept by every node.
	presence := route.NewPresence(route.PresenceOptions{Store: db, Route: router, Chat: chats, Logger: log, Node: node,
		Grace: cfg.PresenceGrace, Lease: cfg.PresenceLease})
	brain := bot.New(bot.Options{Store: db, Chat: chats, KB: knowledge, Bus: broker, Route: router, Commerce: data, Logger: log, Node: node,
		Backlog: cfg.BotBacklog})
	broker.Subscribe(brain.Handle)
	botCtx, stopBot := context.WithCancel(context.WithoutCancel(ctx))
	var workers sync.WaitGroup
	// Notifications: workbench alerts, and pushes and webhooks through the
	// outbox (internal/notify, docs/notifications.md).
	notices := notify.New(notify.Options{Store: db, Bus: broker, Hub: h, Logger: log, Node: node, BaseURL: cfg.BaseURL,
		AllowPrivate: cfg.NotifyAllowPrivate, SingleNode: cfg.NATSURL == ""})
	broker.Subscribe(notices.Handle)
	// The statistics job keeps the rollups current and mines the questions
	// the bot could not answer (internal/stats), on one node at a time: the
	// holder of its lease in the database.
	reports := stats.New(stats.Options{Store: db, KB: knowledge, Logger: log, Node: node, SingleNode: cfg.NATSURL == ""})
	defer func() { stopBot(); workers.Wait() }()

	reg := prometheus.NewRegistry()
	srv := server.New(server.Options{Store: db, Chat: chats, KB: knowledge, Commerce: data, Notify: notices, Route: router, Presence: presence, Bot: brain, Stats: reports, Bus: broker, Hub: h,
		Identities: auth.NewIdentities(key), Logger: log, Registry: reg, BaseURL: cfg.BaseURL, Version: version, SessionTTL: cfg.SessionTTL,
		BcryptCost: cfg.BcryptCost, MetricsToken: cfg.MetricsToken, FrameRate: cfg.FrameRate, TrustProxy: cfg.TrustProxy,
		UploadDir: filepath.Join(cfg.DataDir, "uploads"), BackupDir: backupDir(cfg),
		UploadLimits: server.UploadLimits{BuyerUploads: cfg.BuyerUploads, ShopUploads: cfg.ShopUploads, ShopBytes: int64(cfg.ShopUploadMB) << 20}})

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen (XIAOER_LISTEN) %s: %w", cfg.Listen, err)
	}
	if err := announce(ctx, cfg, db, knowledge, stdout); err != nil {
		ln.Close()
		return err
	}
	// The workers start once the demo shop is in place: the router's sweep
	// must not close the demo's past conversations while they are played,
	// and the statistics job's first round then counts them all and groups
	// their unanswered questions.
	workers.Go(func() { brain.Run(botCtx) })
	workers.Go(func() { router.Run(botCtx) })
	workers.Go(func() { presence.Run(botCtx) })
	workers.Go(func() { notices.Run(botCtx) })
	workers.Go(func() { reports.Run(botCtx) })
	// Buyer tags that age (a refund leaving its window, a buyer turning
	// inactive) are recomputed when due, on one node at a time.
	workers.Go(func() { data.Run(botCtx) })
	// Expired sessions and old failed-login counts are removed hourly.
	workers.Go(func() { srv.RunSweeper(botCtx) })
	warmUp(ctx, db, engines, log)
	// Agents whose leases ran out while no node was sweeping (this one was
	// down) go offline before anyone connects.
	if _, err := presence.Sweep(ctx); err != nil {
		log.Error("presence: sweep at start", "err", err)
	}
	// Answer what buyers wrote while the bot was down (a crash between a
	// stored message and its reply).
	if n, err := brain.Recover(ctx); err != nil {
		log.Error("bot: recover unanswered messages", "err", err)
	} else if n > 0 {
		log.Info("bot: answering messages left unanswered by the last run", "messages", n)
	}
	httpSrv := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	served := make(chan error, 1)
	go func() { served <- httpSrv.Serve(ln) }()
	log.Info("serving", "addr", ln.Addr().String(), "version", version, "database", db.Driver())

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	return shutdown(cfg, log, srv, httpSrv)
}

// shutdown stops taking new work, lets running requests and socket writes
// finish, and closes every socket with the reason "reconnect".
func shutdown(cfg config.Config, log *slog.Logger, srv *server.Server, httpSrv *http.Server) error {
	log.Info("shutting down", "wait", cfg.ShutdownWait)
	ctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownWait)
	defer cancel()
	srv.Drain()
	// Keep answering /readyz with 503 for a moment, so a load balancer sees
	// the node leave before its listener closes.
	select {
	case <-time.After(min(cfg.ShutdownWait/5, 2*time.Second)):
	case <-ctx.Done():
	}
	err := httpSrv.Shutdown(ctx)
	done := make(chan struct{})
	go func() { srv.WaitSockets(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		log.Warn("sockets still open at the end of the shutdown wait")
	}
	log.Info("stopped")
	return err
}

// openStore opens the configured database and brings its schema up to date,
// refusing a schema newer than this binary.
func openStore(ctx context.Context, cfg config.Config, log *slog.Logger) (*store.DB, error) {
	opts := store.Options{Driver: "sqlite", DSN: cfg.DatabasePath()}
	if cfg.DatabaseURL != "" {
		opts = store.Options{Driver: "postgres", DSN: cfg.DatabaseURL}
	} else if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("data-dir (XIAOER_DATA_DIR) %s: %w", cfg.DataDir, err)
	}
	db, err := store.Open(ctx, opts)
	if err != nil {
		return nil, err
	}
	res, err := db.Migrate(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	if res.From != res.To {
		log.Info("database migrated", "from", res.From, "to", res.To, "backup", res.Backup)
	}
	return db, nil
}

// visitorKey returns the configured secret key or the generated one kept in
// the database, generating it on first start.
func visitorKey(ctx context.Context, cfg config.Config, db store.Store) (string, error) {
	if cfg.SecretKey != "" {
		return cfg.SecretKey, nil
	}
	key, err := db.GetSetting(ctx, visitorKeySetting)
	if err == nil {
		return key, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return "", err
	}
	key = auth.NewToken()
	return key, db.PutSetting(ctx, visitorKeySetting, key)
}

// announce seeds the demo or opens setup, and prints where to go.
func announce(ctx context.Context, cfg config.Config, db *store.DB, knowledge *kb.Service, stdout io.Writer) error {
	fmt.Fprintf(stdout, "xiaoer %s listening on %s\n", version, cfg.Listen)
	fmt.Fprintf(stdout, "  workbench:  %s/desk   console: %s/admin  (docs/guide-agent.md, docs/guide-admin.md)\n", cfg.BaseURL, cfg.BaseURL)
	chatPage := cfg.BaseURL + "/chat/<shop>"
	var res demo.Result
	if cfg.Demo {
		var err error
		// The demo's past is written through the store on the history's
		// own clock.
		clocked := func(now func() time.Time) store.Store { return db.WithClock(now) }
		if res, err = demo.Seed(ctx, demo.Options{Store: db, KB: knowledge, BcryptCost: cfg.BcryptCost, Clocked: clocked}); err != nil {
			return err
		}
		chatPage = cfg.BaseURL + "/chat/" + res.Shop.Slug
	}
	fmt.Fprintf(stdout, "  buyer chat: %s   widget: %s/widget.js   socket: %s/ws/buyer  (docs/protocol.md)\n", chatPage, cfg.BaseURL, cfg.BaseURL)
	fmt.Fprintf(stdout, "  API:        %s/api/v1  (docs/api.md)\n", cfg.BaseURL)
	fmt.Fprintf(stdout, "  health:     %s/healthz   metrics: %s/metrics\n", cfg.BaseURL, cfg.BaseURL)
	if cfg.Demo {
		fmt.Fprintf(stdout, "demo shop %q (id %d, slug %q); every demo login has the password %q:\n",
			res.Shop.Name, res.Shop.ID, res.Shop.Slug, demo.Password)
		for _, l := range demo.Logins {
			fmt.Fprintf(stdout, "  %-8s %s\n", l.Username, l.Role)
		}
		fmt.Fprintf(stdout, "demo API key (push shop data, docs/integration.md): %s\n  webhook signing secret: %s; demo buyer %s\n",
			demo.APIKey, demo.SigningSecret, demo.Buyer)
		if h := res.History; h.Conversations > 0 {
			fmt.Fprintf(stdout, "demo history: %d conversations from %s to %s (statistics and unanswered questions fill in within a minute)\n",
				h.Conversations, h.From.Format(time.DateOnly), h.To.Format(time.DateOnly))
		}
		return nil
	}
	n, err := db.CountAccounts(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	token := auth.NewToken()
	if err := db.PutSetting(ctx, server.SetupTokenSetting, auth.HashToken(token)); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "no accounts yet: create the owner account and the first shop at\n  %s/setup#%s\n", cfg.BaseURL, token)
	return nil
}

// backupDir is where the console keeps SQLite copies (none for PostgreSQL,
// which pg_dump backs up).
func backupDir(cfg config.Config) string {
	if cfg.DatabaseURL != "" {
		return ""
	}
	return filepath.Join(cfg.DataDir, "backups")
}

// newBroker is the in-process bus of a single node, or NATS when the
// deployment has several.
func newBroker(cfg config.Config, node string, log *slog.Logger) (bus.Broker, func(), error) {
	if cfg.NATSURL == "" {
		return bus.NewLocal(), func() {}, nil
	}
	n, err := bus.NewNATS(cfg.NATSURL, node, log)
	if err != nil {
		return nil, nil, fmt.Errorf("nats-url (XIAOER_NATS_URL): %w", err)
	}
	log.Info("events go through NATS", "node", node)
	return n, func() { _ = n.Close() }, nil
}

// warmUp builds every shop's answer engine before buyers arrive.
func warmUp(ctx context.Context, db store.Store, engines *kb.Engines, log *slog.Logger) {
	shops, err := db.ListShops(ctx)
	if err != nil {
		log.Error("warm up engines", "err", err)
		return
	}
	ids := make([]int64, len(shops))
	for i, s := range shops {
		ids[i] = s.ID
	}
	engines.WarmUp(ctx, ids)
}

// nodeName names this process among the nodes of a deployment.
func nodeName() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s-%d", host, os.Getpid())
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevelValue()}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func printSettings(w io.Writer) {
	fmt.Fprintln(w, "xiaoer serve settings (a flag wins over its environment variable):")
	for _, d := range config.Describe() {
		fmt.Fprintf(w, "  %-16s %-22s default %-10q %s\n", d[0], d[1], d[2], d[3])
	}
}
