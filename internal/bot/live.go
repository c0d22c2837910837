package bot

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/commerce"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/nlp"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// Card is an order or product the buyer can tap, sent in a message's Meta.
type Card struct {
	Type      string    `json:"type"` // order
	OrderNo   string    `json:"order_no,omitempty"`
	Title     string    `json:"title"`
	Status    string    `json:"status,omitempty"`
	Total     string    `json:"total,omitempty"`
	CreatedAt time.Time `json:"created_at,omitzero"`
}

// The intents answered from the buyer's orders, and those that become a
// task for a person.
var (
	orderIntents = []string{"order.status", "order.logistics", "order.urge", "aftersale.refund_status"}
	taskIntents  = []string{"order.cancel", "order.modify"}
)

// maxOrderCards bounds the orders offered when the bot asks which one.
const maxOrderCards = 5

// priceWords ask for a price.
var priceWords = regexp.MustCompile(`多少钱|价格|价钱|几块钱|\bhow much\b|\bprice\b|\bcost\b`)

// live answers from the shop's data: the buyer's orders for order intents,
// the product in focus for product intents and prices, and an order number
// sent alone.
func (t *turn) live() *reply {
	in := t.m.Analysis.Intent
	sure := in.Confidence >= intentConfidence
	switch {
	case sure && (slices.Contains(orderIntents, in.ID) || slices.Contains(taskIntents, in.ID)):
		return t.orderReply(in.ID, t.entity(nlp.EntityOrderNumber))
	case sure && slices.Contains(productIntents, in.ID):
		return t.productReply(in.ID)
	case (in.Category == "presale" || in.Category == "chat") && priceWords.MatchString(t.folded):
		return t.productReply(intentPrice)
	case t.entity(nlp.EntityOrderNumber) != "" && (in.Category == "order" || in.Category == "chat"):
		return t.orderReply("order.status", t.entity(nlp.EntityOrderNumber))
	}
	return nil
}

// entity is the first entity of a kind in the message.
func (t *turn) entity(kind string) string {
	for _, e := range t.m.Analysis.Entities {
		if e.Kind == kind {
			return e.Value
		}
	}
	return ""
}

// orderReply finds the order meant (the number given, the order in focus,
// or the only fitting one of the buyer's orders) and answers about it, or
// asks which one with order cards. An anonymous visitor is asked to log in
// and sees nothing.
func (t *turn) orderReply(intent, number string) *reply {
	if !t.buyer.Verified() {
		return t.say("live", "login", nil)
	}
	ctx, data := t.ctx, t.b.data
	if number == "" {
		number = t.cc.FocusOrder
	}
	if number != "" {
		o, err := data.OrderByNumber(ctx, t.shop, number)
		switch {
		case err == nil && o.BuyerID == t.buyer.ExternalID:
			return t.orderAnswer(intent, o)
		case err != nil && !errors.Is(err, store.ErrNotFound):
			t.b.log.Error("bot: order", "err", err)
			return nil
		case number != t.cc.FocusOrder:
			// Someone else's order reads as not found: nothing is told.
			return t.say("live", "order.not_found", map[string]string{"order_no": number})
		}
		t.cc.FocusOrder = ""
	}
	orders, err := data.BuyerOrders(ctx, t.shop, t.buyer.ExternalID, 20)
	if err != nil {
		t.b.log.Error("bot: buyer orders", "err", err)
		return nil
	}
	cands := relevantOrders(intent, orders)
	switch len(cands) {
	case 0:
		return t.say("live", "order.none", nil)
	case 1:
		return t.orderAnswer(intent, cands[0])
	}
	return t.askWhichOrder(intent, cands)
}

// relevantOrders narrows the buyer's orders (newest first) to those an
// intent is likely about, or keeps them all when none fits.
func relevantOrders(intent string, orders []commerce.OrderView) []commerce.OrderView {
	var fits func(o commerce.OrderView) bool
	switch intent {
	case "order.logistics", "order.urge":
		fits = func(o commerce.OrderView) bool {
			return o.Status == model.OrderShipped || o.Status == model.OrderPaid || o.Latest != nil && o.Status == model.OrderDelivered
		}
	case "aftersale.refund_status":
		fits = func(o commerce.OrderView) bool { return o.Refund != model.RefundNone }
	case "order.cancel", "order.modify":
		fits = func(o commerce.OrderView) bool { return o.Status == model.OrderUnpaid || o.Status == model.OrderPaid }
	default:
		fits = func(o commerce.OrderView) bool {
			return o.Status != model.OrderCompleted && o.Status != model.OrderClosed && o.Status != model.OrderRefunded
		}
	}
	var out []commerce.OrderView
	for _, o := range orders {
		if fits(o) {
			out = append(out, o)
		}
	}
	if len(out) == 0 {
		out = orders
	}
	return out[:min(len(out), maxOrderCards)]
}

// askWhichOrder offers order cards and remembers the question.
func (t *turn) askWhichOrder(intent string, orders []commerce.OrderView) *reply {
	r := t.say("live", "order.which", nil)
	r.kind, r.asks = model.KindCard, true
	a := &asked{Kind: askWhichOrder, Intent: intent}
	for _, o := range orders {
		a.Orders = append(a.Orders, o.ExternalID)
		r.cards = append(r.cards, Card{Type: "order", OrderNo: o.ExternalID, Title: t.itemsOf(o.Order),
			Status: commerce.StatusLabel(t.lang, o.Status), Total: money(o.TotalFen), CreatedAt: o.CreatedAt.UTC()})
	}
	t.cc.Asked = a
	return r
}

// orderAnswer answers an intent about one order of the buyer.
func (t *turn) orderAnswer(intent string, o commerce.OrderView) *reply {
	t.cc.FocusOrder = o.ExternalID
	var r *reply
	fields := map[string]string{"order_no": o.ExternalID, "items": t.itemsOf(o.Order), "status": commerce.StatusLabel(t.lang, o.Status),
		"total": money(o.TotalFen)}
	switch {
	case slices.Contains(taskIntents, intent):
		r = t.say("live", "task."+intent, fields)
		r.handoff = ReasonTask + ":" + intent
	case intent == "aftersale.refund_status" && o.Refund == model.RefundNone:
		r = t.say("live", "refund.none", fields)
	case intent == "aftersale.refund_status":
		fields["refund"], fields["amount"] = commerce.RefundLabel(t.lang, o.Refund), money(o.RefundFen)
		r = t.say("live", "refund.status", fields)
	case o.Latest != nil:
		fields["carrier"], fields["tracking_no"] = o.Carrier, o.TrackingNo
		fields["time"], fields["event"], fields["location"] = t.localTime(o.Latest.At), o.Latest.Text, o.Latest.Location
		r = t.say("live", "order.logistics", fields)
	default:
		r = t.say("live", "order.status", fields)
	}
	r.order = o.ExternalID
	return r
}

// itemsOf names an order's items: the first two titles and how many more.
func (t *turn) itemsOf(o model.Order) string {
	var titles []string
	for _, it := range o.Items {
		titles = append(titles, it.Title)
	}
	if len(titles) > 2 {
		return t.cfg.render("items.more", t.lang, map[string]string{"items": strings.Join(titles[:2], separator(t.lang)),
			"count": strconv.Itoa(len(titles)), "more": strconv.Itoa(len(titles) - 2)})
	}
	return strings.Join(titles, separator(t.lang))
}

// localTime shows a time in the shop's zone.
func (t *turn) localTime(at time.Time) string {
	if loc, err := time.LoadLocation(t.shop.Timezone); err == nil {
		at = at.In(loc)
	}
	return at.Format("01-02 15:04")
}

// money shows fen as yuan: ¥12.50.
func money(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return fmt.Sprintf("%s¥%d.%02d", sign, fen/100, fen%100)
}

// ordinals read "the second one" answers to a which-order question.
var (
	reOrdinalZh = regexp.MustCompile(`^(?:第)?\s*([1-9一二三四五六七八九])\s*(?:个|单|笔)?(?:订单)?$`)
	reOrdinalEn = regexp.MustCompile(`^(?:the\s+)?(first|second|third|fourth|fifth|1st|2nd|3rd|4th|5th|[1-9])(?:\s+(?:one|order))?$`)
	ordinalWord = map[string]int{"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
		"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "5th": 5}
)

// ordinal is the 1-based choice a short answer names, or 0.
func ordinal(folded string) int {
	for _, re := range []*regexp.Regexp{reOrdinalZh, reOrdinalEn} {
		if m := re.FindStringSubmatch(folded); m != nil {
			if n, ok := ordinalWord[m[1]]; ok {
				return n
			}
			n, _ := strconv.Atoi(m[1])
			return n
		}
	}
	return 0
}

// pending takes the buyer's answer to the question the bot asked last
// turn. Any other message drops the question and goes on through the
// pipeline.
func (t *turn) pending() *reply {
	a := t.cc.Asked
	t.cc.Asked = nil
	if a == nil {
		return nil
	}
	var r *reply
	switch a.Kind {
	case askWhichOrder:
		if n := t.chosenOrder(a); n != "" {
			r = t.orderReply(a.Intent, n)
		}
	case askWhichProduct:
		if p, ok := t.namedProduct(); ok {
			t.cc.FocusProduct, t.cc.ProductAt = p.ExternalID, t.now
			r = t.productAnswer(a.Intent, p)
		}
	case askSizeBody:
		if b := bodyOf(t.m.Analysis.Entities, t.folded, true); b.HeightCm > 0 || b.WeightKg > 0 {
			r = t.productReply("product.size")
		}
	}
	if r != nil {
		r.step = "pending"
	}
	return r
}

// chosenOrder is the order the buyer picked: a tapped card or a typed
// number (the number of any of their orders counts), or "the second one".
func (t *turn) chosenOrder(a *asked) string {
	for _, n := range a.Orders {
		if strings.Contains(t.folded, strings.ToLower(n)) {
			return n
		}
	}
	if n := t.entity(nlp.EntityOrderNumber); n != "" {
		return n
	}
	if i := ordinal(t.folded); i >= 1 && i <= len(a.Orders) {
		return a.Orders[i-1]
	}
	return ""
}
