package nlp

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Entity kinds.
const (
	EntityOrderNumber = "order_number"
	EntityPhone       = "phone"
	EntityTracking    = "tracking_number"
	EntitySize        = "size"
	EntityColour      = "colour"
	EntityHeight      = "height" // Value in centimetres, e.g. "170cm"
	EntityWeight      = "weight" // Value in kilograms, e.g. "60kg"
	EntityQuantity    = "quantity"
	EntityMoney       = "money" // Value like "99.9 CNY" or "20 USD"
	EntityDate        = "date"
)

// Entity is a piece of information found in a message.
type Entity struct {
	Kind  string `json:"kind"`
	Text  string `json:"text"`  // as written (after width and case normalisation)
	Value string `json:"value"` // normalised
	Start int    `json:"start"` // byte offset in the normalised text
}

// defaultOrderNumber matches the long digit strings marketplaces use.
var defaultOrderNumber = regexp.MustCompile(`\d{12,24}`)

var (
	rePhone       = regexp.MustCompile(`(?:\+?86[- ]?)?1[3-9]\d{9}`)
	reTrackPrefix = regexp.MustCompile(`\b(?:sf|yt|zt|jt|jd|yd|sto|ems|ttk|db|ups|dhl|1z)[a-z0-9]{0,3}\d{8,18}\b`)
	reLongDigits  = regexp.MustCompile(`\d{10,24}`)
	reTrackHint   = regexp.MustCompile(`(快递|物流|运单|tracking|waybill)[^订]{0,6}$`)
	reMoney       = regexp.MustCompile(`(?:(¥|￥|\$|rmb|usd|cny)\s*(\d+(?:\.\d+)?))|(?:(\d+(?:\.\d+)?)\s*(元|块钱|块|rmb|yuan|dollars?|usd|bucks))`)
	reDate        = regexp.MustCompile(`\d{4}[-/年.]\d{1,2}[-/月.]\d{1,2}[日号]?|\d{1,2}月\d{1,2}[日号]?|\d{1,2}/\d{1,2}|今天|明天|后天|昨天|前天|大后天|下周[一二三四五六日天]?|这周[一二三四五六日天]?|周[一二三四五六日天]|星期[一二三四五六日天]|\b(?:today|tomorrow|yesterday|tonight|(?:next |this |last )?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|week))\b`)
	reHeightZh    = regexp.MustCompile(`(?:身高|高)\s*(\d{2,3}(?:\.\d)?|\d\.\d{1,2})\s*(cm|厘米|公分|米|m)?|(\d{3}(?:\.\d)?)\s*(cm|厘米|公分)|(1)\s*米\s*(\d{1,2})|(1\.\d{1,2})\s*(?:m|米)\b`)
	reHeightFt    = regexp.MustCompile(`\b(\d)\s*(?:ft|feet|foot|')\s*(?:(\d{1,2})\s*(?:in|inch|inches|"|'')?)?`)
	reWeight      = regexp.MustCompile(`(?:体重|重)\s*(\d{2,3}(?:\.\d)?)\s*(斤|kg|公斤|千克|lbs?|pounds?)?|(\d{2,3}(?:\.\d)?)\s*(斤|kg|公斤|千克|lbs?|pounds?)`)
	reSize        = regexp.MustCompile(`\b(xxxl|xxl|xl|[2-5]xl|xs|s|m|l)\b(?:\s*(?:码|号|size))?|均码|(?:加大|特大)码|\b(3[4-9]|4[0-6])\s*(?:码|号)|\b(?:size|eu|us|uk)\s*(\d{1,2}(?:\.5)?)\b`)
	reQuantity    = regexp.MustCompile(`(\d+|[一二两三四五六七八九十]+)\s*(件|个|双|条|套|盒|瓶|包|箱|份|只|袋|台|张|pcs|pieces?|items?|pairs?|boxes|box|bottles?)`)
)

// colours maps colour words to a canonical English name. Longer words are
// tried first so 酒红色 is not read as 红色.
var colours = map[string]string{
	"黑色": "black", "白色": "white", "红色": "red", "蓝色": "blue", "绿色": "green", "黄色": "yellow",
	"紫色": "purple", "粉色": "pink", "粉红色": "pink", "灰色": "grey", "棕色": "brown", "咖啡色": "brown",
	"橙色": "orange", "米色": "beige", "米白": "off-white", "卡其色": "khaki", "卡其": "khaki",
	"藏青": "navy", "藏青色": "navy", "藏蓝": "navy", "深蓝": "navy", "浅蓝": "light blue", "天蓝": "sky blue",
	"酒红": "burgundy", "酒红色": "burgundy", "墨绿": "dark green", "军绿": "army green", "银色": "silver",
	"金色": "gold", "玫红": "rose", "杏色": "apricot", "驼色": "camel", "花色": "floral", "透明": "clear",
	"black": "black", "white": "white", "red": "red", "blue": "blue", "green": "green", "yellow": "yellow",
	"purple": "purple", "pink": "pink", "grey": "grey", "gray": "grey", "brown": "brown", "orange": "orange",
	"beige": "beige", "khaki": "khaki", "navy": "navy", "silver": "silver", "gold": "gold", "burgundy": "burgundy",
}

var colourWords = func() []string {
	ws := make([]string, 0, len(colours))
	for w := range colours {
		ws = append(ws, w)
	}
	sort.Slice(ws, func(i, j int) bool { return len(ws[i]) > len(ws[j]) || len(ws[i]) == len(ws[j]) && ws[i] < ws[j] })
	return ws
}()

// entityExtractor finds entities; only the order number format varies by shop.
type entityExtractor struct {
	order *regexp.Regexp
}

// newEntityExtractor compiles the shop's order number pattern to match
// case-insensitively, since entities are read from lower-cased text.
func newEntityExtractor(order *regexp.Regexp) *entityExtractor {
	if order == nil {
		return &entityExtractor{order: defaultOrderNumber}
	}
	if re, err := regexp.Compile("(?i)" + order.String()); err == nil {
		order = re
	}
	return &entityExtractor{order: order}
}

// prepare normalises width, case and script but, unlike Normalize, keeps
// punctuation, which entities need (5'9", ¥99.9, 2024-06-18).
func prepare(text string) string {
	s := strings.ToLower(norm.NFKC.String(text))
	return strings.Map(func(r rune) rune {
		if v, ok := t2s[r]; ok {
			return v
		}
		return r
	}, s)
}

// extract returns the entities of text in order of appearance. Each byte of
// the text belongs to at most one entity; more specific kinds claim first.
func (x *entityExtractor) extract(text string) []Entity {
	s := prepare(text)
	taken := make([]bool, len(s)+1)
	var out []Entity
	claim := func(kind string, start, end int, value string) bool {
		for i := start; i < end; i++ {
			if taken[i] {
				return false
			}
		}
		for i := start; i < end; i++ {
			taken[i] = true
		}
		out = append(out, Entity{Kind: kind, Text: s[start:end], Value: value, Start: start})
		return true
	}
	x.numbers(s, claim)
	for _, m := range reMoney.FindAllStringSubmatchIndex(s, -1) {
		claim(EntityMoney, m[0], m[1], moneyValue(s, m))
	}
	for _, m := range reDate.FindAllStringIndex(s, -1) {
		claim(EntityDate, m[0], m[1], s[m[0]:m[1]])
	}
	bodyMeasures(s, claim)
	for _, m := range reSize.FindAllStringSubmatchIndex(s, -1) {
		if m[0] > 0 && s[m[0]-1] == '\'' {
			continue // the s of "it's"
		}
		claim(EntitySize, m[0], m[1], sizeValue(s, m))
	}
	for _, m := range reQuantity.FindAllStringSubmatchIndex(s, -1) {
		claim(EntityQuantity, m[0], m[1], strconv.Itoa(chineseNumber(s[m[2]:m[3]])))
	}
	for _, w := range colourWords {
		for from := 0; ; {
			i := strings.Index(s[from:], w)
			if i < 0 {
				break
			}
			i += from
			if hasHan(w) || wordBoundary(s, i, i+len(w)) {
				claim(EntityColour, i, i+len(w), colours[w])
			}
			from = i + len(w)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start < out[j].Start })
	return out
}

// numbers finds phone, tracking and order numbers. A bare digit string is a
// tracking number when the words just before it say so, else an order number
// if it fits the shop's format.
func (x *entityExtractor) numbers(s string, claim func(string, int, int, string) bool) {
	for _, m := range x.order.FindAllStringIndex(s, -1) {
		if x.order != defaultOrderNumber && !reTrackHint.MatchString(s[:m[0]]) {
			claim(EntityOrderNumber, m[0], m[1], strings.ToUpper(s[m[0]:m[1]]))
		}
	}
	for _, m := range rePhone.FindAllStringIndex(s, -1) {
		if digitBoundary(s, m[0], m[1]) {
			claim(EntityPhone, m[0], m[1], s[m[1]-11:m[1]])
		}
	}
	for _, m := range reTrackPrefix.FindAllStringIndex(s, -1) {
		claim(EntityTracking, m[0], m[1], strings.ToUpper(s[m[0]:m[1]]))
	}
	for _, m := range reLongDigits.FindAllStringIndex(s, -1) {
		if !digitBoundary(s, m[0], m[1]) {
			continue
		}
		v := s[m[0]:m[1]]
		switch {
		case reTrackHint.MatchString(s[:m[0]]):
			claim(EntityTracking, m[0], m[1], v)
		case x.order == defaultOrderNumber && x.order.MatchString(v):
			claim(EntityOrderNumber, m[0], m[1], v)
		}
	}
}

func digitBoundary(s string, start, end int) bool {
	return (start == 0 || s[start-1] < '0' || s[start-1] > '9') && (end == len(s) || s[end] < '0' || s[end] > '9')
}

func wordBoundary(s string, start, end int) bool {
	isWord := func(b byte) bool { return b < 0x80 && (unicode.IsLetter(rune(b)) || unicode.IsDigit(rune(b))) }
	return (start == 0 || !isWord(s[start-1])) && (end == len(s) || !isWord(s[end]))
}
