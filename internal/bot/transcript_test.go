package bot

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/kb"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// line is one turn of a transcript: what happens (the widget shows a
// product, something is done, the buyer says something) and what must
// follow.
type line struct {
	who     string // the buyer; the transcript's when empty
	product string // the widget shows this product first
	do      func(s *scene, c model.Conversation)
	says    string
	image   string // the buyer sends an image: its upload URL
	// replies are the new bot and system messages, as stepOf names them
	// ("faq", "live/order.logistics", "handoff/handoff.queued", "rating");
	// nil does not check, none wants none.
	replies []string
	has     []string // each is in the new messages' text
	hasNot  []string // none is
	owner   model.Owner
	agent   string // the assigned agent's username; "-" for none
	// reasons are those of the owner changes this line made, in order.
	reasons []string
	check   func(s *scene, c model.Conversation)
}

// none is a line's replies when the bot must say nothing.
var none = []string{}

// transcript is a conversation as a merchant would write it down.
type transcript struct {
	name  string
	buyer string
	setup func(s *scene)
	lines []line
}

func runTranscripts(t *testing.T, ts []transcript) {
	for _, tr := range ts {
		t.Run(tr.name, func(t *testing.T) {
			s := newScene(t)
			if tr.setup != nil {
				tr.setup(s)
				s.pump()
			}
			for i, l := range tr.lines {
				t.Run(fmt.Sprintf("%d %s", i+1, l.says+l.image), func(t *testing.T) { s.t = t; s.play(tr.buyer, l) })
				if t.Failed() {
					return
				}
			}
		})
	}
}

// latest is the buyer's newest conversation, if any.
func (s *scene) latest(who string) (model.Conversation, bool) {
	s.t.Helper()
	cs, err := s.db.ListConversations(s.ctx, store.ConversationFilter{ShopID: s.shop.ID, BuyerID: s.buyer(who).ID, Limit: 1})
	if err != nil {
		s.t.Fatal(err)
	}
	if len(cs) == 0 {
		return model.Conversation{}, false
	}
	return cs[0], true
}

func (s *scene) play(buyer string, l line) {
	t := s.t
	t.Helper()
	who := l.who
	if who == "" {
		who = buyer
	}
	before, _ := s.latest(who)
	seq, events := before.LastSeq, 0
	if before.ID != 0 {
		events = len(s.eventsOf(before))
	}
	if l.product != "" {
		c := s.conversation(who)
		if err := s.db.SetConversationProduct(s.ctx, s.shop.ID, c.ID, l.product); err != nil {
			t.Fatal(err)
		}
	}
	if l.do != nil {
		l.do(s, before)
		s.pump()
	}
	if l.says != "" {
		s.say(who, l.says)
	}
	if l.image != "" {
		s.show(who, l.image)
	}
	c, _ := s.latest(who)
	if c.ID != before.ID {
		seq, events = 0, 0
	}
	var got []string
	var text strings.Builder
	for _, m := range s.messages(c, seq) {
		if m.Sender != model.SenderBuyer {
			got = append(got, stepOf(t, m))
			text.WriteString(m.Body + "\n")
		}
	}
	if l.replies != nil && !slices.Equal(got, l.replies) {
		t.Errorf("replies %q, want %q; text:\n%s", got, l.replies, text.String())
	}
	for _, h := range l.has {
		if !strings.Contains(text.String(), h) {
			t.Errorf("replies do not say %q:\n%s", h, text.String())
		}
	}
	for _, h := range l.hasNot {
		if strings.Contains(text.String(), h) {
			t.Errorf("replies say %q:\n%s", h, text.String())
		}
	}
	if l.owner != "" && c.Owner != l.owner {
		t.Errorf("owner %s, want %s", c.Owner, l.owner)
	}
	if l.agent != "" {
		want := l.agent
		if want == "-" {
			want = ""
		}
		if got := s.nameOf(c.AgentID); got != want || (want == "" && c.AgentID != 0) {
			t.Errorf("agent %q (%d), want %q", got, c.AgentID, l.agent)
		}
	}
	var reasons []string
	for _, e := range s.eventsOf(c)[events:] {
		if e.Kind != "opened" {
			reasons = append(reasons, e.Reason)
		}
	}
	if l.reasons != nil && !slices.Equal(reasons, l.reasons) {
		t.Errorf("reasons %q, want %q", reasons, l.reasons)
	}
	if l.check != nil {
		l.check(s, c)
	}
}

func TestTranscriptsReplies(t *testing.T) {
	rules := func(s *scene) {
		s.pipeline(func(c *Config) {
			c.Rules = []Rule{
				{Name: "包邮", Match: MatchExact, Patterns: []string{"包邮吗", "包邮么"}, Reply: Texts{"zh-CN": "全场包邮哦"}},
				{Name: "发票规则", Match: MatchContains, Patterns: []string{"发票"}, Reply: Texts{"zh-CN": "发票请在订单详情页申请"}, Priority: 5},
				{Name: "开发票", Match: MatchContains, Patterns: []string{"开发票"}, Reply: Texts{"zh-CN": "低优先级"}, Priority: 1},
				{Name: "coupon", Match: MatchRegexp, Patterns: []string{`\bcoupons?\b`}, Reply: Texts{"zh-CN": "领券中心", "en": "Coupons are on the shop page."}},
			}
		})
	}
	offHours := func(s *scene) {
		s.pipeline(func(c *Config) {
			c.Hours = Hours{Enabled: true, Periods: []Period{{Days: []int{1, 2, 3, 4, 5}, From: "09:00", To: "18:00"}}}
		})
		s.clk.Advance(-9 * time.Hour) // Monday 01:00 in Shanghai
	}
	runTranscripts(t, []transcript{
		{name: "welcome, FAQ answer and small talk (zh)", buyer: "v:a", lines: []line{
			{says: "请问多久发货", replies: []string{"welcome/welcome", "faq"}, has: []string{"欢迎光临", "48小时内发货"}, owner: model.OwnerBot},
			{says: "谢谢", replies: []string{"smalltalk/smalltalk.thanks"}},
			{says: "再见", replies: []string{"smalltalk/smalltalk.goodbye"}},
		}},
		{name: "welcome, FAQ answer and small talk (en)", buyer: "v:b", lines: []line{
			{says: "when will you ship my order", replies: []string{"welcome/welcome", "faq"}, has: []string{"Hi, welcome", "We ship within 48 hours."}},
			{says: "hello", replies: []string{"smalltalk/smalltalk.greeting"}, has: []string{"Hello!"}},
			{says: "thanks", replies: []string{"smalltalk/smalltalk.thanks"}, has: []string{"You're welcome"}},
		}},
		{name: "emoji and bare question marks are small talk, not misses", buyer: "v:r", lines: []line{
			{says: "请问多久发货", replies: []string{"welcome/welcome", "faq"}},
			{says: "👍", replies: []string{"smalltalk/smalltalk.thanks"}, has: []string{"不客气"}},
			{says: "？？？", replies: []string{"smalltalk/smalltalk.greeting"}, owner: model.OwnerBot},
			{says: "😊🙏", replies: []string{"smalltalk/smalltalk.thanks"}, owner: model.OwnerBot},
			{says: "😡", replies: []string{"fallback"}, hasNot: []string{"不客气"}},
		}},
		{name: "no welcome when the shop turned it off", buyer: "v:c",
			setup: func(s *scene) { s.pipeline(func(c *Config) { c.Welcome = nil }) },
			lines: []line{{says: "多久发货", replies: []string{"faq"}}}},
		{name: "keyword rules by priority, before the FAQ (zh)", buyer: "v:d", setup: rules, lines: []line{
			{says: "可以开发票吗", replies: []string{"welcome/welcome", "rule"}, has: []string{"发票请在订单详情页申请"}, hasNot: []string{"电子发票", "低优先级"}},
			{says: "包邮吗？", replies: []string{"rule"}, has: []string{"全场包邮哦"}},
			{says: "多久发货", replies: []string{"faq"}},
		}},
		{name: "keyword rule by regular expression (en)", buyer: "v:e", setup: rules, lines: []line{
			{says: "Do you have any COUPONS?", replies: []string{"welcome/welcome", "rule"}, has: []string{"Coupons are on the shop page."}},
		}},
		{name: "off hours: told once, the bot still answers (zh)", buyer: "v:f", setup: offHours, lines: []line{
			{says: "多久发货", replies: []string{"welcome/welcome", "off_hours/off_hours", "faq"}, has: []string{"非工作时间", "48小时"}},
			{says: "可以开发票吗", replies: []string{"faq"}},
		}},
		{name: "off hours (en)", buyer: "v:g", setup: offHours, lines: []line{
			{says: "when will you ship", replies: []string{"welcome/welcome", "off_hours/off_hours", "faq"}, has: []string{"outside working hours"}},
		}},
		{name: "did you mean (zh, en)", buyer: "v:h",
			setup: func(s *scene) {
				s.settings(func(set *kb.Settings) { set.AnswerThreshold, set.SuggestThreshold = 0.999, 0.01 })
			},
			lines: []line{
				{says: "请问多久发货", replies: []string{"welcome/welcome", "choices"}, has: []string{"您是不是想问"}},
				{says: "how soon do you ship things", replies: []string{"choices"}, has: []string{"Did you mean"}},
			}},
		{name: "fallback, then a person after two misses (zh)", buyer: "v:i", lines: []line{
			{says: "你们老板叫什么名字", replies: []string{"welcome/welcome", "fallback"}, owner: model.OwnerBot},
			{says: "老板今年多大了", replies: []string{"handoff/handoff.assigned"}, owner: model.OwnerAgent, agent: "xiaomei",
				reasons: []string{"misses", "auto:round_robin"}, has: []string{"客服小美"}},
		}},
		{name: "fallback, then a person after two misses (en)", buyer: "v:j", lines: []line{
			{says: "what is your boss called", replies: []string{"welcome/welcome", "fallback"}, has: []string{"Sorry"}},
			{says: "who will win the football match tonight", replies: []string{"handoff/handoff.assigned"}, reasons: []string{"misses", "auto:round_robin"},
				has: []string{"You're now talking to"}},
		}},
	})
}
