package demo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/bot"
	"github.com/xiaoer-cs/xiaoer/internal/bus"
	"github.com/xiaoer-cs/xiaoer/internal/chat"
	"github.com/xiaoer-cs/xiaoer/internal/commerce"
	"github.com/xiaoer-cs/xiaoer/internal/kb"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/route"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// How the history is played.
const (
	// historySeed fixes every draw: every demo has the same past, relative
	// to its own today.
	historySeed = 20251111
	// quietTail is how long before the end of the history nothing new is
	// played through the real pipeline: what starts then is made only from
	// conversations played before (a night's message left for the morning
	// must be answered before the demo starts).
	quietTail = 16 * time.Hour
	// recentOrders is how far back buyers ask about their own orders: the
	// demo's orders are as of now.
	recentOrders = 36 * time.Hour
	// memberShare is the part of conversations from the demo buyers
	// (logged in); the rest are anonymous visitors of the shop's site.
	memberShare = 0.1
	// returningVisitors is the part of visitors' conversations from a
	// visitor who chatted before.
	returningVisitors = 0.12
	// mobileShare is the part of buyers writing from a phone.
	mobileShare = 0.72
)

// HistoryReport says what the history holds and how it was made.
type HistoryReport struct {
	Conversations int // in all
	Played        int // played through the real chat, bot and router
	Copied        int // made from a played conversation of the same kind
	From, To      time.Time
}

// clock is the history's time: the store, the bot and the router read it,
// and the history moves it.
type clock struct{ ns atomic.Int64 }

func (c *clock) Now() time.Time  { return time.Unix(0, c.ns.Load()) }
func (c *clock) set(t time.Time) { c.ns.Store(t.UnixNano()) }
func (c *clock) add(d time.Duration) time.Time {
	return time.Unix(0, c.ns.Add(int64(d)))
}

// person is a buyer of the history: a demo buyer (ext) or a visitor.
type person struct {
	ext, level string
	visitor    string
	weight     float64
	buyerID    int64 // once known
}

func (p *person) key() string {
	if p.ext != "" {
		return "m:" + p.ext
	}
	return "v:" + p.visitor
}

// history plays the demo shop's past: every conversation of a kind not
// seen before goes through the real chat service, bot and router on the
// history's clock (and is a template); the others are made from their
// template with their own times, buyer and agent, and imported in bulk.
type history struct {
	ctx   context.Context
	st    store.Store
	clk   *clock
	shop  model.Shop
	loc   *time.Location
	end   time.Time
	rng   *rand.Rand
	hours bot.Hours

	chat    *chat.Service
	route   *route.Service
	bot     *bot.Bot
	events  []bus.Event
	routing route.Config

	accounts map[string]model.Account // demo agents by username
	names    map[int64]string         // display names by account id
	groups   map[int64][]string       // usernames by group
	members  []*person
	visitors []*person
	free     map[string]time.Time // when each buyer may start again

	templates map[string]*template
	pending   []store.PastConversation
	last      time.Time // when the latest conversation so far ended
	report    HistoryReport
}

// seedHistory plays the demo shop's last days days up to about an hour
// before now, through st (the store on the history's clock clk).
func seedHistory(ctx context.Context, st store.Store, clk *clock, knowledge *kb.Service, shop model.Shop, now time.Time, days int) (HistoryReport, error) {
	loc, err := time.LoadLocation(shop.Timezone)
	if err != nil {
		return HistoryReport{}, err
	}
	h := &history{ctx: ctx, st: st, clk: clk, shop: shop, loc: loc, end: now.Add(-75 * time.Minute),
		rng: rand.New(rand.NewPCG(historySeed, 1)), hours: demoPipeline().Hours, free: map[string]time.Time{},
		templates: map[string]*template{}, accounts: map[string]model.Account{}, names: map[int64]string{}, groups: map[int64][]string{}}
	broker := bus.NewLocal()
	broker.Subscribe(func(e bus.Event) { h.events = append(h.events, e) })
	h.chat = chat.New(chat.Options{Store: st, Bus: broker})
	h.route = route.New(route.Options{Store: st, Chat: h.chat, Bus: broker, Now: clk.Now})
	h.bot = bot.New(bot.Options{Store: st, Chat: h.chat, KB: knowledge, Bus: broker, Route: h.route, Now: clk.Now,
		Commerce: commerce.New(commerce.Options{Store: st, Now: clk.Now})})
	if err := h.load(); err != nil {
		return HistoryReport{}, err
	}
	times := arrivals(h.rng, h.end, loc, days)
	if len(times) == 0 {
		return h.report, nil
	}
	h.report.From = times[0]
	changes := statusChanges([]string{"xiaomei", "xiaoli", "super"}, times[0], h.end, loc)
	next := 0
	for _, at := range times {
		for ; next < len(changes) && !changes[next].at.After(at); next++ {
			if err := h.setStatus(changes[next]); err != nil {
				return h.report, err
			}
		}
		if err := h.conversation(at); err != nil {
			return h.report, fmt.Errorf("demo: history at %s: %w", at.In(loc).Format(time.DateTime), err)
		}
	}
	if err := h.flush(); err != nil {
		return h.report, err
	}
	// The agents' day ends with the history (its last conversations may
	// end a little after it): they log in themselves.
	for _, u := range []string{"xiaomei", "xiaoli", "super"} {
		if err := h.setStatus(statusChange{at: later(h.end, h.last), username: u, status: model.StatusOffline}); err != nil {
			return h.report, err
		}
	}
	h.report.To = h.end.In(loc)
	return h.report, nil
}

// load reads the demo shop's agents, groups, routing and buyers.
func (h *history) load() error {
	ctx := h.ctx
	for _, l := range Logins {
		a, err := h.st.GetAccountByLogin(ctx, l.Username)
		if err != nil {
			return err
		}
		h.accounts[l.Username], h.names[a.ID] = a, a.DisplayName
	}
	groups, err := h.st.ListGroups(ctx, h.shop.ID)
	if err != nil {
		return err
	}
	for _, g := range groups {
		for _, l := range Logins {
			if slices.Contains(g.Members, h.accounts[l.Username].ID) {
				h.groups[g.ID] = append(h.groups[g.ID], l.Username)
			}
		}
	}
	if h.routing, err = h.route.Config(ctx, h.shop.ID); err != nil {
		return err
	}
	profiles, err := h.st.ListBuyerProfiles(ctx, h.shop.ID, store.Page{Limit: 100})
	if err != nil {
		return err
	}
	for _, p := range profiles {
		w := 1.0
		if p.Level == model.LevelVIP3 {
			w = 0.4 // the VIP rule hands them over every time: they chat less
		}
		h.members = append(h.members, &person{ext: p.ExternalID, level: p.Level, weight: w, buyerID: p.ID})
	}
	if len(h.members) == 0 {
		return errors.New("demo: history: the demo shop has no buyers")
	}
	return nil
}

// setStatus applies an agent's change of status at its time.
func (h *history) setStatus(c statusChange) error {
	h.clk.set(c.at)
	return h.st.SetAgentStatus(h.ctx, h.shop.ID, h.accounts[c.username].ID, c.status)
}

// plan is one conversation of the history before it is played or made.
type plan struct {
	at      time.Time
	script  *script
	who     *person
	channel string
	open    bool // within the shop's working hours
}

// conversation plays or makes the conversation a buyer starts at at.
func (h *history) conversation(at time.Time) error {
	if !h.stable(at) {
		return nil // about to open, close or change hands: a minute later would tell another story
	}
	p := plan{at: at, open: h.hours.Open(at, h.shop.Timezone), channel: "web"}
	if h.rng.Float64() < mobileShare {
		p.channel = "mobile"
	}
	p.who = h.pickPerson(at)
	if p.who == nil {
		return nil
	}
	p.script = h.pickScript(p)
	t, key := h.template(p)
	var end time.Time
	switch {
	case t != nil:
		pc, ok := h.copyOf(t, p)
		if !ok {
			return nil // it would still be going on at the end of the history
		}
		h.pending = append(h.pending, pc)
		h.report.Copied++
		end = pc.Conversation.UpdatedAt
	case at.After(h.end.Add(-quietTail)) && !p.script.live:
		return nil
	default:
		if err := h.flush(); err != nil {
			return err
		}
		played, err := h.play(p)
		if err != nil {
			return err
		}
		h.remember(key, played, p)
		h.report.Played++
		end = played.end
	}
	h.report.Conversations++
	h.free[p.who.key()] = end.Add(10 * time.Minute)
	h.last = later(h.last, end)
	return nil
}

// flush imports the conversations made so far, in the order they opened.
func (h *history) flush() error {
	if len(h.pending) == 0 {
		return nil
	}
	_, err := h.st.ImportConversations(h.ctx, h.pending)
	h.pending = h.pending[:0]
	return err
}

// stable reports whether the shop's hours and staffing stay as they are
// for the next quarter of an hour after t.
func (h *history) stable(t time.Time) bool {
	later := t.Add(15 * time.Minute)
	return h.hours.Open(t, h.shop.Timezone) == h.hours.Open(later, h.shop.Timezone) && h.covered(t) == h.covered(later)
}

// covered reports whether an agent is online at t; the roster serves both
// groups at the same times.
func (h *history) covered(t time.Time) bool {
	for _, u := range []string{"xiaomei", "xiaoli", "super"} {
		if statusAt(u, t, h.loc) == model.StatusOnline {
			return true
		}
	}
	return false
}

// nextCovered is the first moment at or after t when an agent is online.
func (h *history) nextCovered(t time.Time) time.Time {
	t = t.Truncate(time.Minute)
	for !h.covered(t) {
		t = t.Add(time.Minute)
	}
	return t
}

// pickPerson chooses who starts a conversation: a demo buyer now and then,
// else a visitor, new or coming back. Nobody has two conversations at once.
func (h *history) pickPerson(at time.Time) *person {
	if h.rng.Float64() < memberShare {
		// Members whose every question goes to a person do not write at
		// night, when there is none.
		open := h.hours.Open(at, h.shop.Timezone)
		weight := func(m *person) float64 {
			if h.free[m.key()].After(at) || !open && m.level == model.LevelVIP3 {
				return 0
			}
			return m.weight
		}
		var total float64
		for _, m := range h.members {
			total += weight(m)
		}
		x := h.rng.Float64() * total
		for _, m := range h.members {
			if w := weight(m); w > 0 {
				if x -= w; x < 0 {
					return m
				}
			}
		}
	}
	if len(h.visitors) > 0 && h.rng.Float64() < returningVisitors {
		v := h.visitors[h.rng.IntN(len(h.visitors))]
		if !h.free[v.key()].Add(2 * time.Hour).After(at) {
			return v
		}
	}
	v := &person{visitor: fmt.Sprintf("demo-visitor-%05d", len(h.visitors)+1)}
	h.visitors = append(h.visitors, v)
	return v
}

// pickScript chooses what the buyer talks about: fewer ask for a person
// at night, and demo buyers ask about their orders only lately.
func (h *history) pickScript(p plan) *script {
	member := p.who.ext != ""
	recent := p.at.After(h.end.Add(-recentOrders)) && h.covered(p.at)
	var total float64
	weights := make([]float64, len(scripts))
	for i := range scripts {
		s := &scripts[i]
		switch {
		case s.who == visitors && member, s.who == members && !member, s.live && !recent:
			continue
		case p.who.level == model.LevelVIP3 && !vipRepertoire[s.name]:
			continue
		case member && p.who.level != model.LevelVIP3 && s.who == anyone && !memberRepertoire[s.name]:
			continue
		}
		w := s.weight
		if !p.open {
			w *= s.nightFactor()
		}
		weights[i] = w
		total += w
	}
	x := h.rng.Float64() * total
	for i, w := range weights {
		if x -= w; x < 0 && w > 0 {
			return &scripts[i]
		}
	}
	return &scripts[0]
}

// memberRepertoire are the general scripts demo buyers use besides their
// orders: few, so that their conversations can be made from one another.
var memberRepertoire = map[string]bool{"ship-time": true, "arrive": true, "free-shipping": true, "coupon": true,
	"invoice": true, "seven-day": true, "exchange": true, "size-tee": true, "stock-coat": true, "human": true,
	"quality": true, "return-how-tap": true}

// vipRepertoire is what the top-level members talk about: the VIP rule
// hands them to a person at their first question, unless a keyword rule
// answers it first.
var vipRepertoire = map[string]bool{"free-shipping": true, "coupon": true, "human": true, "quality": true,
	"couple": true, "embroidery": true}

// nightFactor is how much less often a script happens out of working
// hours: conversations that end with a person waiting for the morning are
// rare at night.
func (s *script) nightFactor() float64 {
	switch {
	case s.night > 0:
		return s.night
	case s.human != nil:
		return 0.05
	}
	return 1
}
