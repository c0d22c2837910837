package bot

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

// Limits of canned replies (快捷短语).
const (
	MaxCannedShop   = 500 // per shop
	MaxCannedAgent  = 100 // per agent's own
	maxCannedBody   = 1000
	maxCannedTitle  = 50
	maxShortcutRune = 20
)

// CannedVariables are what a canned reply may hold as {name}, filled for
// the conversation it is sent in.
var CannedVariables = []string{"buyer_name", "order_no", "agent_name", "shop_name"}

// shortcut is what an agent types after "/" to find a reply: letters,
// digits, _ and -.
var shortcut = regexp.MustCompile(`^[\p{L}\p{N}_-]+$`)

// CannedInput is a canned reply as an agent or admin writes it.
type CannedInput struct {
	Shortcut string `json:"shortcut"`
	Title    string `json:"title"`
	Body     string `json:"body"`
}

// Validate checks a canned reply; the error names the field.
func (in CannedInput) Validate() error {
	if n := utf8.RuneCountInString(in.Shortcut); n == 0 || n > maxShortcutRune || !shortcut.MatchString(in.Shortcut) {
		return fieldErr("shortcut", "a shortcut is 1-%d letters, digits, _ or -", maxShortcutRune)
	}
	if utf8.RuneCountInString(in.Title) > maxCannedTitle {
		return fieldErr("title", "a title is at most %d characters", maxCannedTitle)
	}
	if strings.TrimSpace(in.Body) == "" || utf8.RuneCountInString(in.Body) > maxCannedBody {
		return fieldErr("body", "a reply is 1-%d characters", maxCannedBody)
	}
	for _, m := range placeholder.FindAllStringSubmatch(in.Body, -1) {
		if !slices.Contains(CannedVariables, m[1]) {
			return fieldErr("body", "unknown variable {%s}; use %s", m[1], fieldList(CannedVariables))
		}
	}
	return nil
}

// CannedValues fill a canned reply's variables.
type CannedValues struct {
	BuyerName string `json:"buyer_name"`
	OrderNo   string `json:"order_no"`
	AgentName string `json:"agent_name"`
	ShopName  string `json:"shop_name"`
}

// Render fills the variables of a canned reply; one without a value is
// left out.
func (v CannedValues) Render(body string) string {
	return strings.NewReplacer("{buyer_name}", v.BuyerName, "{order_no}", v.OrderNo, "{agent_name}", v.AgentName,
		"{shop_name}", v.ShopName).Replace(body)
}

// CannedValues are the values of a conversation for the agent: the buyer's
// name, the order the conversation is about (the bot's focus, else the
// buyer's newest), the agent's and the shop's names.
func (b *Bot) CannedValues(ctx context.Context, shop model.Shop, c model.Conversation, agent model.Account) CannedValues {
	v := CannedValues{AgentName: firstNonEmpty(agent.DisplayName, agent.Username), ShopName: shop.Name}
	buyer, err := b.st.GetBuyer(ctx, shop.ID, c.BuyerID)
	if err != nil {
		return v
	}
	v.BuyerName = buyer.Nickname
	if !buyer.Verified() {
		return v
	}
	if cc, _, err := b.loadContext(ctx, shop.ID, c.ID); err == nil && cc.FocusOrder != "" {
		v.OrderNo = cc.FocusOrder
		return v
	}
	if orders, err := b.data.BuyerOrders(ctx, shop, buyer.ExternalID, 1); err == nil && len(orders) > 0 {
		v.OrderNo = orders[0].ExternalID
	}
	return v
}
