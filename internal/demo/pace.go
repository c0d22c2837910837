package demo

import (
	"math"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

// How long people and machines take in the history. Durations are drawn
// evenly on a log scale between their bounds: most are short, a few long.

func (h *history) jitter(lo, hi time.Duration) time.Duration {
	l, u := math.Log(float64(lo)), math.Log(float64(hi))
	return time.Duration(math.Exp(l + h.rng.Float64()*(u-l))).Truncate(time.Millisecond)
}

// botLatency is from a buyer's message to the bot's reply.
func (h *history) botLatency() time.Duration {
	return h.jitter(250*time.Millisecond, 1500*time.Millisecond)
}

// think is a buyer reading a reply and typing the next message.
func (h *history) think() time.Duration { return h.jitter(6*time.Second, 50*time.Second) }

// tapDelay is a buyer tapping a "did you mean" choice.
func (h *history) tapDelay() time.Duration { return h.jitter(2*time.Second, 9*time.Second) }

// agentDelay is an agent's next message: the first after getting the
// conversation, one after the buyer wrote, or a second one in a row.
func (h *history) agentDelay(first, afterAgent bool) time.Duration {
	switch {
	case first:
		return h.jitter(8*time.Second, 95*time.Second)
	case afterAgent:
		return h.jitter(4*time.Second, 25*time.Second)
	}
	return h.jitter(10*time.Second, 70*time.Second)
}

// replyDelay is a buyer answering an agent.
func (h *history) replyDelay() time.Duration { return h.jitter(8*time.Second, 60*time.Second) }

// closeDelay is an agent closing after the last message.
func (h *history) closeDelay() time.Duration { return h.jitter(30*time.Second, 200*time.Second) }

// rateDelay is a buyer rating after the invitation.
func (h *history) rateDelay() time.Duration { return h.jitter(4*time.Second, 90*time.Second) }

// escalateAfter is when the router's sweep (every 30 s) finds a buyer
// waiting longer than the routing's escalation time.
func (h *history) escalateAfter() time.Duration {
	return time.Duration(h.routing.EscalateMinutes)*time.Minute + h.jitter(time.Second, 30*time.Second)
}

// idleAfter is when the sweep closes a conversation the buyer left with
// the bot.
func (h *history) idleAfter() time.Duration {
	return time.Duration(h.routing.IdleCloseMinutes)*time.Minute + h.jitter(time.Second, 30*time.Second)
}

// pickAgent is who the router gives a waiting buyer at t: an agent of the
// group online by the roster (the supervisor less often), or anyone of it.
func (h *history) pickAgent(group int64, t time.Time) int64 {
	var on []string
	var total float64
	for _, u := range h.groups[group] {
		if statusAt(u, t, h.loc) == model.StatusOnline {
			on = append(on, u)
			total += agentWeight(u)
		}
	}
	if len(on) == 0 {
		on = h.groups[group]
		total = float64(len(on))
	}
	if len(on) == 0 {
		return h.accounts["super"].ID
	}
	x := h.rng.Float64() * total
	for _, u := range on {
		if x -= agentWeight(u); x < 0 {
			return h.accounts[u].ID
		}
	}
	return h.accounts[on[len(on)-1]].ID
}

func agentWeight(username string) float64 {
	if username == "super" {
		return 0.5
	}
	return 1
}

// Ratings: how likely buyers rate, and their stars by how it went.
var (
	starsPleased = [5]float64{0.02, 0.03, 0.07, 0.2, 0.68} // 1..5 stars
	starsUnsure  = [5]float64{0.1, 0.1, 0.2, 0.25, 0.35}
	starsUpset   = [5]float64{0.2, 0.15, 0.25, 0.2, 0.2}
	comments     = map[int][]string{
		1: {"等了好久都没人回", "问题没解决"},
		2: {"机器人答非所问", "回复太慢了"},
		3: {"一般吧", ""},
		4: {"挺好的", "回复挺快"},
		5: {"客服很耐心，点赞", "解答很清楚，谢谢", "服务很好"},
	}
)

// rating decides whether the buyer of a conversation like t, opened at
// start and closed at closed, rates it and how: most rate after an agent
// closed, few after leaving the bot; who came to complain, waited long for
// a person, or left the bot without an answer gives fewer stars.
func (h *history) rating(t *template, start, closed time.Time) (int, string, bool) {
	p := 0.12
	if t.handed {
		p = 0.62
	}
	if h.rng.Float64() >= p {
		return 0, "", false
	}
	dist := starsPleased
	switch {
	case t.script.mood == upset:
		dist = starsUpset
	case t.handed && closed.Sub(start) > time.Hour:
		dist = starsUnsure
	case !t.handed && (t.script.mood == unsure || t.unsure):
		dist = starsUnsure
	}
	x := h.rng.Float64()
	stars := 5
	for i, w := range dist {
		if x -= w; x < 0 {
			stars = i + 1
			break
		}
	}
	comment := ""
	if t.script.en {
		return stars, "", true
	}
	if h.rng.Float64() < 0.25 {
		cs := comments[stars]
		comment = cs[h.rng.IntN(len(cs))]
	}
	return stars, comment, true
}
