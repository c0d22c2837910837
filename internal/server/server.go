// Package server is xiaoer's HTTP face: the one route table of the JSON API
// under /api/v1, the buyer and agent WebSockets, health and metrics. Every
// route states who may call it, and the middleware checks it on the server
// before the handler runs.
package server

import (
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/xiaoer-cs/xiaoer/internal/auth"
	"github.com/xiaoer-cs/xiaoer/internal/bot"
	"github.com/xiaoer-cs/xiaoer/internal/bus"
	"github.com/xiaoer-cs/xiaoer/internal/chat"
	"github.com/xiaoer-cs/xiaoer/internal/commerce"
	"github.com/xiaoer-cs/xiaoer/internal/hub"
	"github.com/xiaoer-cs/xiaoer/internal/kb"
	"github.com/xiaoer-cs/xiaoer/internal/notify"
	router "github.com/xiaoer-cs/xiaoer/internal/route" // server has its own route (a line of the route table)
	"github.com/xiaoer-cs/xiaoer/internal/stats"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// Options is what the server is built from.
type Options struct {
	Store    store.Store
	Chat     *chat.Service
	Commerce *commerce.Service // the shop's data; made from Store when nil
	Notify   *notify.Service   // notifications and webhooks; made from Store, Bus and Hub when nil (not running)
	KB       *kb.Service
	Route    *router.Service // queues and assignment; made from Store, Chat and Bus when nil
	// Presence counts this node's agent sockets into leases; made from
	// Store, Route and Chat when nil (not running: nothing expires).
	Presence   *router.Presence
	Bot        *bot.Bot       // the reply pipeline, its settings and suggestions; made when nil
	Stats      *stats.Service // reports and the knowledge-gap drafts; made from Store and KB when nil (not refreshing)
	Bus        bus.Broker
	Hub        *hub.Hub
	Identities *auth.Identities
	Logger     *slog.Logger
	Registry   *prometheus.Registry // metrics go here; a new one when nil
	BaseURL    string
	Version    string
	SessionTTL time.Duration
	BcryptCost int
	FrameRate  int  // frames per second per socket
	TrustProxy bool // read the client address from X-Forwarded-For
	// UploadDir keeps the images sent in chats; empty turns uploads off.
	UploadDir string
	// UploadLimits bound the images buyers send; DefaultUploadLimits for
	// each limit left 0.
	UploadLimits UploadLimits
	// MetricsToken, when set, is the bearer token a scrape of /metrics
	// must send.
	MetricsToken string
	// BackupDir is where the system page lists and writes database
	// copies; empty turns that off.
	BackupDir string
	// RequestReadWait bounds how long a request body may take to arrive
	// (two minutes when zero); sockets are not bound by it.
	RequestReadWait time.Duration
	Now             func() time.Time
}

// Server serves the API and the sockets.
type Server struct {
	opts     Options
	store    store.Store
	chat     *chat.Service
	data     *commerce.Service // the shop's data
	notify   *notify.Service
	kb       *kb.Service
	route    *router.Service
	presence *router.Presence
	bot      *bot.Bot
	stats    *stats.Service
	hub      *hub.Hub
	ids      *auth.Identities
	log      *slog.Logger
	metrics  *metrics
	mux      *http.ServeMux
	now      func() time.Time

	// draining is closed when shutdown begins: sockets stop taking frames.
	drainOnce sync.Once
	draining  chan struct{}
	sockets   sync.WaitGroup
}

// New builds the server and its route table.
func New(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Registry == nil {
		opts.Registry = prometheus.NewRegistry()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.SessionTTL <= 0 {
		opts.SessionTTL = 7 * 24 * time.Hour
	}
	if opts.BcryptCost == 0 {
		opts.BcryptCost = 12
	}
	if opts.RequestReadWait <= 0 {
		opts.RequestReadWait = 2 * time.Minute
	}
	if opts.FrameRate <= 0 {
		opts.FrameRate = 20
	}
	defaults := DefaultUploadLimits()
	if opts.UploadLimits.BuyerUploads <= 0 {
		opts.UploadLimits.BuyerUploads = defaults.BuyerUploads
	}
	if opts.UploadLimits.ShopUploads <= 0 {
		opts.UploadLimits.ShopUploads = defaults.ShopUploads
	}
	if opts.UploadLimits.ShopBytes <= 0 {
		opts.UploadLimits.ShopBytes = defaults.ShopBytes
	}
	s := &Server{opts: opts, store: opts.Store, chat: opts.Chat, kb: opts.KB, hub: opts.Hub, ids: opts.Identities, log: opts.Logger,
		metrics: newMetrics(opts.Registry, opts.Hub, kbEngines(opts.KB)), now: opts.Now, draining: make(chan struct{})}
	s.data = opts.Commerce
	if s.data == nil {
		s.data = commerce.New(commerce.Options{Store: opts.Store, Logger: opts.Logger, Now: opts.Now})
	}
	s.route, s.bot = opts.Route, opts.Bot
	if s.route == nil {
		s.route = router.New(router.Options{Store: opts.Store, Chat: opts.Chat, Bus: opts.Bus, Logger: opts.Logger, Now: opts.Now})
	}
	s.presence = opts.Presence
	if s.presence == nil {
		s.presence = router.NewPresence(router.PresenceOptions{Store: opts.Store, Route: s.route, Chat: opts.Chat, Logger: opts.Logger, Now: opts.Now})
	}
	if s.bot == nil {
		s.bot = bot.New(bot.Options{Store: opts.Store, Chat: opts.Chat, KB: opts.KB, Bus: opts.Bus, Route: s.route, Commerce: s.data,
			Logger: opts.Logger, Now: opts.Now})
	}
	registerBotMetrics(opts.Registry, s.bot)
	s.notify = opts.Notify
	if s.notify == nil {
		s.notify = notify.New(notify.Options{Store: opts.Store, Bus: opts.Bus, Hub: opts.Hub, Logger: opts.Logger, Now: opts.Now, BaseURL: opts.BaseURL})
	}
	s.stats = opts.Stats
	if s.stats == nil {
		s.stats = stats.New(stats.Options{Store: opts.Store, KB: opts.KB, Logger: opts.Logger, Now: opts.Now})
	}
	s.mux = http.NewServeMux()
	for _, rt := range s.routes() {
		s.mux.Handle(rt.Method+" "+rt.Pattern, s.guard(rt))
	}
	s.mux.Handle("GET /metrics", s.metrics.handler(opts.Registry, opts.MetricsToken))
	return s
}

func kbEngines(svc *kb.Service) *kb.Engines {
	if svc == nil {
		return nil
	}
	return svc.Engines()
}

// ServeHTTP serves one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("panic serving request", "method", r.Method, "path", r.URL.Path, "panic", v)
			writeJSON(w, http.StatusInternalServerError, errorJSON{Code: "internal", Message: "internal error"})
		}
	}()
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if !strings.HasPrefix(r.URL.Path, "/ws/") {
		// A request body must arrive within RequestReadWait, so a client
		// that trickles one byte at a time cannot hold a connection (and a
		// handler) for ever. Sockets live long and keep their own deadlines.
		_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(s.opts.RequestReadWait))
	}
	if strings.HasPrefix(r.URL.Path, "/api/") {
		if h, pattern := s.mux.Handler(r); pattern == "" {
			apiMiss(w, r, h)
			return
		}
	}
	s.mux.ServeHTTP(w, r)
}

// Drain starts a graceful shutdown: sockets are closed with the reason
// "reconnect" once their pending writes are done. Call it before
// http.Server.Shutdown, then WaitSockets.
func (s *Server) Drain() {
	s.drainOnce.Do(func() { close(s.draining) })
	s.hub.CloseAll("reconnect")
}

// WaitSockets waits for every socket handler to finish.
func (s *Server) WaitSockets() { s.sockets.Wait() }
