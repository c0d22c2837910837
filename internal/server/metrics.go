package server

import (
	"crypto/subtle"
	"net/http"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/xiaoer-cs/xiaoer/internal/bot"
	"github.com/xiaoer-cs/xiaoer/internal/hub"
	"github.com/xiaoer-cs/xiaoer/internal/kb"
	"github.com/xiaoer-cs/xiaoer/internal/model"
)

// metrics are the server's Prometheus measures, on its own registry.
type metrics struct {
	socketsOpen *prometheus.GaugeVec
	messages    *prometheus.CounterVec
	ackLatency  prometheus.Histogram
	frameErrors *prometheus.CounterVec
}

// engineCollector reports the memory of each shop's answer engine.
type engineCollector struct {
	engines *kb.Engines
	desc    *prometheus.Desc
}

func (c engineCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c engineCollector) Collect(ch chan<- prometheus.Metric) {
	for shop, bytes := range c.engines.Memory() {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(bytes), strconv.FormatInt(shop, 10))
	}
}

func newMetrics(reg *prometheus.Registry, h *hub.Hub, engines *kb.Engines) *metrics {
	m := &metrics{
		socketsOpen: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "xiaoer_sockets_open",
			Help: "WebSockets open on this node, by kind (buyer, agent)."}, []string{"kind"}),
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "xiaoer_messages_total",
			Help: "Messages people sent through this node and stored (new, not a resent client id), by sender (buyer, agent); the bot's are in xiaoer_bot_messages_total."}, []string{"sender"}),
		ackLatency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "xiaoer_ack_latency_seconds",
			Help:    "Time from reading a send frame to queueing its ack (the message is committed by then).",
			Buckets: []float64{.0005, .001, .002, .005, .01, .02, .05, .1, .25, .5, 1, 2.5}}),
		frameErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "xiaoer_socket_errors_total",
			Help: "Error frames sent to sockets, by code."}, []string{"code"}),
	}
	// Every kind and sender shows from the start, at 0: a series that
	// appears only with its first socket or message breaks rate() and
	// alerts on an idle server.
	for _, kind := range []string{"buyer", "agent"} {
		m.socketsOpen.WithLabelValues(kind)
	}
	for _, sender := range []model.SenderKind{model.SenderBuyer, model.SenderAgent} {
		m.messages.WithLabelValues(string(sender))
	}
	reg.MustRegister(m.socketsOpen, m.messages, m.ackLatency, m.frameErrors,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if engines != nil {
		reg.MustRegister(engineCollector{engines: engines, desc: prometheus.NewDesc("xiaoer_engine_memory_bytes",
			"Estimated memory of each shop's answer engine on this node.", []string{"shop"}, nil)})
	}
	if h != nil {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "xiaoer_watched_conversations",
			Help: "Conversations with at least one buyer socket on this node."}, func() float64 {
			n, _ := h.Counts()
			return float64(n)
		}))
	}
	return m
}

// registerBotMetrics reports the bot's backlog on this node (docs/bot.md,
// "When buyers write faster than the bot answers").
func registerBotMetrics(reg *prometheus.Registry, b *bot.Bot) {
	gauge := func(name, help string, f func(bot.BacklogStats) int) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, func() float64 { return float64(f(b.Backlog())) })
	}
	counter := func(name, help string, f func(bot.BacklogStats) uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, func() float64 { return float64(f(b.Backlog())) })
	}
	reg.MustRegister(
		gauge("xiaoer_bot_backlog", "Conversations waiting for the bot's reply pipeline on this node (bounded by --bot-backlog).",
			func(s bot.BacklogStats) int { return s.Waiting }),
		gauge("xiaoer_bot_overflow", "Conversations waiting to be handed to people because the bot's backlog was full.",
			func(s bot.BacklogStats) int { return s.Overflow }),
		counter("xiaoer_bot_coalesced_total", "Buyer messages the bot answered together with a later one of the same burst.",
			func(s bot.BacklogStats) uint64 { return s.Coalesced }),
		counter("xiaoer_bot_overload_total", "Conversations handed to people because the bot's backlog was full (reason bot_overload).",
			func(s bot.BacklogStats) uint64 { return s.Overloaded }),
		counter("xiaoer_bot_shed_total", "Buyer messages to the bot dropped with both bounds full: stored and acknowledged, not answered by the bot.",
			func(s bot.BacklogStats) uint64 { return s.Shed }),
		counter("xiaoer_bot_skipped_total", "Suggestions for agents and courtesies (greeting, rating invitation) the bot skipped with its backlog full.",
			func(s bot.BacklogStats) uint64 { return s.Skipped }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "xiaoer_bot_messages_total",
			Help: "Messages the bot stored on this node (replies, greetings, notices); people's are in xiaoer_messages_total."},
			func() float64 { return float64(b.Posted()) }),
	)
}

// handler serves the registry; with a token, only to scrapes that send it
// as a bearer token (compared in constant time).
func (m *metrics) handler(reg *prometheus.Registry, token string) http.Handler {
	h := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	if token == "" {
		return h
	}
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			writeJSON(w, http.StatusUnauthorized, errorJSON{Code: "unauthenticated",
				Message: "/metrics needs the metrics token (--metrics-token) as a bearer token"})
			return
		}
		h.ServeHTTP(w, r)
	})
}
