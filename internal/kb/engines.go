package kb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/bus"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/nlp"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// ShopEngine is one shop's live answer engine: the published, currently
// valid FAQs, the shop's switches, and the engine built from them. It is
// immutable; a change builds a new one.
type ShopEngine struct {
	ShopID    int64
	Settings  Settings
	Engine    *nlp.Engine // nil while the shop has no live FAQ
	Analyzer  *nlp.Analyzer
	FAQs      map[string]store.LiveFAQ // by engine id (the FAQ id in decimal)
	BuiltAt   time.Time
	BuildTime time.Duration
	// NextChange is when a live FAQ starts or stops being valid; the
	// engine is rebuilt then.
	NextChange time.Time
	rotation   *atomic.Uint64
}

// MemoryBytes estimates what the shop's engine holds.
func (se *ShopEngine) MemoryBytes() int64 {
	if se.Engine == nil {
		return 0
	}
	return se.Engine.MemoryBytes()
}

// Engines keeps one engine per shop in memory: built at start-up for active
// shops and lazily for the others, rebuilt at once on the node where a
// change is published and, through the bus, on every other node.
type Engines struct {
	st  store.Store
	log *slog.Logger
	now func() time.Time

	mu    sync.Mutex
	slots map[int64]*slot
}

type slot struct {
	build sync.Mutex // one build at a time per shop
	cur   atomic.Pointer[ShopEngine]
	timer *time.Timer
}

// NewEngines returns an empty engine manager.
func NewEngines(st store.Store, log *slog.Logger, now func() time.Time) *Engines {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	return &Engines{st: st, log: log, now: now, slots: map[int64]*slot{}}
}

func (es *Engines) slot(shopID int64) *slot {
	es.mu.Lock()
	defer es.mu.Unlock()
	s := es.slots[shopID]
	if s == nil {
		s = &slot{}
		es.slots[shopID] = s
	}
	return s
}

// Get returns the shop's engine, building it on first use.
func (es *Engines) Get(ctx context.Context, shopID int64) (*ShopEngine, error) {
	s := es.slot(shopID)
	if se := s.cur.Load(); se != nil {
		return se, nil
	}
	s.build.Lock()
	defer s.build.Unlock()
	if se := s.cur.Load(); se != nil {
		return se, nil
	}
	return es.buildLocked(ctx, shopID, s)
}

// Rebuild builds the shop's engine from the store now and swaps it in.
func (es *Engines) Rebuild(ctx context.Context, shopID int64) (*ShopEngine, error) {
	s := es.slot(shopID)
	s.build.Lock()
	defer s.build.Unlock()
	return es.buildLocked(ctx, shopID, s)
}

// Handle rebuilds a shop's engine when another node says its knowledge
// changed. It runs on the bus publisher's goroutine, so it only starts the
// work.
func (es *Engines) Handle(e bus.Event) {
	if e.Type != bus.TypeKB {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := es.Rebuild(ctx, e.ShopID); err != nil {
			es.log.Error("kb: rebuild after change", "shop", e.ShopID, "err", err)
		}
	}()
}

// WarmUp builds the engines of the given shops, for start-up.
func (es *Engines) WarmUp(ctx context.Context, shopIDs []int64) {
	for _, id := range shopIDs {
		if _, err := es.Get(ctx, id); err != nil {
			es.log.Error("kb: build engine", "shop", id, "err", err)
		}
	}
}

// Memory returns each built engine's memory estimate, by shop.
func (es *Engines) Memory() map[int64]int64 {
	es.mu.Lock()
	defer es.mu.Unlock()
	out := make(map[int64]int64, len(es.slots))
	for id, s := range es.slots {
		if se := s.cur.Load(); se != nil {
			out[id] = se.MemoryBytes()
		}
	}
	return out
}

func (es *Engines) buildLocked(ctx context.Context, shopID int64, s *slot) (*ShopEngine, error) {
	start := time.Now()
	se, err := es.build(ctx, shopID)
	if err != nil {
		return nil, err
	}
	se.BuildTime = time.Since(start)
	if old := s.cur.Load(); old != nil {
		se.rotation = old.rotation
	}
	s.cur.Store(se)
	es.scheduleNextChange(shopID, s, se.NextChange)
	es.log.Debug("kb: engine built", "shop", shopID, "faqs", len(se.FAQs), "took", se.BuildTime)
	return se, nil
}

// build reads the shop's live FAQs and settings and builds the engine of
// what is valid now.
func (es *Engines) build(ctx context.Context, shopID int64) (*ShopEngine, error) {
	raw, err := es.st.BotSettings(ctx, shopID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	settings, err := ParseSettings(raw)
	if err != nil {
		return nil, err
	}
	opts, err := es.engineOptions(ctx, shopID, settings)
	if err != nil {
		return nil, err
	}
	live, err := es.st.LiveFAQs(ctx, shopID)
	if err != nil {
		return nil, err
	}
	now := es.now()
	se := &ShopEngine{ShopID: shopID, Settings: settings, FAQs: map[string]store.LiveFAQ{}, BuiltAt: now, rotation: &atomic.Uint64{}}
	var faqs []nlp.FAQ
	for _, l := range live {
		se.NextChange = earliestAfter(now, se.NextChange, l.Live.ValidFrom, l.Live.ValidUntil)
		if !l.Live.ValidAt(now) {
			continue
		}
		id := strconv.FormatInt(l.ID, 10)
		se.FAQs[id] = l
		faqs = append(faqs, nlp.FAQ{ID: id, Question: l.Live.Question, Similar: l.Live.Similar, Answer: firstText(l.Live.Answers, "")})
	}
	if se.Analyzer, err = nlp.NewAnalyzer(opts); err != nil {
		return nil, fmt.Errorf("kb: analyzer of shop %d: %w", shopID, err)
	}
	if len(faqs) > 0 {
		if se.Engine, err = nlp.Build(faqs, opts); err != nil {
			return nil, fmt.Errorf("kb: engine of shop %d: %w", shopID, err)
		}
	}
	return se, nil
}

func (es *Engines) engineOptions(ctx context.Context, shopID int64, s Settings) (nlp.Options, error) {
	syn, err := es.st.Synonyms(ctx, shopID)
	if err != nil {
		return nlp.Options{}, err
	}
	intents, err := es.st.ShopIntents(ctx, shopID)
	if err != nil {
		return nlp.Options{}, err
	}
	opts := nlp.Options{Synonyms: syn, AnswerThreshold: s.AnswerThreshold, SuggestThreshold: s.SuggestThreshold}
	for _, ie := range intents {
		opts.ExtraIntents = append(opts.ExtraIntents, nlp.IntentExamples{ID: ie.Intent, Category: ie.Category,
			Priority: ie.Priority, Examples: ie.Examples})
	}
	return opts, nil
}

// scheduleNextChange rebuilds the engine when a FAQ's validity starts or
// ends, so an expired FAQ stops being answered without anyone publishing.
func (es *Engines) scheduleNextChange(shopID int64, s *slot, at time.Time) {
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	if at.IsZero() {
		return
	}
	wait := max(at.Sub(es.now()), 0) + 10*time.Millisecond
	s.timer = time.AfterFunc(wait, func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := es.Rebuild(ctx, shopID); err != nil {
			es.log.Error("kb: rebuild at validity change", "shop", shopID, "err", err)
		}
	})
}

// earliestAfter returns the earliest of cur and the given times that lies
// after now (zero times ignored).
func earliestAfter(now, cur time.Time, ts ...time.Time) time.Time {
	for _, t := range ts {
		if t.IsZero() || !t.After(now) {
			continue
		}
		if cur.IsZero() || t.Before(cur) {
			cur = t
		}
	}
	return cur
}

// firstText returns the first text answer in lang (any language when lang
// is empty or none matches).
func firstText(answers []model.Answer, lang string) string {
	for _, a := range answers {
		if a.Type == model.AnswerText && (lang == "" || a.Lang == lang) {
			return a.Text
		}
	}
	if lang != "" {
		return firstText(answers, "")
	}
	return ""
}
