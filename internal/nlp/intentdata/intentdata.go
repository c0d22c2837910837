// Package intentdata holds the built-in intent corpus of the answer engine:
// example buyer messages in Chinese and English, written by the xiaoer
// authors for this project, and the list of intents with their category and
// priority.
package intentdata

import _ "embed"

// Train is the training corpus: a line "[intent]" starts the examples of
// an intent, then one example a line. Other lines starting with # are
// comments.
//
//go:embed train.txt
var Train string

// Intent describes one built-in intent.
type Intent struct {
	ID string
	// Category groups intents for routing: presale, shipping, order,
	// aftersale, chat or handoff.
	Category string
	// Priority orders intents when a conversation needs attention: 1 is the
	// most urgent.
	Priority int
}

// Intents lists the built-in intents. Complaints and quality problems come
// first because an unhappy buyer must not wait.
var Intents = []Intent{
	{"complaint", "handoff", 1},
	{"aftersale.quality", "aftersale", 1},
	{"human", "handoff", 2},
	{"aftersale.refund_status", "aftersale", 2},
	{"aftersale.return", "aftersale", 2},
	{"aftersale.exchange", "aftersale", 2},
	{"order.urge", "order", 2},
	{"order.cancel", "order", 3},
	{"order.modify", "order", 3},
	{"order.logistics", "order", 3},
	{"order.status", "order", 3},
	{"payment", "order", 3},
	{"invoice", "order", 4},
	{"shipping.time", "shipping", 4},
	{"shipping.courier", "shipping", 4},
	{"shipping.fee", "shipping", 4},
	{"shipping.area", "shipping", 4},
	{"product.stock", "presale", 4},
	{"product.spec", "presale", 4},
	{"product.size", "presale", 4},
	{"product.recommend", "presale", 5},
	{"price.bargain", "presale", 5},
	{"promo", "presale", 5},
	{"greeting", "chat", 6},
	{"thanks", "chat", 6},
	{"goodbye", "chat", 6},
	{"other", "chat", 7},
}
