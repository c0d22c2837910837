package stats

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

// The generator's vocabulary.
var (
	testIntents = []string{"shipping.time", "product.size", "invoice", "aftersale.return", "promo"}
	testFAQs    = []int64{101, 102, 103, 104, 105, 106}
	testReasons = []string{"human_request", "keyword:律师", "always_human:complaint", "vip"}
)

func between(rng *rand.Rand, lo, hi time.Duration) time.Duration {
	return lo + time.Duration(rng.Int64N(int64(hi-lo)+1))
}

func choiceText(faq int64) string { return "您是想问问题" + strconv.FormatInt(faq, 10) + "吗" }

// session writes one buyer's conversations: the first opens at start, and
// a closed one may be followed by another, within a day (the buyer came
// back) or later.
func (g *gen) session(buyer model.Buyer, start time.Time, channel string) {
	at := start
	for n := 0; ; n++ {
		cv := g.open(buyer, at, channel)
		closedAt, closed := g.script(cv)
		if !closed || n == 2 {
			return
		}
		switch p := g.rng.Float64(); {
		case p < 0.3:
			at = closedAt.Add(between(g.rng, time.Minute, 23*time.Hour))
			cv.truth.returnedWithin = true
		case p < 0.5:
			at = closedAt.Add(between(g.rng, 25*time.Hour, 72*time.Hour))
		default:
			return
		}
	}
}

// script writes one conversation: the bot's turns, maybe a handoff with a
// queue and agents, closing, the rating. It returns when and whether it
// closed.
func (g *gen) script(cv *conversation) (time.Time, bool) {
	tc, rng := cv.truth, g.rng
	if rng.Float64() < 0.5 {
		cv.post(model.SenderBot, 0, "welcome", "text", "欢迎", reply{Explain: explain{Step: "welcome"}})
	}
	handedBy := g.turns(cv)
	var closedAt time.Time
	closed := false
	if handedBy != "" {
		closedAt, closed = g.humans(cv, handedBy)
	} else if rng.Float64() < 0.8 {
		closedAt = cv.wait(between(rng, 5*time.Minute, 30*time.Minute))
		cv.move(model.OwnerClosed, 0, 0, "idle")
		closed = true
	}
	if closed {
		tc.closed, tc.closeAfter = true, closedAt.Sub(tc.open)
		g.rate(cv)
	}
	return closedAt, closed
}

// turns writes the buyer's messages and the bot's replies; it returns the
// reason of a handoff when the bot handed over.
func (g *gen) turns(cv *conversation) string {
	tc, rng := cv.truth, g.rng
	n := 1 + rng.IntN(4)
	misses := 0
	forced := "" // the text of a tapped choice
	for i := 0; i < n || forced != ""; i++ {
		if i > 0 {
			cv.wait(between(rng, 10*time.Second, 25*time.Minute))
		}
		text := "问题" + strconv.Itoa(rng.IntN(1000))
		tapped := forced != ""
		if tapped {
			text, forced = forced, ""
		}
		b := cv.buyerSays(text)
		tt := truthTurn{at: b.CreatedAt, intent: testIntents[rng.IntN(len(testIntents))]}
		k := 1
		if i == 0 && rng.Float64() < 0.2 {
			d := cv.wait(between(rng, 100*time.Millisecond, 900*time.Millisecond)).Sub(b.CreatedAt)
			cv.botSays(b, k, "text", reply{Explain: explain{Step: "off_hours"}})
			tc.firstBot, k = &d, k+1
		}
		cv.wait(between(rng, 200*time.Millisecond, 3*time.Second))
		reason := ""
		switch p := rng.Float64(); {
		case tapped || p < 0.4:
			g.answer(cv, b, k, &tt)
		case p < 0.55:
			faqs := []int64{testFAQs[rng.IntN(3)], testFAQs[3+rng.IntN(3)]}
			cv.botSays(b, k, "choices", reply{Choices: []choice{{faqs[0], choiceText(faqs[0])}, {faqs[1], choiceText(faqs[1])}},
				Explain: explain{Step: "choices", Intent: intent{tt.intent}, Candidates: []candidate{{fmt.Sprint(faqs[0])}, {fmt.Sprint(faqs[1])}}}})
			tt.class, tt.faq, tt.choice = turnSuggested, fmt.Sprint(faqs[0]), true
			tt.offered = []string{fmt.Sprint(faqs[0]), fmt.Sprint(faqs[1])}
			if rng.Float64() < 0.5 {
				pick := faqs[rng.IntN(2)]
				tt.taken, tt.takenFAQ, forced = true, fmt.Sprint(pick), choiceText(pick)
			}
		case p < 0.75:
			misses++
			tt.class = turnFallback
			if misses >= 2 && rng.Float64() < 0.5 {
				reason = "misses"
				cv.move(model.OwnerQueue, 0, g.groups[rng.IntN(len(g.groups))], reason)
				cv.botSays(b, k, "text", reply{Explain: explain{Step: "handoff", Handoff: reason, Intent: intent{tt.intent}}})
			} else {
				cv.botSays(b, k, "text", reply{Explain: explain{Step: "fallback", Intent: intent{tt.intent}}})
			}
		case p < 0.85:
			cv.botSays(b, k, "text", reply{Explain: explain{Step: "smalltalk", Intent: intent{"greeting"}}})
			tt.class, tt.intent = turnChatter, ""
		default:
			reason = testReasons[rng.IntN(len(testReasons))]
			cv.move(model.OwnerQueue, 0, g.groups[rng.IntN(len(g.groups))], reason)
			cv.botSays(b, k, "text", reply{Explain: explain{Step: "handoff", Handoff: reason, Intent: intent{tt.intent}}})
			tt.class = turnHandoff
		}
		if tc.firstBot == nil {
			d := cv.now.Sub(b.CreatedAt)
			tc.firstBot = &d
		}
		tc.turns = append(tc.turns, tt)
		if reason != "" {
			return reason
		}
	}
	return ""
}

// answer is a direct answer: a FAQ's, or one from the shop's data.
func (g *gen) answer(cv *conversation, b model.Message, k int, tt *truthTurn) {
	tt.class = turnAnswered
	if g.rng.Float64() < 0.25 {
		cv.botSays(b, k, "text", reply{Explain: explain{Step: "live", Intent: intent{tt.intent}}})
		return
	}
	faq := testFAQs[g.rng.IntN(len(testFAQs))]
	cv.botSays(b, k, "text", reply{FAQID: faq, Explain: explain{Step: "faq", Intent: intent{tt.intent}, Candidates: []candidate{{fmt.Sprint(faq)}}}})
	tt.faq, tt.faqAnswered = fmt.Sprint(faq), true
}

// humans writes what follows a handoff: the wait in the queue, then
// nobody (the buyer leaves, or still waits), or agents who answer, maybe
// transfer, and close.
func (g *gen) humans(cv *conversation, reason string) (time.Time, bool) {
	tc, rng := cv.truth, g.rng
	tc.human = true
	tc.handoffs = append(tc.handoffs, reasonKind(reason))
	handed := cv.now
	for i := range tc.turns {
		tc.turns[i].handedAfter = true
	}
	group := cv.c.GroupID
	tc.group = group
	wait := cv.wait(between(rng, 5*time.Second, 15*time.Minute)).Sub(handed)
	switch p := rng.Float64(); {
	case p < 0.1:
		cv.move(model.OwnerClosed, 0, group, "buyer_left")
		tc.abandoned = append(tc.abandoned, wait)
		return cv.now, true
	case p < 0.2:
		tc.waitingSince = handed
		return time.Time{}, false // still waiting
	}
	if rng.Float64() < 0.25 && len(g.groups) > 1 {
		// Nobody took it: it is escalated to another group's queue, where
		// the same wait goes on (one wait, not an abandoned one and another).
		group = g.groups[(indexOf(g.groups, group)+1)%len(g.groups)]
		cv.move(model.OwnerQueue, 0, group, "escalated")
		tc.group = group
		wait = cv.wait(between(rng, 5*time.Second, 5*time.Minute)).Sub(handed)
	}
	tc.queueWaits = append(tc.queueWaits, wait)
	agent := g.agents[rng.IntN(len(g.agents))]
	part := g.serve(cv, agent, group, true)
	if tc.firstHuman == nil {
		d := *part.first + wait
		tc.firstHuman = &d
	}
	if rng.Float64() < 0.2 {
		other := g.agents[(indexOf(g.agents, agent)+1)%len(g.agents)]
		g.end(cv, part)
		cv.move(model.OwnerAgent, other, group, "transfer")
		part = g.serve(cv, other, group, true)
	}
	if rng.Float64() < 0.1 {
		tc.withAgent = part.agent
		return time.Time{}, false // still with the agent
	}
	g.end(cv, part)
	cv.move(model.OwnerClosed, 0, group, "agent_closed")
	return cv.now, true
}

// serve gives the conversation to an agent who writes and the buyer
// answers; the stint stays open.
func (g *gen) serve(cv *conversation, agent, group int64, first bool) *truthPart {
	tc, rng := cv.truth, g.rng
	if cv.c.Owner != model.OwnerAgent || cv.c.AgentID != agent {
		cv.move(model.OwnerAgent, agent, group, "assigned")
	}
	tc.lastAgent = agent
	part := &truthPart{agent: agent, start: cv.now, firstOfAgt: !servedBefore(tc, agent)}
	d := cv.wait(between(rng, 5*time.Second, 3*time.Minute)).Sub(part.start)
	part.first = &d
	for i := 0; i < 1+rng.IntN(4); i++ {
		if i > 0 {
			cv.wait(between(rng, 10*time.Second, 10*time.Minute))
			cv.buyerSays("嗯嗯")
			cv.wait(between(rng, 5*time.Second, 2*time.Minute))
		}
		m := cv.post(model.SenderAgent, agent, fmt.Sprintf("a%d", cv.now.UnixNano()), "text", "亲，这就为您处理", nil)
		tc.agentMsgs = append(tc.agentMsgs, truthMsg{agent, m.CreatedAt})
	}
	tc.parts = append(tc.parts, *part)
	return &tc.parts[len(tc.parts)-1]
}

func servedBefore(tc *truthConv, agent int64) bool {
	for _, p := range tc.parts {
		if p.agent == agent {
			return true
		}
	}
	return false
}

// end ends an agent's stint after a while.
func (g *gen) end(cv *conversation, p *truthPart) {
	cv.wait(between(g.rng, 10*time.Second, 20*time.Minute))
	p.length, p.ended = cv.now.Sub(p.start), true
	cv.truth.handle += p.length
}

func indexOf(xs []int64, x int64) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return -1
}

// rate invites the buyer to rate a closed conversation, and the buyer may
// rate it, also without an invitation.
func (g *gen) rate(cv *conversation) {
	tc, rng := cv.truth, g.rng
	if rng.Float64() < 0.6 {
		cv.wait(time.Second)
		cv.post(model.SenderSystem, 0, "rating-1", "event", "请评价", map[string]string{"invite": "rating"})
		tc.invited = true
	}
	if (tc.invited && rng.Float64() < 0.7) || rng.Float64() < 0.1 {
		cv.wait(between(rng, time.Second, 30*time.Minute))
		tc.rating = 1 + rng.IntN(5)
		g.must(g.db.RateConversation(g.ctx, cv.c.ShopID, cv.c.ID, tc.rating, ""))
	}
}
