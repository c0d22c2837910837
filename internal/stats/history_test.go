package stats

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// This file builds a history of conversations through the store, the way
// the bot, the router and the agents write it, and records beside it what
// every measure must be: the ground truth the tests compare the rollups
// with. Nothing here computes a measure the way the package does; each
// fact is known because the generator chose it.

// testClock is the store's clock, moved by the generator.
type testClock struct{ ns atomic.Int64 }

func (c *testClock) Now() time.Time      { return time.Unix(0, c.ns.Load()) }
func (c *testClock) Set(t time.Time)     { c.ns.Store(t.UnixNano()) }
func newClock(t time.Time) *testClock    { c := &testClock{}; c.Set(t); return c }
func msOf(d time.Duration) time.Duration { return d.Truncate(time.Millisecond) }

// openStore opens a migrated SQLite store in a temporary directory.
func openStore(t testing.TB, clk *testClock) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), store.Options{DSN: filepath.Join(t.TempDir(), "stats.db"), Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

// truthConv is what the generator decided about one conversation.
type truthConv struct {
	id, buyer      int64
	channel        string
	group          int64
	lastAgent      int64
	open           time.Time
	closed         bool
	closeAfter     time.Duration
	returnedWithin bool // the buyer opened another within 24 h of closing
	human          bool
	handoffs       []string
	firstBot       *time.Duration
	firstHuman     *time.Duration
	queueWaits     []time.Duration
	abandoned      []time.Duration
	handle         time.Duration
	rating         int
	invited        bool
	turns          []truthTurn
	parts          []truthPart // one per agent stint
	agentMsgs      []truthMsg
	waitingSince   time.Time // still in the queue since then
	withAgent      int64     // still owned by this agent
}

type truthTurn struct {
	at          time.Time
	class       string
	intent      string
	faq         string // the FAQ id counted for volume ("" none)
	faqAnswered bool
	choice      bool     // "did you mean" offered
	offered     []string // the FAQs offered
	taken       bool
	takenFAQ    string
	handedAfter bool
}

type truthPart struct {
	agent      int64
	start      time.Time
	first      *time.Duration
	length     time.Duration
	ended      bool
	firstOfAgt bool // the agent's first stint in the conversation
}

type truthMsg struct {
	agent int64
	at    time.Time
}

// gen writes the history and keeps the truth.
type gen struct {
	t      testing.TB
	ctx    context.Context
	db     *store.DB
	clk    *testClock
	rng    *rand.Rand
	shop   model.Shop
	agents []int64
	groups []int64
	convs  []*truthConv
	latest time.Time // the latest time written
}

func (g *gen) at(t time.Time) {
	g.clk.Set(t)
	if t.After(g.latest) {
		g.latest = t
	}
}

func (g *gen) must(err error) {
	g.t.Helper()
	if err != nil {
		g.t.Fatal(err)
	}
}

// conversation is one conversation being written.
type conversation struct {
	g     *gen
	c     model.Conversation
	truth *truthConv
	now   time.Time
}

func (g *gen) open(buyer model.Buyer, at time.Time, channel string) *conversation {
	g.at(at)
	c, err := g.db.CreateConversation(g.ctx, g.shop.ID, buyer.ID, 0)
	g.must(err)
	tc := &truthConv{id: c.ID, buyer: buyer.ID, channel: channelOther, open: c.CreatedAt}
	if channel != "" {
		g.must(g.db.SetConversationChannel(g.ctx, g.shop.ID, c.ID, channel))
		tc.channel = channel
	}
	g.convs = append(g.convs, tc)
	return &conversation{g: g, c: c, truth: tc, now: c.CreatedAt}
}

// wait moves the conversation's time on.
func (cv *conversation) wait(d time.Duration) time.Time {
	cv.now = cv.now.Add(msOf(d))
	cv.g.at(cv.now)
	return cv.now
}

func (cv *conversation) post(sender model.SenderKind, senderID int64, clientID, kind, body string, meta any) model.Message {
	raw := ""
	if meta != nil {
		b, _ := json.Marshal(meta)
		raw = string(b)
	}
	m, _, err := cv.g.db.AppendMessage(cv.g.ctx, model.Message{ShopID: cv.c.ShopID, ConversationID: cv.c.ID, Sender: sender,
		SenderID: senderID, ClientID: clientID, Kind: model.MessageKind(kind), Body: body, Meta: raw})
	cv.g.must(err)
	return m
}

func (cv *conversation) buyerSays(text string) model.Message {
	return cv.post(model.SenderBuyer, cv.c.BuyerID, fmt.Sprintf("b%d", cv.now.UnixNano()), "text", text, nil)
}

// reply is a bot message as internal/bot writes it.
type reply struct {
	FAQID   int64    `json:"faq_id,omitempty"`
	Choices []choice `json:"choices,omitempty"`
	Explain explain  `json:"explain"`
}

type choice struct {
	FAQID    int64  `json:"faq_id"`
	Question string `json:"question"`
}

type explain struct {
	Step       string      `json:"step"`
	Handoff    string      `json:"handoff,omitempty"`
	Intent     intent      `json:"intent"`
	Candidates []candidate `json:"candidates,omitempty"`
}

type intent struct {
	ID string `json:"id"`
}

type candidate struct {
	FAQID string `json:"faq_id"`
}

func (cv *conversation) botSays(to model.Message, n int, kind string, r reply) model.Message {
	id := "bot-" + strconv.FormatInt(to.ID, 10)
	if n > 1 {
		id += "-" + strconv.Itoa(n)
	}
	return cv.post(model.SenderBot, 0, id, kind, "bot reply", r)
}

// move changes the owner and keeps the conversation's state.
func (cv *conversation) move(to model.Owner, agent, group int64, reason string) {
	c, _, err := cv.g.db.ChangeOwner(cv.g.ctx, store.OwnerChange{ShopID: cv.c.ShopID, ConversationID: cv.c.ID, From: cv.c.Owner,
		FromAgentID: cv.c.AgentID, To: to, AgentID: agent, GroupID: group, Reason: reason})
	cv.g.must(err)
	cv.c = c
}
