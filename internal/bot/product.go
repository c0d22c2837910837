package bot

import (
	"errors"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/xiaoer-cs/xiaoer/internal/commerce"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/nlp"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// productIntents are answered from the product in focus; intentPrice is
// the bot's own name for a price question, which has no intent of its own.
var productIntents = []string{"product.stock", "product.spec", "product.size"}

const intentPrice = "price"

// Limits of product answers.
const (
	maxSKULines      = 12
	maxProductTokens = 3
)

// productToken finds what may be a product id in a message: letters and
// digits with at least one digit (P1001, sku-42).
var productToken = regexp.MustCompile(`[a-z0-9][a-z0-9_-]{2,40}`)

// productReply answers about the product named in the message or in
// focus (the widget's or the last one talked about), or asks which.
func (t *turn) productReply(intent string) *reply {
	p, ok := t.namedProduct()
	if !ok {
		p, ok = t.focusProduct()
	}
	if !ok {
		r := t.say("live", "product.which", nil)
		r.asks = true
		t.cc.Asked = &asked{Kind: askWhichProduct, Intent: intent}
		return r
	}
	t.cc.FocusProduct, t.cc.ProductAt = p.ExternalID, t.now
	return t.productAnswer(intent, p)
}

// namedProduct is a product whose id the message holds.
func (t *turn) namedProduct() (model.Product, bool) {
	n := 0
	for _, tok := range productToken.FindAllString(t.folded, -1) {
		if !strings.ContainsAny(tok, "0123456789") || n == maxProductTokens {
			continue
		}
		n++
		for _, id := range []string{tok, strings.ToUpper(tok)} {
			if p, err := t.b.data.Product(t.ctx, t.shop.ID, id); err == nil {
				return p, true
			}
		}
	}
	return model.Product{}, false
}

func (t *turn) focusProduct() (model.Product, bool) {
	if t.cc.FocusProduct == "" {
		return model.Product{}, false
	}
	p, err := t.b.data.Product(t.ctx, t.shop.ID, t.cc.FocusProduct)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			t.b.log.Error("bot: product", "err", err)
		}
		return model.Product{}, false
	}
	return p, true
}

// productAnswer answers one intent about a product; nil lets the FAQ try
// (a product without SKUs says nothing of stock, one without a size chart
// nothing of sizes).
func (t *turn) productAnswer(intent string, p model.Product) *reply {
	var r *reply
	switch intent {
	case "product.stock":
		r = t.stockReply(p)
	case "product.spec":
		r = t.specReply(p)
	case "product.size":
		r = t.sizeReply(p)
	case intentPrice:
		r = t.say("live", "product.price", map[string]string{"title": p.Title, "price": priceOf(t.chosenSKUs(p), p)})
	}
	if r != nil {
		r.product = p.ExternalID
	}
	return r
}

// chosenSKUs are the SKUs matching the colours and sizes the message
// names, or all when it names none that exist.
func (t *turn) chosenSKUs(p model.Product) []model.SKU {
	var colours, sizes []nlp.Entity
	for _, e := range t.m.Analysis.Entities {
		switch e.Kind {
		case nlp.EntityColour:
			colours = append(colours, e)
		case nlp.EntitySize:
			sizes = append(sizes, e)
		}
	}
	var out []model.SKU
	for _, s := range p.SKUs {
		if (len(colours) == 0 || slices.ContainsFunc(colours, func(e nlp.Entity) bool { return colourIs(s.Color, e) })) &&
			(len(sizes) == 0 || slices.ContainsFunc(sizes, func(e nlp.Entity) bool { return strings.EqualFold(s.Size, e.Value) })) {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return p.SKUs
	}
	return out
}

// colourIs matches a SKU colour (黑色, Black) with a colour the buyer named
// (黑, 黑色, black).
func colourIs(sku string, e nlp.Entity) bool {
	s := strings.ToLower(sku)
	return s != "" && (strings.Contains(s, e.Text) || strings.Contains(e.Text, s) || s == e.Value)
}

func skuSpec(s model.SKU) string {
	var parts []string
	for _, p := range []string{s.Color, s.Size} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		return s.ExternalID
	}
	return strings.Join(parts, " / ")
}

// stockReply lists the stock of the SKUs asked about, those in stock
// first, so a long list cut at maxSKULines still shows what can be bought.
func (t *turn) stockReply(p model.Product) *reply {
	skus := slices.Clone(t.chosenSKUs(p))
	if len(skus) == 0 {
		return nil
	}
	slices.SortStableFunc(skus, func(a, b model.SKU) int {
		return cmpBool(b.Stock > 0, a.Stock > 0)
	})
	var lines []string
	for _, s := range skus[:min(len(skus), maxSKULines)] {
		f := map[string]string{"spec": skuSpec(s), "count": strconv.Itoa(s.Stock)}
		key := "product.in_stock"
		if s.Stock <= 0 {
			key = "product.sold_out"
		}
		lines = append(lines, t.cfg.render(key, t.lang, f))
	}
	return t.say("live", "product.stock", map[string]string{"title": p.Title, "stock": strings.Join(lines, "\n")})
}

func (t *turn) specReply(p model.Product) *reply {
	keys := make([]string, 0, len(p.Attributes))
	for k := range p.Attributes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var attrs []string
	for _, k := range keys {
		attrs = append(attrs, k+": "+p.Attributes[k])
	}
	var colours, sizes []string
	for _, s := range p.SKUs {
		if s.Color != "" && !slices.Contains(colours, s.Color) {
			colours = append(colours, s.Color)
		}
		if s.Size != "" && !slices.Contains(sizes, s.Size) {
			sizes = append(sizes, s.Size)
		}
	}
	sep := separator(t.lang)
	options := strings.Join(slices.DeleteFunc([]string{strings.Join(colours, sep), strings.Join(sizes, sep)},
		func(s string) bool { return s == "" }), " | ")
	return t.say("live", "product.spec", map[string]string{"title": p.Title, "price": priceOf(t.chosenSKUs(p), p),
		"attributes": strings.Join(attrs, "\n"), "options": options})
}

// priceOf is a price or the range of the SKUs' prices.
func priceOf(skus []model.SKU, p model.Product) string {
	lo, hi := int64(math.MaxInt64), int64(-1)
	for _, s := range skus {
		lo, hi = min(lo, s.PriceFen), max(hi, s.PriceFen)
	}
	switch {
	case hi < 0:
		return money(p.PriceFen)
	case lo == hi:
		return money(lo)
	}
	return money(lo) + " - " + money(hi)
}

// sizeReply recommends a size from the product's chart for the height and
// weight the buyer gave, or asks for them.
func (t *turn) sizeReply(p model.Product) *reply {
	if len(p.SizeChart) == 0 {
		return nil
	}
	body := bodyOf(t.m.Analysis.Entities, t.folded, true)
	adv, ok := commerce.RecommendSize(p.SizeChart, body)
	if !ok {
		r := t.say("live", "size.ask", map[string]string{"title": p.Title})
		r.asks = true
		t.cc.Asked = &asked{Kind: askSizeBody, Intent: "product.size"}
		return r
	}
	f := map[string]string{"title": p.Title, "size": adv.Size, "alternative": adv.Alternative, "body": t.describeBody(body)}
	switch {
	case adv.Exact && adv.Alternative != "":
		return t.say("live", "size.between", f)
	case adv.Exact:
		return t.say("live", "size.advice", f)
	}
	return t.say("live", "size.nearest", f)
}

// describeBody says back what the buyer told: 身高170cm、体重60kg.
func (t *turn) describeBody(b commerce.Body) string {
	var parts []string
	if b.HeightCm > 0 {
		parts = append(parts, t.cfg.render("size.height", t.lang, map[string]string{"height": strconv.Itoa(b.HeightCm)}))
	}
	if b.WeightKg > 0 {
		parts = append(parts, t.cfg.render("size.weight", t.lang, map[string]string{"weight": strconv.Itoa(b.WeightKg)}))
	}
	return strings.Join(parts, separator(t.lang))
}

// bareNumber finds plain numbers for a buyer answering "how tall, how
// heavy" with "170 60".
var bareNumber = regexp.MustCompile(`\d{2,3}(?:\.\d)?`)

// bodyOf reads height and weight from the entities; lenient (a size
// question, or the answer to one) also takes bare numbers: 140-220 is a
// height in cm, 30-150 a weight in kg.
func bodyOf(ents []nlp.Entity, folded string, lenient bool) commerce.Body {
	var b commerce.Body
	for _, e := range ents {
		switch e.Kind {
		case nlp.EntityHeight:
			b.HeightCm = leadingInt(e.Value)
		case nlp.EntityWeight:
			b.WeightKg = leadingInt(e.Value)
		}
	}
	if !lenient {
		return b
	}
	for _, s := range bareNumber.FindAllString(folded, 4) {
		n := leadingInt(s)
		switch {
		case b.HeightCm == 0 && n >= 140 && n <= 220:
			b.HeightCm = n
		case b.WeightKg == 0 && n >= 30 && n <= 150:
			b.WeightKg = n
		}
	}
	return b
}

// leadingInt reads the number a value starts with, rounded: "170cm" → 170,
// "62.5kg" → 63.
func leadingInt(s string) int {
	end := 0
	for end < len(s) && (s[end] >= '0' && s[end] <= '9' || s[end] == '.') {
		end++
	}
	f, err := strconv.ParseFloat(s[:end], 64)
	if err != nil {
		return 0
	}
	return int(math.Round(f))
}

// cmpBool orders false before true.
func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}
