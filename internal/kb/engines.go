package kb

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
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
	// What the engine was made from, so that the next change can be
	// applied as a difference: the options and the FAQs as the engine has
	// them, by id.
	opts    nlp.Options
	engFAQs map[string]nlp.FAQ
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
	// Shops with at least incrementalFrom FAQs are updated incrementally
	// and rebuilt retrainAfter later, in the background.
	incrementalFrom int
	retrainAfter    time.Duration

	mu    sync.Mutex
	slots map[int64]*slot
}

type slot struct {
	build sync.Mutex // one build at a time per shop
	cur   atomic.Pointer[ShopEngine]
	timer *time.Timer
	// retrain is the pending or running background full build after
	// incremental updates (guarded by build).
	retrain *time.Timer
}

// NewEngines returns an empty engine manager.
func NewEngines(st store.Store, log *slog.Logger, now func() time.Time) *Engines {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	return &Engines{st: st, log: log, now: now, slots: map[int64]*slot{},
		incrementalFrom: defaultIncrementalFrom, retrainAfter: defaultRetrainAfter}
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

// Rebuild brings the shop's engine up to date with the store now and swaps
// it in. When only a few FAQs changed in a shop whose full build is slow, the
// engine is updated in place of a rebuild (milliseconds instead of seconds)
// and fully rebuilt in the background shortly after; otherwise it is built
// from scratch.
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
	se, err := es.build(ctx, shopID, s.cur.Load())
	if err != nil {
		return nil, err
	}
	se.BuildTime = time.Since(start)
	if old := s.cur.Load(); old != nil {
		se.rotation = old.rotation
	}
	s.cur.Store(se)
	es.scheduleNextChange(shopID, s, se.NextChange)
	if se.Engine != nil && se.Engine.Incremental() > 0 {
		es.scheduleRetrain(shopID, s)
	}
	es.log.Debug("kb: engine built", "shop", shopID, "faqs", len(se.FAQs), "took", se.BuildTime)
	return se, nil
}

// build reads the shop's live FAQs and settings and makes the engine of
// what is valid now: an update of cur when that is possible (see
// updatable), else a full build.
func (es *Engines) build(ctx context.Context, shopID int64, cur *ShopEngine) (*ShopEngine, error) {
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
	se := &ShopEngine{ShopID: shopID, Settings: settings, FAQs: map[string]store.LiveFAQ{}, BuiltAt: now,
		rotation: &atomic.Uint64{}, opts: opts, engFAQs: map[string]nlp.FAQ{}}
	var faqs []nlp.FAQ
	for _, l := range live {
		se.NextChange = earliestAfter(now, se.NextChange, l.Live.ValidFrom, l.Live.ValidUntil)
		if !l.Live.ValidAt(now) {
			continue
		}
		id := strconv.FormatInt(l.ID, 10)
		se.FAQs[id] = l
		f := nlp.FAQ{ID: id, Question: l.Live.Question, Similar: l.Live.Similar, Answer: firstText(l.Live.Answers, "")}
		se.engFAQs[id] = f
		faqs = append(faqs, f)
	}
	if changed, removed, ok := es.updatable(cur, se); ok {
		se.Analyzer, se.Engine = cur.Analyzer, cur.Engine
		if len(changed)+len(removed) > 0 {
			if se.Engine, err = cur.Engine.Update(changed, removed); err != nil {
				return nil, fmt.Errorf("kb: update engine of shop %d: %w", shopID, err)
			}
		}
		return se, nil
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

// Incremental updates (see Rebuild). From about a thousand FAQs a full build
// takes a noticeable fraction of a second, and more than a second on a busy
// machine (docs/performance.md), while an update takes milliseconds; below
// that a full build is cheap and exact. An update keeps the old calibration and
// approximates the new FAQs' classes, so the shop is rebuilt in full soon
// after, in the background; a large change (an import) is built in full at
// once.
const (
	defaultIncrementalFrom = 1000
	defaultRetrainAfter    = 2 * time.Second
)

// maxUpdate is the largest change applied as an update to n FAQs.
func maxUpdate(n int) int { return max(20, n/20) }

// updatable reports whether next (read from the store, without an engine
// yet) can be made by updating cur's engine, and with what: the shop is
// large, its options are unchanged and few FAQs changed.
func (es *Engines) updatable(cur, next *ShopEngine) (changed []nlp.FAQ, removed []string, ok bool) {
	if cur == nil || cur.Engine == nil || len(next.engFAQs) == 0 || len(cur.engFAQs) < es.incrementalFrom ||
		!reflect.DeepEqual(cur.opts, next.opts) {
		return nil, nil, false
	}
	changed, removed = diffFAQs(cur.engFAQs, next.engFAQs)
	return changed, removed, len(changed)+len(removed) <= maxUpdate(len(next.engFAQs))
}

// diffFAQs returns the FAQs of next that are new or differ from prev, and
// the ids of those of prev that next lacks, in id order.
func diffFAQs(prev, next map[string]nlp.FAQ) (changed []nlp.FAQ, removed []string) {
	for _, id := range sortedIDs(next) {
		if p, ok := prev[id]; !ok || !sameFAQ(p, next[id]) {
			changed = append(changed, next[id])
		}
	}
	for _, id := range sortedIDs(prev) {
		if _, ok := next[id]; !ok {
			removed = append(removed, id)
		}
	}
	return changed, removed
}

func sameFAQ(a, b nlp.FAQ) bool {
	return a.Question == b.Question && a.Answer == b.Answer && slices.Equal(a.Similar, b.Similar)
}

// sortedIDs returns the keys of m (decimal FAQ ids) in numeric order, the
// order of a full build.
func sortedIDs(m map[string]nlp.FAQ) []string {
	ids := slices.Collect(maps.Keys(m))
	slices.SortFunc(ids, func(a, b string) int { return cmp.Or(cmp.Compare(len(a), len(b)), strings.Compare(a, b)) })
	return ids
}

// scheduleRetrain makes sure a full build follows incremental updates:
// retrainAfter after the first of them, so that a burst of publishes shares
// one build. The caller holds s.build.
func (es *Engines) scheduleRetrain(shopID int64, s *slot) {
	if s.retrain != nil {
		return
	}
	s.retrain = time.AfterFunc(es.retrainAfter, func() { es.retrainNow(shopID, s) })
}

// retrainNow builds the current engine's FAQs from scratch and swaps the
// result in. The build runs without the build lock: it takes seconds in a
// large shop, and publishes go on meanwhile.
func (es *Engines) retrainNow(shopID int64, s *slot) {
	snap := s.cur.Load()
	if snap == nil || snap.Engine == nil {
		return
	}
	faqs := make([]nlp.FAQ, 0, len(snap.engFAQs))
	for _, id := range sortedIDs(snap.engFAQs) {
		faqs = append(faqs, snap.engFAQs[id])
	}
	start := time.Now()
	eng, err := nlp.Build(faqs, snap.opts)
	if err != nil {
		es.log.Error("kb: retrain engine", "shop", shopID, "err", err)
	}
	es.swapRetrained(shopID, s, snap, eng, time.Since(start))
}

// swapRetrained swaps in eng, built from scratch from snap's FAQs, with the
// updates made since snap applied to it. It drops eng when the shop was
// rebuilt from scratch meanwhile.
func (es *Engines) swapRetrained(shopID int64, s *slot, snap *ShopEngine, eng *nlp.Engine, took time.Duration) {
	s.build.Lock()
	defer s.build.Unlock()
	if s.retrain != nil {
		s.retrain.Stop()
		s.retrain = nil
	}
	cur := s.cur.Load()
	if eng == nil || cur.Engine == nil || cur.Engine.Incremental() == 0 || !reflect.DeepEqual(cur.opts, snap.opts) {
		return
	}
	if changed, removed := diffFAQs(snap.engFAQs, cur.engFAQs); len(changed)+len(removed) > 0 {
		var err error
		if eng, err = eng.Update(changed, removed); err != nil {
			es.log.Error("kb: retrain engine", "shop", shopID, "err", err)
			return
		}
		es.scheduleRetrain(shopID, s)
	}
	next := *cur
	next.Engine, next.BuildTime = eng, took
	s.cur.Store(&next)
	es.log.Debug("kb: engine retrained", "shop", shopID, "faqs", len(next.FAQs), "took", took)
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
