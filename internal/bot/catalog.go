package bot

import (
	"regexp"
	"slices"
	"sort"
	"strings"
)

// entry is one text of the bot in each language, with the fields a
// template of it may use as {name}.
type entry struct {
	texts  Texts
	fields []string
}

// catalogue holds every text the bot sends, Simplified Chinese first; a
// shop rewords any of them in Config.Templates. Handlers and steps take
// texts from here only.
var catalogue = map[string]entry{
	"welcome": {Texts{"zh-CN": "您好，欢迎光临！我是智能客服小二，有什么可以帮您？", "en": "Hi, welcome! I'm the shop's assistant. How can I help you?"}, nil},
	"off_hours": {Texts{"zh-CN": "现在是非工作时间，人工客服上班后会第一时间回复您；小二先为您解答～",
		"en": "We're outside working hours now; our team will reply as soon as they are back. Meanwhile I'll try to help."}, nil},

	"handoff.queued": {Texts{"zh-CN": "正在为您转接人工客服，您前面还有 {ahead} 位，当前排第 {position} 位，请稍候～",
		"en": "Connecting you to a person. You are number {position} in the queue ({ahead} ahead of you)."}, []string{"position", "ahead"}},
	"handoff.assigned": {Texts{"zh-CN": "已为您转接客服 {agent}，请稍候～", "en": "You're now talking to {agent}."}, []string{"agent"}},
	"handoff.offline": {Texts{"zh-CN": "抱歉，现在没有客服在线。请直接留言您的问题和联系方式，客服上线后会第一时间回复您。",
		"en": "Sorry, nobody from our team is online right now. Leave your question and contact details here and we'll reply as soon as we're back."}, nil},
	"handoff.busy": {Texts{"zh-CN": "现在咨询的人有点多，已为您转接人工客服排队，客服会尽快回复您，请稍候～",
		"en": "We're very busy right now, so you're in the queue for a person. Someone will reply as soon as they can."}, nil},
	"media.received": {Texts{"zh-CN": "收到您的图片啦～请用文字简单描述一下您的问题，或回复「转人工」让客服为您查看。",
		"en": "Got your picture! Please tell me in a few words what you need, or say \"human\" and one of our team will take a look."}, nil},
	"return.bot": {Texts{"zh-CN": "客服暂时离开了，小二继续为您服务～有问题可以直接问我，也可以发送「转人工」。",
		"en": "Our agent stepped away, so I'm back to help. Ask me anything, or say \"human\" to wait for a person."}, nil},
	"rating.invite": {Texts{"zh-CN": "本次服务已结束，请为我们的服务打分（1-5 星），也欢迎留下您的建议～",
		"en": "This conversation has ended. Please rate our service from 1 to 5 stars; comments are welcome too."}, nil},

	"login":      {Texts{"zh-CN": "查询订单需要先登录哦，请登录后再问我～", "en": "Please log in first so I can look up your orders."}, nil},
	"order.none": {Texts{"zh-CN": "没有查到您的订单哦～", "en": "I couldn't find any orders of yours."}, nil},
	"order.not_found": {Texts{"zh-CN": "没有在您的订单中找到 {order_no}，请核对订单号～", "en": "I couldn't find {order_no} among your orders. Please check the number."},
		[]string{"order_no"}},
	"order.which": {Texts{"zh-CN": "您想问的是哪个订单呢？请点选下面的订单，或发送订单号：", "en": "Which order do you mean? Tap one below or send its number:"}, nil},
	"order.status": {Texts{"zh-CN": "您的订单 {order_no}（{items}）当前状态：{status}。", "en": "Your order {order_no} ({items}) is {status}."},
		[]string{"order_no", "items", "status", "total"}},
	"order.logistics": {Texts{"zh-CN": "您的订单 {order_no}（{status}）由{carrier}配送，运单号 {tracking_no}。最新物流：{time} {event}",
		"en": "Your order {order_no} ({status}) ships with {carrier}, tracking number {tracking_no}. Latest: {time} {event}"},
		[]string{"order_no", "items", "status", "carrier", "tracking_no", "time", "event", "location"}},
	"refund.status": {Texts{"zh-CN": "订单 {order_no} 的退款进度：{refund}，退款金额 {amount}。", "en": "Refund for order {order_no}: {refund}, amount {amount}."},
		[]string{"order_no", "refund", "amount"}},
	"refund.none": {Texts{"zh-CN": "订单 {order_no} 目前没有退款申请哦～", "en": "There is no refund request for order {order_no}."}, []string{"order_no"}},
	"task.order.cancel": {Texts{"zh-CN": "好的，取消订单 {order_no} 需要客服为您处理。", "en": "Sure. Cancelling order {order_no} needs one of our team."},
		[]string{"order_no"}},
	"task.order.modify": {Texts{"zh-CN": "好的，修改订单 {order_no} 的地址需要客服为您处理。", "en": "Sure. Changing the address of order {order_no} needs one of our team."},
		[]string{"order_no"}},

	"product.which":    {Texts{"zh-CN": "您问的是哪件商品呢？请发送商品链接或商品编号～", "en": "Which product do you mean? Send me its link or product number."}, nil},
	"product.stock":    {Texts{"zh-CN": "{title} 的库存：\n{stock}", "en": "Stock of {title}:\n{stock}"}, []string{"title", "stock"}},
	"product.in_stock": {Texts{"zh-CN": "{spec}：有货（{count} 件）", "en": "{spec}: in stock ({count})"}, []string{"spec", "count"}},
	"product.sold_out": {Texts{"zh-CN": "{spec}：暂时缺货", "en": "{spec}: sold out"}, []string{"spec"}},
	"product.spec": {Texts{"zh-CN": "{title}\n价格：{price}\n{attributes}\n可选规格：{options}", "en": "{title}\nPrice: {price}\n{attributes}\nOptions: {options}"},
		[]string{"title", "price", "attributes", "options"}},
	"product.price": {Texts{"zh-CN": "{title} 的价格是 {price}。", "en": "{title} costs {price}."}, []string{"title", "price"}},
	"size.ask": {Texts{"zh-CN": "请告诉我您的身高和体重（例如 170cm 60kg），小二帮您推荐 {title} 的尺码～",
		"en": "Tell me your height and weight (for example 170cm 60kg) and I'll suggest a size of {title}."}, []string{"title"}},
	"size.advice": {Texts{"zh-CN": "根据您的{body}，{title} 推荐 {size} 码。", "en": "For {body}, I suggest size {size} of {title}."},
		[]string{"title", "size", "body"}},
	"size.between": {Texts{"zh-CN": "根据您的{body}，{title} 推荐 {size} 码；喜欢修身可以选 {alternative} 码。",
		"en": "For {body}, I suggest size {size} of {title}; {alternative} if you like a closer fit."}, []string{"title", "size", "alternative", "body"}},
	"size.nearest": {Texts{"zh-CN": "您的{body}不在 {title} 的尺码表范围内，最接近的是 {size} 码，建议再和客服确认一下～",
		"en": "{body} is outside the size chart of {title}; the closest is {size}. You may want to check with our team."},
		[]string{"title", "size", "body"}},

	"size.height": {Texts{"zh-CN": "身高{height}cm", "en": "height {height}cm"}, []string{"height"}},
	"size.weight": {Texts{"zh-CN": "体重{weight}kg", "en": "weight {weight}kg"}, []string{"weight"}},
	"items.more":  {Texts{"zh-CN": "{items}等{count}件", "en": "{items} and {more} more"}, []string{"items", "count", "more"}},

	"smalltalk.greeting": {Texts{"zh-CN": "您好～我是小二，有什么可以帮您？", "en": "Hello! How can I help you?"}, nil},
	"smalltalk.thanks":   {Texts{"zh-CN": "不客气～还有其他问题随时找我哦", "en": "You're welcome! Ask me anytime."}, nil},
	"smalltalk.goodbye":  {Texts{"zh-CN": "感谢光临，祝您生活愉快，再见～", "en": "Thanks for visiting. Goodbye!"}, nil},
}

// Catalogue returns every key with its default texts and the fields its
// template may use, for the merchant's settings page.
func Catalogue() map[string]CatalogueEntry {
	out := map[string]CatalogueEntry{}
	for k, e := range catalogue {
		out[k] = CatalogueEntry{Texts: e.texts, Fields: slices.Clone(e.fields)}
	}
	return out
}

// CatalogueEntry is one key of the catalogue as the API shows it.
type CatalogueEntry struct {
	Texts  Texts    `json:"texts"`
	Fields []string `json:"fields"`
}

// catalogueKeys lists the keys, sorted.
func catalogueKeys() []string {
	keys := make([]string, 0, len(catalogue))
	for k := range catalogue {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// text is the shop's wording of a key in lang: its template, else the
// catalogue's, falling back to Chinese.
func (c Config) text(key, lang string) string {
	if t, ok := c.Templates[key]; ok {
		if s := pick(t, lang); s != "" {
			return s
		}
	}
	return pick(catalogue[key].texts, lang)
}

// render fills the shop's text of key with fields.
func (c Config) render(key, lang string, fields map[string]string) string {
	s := c.text(key, lang)
	if len(fields) == 0 {
		return s
	}
	pairs := make([]string, 0, 2*len(fields))
	for k, v := range fields {
		pairs = append(pairs, "{"+k+"}", v)
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// pick is the text in lang, else Chinese, else any.
func pick(t Texts, lang string) string {
	if s := t[lang]; s != "" {
		return s
	}
	if s := t["zh-CN"]; s != "" {
		return s
	}
	for _, s := range t {
		return s
	}
	return ""
}

// separator joins list items in lang: 、 in Chinese, a comma in English.
func separator(lang string) string {
	if lang == "en" {
		return ", "
	}
	return "、"
}

// placeholder finds {name} fields in a template.
var placeholder = regexp.MustCompile(`\{([a-z_]+)\}`)
